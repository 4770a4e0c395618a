package dev.ksim.dsl;

import dev.ksim.dsl.internal.Values;
import dev.ksim.engine.ipc.IpcLimits;
import dev.ksim.engine.ipc.IpcSpec;
import dev.ksim.engine.model.PluginRef;
import dev.ksim.engine.model.SourceRef;
import dev.ksim.spi.PluginKind;
import groovy.lang.Closure;
import groovy.lang.DelegatesTo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code ipc { transport 'bus1'; accounting 'quota-n1'; user 'root', uid: 0; peer('agent', user: 'root') { serve every: 20.us } }}:
 * a bus1-style IPC system. Users are single uids ({@code user}), uid ranges ({@code users}) or
 * containers with a sub-uid range owned by another user ({@code container}); every uid is its own
 * accounting user. {@code limits { }} sets the per-user limits (defaults 16384 slices, 65536
 * handles, 16 MiB, 4096 fds), {@code peerLimits { }} the per-peer ones (default: the user limits).
 */
public final class IpcBlock extends Block {
    static final String DEFAULT_TRANSPORT = "bus1";
    static final Map<String, String> SETTINGS = usage(
            "transport", "transport 'bus1'",
            "accounting", "accounting 'quota-n1'",
            "limits", "limits { slices 1024; bytes 1.MiB }",
            "peerLimits", "peerLimits { slices 256 }",
            "user", "user 'root', uid: 0",
            "users", "users 'colluders', uid: 1000, count: 10",
            "container", "container 'box', owner: 'mallory', uid: 100000, subuids: 65536",
            "peer", "peer('agent', user: 'root') { serve every: 20.us, reply: 256.B }");

    private PluginRef transportRef;
    private boolean transportSeen;
    private PluginRef accountingRef;
    private boolean accountingSeen;
    private final LimitsBlock userLimits;
    private final LimitsBlock peerLimits;
    private final List<IpcSpec.User> users = new ArrayList<>();
    private final List<IpcPeerBlock> peers = new ArrayList<>();

    IpcBlock(Evaluation ev, SourceRef where) {
        super(ev, where);
        userLimits = new LimitsBlock(ev, where, "limits", IpcLimits.USER_DEFAULTS);
        peerLimits = new LimitsBlock(ev, where, "peerLimits", IpcLimits.USER_DEFAULTS);
    }

    @Override
    String blockName() {
        return "ipc";
    }

    @Override
    Map<String, String> settings() {
        return SETTINGS;
    }

    public void transport(Object id) {
        transport(Map.of(), id);
    }

    public void transport(Map<?, ?> options, Object id) {
        transportSeen = true;
        transportRef = pluginArg(PluginKind.IPC_TRANSPORT, id, options);
    }

    public void accounting(Object id) {
        accounting(Map.of(), id);
    }

    public void accounting(Map<?, ?> options, Object id) {
        accountingSeen = true;
        accountingRef = pluginArg(PluginKind.IPC_ACCOUNTING_POLICY, id, options);
    }

    public void limits(@DelegatesTo(value = LimitsBlock.class, strategy = Closure.DELEGATE_ONLY) Closure<?> body) {
        within(userLimits, body);
    }

    public void peerLimits(@DelegatesTo(value = LimitsBlock.class, strategy = Closure.DELEGATE_ONLY) Closure<?> body) {
        within(peerLimits, body);
    }

    /** One uid. */
    public void user(Map<?, ?> args, Object name) {
        addUser("user", args, name, List.of("uid"), false);
    }

    /** A range of {@code count} uids from {@code uid}, each its own user for accounting. */
    public void users(Map<?, ?> args, Object name) {
        addUser("users", args, name, List.of("uid", "count"), false);
    }

    /** A container: {@code subuids} uids from {@code uid}, owned by the user {@code owner}. */
    public void container(Map<?, ?> args, Object name) {
        addUser("container", args, name, List.of("uid", "subuids", "owner"), true);
    }

    private void addUser(String word, Map<?, ?> args, Object name, List<String> allowed, boolean container) {
        SourceRef at = ev.here();
        String text = nameArg(word, name);
        Long uid = null;
        long count = 1;
        String owner = null;
        boolean ok = text != null;
        for (Map.Entry<?, ?> e : args.entrySet()) {
            String key = String.valueOf(e.getKey());
            if (!allowed.contains(key)) {
                report("unknown argument '" + key + "' of " + word + Values.suggest(key, allowed) + " arguments: " + String.join(", ", allowed));
                ok = false;
                continue;
            }
            switch (key) {
                case "uid" -> uid = integerArg("uid", e.getValue(), 0);
                case "count", "subuids" -> {
                    Long n = integerArg(key, e.getValue(), 1);
                    if (n == null) {
                        ok = false;
                    } else {
                        count = n;
                    }
                }
                default -> owner = nameArg("owner", e.getValue());
            }
        }
        if (uid == null) {
            report(word + " '" + text + "' needs a uid: " + SETTINGS.get(word));
            ok = false;
        }
        if (container && owner == null) {
            report("container '" + text + "' needs an owner: " + SETTINGS.get("container"));
            ok = false;
        }
        if (ok) {
            users.add(new IpcSpec.User(text, uid, count, owner, at));
        }
    }

    /** A peer (or {@code count} alike peers) of a user, with its behaviours. */
    public void peer(Map<?, ?> args, Object name, @DelegatesTo(value = IpcPeerBlock.class, strategy = Closure.DELEGATE_ONLY) Closure<?> body) {
        SourceRef at = ev.here();
        String text = nameArg("peer", name);
        if (text == null) {
            return;
        }
        IpcPeerBlock p = new IpcPeerBlock(ev, at, text);
        for (Map.Entry<?, ?> e : args.entrySet()) {
            String key = String.valueOf(e.getKey());
            switch (key) {
                case "user" -> p.user = nameArg("user", e.getValue());
                case "count" -> {
                    Long n = integerArg("count", e.getValue(), 1);
                    if (n != null) {
                        p.count = n;
                    }
                }
                default -> report("unknown argument '" + key + "' of peer(...)" + Values.suggest(key, List.of("user", "count"))
                        + " arguments: user, count");
            }
        }
        if (p.user == null) {
            report("peer '" + text + "' needs a user: peer('" + text + "', user: 'root') { ... }");
        }
        peers.add(within(p, body));
    }

    public void peer(Map<?, ?> args, Object name) {
        peer(args, name, null);
    }

    IpcSpec build() {
        PluginRef transport = transportSeen ? transportRef : defaultPlugin(PluginKind.IPC_TRANSPORT, DEFAULT_TRANSPORT, "transport", where);
        if (!accountingSeen && !dirty) {
            report(where, "ipc {} needs an accounting policy: accounting 'quota-n1'; available: " + ev.plugins.available(PluginKind.IPC_ACCOUNTING_POLICY));
        }
        List<IpcSpec.Peer> specs = new ArrayList<>();
        for (IpcPeerBlock p : peers) {
            IpcSpec.Peer s = p.build();
            if (s != null) {
                specs.add(s);
            }
        }
        IpcLimits ul = userLimits.build();
        IpcLimits pl = peerLimits.build();
        if (transport == null || accountingRef == null || ul == null || pl == null) {
            return null;
        }
        return new IpcSpec(transport, accountingRef, ul, pl, users, specs, where);
    }

    /** {@code limits { slices 1024; handles 4096; bytes 1.MiB; fds 256 }}: each limit ≥ 1. */
    public static final class LimitsBlock extends Block {
        static final Map<String, String> SETTINGS = usage("slices", "slices 16384", "handles", "handles 65536",
                "bytes", "bytes 16.MiB", "fds", "fds 4096");
        private final String name;
        private long slices;
        private long handles;
        private long bytes;
        private long fds;
        private boolean bad;

        LimitsBlock(Evaluation ev, SourceRef where, String name, IpcLimits defaults) {
            super(ev, where);
            this.name = name;
            slices = defaults.slices();
            handles = defaults.handles();
            bytes = defaults.bytes();
            fds = defaults.fds();
        }

        @Override
        String blockName() {
            return name;
        }

        @Override
        Map<String, String> settings() {
            return SETTINGS;
        }

        private long positive(String setting, Long v) {
            if (v == null) {
                bad = true;
                return 1;
            }
            return v;
        }

        public void slices(Object n) {
            slices = positive("slices", integerArg("slices", n, 1));
        }

        public void handles(Object n) {
            handles = positive("handles", integerArg("handles", n, 1));
        }

        public void fds(Object n) {
            fds = positive("fds", integerArg("fds", n, 1));
        }

        public void bytes(Object size) {
            Long b = sizeArg("bytes", size);
            if (b != null && b < 1) {
                report(what("bytes") + " must be at least 1 byte, got " + b);
                b = null;
            }
            bytes = positive("bytes", b);
        }

        IpcLimits build() {
            return bad ? null : new IpcLimits(slices, handles, bytes, fds);
        }
    }
}

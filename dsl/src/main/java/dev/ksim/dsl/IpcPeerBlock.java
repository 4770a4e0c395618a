package dev.ksim.dsl;

import dev.ksim.dsl.internal.Values;
import dev.ksim.engine.ipc.IpcSpec;
import dev.ksim.engine.ipc.IpcSpec.Kind;
import dev.ksim.engine.model.SourceRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code peer('client', user: 'alice', count: 8) { rpc 'agent', every: 1.ms, request: 128.B, reply: 256.B, timeout: 5.ms }}:
 * what a peer does. Behaviours (each may take {@code start:} and {@code stop:} times):
 * <ul>
 * <li>{@code serve every: X, reply: Y} — RECV one entry every X, answer calls with Y bytes;</li>
 * <li>{@code rpc 'peer', every: X, request: B, reply: Y, timeout: T} — a call: request and response;</li>
 * <li>{@code flood 'peer', rate: N, bytes: B} — N messages per second (or {@code every: X});</li>
 * <li>{@code multicast ['a', 'b'], every: X, bytes: B} — one atomic multicast to every peer named;</li>
 * <li>{@code share to: ['a'], at: T} — send a handle to this peer's object node;
 *     {@code forward to: ['b']} — pass received handles on; {@code write every: X, bytes: B} — send to every
 *     object node learned (also after releasing it); {@code destroy at: T} — destroy the object node;</li>
 * <li>{@code relay to: ['b'], bytes: B, hops: H} — on receiving a multicast or relayed message less
 *     than H relays deep (default 8), multicast a new one to every member of the groups: a causal chain;</li>
 * <li>{@code reads false} — never dequeue anything (the default is to read as entries arrive).</li>
 * </ul>
 * Peer names are checked by the engine (unknown peer, with did-you-mean).
 */
public final class IpcPeerBlock extends Block {
    static final Map<String, String> SETTINGS = usage(
            "serve", "serve every: 20.us, reply: 256.B",
            "rpc", "rpc 'agent', every: 1.ms, request: 128.B, reply: 256.B, timeout: 5.ms",
            "flood", "flood 'agent', rate: 100_000, bytes: 64.B",
            "multicast", "multicast ['a', 'b'], every: 100.us, bytes: 64.B",
            "share", "share to: ['a'], at: 1.ms",
            "forward", "forward to: ['b']",
            "write", "write every: 100.us, bytes: 64.B",
            "destroy", "destroy at: 5.ms",
            "relay", "relay to: ['b'], bytes: 64.B, hops: 2",
            "reads", "reads false");
    static final List<String> OPTIONS = List.of("every", "rate", "bytes", "request", "reply", "timeout", "start", "stop", "at", "to", "hops");
    /** Default depth of a relay chain. */
    static final int DEFAULT_HOPS = 8;

    final String peerName;
    String user;
    long count = 1;
    private boolean reads = true;
    private final List<IpcSpec.Behaviour> behaviours = new ArrayList<>();

    IpcPeerBlock(Evaluation ev, SourceRef where, String name) {
        super(ev, where);
        this.peerName = name;
    }

    @Override
    String blockName() {
        return "peer";
    }

    @Override
    Map<String, String> settings() {
        return SETTINGS;
    }

    public void reads(Object value) {
        if (value instanceof Boolean b) {
            reads = b;
        } else {
            report(what("reads") + " expects true or false, got " + Values.describe(value));
        }
    }

    public void serve(Map<?, ?> opts) {
        add(Kind.SERVE, List.of(), opts, "serve");
    }

    /** A call (request and response); named {@code rpc} because {@code call} is every Groovy closure's own method. */
    public void rpc(Map<?, ?> opts, Object target) {
        add(Kind.CALL, targets("rpc", target), opts, "rpc");
    }

    public void flood(Map<?, ?> opts, Object target) {
        add(Kind.FLOOD, targets("flood", target), opts, "flood");
    }

    public void multicast(Map<?, ?> opts, Object group) {
        add(Kind.MULTICAST, targets("multicast", group), opts, "multicast");
    }

    public void share(Map<?, ?> opts) {
        add(Kind.SHARE, null, opts, "share");
    }

    public void forward(Map<?, ?> opts) {
        add(Kind.FORWARD, null, opts, "forward");
    }

    /** Named {@code write} because {@code use} is every Groovy object's own method (categories). */
    public void write(Map<?, ?> opts) {
        add(Kind.WRITE, List.of(), opts, "write");
    }

    public void destroy(Map<?, ?> opts) {
        add(Kind.DESTROY, List.of(), opts, "destroy");
    }

    public void relay(Map<?, ?> opts) {
        add(Kind.RELAY, null, opts, "relay");
    }

    private List<String> targets(String word, Object v) {
        List<Object> list = Values.asList(v);
        if (list == null) {
            list = List.of(v);
        }
        List<String> out = new ArrayList<>();
        for (Object o : list) {
            String s = nameArg(word, o);
            if (s != null) {
                out.add(s);
            }
        }
        return out;
    }

    private void add(Kind kind, List<String> targets, Map<?, ?> opts, String word) {
        SourceRef at = ev.here();
        long period = 0;
        long bytes = 0;
        long reply = 0;
        long timeout = 0;
        long start = 0;
        long stop = 0;
        int hops = kind == Kind.RELAY ? DEFAULT_HOPS : 0;
        List<String> to = targets;
        boolean ok = true;
        for (Map.Entry<?, ?> e : opts.entrySet()) {
            String key = String.valueOf(e.getKey());
            Object v = e.getValue();
            switch (key) {
                case "every" -> {
                    Long ns = positiveDurationArg("every", v);
                    ok &= ns != null;
                    period = ns == null ? 0 : ns;
                }
                case "rate" -> {
                    if (v instanceof Number n && n.doubleValue() > 0 && n.doubleValue() <= 1e9) {
                        period = Math.max(1, Math.round(1e9 / n.doubleValue()));
                    } else {
                        report(word + " rate must be a number of messages per second in (0, 1e9], got " + Values.describe(v));
                        ok = false;
                    }
                }
                case "bytes", "request" -> {
                    Long b = sizeArg(key, v);
                    ok &= b != null;
                    bytes = b == null ? 0 : b;
                }
                case "reply" -> {
                    Long b = sizeArg(key, v);
                    ok &= b != null;
                    reply = b == null ? 0 : b;
                }
                case "timeout" -> {
                    Long ns = positiveDurationArg("timeout", v);
                    ok &= ns != null;
                    timeout = ns == null ? 0 : ns;
                }
                case "start", "at" -> {
                    Long ns = durationArg(key, v);
                    ok &= ns != null;
                    start = ns == null ? 0 : ns;
                }
                case "stop" -> {
                    Long ns = positiveDurationArg("stop", v);
                    ok &= ns != null;
                    stop = ns == null ? 0 : ns;
                }
                case "hops" -> {
                    if (kind != Kind.RELAY) {
                        report("'hops:' is for relay only; write e.g. " + SETTINGS.get("relay"));
                        ok = false;
                    } else {
                        Long n = integerArg("hops", v, 1);
                        ok &= n != null;
                        hops = n == null ? 1 : (int) Math.min(Integer.MAX_VALUE, n);
                    }
                }
                case "to" -> {
                    if (targets != null) {
                        report("'to:' is for share, forward and relay; " + word + " names its target first: " + SETTINGS.get(word));
                        ok = false;
                    } else {
                        to = targets(word, v);
                    }
                }
                default -> {
                    report("unknown option '" + key + "' of " + word + Values.suggest(key, OPTIONS) + " write e.g. " + SETTINGS.get(word));
                    ok = false;
                }
            }
        }
        if (to == null) {
            report(word + " needs 'to:', e.g. " + SETTINGS.get(word));
            ok = false;
        }
        boolean periodic = kind == Kind.SERVE || kind == Kind.CALL || kind == Kind.FLOOD || kind == Kind.MULTICAST || kind == Kind.WRITE;
        if (ok && periodic && period == 0) {
            report(word + " needs how often: every: 100.us" + (kind == Kind.FLOOD ? " or rate: 10_000" : "") + ", e.g. " + SETTINGS.get(word));
            ok = false;
        }
        if (ok) {
            behaviours.add(new IpcSpec.Behaviour(kind, to, period, bytes, reply, timeout, start, stop, hops, at));
        }
    }

    IpcSpec.Peer build() {
        if (user == null) {
            return null;
        }
        return new IpcSpec.Peer(peerName, user, count, reads, behaviours, where);
    }
}

package dev.ksim.engine.ipc;

import dev.ksim.engine.model.Diagnostic;
import dev.ksim.engine.model.SourceRef;
import dev.ksim.engine.util.Suggestions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Check-time validation of an {@link IpcSpec}: names are unique, every user a peer runs as and
 * every target a behaviour names exists (with did-you-mean), uid ranges do not overlap, counts are
 * ≥ 1, and every behaviour's period can be met by one peer at the scenario's costs (a peer is one
 * thread: an operation must fit within its period). Every problem is reported, located.
 */
public final class IpcValidator {
    /** At most this many peers in one run (each is a queue, a node and per-run state). */
    public static final long MAX_PEERS = 100_000;
    /** At most this many uids in one run (each is an accounting user). */
    public static final long MAX_UIDS = 1L << 20;

    private IpcValidator() {
    }

    public static List<Diagnostic> validate(IpcSpec spec, Map<String, Long> costOverrides) {
        List<Diagnostic> out = new ArrayList<>();
        IpcCosts costs;
        try {
            costs = IpcCosts.of(costOverrides);
        } catch (IllegalArgumentException e) {
            costs = IpcCosts.of(Map.of());
        }
        if (spec.transport() == null) {
            out.add(new Diagnostic(at(spec.where()), "ipc {} has no transport; add e.g. transport 'bus1'"));
        }
        if (spec.accounting() == null) {
            out.add(new Diagnostic(at(spec.where()), "ipc {} has no accounting policy; add e.g. accounting 'quota-n1'"));
        }
        Map<String, IpcSpec.User> users = new LinkedHashMap<>();
        long uids = 0;
        List<long[]> ranges = new ArrayList<>();
        List<String> rangeNames = new ArrayList<>();
        for (IpcSpec.User u : spec.users()) {
            if (users.putIfAbsent(u.name(), u) != null) {
                out.add(new Diagnostic(at(u.where()), "user '" + u.name() + "' is declared twice"));
                continue;
            }
            if (u.count() < 1 || u.uid() < 0 || u.uid() + u.count() - 1 > 0xffff_fffeL) {
                out.add(new Diagnostic(at(u.where()), "user '" + u.name() + "' needs uids in 0..4294967294 and a count >= 1, got uid "
                        + u.uid() + " count " + u.count()));
                continue;
            }
            uids += u.count();
            for (int i = 0; i < ranges.size(); i++) {
                long[] r = ranges.get(i);
                if (u.uid() < r[1] && r[0] < u.uid() + u.count()) {
                    out.add(new Diagnostic(at(u.where()), "uids of '" + u.name() + "' (" + u.uid() + ".." + (u.uid() + u.count() - 1)
                            + ") overlap those of '" + rangeNames.get(i) + "'"));
                }
            }
            ranges.add(new long[] {u.uid(), u.uid() + u.count()});
            rangeNames.add(u.name());
        }
        if (uids > MAX_UIDS) {
            out.add(new Diagnostic(at(spec.where()), "ipc {} declares " + uids + " uids; at most " + MAX_UIDS + " are supported"));
        }
        for (IpcSpec.User u : spec.users()) {
            if (u.owner() != null && !users.containsKey(u.owner())) {
                out.add(new Diagnostic(at(u.where()), "container '" + u.name() + "' is owned by unknown user '" + u.owner() + "'"
                        + Suggestions.didYouMean(u.owner(), users.keySet())));
            }
        }
        Map<String, IpcSpec.Peer> peers = new HashMap<>();
        long peerCount = 0;
        for (IpcSpec.Peer p : spec.peers()) {
            if (peers.putIfAbsent(p.name(), p) != null) {
                out.add(new Diagnostic(at(p.where()), "peer '" + p.name() + "' is declared twice"));
            }
            if (p.count() < 1) {
                out.add(new Diagnostic(at(p.where()), "peer '" + p.name() + "' count must be >= 1, got " + p.count()));
            }
            peerCount += Math.max(0, p.count());
            if (!users.containsKey(p.user())) {
                out.add(new Diagnostic(at(p.where()), "peer '" + p.name() + "' runs as unknown user '" + p.user() + "'"
                        + Suggestions.didYouMean(p.user(), users.keySet()) + (users.isEmpty() ? "; declare it: user 'name', uid: 1000" : "")));
            }
        }
        if (peerCount > MAX_PEERS) {
            out.add(new Diagnostic(at(spec.where()), "ipc {} declares " + peerCount + " peers; at most " + MAX_PEERS + " are supported"));
        }
        if (spec.peers().isEmpty()) {
            out.add(new Diagnostic(at(spec.where()), "ipc {} has no peer; add e.g. peer('agent', user: 'root') { serve every: 10.us }"));
        }
        Set<String> names = new TreeSet<>(peers.keySet());
        for (IpcSpec.Peer p : spec.peers()) {
            for (IpcSpec.Behaviour b : p.behaviours()) {
                SourceRef w = at(b.where());
                for (String t : b.targets()) {
                    if (!peers.containsKey(t)) {
                        out.add(new Diagnostic(w, "peer '" + p.name() + "' " + word(b) + " unknown peer '" + t + "'" + Suggestions.didYouMean(t, names)
                                + "; peers: " + String.join(", ", names)));
                    }
                }
                if (b.periodNs() < 0 || b.bytes() < 0 || b.replyBytes() < 0 || b.timeoutNs() < 0 || b.startNs() < 0) {
                    out.add(new Diagnostic(w, "peer '" + p.name() + "': " + word(b) + " values must be >= 0"));
                    continue;
                }
                long cost = operationCost(b, costs);
                if (needsPeriod(b.kind()) && b.periodNs() < cost) {
                    out.add(new Diagnostic(w, "peer '" + p.name() + "': " + word(b) + " every " + b.periodNs() + " ns cannot be met: one "
                            + word(b) + " costs " + cost + " ns of the peer's time (at most "
                            + (1_000_000_000L / Math.max(1, cost)) + " per second)"));
                }
                if (b.kind() == IpcSpec.Kind.CALL && b.timeoutNs() == 0) {
                    out.add(new Diagnostic(w, "peer '" + p.name() + "': rpc needs a timeout, e.g. timeout: 10.ms"));
                }
                if (b.kind() == IpcSpec.Kind.RELAY && b.hops() < 1) {
                    out.add(new Diagnostic(w, "peer '" + p.name() + "': relay hops must be >= 1, got " + b.hops()));
                }
                if ((b.kind() == IpcSpec.Kind.MULTICAST || b.kind() == IpcSpec.Kind.RELAY) && b.targets().size() < 1) {
                    out.add(new Diagnostic(w, "peer '" + p.name() + "': multicast needs a group of peers"));
                }
            }
        }
        return out;
    }

    /** The behaviour's word in the scenario language ({@code rpc} for a call). */
    private static String word(IpcSpec.Behaviour b) {
        return b.kind() == IpcSpec.Kind.CALL ? "rpc" : b.kind().name().toLowerCase(java.util.Locale.ROOT);
    }

    static boolean needsPeriod(IpcSpec.Kind k) {
        return k == IpcSpec.Kind.SERVE || k == IpcSpec.Kind.CALL || k == IpcSpec.Kind.FLOOD || k == IpcSpec.Kind.MULTICAST
                || k == IpcSpec.Kind.WRITE;
    }

    /** The peer time one operation of the behaviour takes (what its period must cover). */
    static long operationCost(IpcSpec.Behaviour b, IpcCosts c) {
        return switch (b.kind()) {
            case SERVE -> c.recv + c.sendCost(b.replyBytes(), 1);
            case CALL, FLOOD, WRITE -> c.sendCost(b.bytes(), 1);
            case MULTICAST -> c.sendCost(b.bytes(), Math.max(1, b.targets().size()));
            default -> 0;
        };
    }

    private static SourceRef at(SourceRef w) {
        return w == null ? SourceRef.UNKNOWN : w;
    }
}

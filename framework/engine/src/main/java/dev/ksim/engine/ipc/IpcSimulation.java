package dev.ksim.engine.ipc;

import dev.ksim.engine.invariant.InvariantCheck;
import dev.ksim.engine.invariant.InvariantRegistry;
import dev.ksim.engine.metrics.LatencyHistogram;
import dev.ksim.engine.metrics.LongCounter;
import dev.ksim.engine.metrics.MetricsRegistry;
import dev.ksim.engine.sim.EventHandler;
import dev.ksim.engine.sim.EventQueue;
import dev.ksim.spi.RandomStream;
import dev.ksim.spi.SimClock;
import dev.ksim.spi.ipc.IpcTransport;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Runs an {@link IpcSpec} on an {@link IpcBus} inside the run's event loop: creates the users
 * (every uid of a range or container is its own accounting user), connects every peer with an
 * address node, hands each peer handles to the peers its behaviours name (the broker's
 * bootstrap, in both directions), and drives the behaviours.
 *
 * <p>Timing: each peer is one thread. An operation starts when the peer is idle, stages its
 * SEND at once and commits it after the SEND's cost ({@link IpcCosts}); a reading peer is woken
 * when something is committed to its queue and dequeues one entry per RECV cost; a server RECVs
 * one entry per period and answers calls. A peer's first tick is offset by a value from its own
 * random stream ({@code ipc.<peer>}), so peers of a group do not run in lock step.
 *
 * <p>Metrics (docs/metrics.md): per peer group {@code ipc.<peer>.<counter>} and
 * {@code ipc.<peer>.queue_depth}, {@code ipc.<peer>.call_latency}; per user
 * {@code ipc.user.<user>.<resource>} (sampled); run-wide {@code ipc_*}. Invariants: the bus's
 * ({@link IpcBus#check}).
 *
 * <p>Share, forward, multicast and relay address every member of a target group; rpc and flood
 * pair replicas by index. When the scenario multicasts or relays, an order observer independent
 * of the bus's timestamps logs what each receiver dequeues and, at the end, compares every two
 * receivers' logs and every relayed message with its cause ({@link #checkOrder}).
 *
 * <p>Not thread-safe: one instance per run, driven by that run's event loop.
 */
public final class IpcSimulation {
    static final int PRIO_COMMIT = 1;
    static final int PRIO_TICK = 2;
    static final int PRIO_RECV = 3;

    /** Per-group counters; names are the metric suffixes. */
    static final List<String> PEER_COUNTERS = List.of("sends_ok", "edquot", "eagain", "errors", "received",
            "calls_completed", "calls_failed", "calls_timed_out", "replies_late", "served", "ebadf", "node_destroy_seen");
    static final List<String> RUN_COUNTERS = List.of("ipc_sends", "ipc_edquot", "ipc_eagain", "ipc_ebadf", "ipc_eshutdown",
            "ipc_errors", "ipc_delivered", "ipc_dropped", "ipc_flushed", "ipc_disconnects", "ipc_reply_disconnects",
            "ipc_node_release", "ipc_node_destroy", "ipc_invalid_handles", "ipc_order_violations", "ipc_recv_blocked");
    /**
     * Run counters of the order observer, reported only when the scenario multicasts or relays:
     * pairs of common messages compared across two receivers, those seen in opposite orders,
     * (cause, effect) pairs checked at a receiver of both, and effects dequeued before their cause.
     */
    static final List<String> ORDER_COUNTERS = List.of("ipc_order_checked", "ipc_order_inversions", "ipc_causal_checked",
            "ipc_causal_violations");
    /** Run counter reported only when the scenario destroys nodes: destroy operations that succeeded. */
    static final String NODES_DESTROYED = "ipc_nodes_destroyed";
    /** The observer gives up (and reports nothing) above this many receivers × observed messages. */
    static final long MAX_OBSERVED_CELLS = 64L << 20;

    private final IpcSpec spec;
    private final IpcBus bus;
    private final IpcCosts costs;
    private final EventQueue queue;
    private final SimClock clock;
    private final MetricsRegistry metrics;
    private final long endNs;
    private final boolean handles;
    private final Map<String, Group> groups = new HashMap<>();
    private final List<Group> groupList = new ArrayList<>();
    private final List<Replica> replicas = new ArrayList<>();
    private final Map<String, int[]> userRange = new HashMap<>();
    /** bus peer id → replica */
    private Replica[] byPeer;
    private final RecvResult out = new RecvResult();
    private final int[] one = new int[1];
    private final int[] carriedOne = new int[1];
    /**
     * Order observer, independent of the bus's own timestamps: every multicast and relayed
     * message gets a global id (its tag); each receiver logs the ids it dequeues; {@link #finish}
     * compares the logs pairwise and checks every relayed message against its cause.
     */
    private final boolean observe;
    private int gids = 1;
    private int[] gidParent = new int[256];
    private int[] gidDepth = new int[256];
    private int[][] gidDests = new int[256][];
    private long nodesDestroyed;

    public IpcSimulation(IpcSpec spec, IpcCosts costs, IpcAccounting accounting, IpcTransport transport, EventQueue queue,
                         SimClock clock, MetricsRegistry metrics, InvariantRegistry invariants, long endNs,
                         Function<String, RandomStream> streams) {
        this.spec = spec;
        this.costs = costs;
        this.queue = queue;
        this.clock = clock;
        this.metrics = metrics;
        this.endNs = endNs;
        this.handles = transport.supportsHandles();
        this.observe = observes(spec);
        this.bus = new IpcBus(clock, accounting, transport);
        invariants.register(InvariantCheck.of("ipc", bus::check));
        build(streams);
    }

    public IpcBus bus() {
        return bus;
    }

    // ================================================================ setup

    private final class Group {
        final IpcSpec.Peer spec;
        final List<Replica> members = new ArrayList<>();
        final LongCounter[] c = new LongCounter[PEER_COUNTERS.size()];
        final LatencyHistogram callLatency;
        final boolean serves;
        final List<IpcSpec.Behaviour> forward = new ArrayList<>();
        final List<IpcSpec.Behaviour> relay = new ArrayList<>();

        Group(IpcSpec.Peer spec) {
            this.spec = spec;
            for (int i = 0; i < c.length; i++) {
                c[i] = metrics.counter("ipc." + spec.name() + "." + PEER_COUNTERS.get(i));
            }
            boolean calls = spec.behaviours().stream().anyMatch(b -> b.kind() == IpcSpec.Kind.CALL);
            callLatency = calls ? metrics.histogram("ipc." + spec.name() + ".call_latency") : null;
            serves = spec.behaviours().stream().anyMatch(b -> b.kind() == IpcSpec.Kind.SERVE);
            for (IpcSpec.Behaviour b : spec.behaviours()) {
                if (b.kind() == IpcSpec.Kind.FORWARD) {
                    forward.add(b);
                } else if (b.kind() == IpcSpec.Kind.RELAY) {
                    relay.add(b);
                }
            }
        }

        void count(int which) {
            c[which].inc();
        }
    }

    private static final int SENDS_OK = 0;
    private static final int EDQUOT = 1;
    private static final int EAGAIN = 2;
    private static final int ERRORS = 3;
    private static final int RECEIVED = 4;
    private static final int CALLS_COMPLETED = 5;
    private static final int CALLS_FAILED = 6;
    private static final int CALLS_TIMED_OUT = 7;
    private static final int REPLIES_LATE = 8;
    private static final int SERVED = 9;
    private static final int HANDLES_USED_AFTER_RELEASE = 10;
    private static final int NODE_DESTROY_SEEN = 11;

    private final class Replica {
        final Group group;
        final int index;
        final int peer;
        final int node;
        int objectNode = -1;
        long busyUntil;
        boolean recvScheduled;
        final EventHandler recvHandler = this::recvEvent;
        final EventHandler commitHandler = this::commitEvent;
        int[] pending = new int[8];
        int[] pendingNode = new int[8];
        int[][] pendingDests = new int[8][];
        int[] multicastDests;
        int[][] relayDests;
        int[] log = new int[0];
        int logSize;
        int pendingHead;
        int pendingSize;
        long[] callTag = new long[0];
        long[] callSent = new long[0];
        int callHead;
        int callSize;
        long callSeq;
        int[] learned = new int[4];
        int learnedCount;

        Replica(Group group, int index, int user) {
            this.group = group;
            this.index = index;
            this.peer = bus.connect(user, spec.peerLimits());
            this.node = bus.createNode(peer);
        }

        /** Stages a send and schedules its commit after its cost; returns the bus result. */
        int send(int[] dests, int n, long bytes, int[] carried, int nCarried, int flags, long tag, long replyBytes) {
            return send(0, dests, n, bytes, carried, nCarried, flags, tag, replyBytes);
        }

        /** As above, after {@code delayNs} of work already done in this operation (a server's RECV). */
        int send(long delayNs, int[] dests, int n, long bytes, int[] carried, int nCarried, int flags, long tag, long replyBytes) {
            int m = bus.send(peer, dests, n, bytes, carried, nCarried, 0, flags, tag, replyBytes, null);
            long cost = costs.sendCost(bytes, n);
            busyUntil = clock.nowNs() + delayNs + cost;
            if (m >= 0) {
                if (pendingSize == pending.length) {
                    int[] p = new int[pending.length * 2];
                    int[] pn = new int[pending.length * 2];
                    int[][] pd = new int[pending.length * 2][];
                    for (int i = 0; i < pendingSize; i++) {
                        p[i] = pending[(pendingHead + i) % pending.length];
                        pn[i] = pendingNode[(pendingHead + i) % pending.length];
                        pd[i] = pendingDests[(pendingHead + i) % pending.length];
                    }
                    pending = p;
                    pendingNode = pn;
                    pendingDests = pd;
                    pendingHead = 0;
                }
                pending[(pendingHead + pendingSize) % pending.length] = m;
                pendingNode[(pendingHead + pendingSize) % pending.length] = n == 1 ? dests[0] : -1;
                pendingDests[(pendingHead + pendingSize) % pending.length] = n == 1 ? null : dests;
                pendingSize++;
                queue.schedule(busyUntil, PRIO_COMMIT, commitHandler);
                group.count(SENDS_OK);
            } else {
                group.count(m == -Errno.EDQUOT ? EDQUOT : m == -Errno.EAGAIN ? EAGAIN : ERRORS);
                if (m == -Errno.EBADF) {
                    group.count(HANDLES_USED_AFTER_RELEASE);
                }
            }
            return m;
        }

        void commitEvent(long now) {
            int m = pending[pendingHead];
            int node = pendingNode[pendingHead];
            int[] dests = pendingDests[pendingHead];
            pendingDests[pendingHead] = null;
            pendingHead = (pendingHead + 1) % pending.length;
            pendingSize--;
            bus.commit(m);
            // wake the readers among the destinations
            if (node >= 0) {
                byPeer[bus.owner(node)].wake(now);
            } else {
                for (int d : dests) {
                    byPeer[bus.owner(d)].wake(now);
                }
            }
        }

        void wake(long now) {
            if (!recvScheduled && group.spec.reads() && !group.serves && bus.connected(peer) && bus.queueDepth(peer) > 0) {
                recvScheduled = true;
                queue.schedule(Math.max(now, busyUntil) + costs.recv, PRIO_RECV, recvHandler);
            }
        }

        /** A reading peer: one RECV, then again while entries are committed at the head. */
        void recvEvent(long now) {
            recvScheduled = false;
            if (now < busyUntil) {
                recvScheduled = true;
                queue.schedule(busyUntil, PRIO_RECV, recvHandler);
                return;
            }
            int kind = bus.recv(peer, out);
            if (kind < 0) {
                return; // empty, or a staged entry at the head: its commit wakes us
            }
            busyUntil = now + costs.recv;
            handle(now, kind);
            wake(now);
        }

        void handle(long now, int kind) {
            if (kind == IpcBus.NODE_DESTROY) {
                group.count(NODE_DESTROY_SEEN);
                // a program drops a destroyed node's handle entirely: every reference it holds
                while (bus.releaseHandle(peer, out.node) == 0) {
                    // one reference per call
                }
                return;
            }
            if (kind != IpcBus.DATA) {
                return;
            }
            group.count(RECEIVED);
            int slice = out.slice;
            if ((out.flags & IpcBus.REPLY) != 0) {
                completeCall(now, out.tag);
            } else if (observe && (out.flags & IpcBus.CALL) == 0 && out.tag > 0 && out.tag < gids) {
                observed(now, (int) out.tag);
            }
            for (int h = 0; h < out.handleCount; h++) {
                int n = out.handles[h];
                if (bus.owner(n) != peer && !knows(n)) {
                    if (learnedCount == learned.length) {
                        learned = java.util.Arrays.copyOf(learned, learnedCount * 2);
                    }
                    learned[learnedCount++] = n;
                    for (IpcSpec.Behaviour f : group.forward) {
                        for (String t : f.targets()) {
                            for (Replica target : groups.get(t).members) {
                                if (target == this) {
                                    continue;
                                }
                                carriedOne[0] = n;
                                one[0] = target.node;
                                int m = bus.sendNow(peer, one, 1, f.bytes(), carriedOne, 1, 0, 0, 0, 0, null);
                                group.count(m >= 0 ? SENDS_OK : m == -Errno.EDQUOT ? EDQUOT : ERRORS);
                                if (m >= 0) {
                                    target.wake(now);
                                }
                            }
                        }
                    }
                }
            }
            if (slice >= 0) {
                bus.releaseSlice(peer, slice);
            }
        }

        /** Logs an observed message and relays it on (a causal chain) while it is less than hops deep. */
        void observed(long now, int gid) {
            if (logSize == log.length) {
                log = java.util.Arrays.copyOf(log, Math.max(64, logSize * 2));
            }
            log[logSize++] = gid;
            for (int i = 0; i < group.relay.size(); i++) {
                IpcSpec.Behaviour b = group.relay.get(i);
                if (gidDepth[gid] >= b.hops() || relayDests[i].length == 0) {
                    continue;
                }
                int next = newGid(gid, relayDests[i]);
                send(Math.max(0, busyUntil - now), relayDests[i], relayDests[i].length, b.bytes(), null, 0, 0, next, 0);
            }
        }

        boolean knows(int n) {
            for (int i = 0; i < learnedCount; i++) {
                if (learned[i] == n) {
                    return true;
                }
            }
            return false;
        }

        void completeCall(long now, long tag) {
            for (int i = 0; i < callSize; i++) {
                int at = (callHead + i) % callTag.length;
                if (callTag[at] == tag) {
                    callTag[at] = -1;
                    group.count(CALLS_COMPLETED);
                    group.callLatency.record(now - callSent[at]);
                    return;
                }
            }
            group.count(REPLIES_LATE);
        }

        void expireCalls(long now, long timeout) {
            while (callSize > 0) {
                int at = callHead;
                if (callTag[at] != -1 && callSent[at] + timeout > now) {
                    return;
                }
                if (callTag[at] != -1) {
                    group.count(CALLS_TIMED_OUT);
                }
                callHead = (callHead + 1) % callTag.length;
                callSize--;
            }
        }
    }

    private void build(Function<String, RandomStream> streams) {
        IpcAccounting acct = bus.accounting();
        for (IpcSpec.User u : spec.users()) {
            int first = acct.userCount();
            for (long i = 0; i < u.count(); i++) {
                acct.addUser((int) (u.uid() + i), spec.userLimits());
            }
            userRange.put(u.name(), new int[] {first, (int) u.count()});
            for (int r = 0; r < IpcLimits.RESOURCES; r++) {
                int res = r;
                metrics.gauge("ipc.user." + u.name() + "." + IpcLimits.NAMES[r], () -> {
                    long sum = 0;
                    for (int x = first; x < first + u.count(); x++) {
                        sum += acct.used(x, res);
                    }
                    return sum;
                });
            }
        }
        for (IpcSpec.Peer p : spec.peers()) {
            Group g = new Group(p);
            groups.put(p.name(), g);
            groupList.add(g);
            int[] range = userRange.get(p.user());
            for (int i = 0; i < p.count(); i++) {
                Replica r = new Replica(g, i, range[0] + (int) (i % range[1]));
                g.members.add(r);
                replicas.add(r);
            }
            metrics.gauge("ipc." + p.name() + ".queue_depth", () -> {
                long sum = 0;
                for (Replica r : g.members) {
                    sum += bus.queueDepth(r.peer);
                }
                return sum;
            });
        }
        byPeer = new Replica[bus.peerCount()];
        for (Replica r : replicas) {
            byPeer[r.peer] = r;
        }
        // bootstrap: handles to every target, and back (a connection is two-way)
        for (Replica r : replicas) {
            for (IpcSpec.Behaviour b : r.group.spec.behaviours()) {
                if (b.kind() == IpcSpec.Kind.SHARE || b.kind() == IpcSpec.Kind.DESTROY) {
                    if (r.objectNode < 0) {
                        r.objectNode = bus.createNode(r.peer);
                    }
                }
                for (String t : b.targets()) {
                    List<Replica> ts = wholeGroup(b.kind()) ? groups.get(t).members : List.of(target(t, r.index));
                    for (Replica x : ts) {
                        if (x != r && !bus.holds(r.peer, x.node)) {
                            bus.grant(r.peer, x.node);
                        }
                        if (x != r && !bus.holds(x.peer, r.node)) {
                            bus.grant(x.peer, r.node);
                        }
                    }
                }
            }
        }
        for (Replica r : replicas) {
            List<IpcSpec.Behaviour> relays = r.group.relay;
            r.relayDests = new int[relays.size()][];
            for (int i = 0; i < relays.size(); i++) {
                r.relayDests[i] = groupNodes(relays.get(i).targets(), r);
            }
        }
        // behaviours
        for (Group g : groupList) {
            RandomStream rng = streams.apply("ipc." + g.spec.name());
            for (Replica r : g.members) {
                for (IpcSpec.Behaviour b : g.spec.behaviours()) {
                    schedule(r, b, rng);
                }
            }
        }
    }

    /** Kinds that address every member of a target group (the others pair replicas by index). */
    private static boolean wholeGroup(IpcSpec.Kind k) {
        return k == IpcSpec.Kind.MULTICAST || k == IpcSpec.Kind.SHARE || k == IpcSpec.Kind.FORWARD || k == IpcSpec.Kind.RELAY;
    }

    /** Whether a run of {@code spec} observes message order (it multicasts or relays). */
    static boolean observes(IpcSpec spec) {
        for (IpcSpec.Peer p : spec.peers()) {
            for (IpcSpec.Behaviour b : p.behaviours()) {
                if (b.kind() == IpcSpec.Kind.MULTICAST || b.kind() == IpcSpec.Kind.RELAY) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean destroys(IpcSpec spec) {
        for (IpcSpec.Peer p : spec.peers()) {
            for (IpcSpec.Behaviour b : p.behaviours()) {
                if (b.kind() == IpcSpec.Kind.DESTROY) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Address nodes of every member of the named groups but {@code self}. */
    private int[] groupNodes(List<String> names, Replica self) {
        List<Integer> d = new ArrayList<>();
        for (String t : names) {
            for (Replica x : groups.get(t).members) {
                if (x != self) {
                    d.add(x.node);
                }
            }
        }
        return d.stream().mapToInt(Integer::intValue).toArray();
    }

    /** A new observed message id, {@code parent} 0 for an original; its destinations are kept for the causal check. */
    private int newGid(int parent, int[] dests) {
        if (!observe) {
            return 0;
        }
        if (gids == gidParent.length) {
            int n = gids * 2;
            gidParent = java.util.Arrays.copyOf(gidParent, n);
            gidDepth = java.util.Arrays.copyOf(gidDepth, n);
            gidDests = java.util.Arrays.copyOf(gidDests, n);
        }
        int g = gids++;
        gidParent[g] = parent;
        gidDepth[g] = parent == 0 ? 0 : gidDepth[parent] + 1;
        gidDests[g] = dests;
        return g;
    }

    private Replica target(String name, int index) {
        Group g = groups.get(name);
        return g.members.get(index % g.members.size());
    }

    private void schedule(Replica r, IpcSpec.Behaviour b, RandomStream rng) {
        long start = b.startNs();
        switch (b.kind()) {
            case SERVE, CALL, FLOOD, MULTICAST, WRITE -> {
                long period = b.periodNs();
                long first = start + (period > 1 ? rng.nextLong(period) : 0);
                if (b.kind() == IpcSpec.Kind.CALL) {
                    int cap = Integer.highestOneBit((int) Math.min(1 << 20, b.timeoutNs() / period + 4)) << 1;
                    r.callTag = new long[cap];
                    r.callSent = new long[cap];
                }
                EventHandler[] self = new EventHandler[1];
                self[0] = now -> {
                    if (b.stopNs() > 0 && now >= b.stopNs()) {
                        return;
                    }
                    if (now < r.busyUntil) {
                        queue.schedule(r.busyUntil, PRIO_TICK, self[0]);
                        return;
                    }
                    tick(r, b, now);
                    long next = now + period;
                    if (next < endNs && bus.connected(r.peer)) {
                        queue.schedule(next, PRIO_TICK, self[0]);
                    }
                };
                queue.schedule(first, PRIO_TICK, self[0]);
            }
            case SHARE -> queue.schedule(start, PRIO_TICK, now -> {
                for (String t : b.targets()) {
                    for (Replica x : groups.get(t).members) {
                        if (x == r) {
                            continue;
                        }
                        carriedOne[0] = r.objectNode;
                        one[0] = x.node;
                        r.send(Math.max(0, r.busyUntil - now), one, 1, b.bytes(), carriedOne, handles ? 1 : 0, 0, 0, 0);
                    }
                }
            });
            case DESTROY -> queue.schedule(start, PRIO_TICK, now -> {
                int e = bus.destroy(r.peer, r.objectNode);
                if (e < 0) {
                    r.group.count(ERRORS);
                } else {
                    nodesDestroyed++;
                }
                for (Replica x : replicas) {
                    x.wake(now);
                }
            });
            default -> {
                // FORWARD acts on receipt
            }
        }
    }

    private void tick(Replica r, IpcSpec.Behaviour b, long now) {
        switch (b.kind()) {
            case SERVE -> {
                int kind = bus.recv(r.peer, out);
                if (kind < 0) {
                    return;
                }
                r.busyUntil = now + costs.recv;
                if (kind == IpcBus.DATA && (out.flags & IpcBus.CALL) != 0) {
                    int slice = out.slice;
                    long tag = out.tag;
                    int caller = byPeer[out.sender].node;
                    boolean carried = out.handleCount > 0;
                    r.group.count(RECEIVED);
                    r.group.count(SERVED);
                    bus.releaseSlice(r.peer, slice);
                    one[0] = caller;
                    r.send(costs.recv, one, 1, b.replyBytes(), null, 0, IpcBus.REPLY, tag, 0);
                    if (carried) {
                        bus.releaseHandle(r.peer, caller);
                        byPeer[bus.owner(caller)].wake(now); // a NODE_RELEASE may have been queued
                    }
                } else {
                    r.handle(now, kind);
                }
            }
            case CALL -> {
                r.expireCalls(now, b.timeoutNs());
                Replica x = target(b.targets().get(0), r.index);
                long tag = ((long) r.peer << 24) | (r.callSeq++ & 0xffffff);
                one[0] = x.node;
                carriedOne[0] = r.node;
                int m = r.send(one, 1, b.bytes(), carriedOne, handles ? 1 : 0, IpcBus.CALL, tag, b.replyBytes());
                if (m < 0) {
                    r.group.count(CALLS_FAILED);
                    return;
                }
                if (r.callSize == r.callTag.length) {
                    r.group.count(CALLS_TIMED_OUT);
                    r.callHead = (r.callHead + 1) % r.callTag.length;
                    r.callSize--;
                }
                int at = (r.callHead + r.callSize) % r.callTag.length;
                r.callTag[at] = tag;
                r.callSent[at] = now;
                r.callSize++;
            }
            case FLOOD -> {
                one[0] = target(b.targets().get(0), r.index).node;
                r.send(one, 1, b.bytes(), null, 0, 0, 0, 0);
            }
            case MULTICAST -> {
                if (r.multicastDests == null) {
                    r.multicastDests = groupNodes(b.targets(), r);
                }
                if (r.multicastDests.length > 0) {
                    r.send(r.multicastDests, r.multicastDests.length, b.bytes(), null, 0, 0, newGid(0, r.multicastDests), 0);
                }
            }
            case WRITE -> {
                for (int i = 0; i < r.learnedCount; i++) {
                    one[0] = r.learned[i];
                    r.send(one, 1, b.bytes(), null, 0, 0, 0, 0);
                }
            }
            default -> {
            }
        }
    }

    // ================================================================ results

    /** Copies the mechanism's counters into the run's metrics (called once, at the end). */
    public void finish() {
        IpcBus.Stats s = bus.stats;
        long sends = 0;
        for (Group g : groupList) {
            sends += g.c[SENDS_OK].get();
        }
        long errors = 0;
        for (int e = 0; e < s.sendErrors.length; e++) {
            if (e != Errno.EDQUOT && e != Errno.EAGAIN && e != Errno.EBADF && e != Errno.ESHUTDOWN) {
                errors += s.sendErrors[e];
            }
        }
        long[] v = {sends, s.sendErrors[Errno.EDQUOT], s.sendErrors[Errno.EAGAIN], s.sendErrors[Errno.EBADF],
            s.sendErrors[Errno.ESHUTDOWN], errors, s.delivered, s.droppedDestroyed, s.flushed, s.disconnects,
            s.replyDisconnects, s.nodeReleaseQueued, s.nodeDestroyQueued, s.invalidHandles, s.orderViolations, s.recvBlocked};
        for (int i = 0; i < v.length; i++) {
            metrics.counter(RUN_COUNTERS.get(i)).add(v[i]);
        }
        if (destroys(spec)) {
            metrics.counter(NODES_DESTROYED).add(nodesDestroyed);
        }
        if (observe) {
            long[] o = checkOrder();
            if (o != null) {
                for (int i = 0; i < o.length; i++) {
                    metrics.counter(ORDER_COUNTERS.get(i)).add(o[i]);
                }
            }
        }
    }

    /**
     * The observer's verdict: {pairs compared, inversions, causal pairs checked, causal
     * violations}, or null when the logs are too large to compare ({@link #MAX_OBSERVED_CELLS}).
     * Two receivers agree when the messages both dequeued appear in the same relative order; a
     * relayed message's cause must have been dequeued before it by every receiver of both.
     */
    long[] checkOrder() {
        List<Replica> rs = new ArrayList<>();
        for (Replica r : replicas) {
            if (r.logSize > 0) {
                rs.add(r);
            }
        }
        if ((long) rs.size() * gids > MAX_OBSERVED_CELLS) {
            return null;
        }
        int[][] pos = new int[rs.size()][];
        for (int i = 0; i < rs.size(); i++) {
            int[] p = new int[gids];
            java.util.Arrays.fill(p, -1);
            Replica r = rs.get(i);
            for (int k = 0; k < r.logSize; k++) {
                p[r.log[k]] = k;
            }
            pos[i] = p;
        }
        long compared = 0;
        long inversions = 0;
        for (int i = 0; i < rs.size(); i++) {
            Replica x = rs.get(i);
            for (int j = i + 1; j < rs.size(); j++) {
                int[] py = pos[j];
                int last = -1;
                for (int k = 0; k < x.logSize; k++) {
                    int p = py[x.log[k]];
                    if (p < 0) {
                        continue;
                    }
                    if (last >= 0) {
                        compared++;
                        if (p < last) {
                            inversions++;
                        }
                    }
                    last = p;
                }
            }
        }
        long causal = 0;
        long causalBad = 0;
        for (int i = 0; i < rs.size(); i++) {
            Replica x = rs.get(i);
            for (int k = 0; k < x.logSize; k++) {
                int g = x.log[k];
                int cause = gidParent[g];
                if (cause == 0 || !contains(gidDests[cause], x.node)) {
                    continue;
                }
                causal++;
                if (pos[i][cause] < 0 || pos[i][cause] > k) {
                    causalBad++;
                }
            }
        }
        return new long[] {compared, inversions, causal, causalBad};
    }

    private static boolean contains(int[] a, int v) {
        for (int x : a) {
            if (x == v) {
                return true;
            }
        }
        return false;
    }

    /** Every metric name a run of {@code spec} reports (for expectation checks). */
    public static java.util.Set<String> metricNames(IpcSpec spec) {
        java.util.Set<String> names = new java.util.TreeSet<>(RUN_COUNTERS);
        if (observes(spec)) {
            names.addAll(ORDER_COUNTERS);
        }
        if (destroys(spec)) {
            names.add(NODES_DESTROYED);
        }
        for (IpcSpec.User u : spec.users()) {
            for (String r : IpcLimits.NAMES) {
                names.add("ipc.user." + u.name() + "." + r);
            }
        }
        for (IpcSpec.Peer p : spec.peers()) {
            for (String c : PEER_COUNTERS) {
                names.add("ipc." + p.name() + "." + c);
            }
            names.add("ipc." + p.name() + ".queue_depth");
            if (p.behaviours().stream().anyMatch(b -> b.kind() == IpcSpec.Kind.CALL)) {
                for (String s : List.of("count", "p50", "p90", "p99", "max")) {
                    names.add("ipc." + p.name() + ".call_latency." + s);
                }
            }
        }
        return names;
    }
}

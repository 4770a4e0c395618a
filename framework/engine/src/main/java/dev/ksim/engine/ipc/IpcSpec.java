package dev.ksim.engine.ipc;

import dev.ksim.engine.model.PluginRef;
import dev.ksim.engine.model.SourceRef;
import java.util.List;

/**
 * The {@code ipc { }} part of a scenario model: the transport and accounting designs (plugins),
 * the per-user and per-peer limits, the users (single uids, uid ranges, containers with sub-uid
 * ranges) and the peers with their behaviours. Immutable; built by the DSL, checked by
 * {@link IpcValidator}, run by {@link IpcSimulation}.
 */
public record IpcSpec(PluginRef transport, PluginRef accounting, IpcLimits userLimits, IpcLimits peerLimits,
                      List<User> users, List<Peer> peers, SourceRef where) {

    public IpcSpec {
        users = List.copyOf(users);
        peers = List.copyOf(peers);
    }

    /**
     * A user: {@code count} consecutive uids from {@code uid}, each a separate user for accounting
     * (count 1 = one uid). A container's sub-uid range names its {@code owner} (another user).
     */
    public record User(String name, long uid, long count, String owner, SourceRef where) {
    }

    /**
     * A peer group: {@code count} peers of {@code user} (spread round-robin over its uids), each
     * with its own queue, pool and address node, all running {@code behaviours}. {@code reads}
     * false = never dequeues anything.
     */
    public record Peer(String name, String user, long count, boolean reads, List<Behaviour> behaviours, SourceRef where) {
        public Peer {
            behaviours = List.copyOf(behaviours);
        }
    }

    /** What a peer does. */
    public enum Kind {
        /** receive one entry every {@code period}; answer calls with {@code replyBytes}. */
        SERVE,
        /** every {@code period} call a target with {@code bytes}, expect {@code replyBytes} within {@code timeout}. */
        CALL,
        /** every {@code period} send {@code bytes} to a target. */
        FLOOD,
        /** every {@code period} send {@code bytes} to every target in one atomic multicast. */
        MULTICAST,
        /** at {@code start} send a handle to this peer's object node to the targets. */
        SHARE,
        /** pass every handle received on to the targets. */
        FORWARD,
        /** every {@code period} send {@code bytes} to every object node this peer has learned (even after releasing it). */
        WRITE,
        /** at {@code start} destroy this peer's object node. */
        DESTROY,
        /**
         * on receiving a multicast or relayed message less than {@code hops} relays deep, send a
         * new message of {@code bytes} to every member of the target groups in one atomic
         * multicast: a causal chain (the new message is sent after the old one was received).
         */
        RELAY
    }

    /**
     * One behaviour. Times in ns; {@code period} 0 where the kind has none; {@code stop} 0 = until
     * the end of the run; {@code hops} only for {@link Kind#RELAY} (0 elsewhere).
     */
    public record Behaviour(Kind kind, List<String> targets, long periodNs, long bytes, long replyBytes, long timeoutNs,
                            long startNs, long stopNs, int hops, SourceRef where) {
        public Behaviour {
            targets = List.copyOf(targets);
        }

        /** A behaviour of a kind other than {@link Kind#RELAY}. */
        public Behaviour(Kind kind, List<String> targets, long periodNs, long bytes, long replyBytes, long timeoutNs,
                         long startNs, long stopNs, SourceRef where) {
            this(kind, targets, periodNs, bytes, replyBytes, timeoutNs, startNs, stopNs, 0, where);
        }
    }
}

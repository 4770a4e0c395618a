package dev.ksim.engine.ipc;

/**
 * What one RECV returned, filled in by {@link IpcBus#recv}; owned and reused by the caller so a
 * RECV allocates nothing. Valid until the next RECV into the same object.
 */
public final class RecvResult {
    /** {@link IpcBus#DATA}, {@link IpcBus#NODE_DESTROY} or {@link IpcBus#NODE_RELEASE}. */
    public int kind;
    /** DATA: the slice to release with {@link IpcBus#releaseSlice}; -1 when the transport has no pool. */
    public int slice;
    /** DATA: the sending peer. */
    public int sender;
    /** DATA: the node the message was sent to; NODE_*: the node concerned. */
    public int node;
    public long bytes;
    public int fds;
    /** DATA: {@link IpcBus#CALL}, {@link IpcBus#REPLY} flags as sent. */
    public int flags;
    /** DATA: the sender's opaque tag (the behaviours use it as a call id). */
    public long tag;
    /** DATA: the commit timestamp (even) of the message, for order checks. */
    public long timestamp;
    /** DATA: nodes whose handles were installed (valid ones only); {@link #handleCount} entries. */
    public int[] handles = new int[4];
    public int handleCount;
    /** DATA: handles that arrived invalid because their node was destroyed earlier in the order. */
    public int invalidHandles;
    /** Simulated time at which the message was staged by its sender (for latency). */
    public long sentAtNs;
}

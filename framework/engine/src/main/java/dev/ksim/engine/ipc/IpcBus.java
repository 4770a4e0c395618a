package dev.ksim.engine.ipc;

import dev.ksim.spi.SimClock;
import dev.ksim.spi.ipc.IpcAccountingPolicy;
import dev.ksim.spi.ipc.IpcTransport;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The bus1 capability IPC mechanism (bus1 spec sections 1-3): peers owned by users, nodes owned
 * by one peer forever, handles (one per peer and node, with a user reference count), messages
 * with payload, handles and fds, per-peer queues ordered by Lamport clocks with staging and
 * commit, receive pools of slices, and per-user accounting through {@link IpcAccounting}.
 *
 * <p>Contract, as the kernel module has it:
 * <ul>
 * <li>{@link #send} checks and charges every destination all-or-nothing (with {@link #CONTINUE},
 *     refusals are reported per destination in {@code destErr} instead), then <em>stages</em> one
 *     entry per destination at an odd timestamp; {@link #commit} picks one even timestamp above
 *     every destination clock and the sender's, fast-forwards those clocks and re-queues the
 *     entries there. Only committed entries dequeue; a staged entry blocks everything after it;
 *     equal timestamps order by sender, then transaction.</li>
 * <li>{@link #recv} never fails for accounting: the charges were taken at SEND; it returns bytes
 *     and fds, installs carried handles (invalid when their node was destroyed earlier in the
 *     order), and drops messages ordered after their node's destruction (counted).</li>
 * <li>{@link #releaseSlice} returns the slice; {@link #releaseHandle} a handle reference;
 *     {@code NODE_RELEASE} goes to the owner when the references of a node drop to the owner's
 *     alone and is withdrawn if they rise before it is dequeued; {@link #destroy} delivers
 *     {@code NODE_DESTROY} to the owner and every holder in one transaction ({@code EREMOTE} for
 *     a non-owner, {@code ESTALE} if already destroyed); {@link #disconnect} destroys the peer's
 *     nodes, releases its handles, flushes its queue and pool; later calls fail with
 *     {@code ESHUTDOWN}.</li>
 * <li>Request-reply accounting ({@link IpcAccountingPolicy#reservesReplies()}): a {@link #CALL}
 *     reserves a reply slot (1 slice + the reply size) on the callee's user as the caller's share;
 *     the {@link #REPLY} with the same tag consumes it and is charged to the caller's own user; if
 *     that is refused the caller is disconnected and the reply's SEND still succeeds.</li>
 * <li>A transport with a send buffer ({@link IpcTransport#sendBufferBytes()} &gt; 0, unix-stream)
 *     charges bytes to the (sender, receiver) connection instead, {@code EAGAIN} when full, and
 *     has no pool (slices free at RECV).</li>
 * </ul>
 *
 * <p>Everything is struct-of-arrays with free lists: after warm-up no operation allocates
 * (except a message carrying handles, which keeps a small array). Queue operations are O(log n)
 * in the queue's length (a binary heap per peer with position index); accounting is O(1)
 * expected. Operations return 0 / an id, or a negative errno; misuse is counted, never thrown.
 */
public final class IpcBus {
    public static final int MAX_FDS = 256;
    /** Entry kinds returned by RECV. */
    public static final int DATA = 1;
    public static final int NODE_DESTROY = 2;
    public static final int NODE_RELEASE = 3;
    /** SEND flags. */
    public static final int CALL = 1;
    public static final int REPLY = 2;
    public static final int CONTINUE = 4;

    private static final int R = IpcLimits.RESOURCES;
    private static final int FREE = 0;
    private static final int STAGED = 1;
    private static final int QUEUED = 2;
    private static final int SLICE = 3;
    private static final int DEAD = 4;

    private final SimClock clock;
    private final IpcAccounting acct;
    private final boolean payReceiver;
    private final boolean requestReply;
    private final boolean handlesAllowed;
    private final boolean multicastAllowed;
    private final long sendBuffer;

    // ---------------------------------------------------------------- peers
    private int peers;
    private int[] peerUser = new int[16];
    private boolean[] peerLive = new boolean[16];
    private long[] peerClock = new long[16];
    private long[] peerLastTs = new long[16];
    private int[] peerLastSender = new int[16];
    private long[] peerLastSeq = new long[16];
    private int[] peerLastNode = new int[16];
    private int[][] heap = new int[16][];
    private int[] heapSize = new int[16];
    private long[] peerUsed = new long[16 * R];
    private long[] peerLimit = new long[16 * R];
    private int[] peerFirstHandle = new int[16];
    private int[] peerSlices = new int[16];

    // ---------------------------------------------------------------- nodes
    private int nodes;
    private int[] nodeOwner = new int[16];
    private long[] nodeDestroyTs = new long[16];
    private long[] nodeRefs = new long[16];
    private int[] nodeReleaseEntry = new int[16];
    private int[] nodeFirstHandle = new int[16];
    private int[] nodeOwnerHandle = new int[16];

    // ---------------------------------------------------------------- handles
    private int handleCap = 16;
    private int handleTop;
    private int handleFree = -1;
    private int[] hPeer = new int[16];
    private int[] hNode = new int[16];
    private long[] hRefs = new long[16];
    private int[] hChargeUser = new int[16];
    private int[] hChargeActor = new int[16];
    private int[] hNextN = new int[16];
    private int[] hPrevN = new int[16];
    private int[] hNextP = new int[16];
    private int[] hPrevP = new int[16];
    private final LongIntMap handleOf = new LongIntMap(64);

    // ---------------------------------------------------------------- messages
    private int msgTop;
    private int msgFree = -1;
    private int[] mSender = new int[64];
    private long[] mBytes = new long[64];
    private int[] mFds = new int[64];
    private int[] mFlags = new int[64];
    private long[] mTag = new long[64];
    private long[] mSeq = new long[64];
    private long[] mSentAt = new long[64];
    private long[] mFloor = new long[64];
    private int[] mRefs = new int[64];
    private int[] mFirstEntry = new int[64];
    private int[][] mHandles = new int[64][];
    private int[] mHandleCount = new int[64];

    // ---------------------------------------------------------------- entries
    private int entryTop;
    private int entryFree = -1;
    private int[] ePeer = new int[64];
    private int[] eKind = new int[64];
    private int[] eRef = new int[64];
    private int[] eState = new int[64];
    private int[] ePos = new int[64];
    private int[] eNextOfMsg = new int[64];
    private int[] eChargeUser = new int[64];
    private int[] eChargeActor = new int[64];
    private int[] eSender = new int[64];
    private int[] eNode = new int[64];
    private long[] eTs = new long[64];
    private long[] eSeq = new long[64];

    // ---------------------------------------------------------------- send buffers, reply slots
    private final LongIntMap connOf = new LongIntMap(16);
    private long[] connQueued = new long[16];
    private int conns;
    private final LongIntMap reservationOf = new LongIntMap(16);
    private int resvTop;
    private int resvFree = -1;
    private int[] rPayer = new int[16];
    private int[] rActor = new int[16];
    private int[] rCallee = new int[16];
    private long[] rBytes = new long[16];
    private long[] rTag = new long[16];

    private long txSeq;
    private int[] scratchErr = new int[8];
    private int[] scratchPayer = new int[8];
    private int[] scratchActor = new int[8];

    /** Mechanism counters (the run turns them into metrics; invariants read them). */
    public final Stats stats = new Stats();

    /** Counters of the mechanism as a whole. */
    public static final class Stats {
        /** Destinations of accepted SENDs (each owes one delivery or one counted drop). */
        public long deliveriesOwed;
        public long delivered;
        /** Messages dropped at dequeue (or at SEND) because their node was destroyed before them. */
        public long droppedDestroyed;
        /** Queued or staged messages flushed by a disconnect (their node was destroyed by it). */
        public long flushed;
        public long nodeReleaseQueued;
        public long nodeReleaseWithdrawn;
        public long nodeDestroyQueued;
        public long invalidHandles;
        public long replyDisconnects;
        public long disconnects;
        public long orderViolations;
        public long causalViolations;
        public long recvAccountingErrors;
        /** RECVs that found a staged (uncommitted) entry at the head of the queue: it blocks everything after it. */
        public long recvBlocked;
        /** SEND refusals by errno (index = errno). */
        public final long[] sendErrors = new long[128];
    }

    public IpcBus(SimClock clock, IpcAccounting accounting, IpcTransport transport) {
        this.clock = clock;
        this.acct = accounting;
        this.payReceiver = accounting.policy().payer() == IpcAccountingPolicy.Payer.RECEIVER;
        this.requestReply = accounting.policy().reservesReplies();
        this.handlesAllowed = transport.supportsHandles();
        this.multicastAllowed = transport.supportsMulticast();
        this.sendBuffer = transport.chargesReceiver() ? 0 : Math.max(1, transport.sendBufferBytes());
    }

    public IpcAccounting accounting() {
        return acct;
    }

    // ================================================================ setup

    /** Connects a new peer owned by {@code user} with per-peer {@code limits}; returns its id. */
    public int connect(int user, IpcLimits limits) {
        if (peers == peerUser.length) {
            int n = peers * 2;
            peerUser = Arrays.copyOf(peerUser, n);
            peerLive = Arrays.copyOf(peerLive, n);
            peerClock = Arrays.copyOf(peerClock, n);
            peerLastTs = Arrays.copyOf(peerLastTs, n);
            peerLastSender = Arrays.copyOf(peerLastSender, n);
            peerLastSeq = Arrays.copyOf(peerLastSeq, n);
            peerLastNode = Arrays.copyOf(peerLastNode, n);
            heap = Arrays.copyOf(heap, n);
            heapSize = Arrays.copyOf(heapSize, n);
            peerUsed = Arrays.copyOf(peerUsed, n * R);
            peerLimit = Arrays.copyOf(peerLimit, n * R);
            peerFirstHandle = Arrays.copyOf(peerFirstHandle, n);
            peerSlices = Arrays.copyOf(peerSlices, n);
        }
        int p = peers++;
        peerUser[p] = user;
        peerLive[p] = true;
        peerLastSender[p] = -1;
        heap[p] = new int[16];
        peerFirstHandle[p] = -1;
        for (int r = 0; r < R; r++) {
            peerLimit[p * R + r] = limits.get(r);
        }
        return p;
    }

    /** Creates a node owned by {@code peer} (its owner handle has one reference); returns its id or -ESHUTDOWN. */
    public int createNode(int peer) {
        if (!peerLive[peer]) {
            return -Errno.ESHUTDOWN;
        }
        if (nodes == nodeOwner.length) {
            int n = nodes * 2;
            nodeOwner = Arrays.copyOf(nodeOwner, n);
            nodeDestroyTs = Arrays.copyOf(nodeDestroyTs, n);
            nodeRefs = Arrays.copyOf(nodeRefs, n);
            nodeReleaseEntry = Arrays.copyOf(nodeReleaseEntry, n);
            nodeFirstHandle = Arrays.copyOf(nodeFirstHandle, n);
            nodeOwnerHandle = Arrays.copyOf(nodeOwnerHandle, n);
        }
        int node = nodes++;
        nodeOwner[node] = peer;
        nodeReleaseEntry[node] = -1;
        nodeFirstHandle[node] = -1;
        nodeRefs[node] = 1;
        nodeOwnerHandle[node] = newHandle(peer, node, -1, -1);
        return node;
    }

    /**
     * Gives {@code peer} a handle reference to {@code node} outside any message: how a scenario's
     * peers learn each other's addresses at start (the bootstrap a broker would do). Not charged.
     */
    public int grant(int peer, int node) {
        if (!peerLive[peer]) {
            return -Errno.ESHUTDOWN;
        }
        if (nodeDestroyTs[node] != 0) {
            return -Errno.ESTALE;
        }
        int h = handleOf.get(hkey(peer, node));
        if (h < 0) {
            newHandle(peer, node, -1, -1);
        } else {
            hRefs[h]++;
        }
        nodeRefs[node]++;
        withdrawRelease(node);
        return 0;
    }

    // ================================================================ send and commit

    /**
     * SEND: stages a message on the owners of the destination nodes (handles {@code peer} holds).
     *
     * @param dests      destination node ids; the sender must hold a handle to each ({@code EBADF})
     * @param carried    node ids whose handles travel with the message (one reference each per destination)
     * @param flags      {@link #CALL}, {@link #REPLY}, {@link #CONTINUE}
     * @param tag        opaque to the mechanism except that a REPLY's tag names the CALL it answers
     * @param replyBytes the reply size a CALL reserves under request-reply accounting
     * @param destErr    with CONTINUE: per destination 0 or the errno it refused with (may be null otherwise)
     * @return the staged transaction (≥ 0) to pass to {@link #commit}, or a negative errno
     */
    public int send(int peer, int[] dests, int nDest, long bytes, int[] carried, int nCarried, int fds,
                    int flags, long tag, long replyBytes, int[] destErr) {
        int err = checkSend(peer, dests, nDest, bytes, carried, nCarried, fds);
        if (err != 0) {
            return fail(err);
        }
        if (scratchErr.length < nDest) {
            scratchErr = new int[nDest * 2];
            scratchPayer = new int[nDest * 2];
            scratchActor = new int[nDest * 2];
        }
        int sender = peerUser[peer];
        int ok = 0;
        int firstErr = 0;
        boolean cont = (flags & CONTINUE) != 0;
        for (int i = 0; i < nDest; i++) {
            int node = dests[i];
            int q = nodeOwner[node];
            scratchErr[i] = 0;
            scratchPayer[i] = -2;
            if (nodeDestroyTs[node] != 0) {
                scratchPayer[i] = -3; // dropped: node already destroyed
                if (requestReply && (flags & REPLY) != 0) {
                    int rv = reservationOf.get(tag);
                    if (rv >= 0) {
                        releaseReservation(rv); // the caller is gone: its reply slot returns
                    }
                }
                continue;
            }
            int e = chargeDestination(peer, sender, q, node, bytes, nCarried, fds, flags, tag, replyBytes, i);
            if (e != 0) {
                if (!cont) {
                    rollback(peer, dests, i, bytes, nCarried, fds, flags, tag);
                    return fail(e);
                }
                scratchErr[i] = e;
                if (firstErr == 0) {
                    firstErr = e;
                }
                continue;
            }
            if (scratchPayer[i] != -3) {
                ok++; // else: a caller that could not take its reply was disconnected; the reply is dropped
            }
        }
        if (destErr != null) {
            System.arraycopy(scratchErr, 0, destErr, 0, nDest);
        }
        int dropped = 0;
        for (int i = 0; i < nDest; i++) {
            if (scratchPayer[i] == -3) {
                dropped++;
            }
        }
        if (ok == 0 && dropped == 0 && firstErr != 0) {
            return fail(firstErr);
        }
        for (int i = 0; i < nDest; i++) {
            if (scratchErr[i] != 0) {
                stats.sendErrors[-scratchErr[i]]++;
            }
        }
        // stage
        int m = newMessage(peer, bytes, fds, flags, tag, carried, nCarried);
        stats.deliveriesOwed += ok + dropped;
        stats.droppedDestroyed += dropped;
        for (int i = 0; i < nDest; i++) {
            if (scratchErr[i] != 0 || scratchPayer[i] <= -2) {
                continue; // refused (CONTINUE) or dropped
            }
            int node = dests[i];
            int q = nodeOwner[node];
            int e = newEntry(q, DATA, m, node, peer, scratchPayer[i], scratchActor[i]);
            eNextOfMsg[e] = mFirstEntry[m];
            mFirstEntry[m] = e;
            mRefs[m]++;
            stage(q, e);
            for (int c = 0; c < nCarried; c++) {
                nodeRefs[carried[c]]++;
                withdrawRelease(carried[c]);
            }
        }
        return m;
    }

    /** SEND and commit at once (a send with no staging window). */
    public int sendNow(int peer, int[] dests, int nDest, long bytes, int[] carried, int nCarried, int fds,
                       int flags, long tag, long replyBytes, int[] destErr) {
        int m = send(peer, dests, nDest, bytes, carried, nCarried, fds, flags, tag, replyBytes, destErr);
        if (m >= 0) {
            commit(m);
        }
        return m;
    }

    private int fail(int err) {
        stats.sendErrors[-err]++;
        return err;
    }

    private int checkSend(int peer, int[] dests, int nDest, long bytes, int[] carried, int nCarried, int fds) {
        if (!peerLive[peer]) {
            return -Errno.ESHUTDOWN;
        }
        if (fds > MAX_FDS) {
            return -Errno.EMSGSIZE;
        }
        if (nDest < 1 || bytes < 0 || fds < 0 || (nDest > 1 && !multicastAllowed) || (nCarried > 0 && !handlesAllowed)) {
            return -Errno.EINVAL;
        }
        for (int i = 0; i < nDest; i++) {
            if (handleOf.get(hkey(peer, dests[i])) < 0) {
                return -Errno.EBADF;
            }
        }
        for (int c = 0; c < nCarried; c++) {
            if (handleOf.get(hkey(peer, carried[c])) < 0) {
                return -Errno.EBADF;
            }
        }
        return 0;
    }

    /** Charges one destination; records payer/actor in the scratch arrays at {@code i}. */
    private int chargeDestination(int peer, int sender, int q, int node, long bytes, int nCarried, int fds,
                                  int flags, long tag, long replyBytes, int i) {
        if (sendBuffer > 0) {
            int c = conn(peer, q);
            if (connQueued[c] + bytes > sendBuffer) {
                return -Errno.EAGAIN;
            }
            connQueued[c] += bytes;
            scratchPayer[i] = -1;
            scratchActor[i] = -1;
            return 0;
        }
        int receiver = peerUser[q];
        int payer;
        int actor = sender;
        if (requestReply && (flags & REPLY) != 0) {
            int rv = reservationOf.get(tag);
            if (rv >= 0 && rActor[rv] == receiver) {
                releaseReservation(rv);
                payer = receiver;
                actor = receiver;
                boolean taken = acct.charge(payer, actor, 1, nCarried, bytes, fds) == 0;
                if (taken && !peerFits(q, nCarried, bytes, fds)) {
                    uncharge(payer, actor, 1, nCarried, bytes, fds);
                    taken = false;
                }
                if (!taken) {
                    // the caller cannot take its reply: it is disconnected, the replier's SEND succeeds
                    stats.replyDisconnects++;
                    disconnect(q);
                    scratchPayer[i] = -3;
                    return 0;
                }
                peerCharge(q, 1, nCarried, bytes, fds);
                scratchPayer[i] = payer;
                scratchActor[i] = actor;
                return 0;
            }
        }
        payer = payReceiver ? receiver : sender;
        if (acct.charge(payer, actor, 1, nCarried, bytes, fds) != 0) {
            return -Errno.EDQUOT;
        }
        if (!peerFits(q, nCarried, bytes, fds)) {
            uncharge(payer, actor, 1, nCarried, bytes, fds);
            return -Errno.EDQUOT;
        }
        if (requestReply && (flags & CALL) != 0) {
            if (acct.charge(receiver, sender, 1, 0, replyBytes, 0) != 0) {
                uncharge(payer, actor, 1, nCarried, bytes, fds);
                return -Errno.EDQUOT;
            }
            newReservation(receiver, sender, q, replyBytes, tag);
        }
        peerCharge(q, 1, nCarried, bytes, fds);
        scratchPayer[i] = payer;
        scratchActor[i] = actor;
        return 0;
    }

    /** Undoes the charges of destinations 0..upTo-1 (all succeeded, since CONTINUE was not given). */
    private void rollback(int peer, int[] dests, int upTo, long bytes, int nCarried, int fds, int flags, long tag) {
        for (int i = 0; i < upTo; i++) {
            int q = nodeOwner[dests[i]];
            if (scratchPayer[i] == -3 || scratchPayer[i] == -2) {
                continue;
            }
            if (scratchPayer[i] == -1) {
                connQueued[conn(peer, q)] -= bytes;
                continue;
            }
            uncharge(scratchPayer[i], scratchActor[i], 1, nCarried, bytes, fds);
            peerCharge(q, -1, -nCarried, -bytes, -fds);
            if (requestReply && (flags & CALL) != 0) {
                int rv = reservationOf.get(tag);
                if (rv >= 0) {
                    releaseReservation(rv);
                }
            }
        }
    }

    /**
     * Commits a staged transaction: one even timestamp above every destination clock and the
     * sender's; destination clocks fast-forward to it and the entries re-queue there.
     */
    public void commit(int m) {
        int sender = mSender[m];
        long c = peerClock[sender];
        for (int e = mFirstEntry[m]; e >= 0; e = eNextOfMsg[e]) {
            if (eState[e] == STAGED) {
                c = Math.max(c, peerClock[ePeer[e]]);
            }
        }
        c = (c + 2) & ~1L;
        peerClock[sender] = c;
        int prev = -1;
        int e = mFirstEntry[m];
        while (e >= 0) {
            int next = eNextOfMsg[e];
            if (eState[e] == DEAD) {
                // flushed by a disconnect while staged: unlink and free
                if (prev < 0) {
                    mFirstEntry[m] = next;
                } else {
                    eNextOfMsg[prev] = next;
                }
                freeEntry(e);
                mRefs[m]--;
            } else {
                int q = ePeer[e];
                peerClock[q] = c;
                eTs[e] = c;
                eState[e] = QUEUED;
                siftDown(q, ePos[e]);
                prev = e;
            }
            e = next;
        }
        if (mRefs[m] == 0) {
            freeMessage(m);
        }
    }

    // ================================================================ receive

    /**
     * RECV: dequeues the first committed entry of {@code peer}'s queue into {@code out}.
     *
     * @return the entry kind (&gt; 0), {@code -EAGAIN} when nothing committed is at the head,
     *         {@code -ESHUTDOWN} after disconnect. Never fails for accounting.
     */
    public int recv(int peer, RecvResult out) {
        if (!peerLive[peer]) {
            return -Errno.ESHUTDOWN;
        }
        while (true) {
            if (heapSize[peer] == 0) {
                return -Errno.EAGAIN;
            }
            int e = heap[peer][0];
            if ((eTs[e] & 1) != 0) {
                stats.recvBlocked++;
                return -Errno.EAGAIN; // staged head blocks everything after it
            }
            heapRemove(peer, 0);
            long ts = eTs[e];
            checkOrder(peer, e);
            if (ts > peerClock[peer]) {
                peerClock[peer] = ts;
            }
            int kind = eKind[e];
            if (kind != DATA) {
                if (kind == NODE_RELEASE) {
                    nodeReleaseEntry[eNode[e]] = -1;
                }
                out.kind = kind;
                out.node = eNode[e];
                out.slice = -1;
                out.handleCount = 0;
                out.timestamp = ts;
                freeEntry(e);
                return kind;
            }
            int m = eRef[e];
            int node = eNode[e];
            if (ts <= mFloor[m]) {
                stats.causalViolations++;
            }
            if (nodeDestroyTs[node] != 0 && nodeDestroyTs[node] < ts) {
                stats.droppedDestroyed++;
                dropEntry(e);
                continue;
            }
            deliver(peer, e, m, out);
            return DATA;
        }
    }

    private void checkOrder(int peer, int e) {
        long ts = eTs[e];
        int s = eSender[e];
        long seq = eSeq[e];
        long lt = peerLastTs[peer];
        int node = eNode[e];
        boolean after = ts > lt || (ts == lt && (s > peerLastSender[peer] || (s == peerLastSender[peer]
                && (seq > peerLastSeq[peer] || (seq == peerLastSeq[peer] && node > peerLastNode[peer])))));
        if (!after) {
            stats.orderViolations++;
        }
        peerLastTs[peer] = ts;
        peerLastSender[peer] = s;
        peerLastSeq[peer] = seq;
        peerLastNode[peer] = node;
    }

    private void deliver(int peer, int e, int m, RecvResult out) {
        long bytes = mBytes[m];
        int fds = mFds[m];
        int payer = eChargeUser[e];
        int actor = eChargeActor[e];
        out.kind = DATA;
        out.sender = mSender[m];
        out.node = eNode[e];
        out.bytes = bytes;
        out.fds = fds;
        out.flags = mFlags[m] & (CALL | REPLY);
        out.tag = mTag[m];
        out.timestamp = eTs[e];
        out.sentAtNs = mSentAt[m];
        out.handleCount = 0;
        out.invalidHandles = 0;
        stats.delivered++;
        if (payer == -1) {
            // send-buffer transport: no pool; the bytes leave the sender's buffer
            connQueued[conn(mSender[m], peer)] -= bytes;
            out.slice = -1;
            releaseMessageEntry(e, m);
            return;
        }
        if (!acct.uncharge(payer, actor, IpcLimits.BYTES, bytes) || !acct.uncharge(payer, actor, IpcLimits.FDS, fds)) {
            stats.recvAccountingErrors++;
        }
        peerCharge(peer, 0, 0, -bytes, -fds);
        int[] carried = mHandles[m];
        for (int c = 0; c < mHandleCount[m]; c++) {
            int node = carried[c];
            if (nodeDestroyTs[node] != 0 && nodeDestroyTs[node] < eTs[e]) {
                out.invalidHandles++;
                stats.invalidHandles++;
                nodeRefs[node]--;
                returnHandleCharge(peer, payer, actor);
                continue;
            }
            int h = handleOf.get(hkey(peer, node));
            if (h >= 0) {
                hRefs[h]++;
                returnHandleCharge(peer, payer, actor);
            } else {
                newHandle(peer, node, payer, actor);
            }
            if (out.handleCount == out.handles.length) {
                out.handles = Arrays.copyOf(out.handles, out.handleCount * 2);
            }
            out.handles[out.handleCount++] = node;
        }
        eState[e] = SLICE;
        peerSlices[peer]++;
        out.slice = e;
    }

    private void returnHandleCharge(int peer, int payer, int actor) {
        if (!acct.uncharge(payer, actor, IpcLimits.HANDLES, 1)) {
            stats.recvAccountingErrors++;
        }
        peerCharge(peer, 0, -1, 0, 0);
    }

    /** Releases a slice RECV returned; its slice charge returns. {@code -EBADF} if the peer holds no such slice. */
    public int releaseSlice(int peer, int slice) {
        if (!peerLive[peer]) {
            return -Errno.ESHUTDOWN;
        }
        if (slice < 0 || slice >= entryTop || eState[slice] != SLICE || ePeer[slice] != peer) {
            return -Errno.EBADF;
        }
        acct.uncharge(eChargeUser[slice], eChargeActor[slice], IpcLimits.SLICES, 1);
        peerCharge(peer, -1, 0, 0, 0);
        peerSlices[peer]--;
        releaseMessageEntry(slice, eRef[slice]);
        return 0;
    }

    // ================================================================ handles and nodes

    /** Drops one reference of {@code peer}'s handle to {@code node}; {@code -EBADF} when it holds none (used after release). */
    public int releaseHandle(int peer, int node) {
        if (!peerLive[peer]) {
            return -Errno.ESHUTDOWN;
        }
        int h = handleOf.get(hkey(peer, node));
        if (h < 0) {
            return -Errno.EBADF;
        }
        if (h == nodeOwnerHandle[node] && nodeDestroyTs[node] == 0 && hRefs[h] == 1) {
            return -Errno.EINVAL; // the owner keeps its handle while the node lives; destroy it instead
        }
        hRefs[h]--;
        nodeRefs[node]--;
        if (hRefs[h] == 0) {
            freeHandle(h);
        }
        maybeRelease(node);
        return 0;
    }

    /** Whether {@code peer} holds a handle to {@code node}. */
    public boolean holds(int peer, int node) {
        return handleOf.get(hkey(peer, node)) >= 0;
    }

    /**
     * Destroys {@code node}: {@code NODE_DESTROY} to its owner and every holder, committed as one
     * transaction. {@code -EREMOTE} if {@code peer} is not the owner, {@code -ESTALE} if destroyed.
     */
    public int destroy(int peer, int node) {
        if (!peerLive[peer]) {
            return -Errno.ESHUTDOWN;
        }
        if (node < 0 || node >= nodes) {
            return -Errno.EBADF;
        }
        if (nodeOwner[node] != peer) {
            return -Errno.EREMOTE;
        }
        if (nodeDestroyTs[node] != 0) {
            return -Errno.ESTALE;
        }
        withdrawRelease(node);
        long seq = ++txSeq;
        long c = peerClock[peer];
        for (int h = nodeFirstHandle[node]; h >= 0; h = hNextN[h]) {
            c = Math.max(c, peerClock[hPeer[h]]);
        }
        c = (c + 2) & ~1L;
        for (int h = nodeFirstHandle[node]; h >= 0; h = hNextN[h]) {
            int q = hPeer[h];
            int e = newEntry(q, NODE_DESTROY, -1, node, peer, -1, -1);
            eSeq[e] = seq;
            peerClock[q] = c;
            eTs[e] = c;
            eState[e] = QUEUED;
            heapAdd(q, e);
            stats.nodeDestroyQueued++;
        }
        peerClock[peer] = c;
        nodeDestroyTs[node] = c;
        return 0;
    }

    public boolean destroyed(int node) {
        return nodeDestroyTs[node] != 0;
    }

    public int owner(int node) {
        return nodeOwner[node];
    }

    /** Disconnects {@code peer}: destroys its nodes, releases its handles, flushes queue and pool. */
    public int disconnect(int peer) {
        if (!peerLive[peer]) {
            return -Errno.ESHUTDOWN;
        }
        stats.disconnects++;
        for (int h = peerFirstHandle[peer]; h >= 0; h = hNextP[h]) {
            int node = hNode[h];
            if (nodeOwner[node] == peer && nodeDestroyTs[node] == 0) {
                destroy(peer, node);
            }
        }
        // flush the queue
        while (heapSize[peer] > 0) {
            int e = heap[peer][heapSize[peer] - 1];
            heapRemove(peer, heapSize[peer] - 1);
            if (eKind[e] != DATA) {
                if (eKind[e] == NODE_RELEASE) {
                    nodeReleaseEntry[eNode[e]] = -1;
                }
                freeEntry(e);
                continue;
            }
            stats.flushed++;
            if (eState[e] == STAGED) {
                dropCharges(e, eRef[e]);
                eState[e] = DEAD; // the commit unlinks it
            } else {
                dropEntry(e);
            }
        }
        // the pool
        for (int e = 0; e < entryTop && peerSlices[peer] > 0; e++) {
            if (eState[e] == SLICE && ePeer[e] == peer) {
                releaseSlice(peer, e);
            }
        }
        // handles
        while (peerFirstHandle[peer] >= 0) {
            int h = peerFirstHandle[peer];
            int node = hNode[h];
            nodeRefs[node] -= hRefs[h];
            hRefs[h] = 0;
            freeHandle(h);
            maybeRelease(node);
        }
        // reply slots reserved on this peer as callee
        for (int rv = 0; rv < resvTop; rv++) {
            if (rCallee[rv] == peer && rPayer[rv] >= 0) {
                releaseReservation(rv);
            }
        }
        peerLive[peer] = false;
        return 0;
    }

    public boolean connected(int peer) {
        return peerLive[peer];
    }

    // ================================================================ queries

    public int peerCount() {
        return peers;
    }

    public int nodeCount() {
        return nodes;
    }

    public int user(int peer) {
        return peerUser[peer];
    }

    /** Entries in {@code peer}'s queue, staged or committed. */
    public int queueDepth(int peer) {
        return heapSize[peer];
    }

    /** Slices {@code peer} holds in its pool (received, not released). */
    public int poolSlices(int peer) {
        return peerSlices[peer];
    }

    public long peerUsed(int peer, int resource) {
        return peerUsed[peer * R + resource];
    }

    /** Bytes queued on the (sender, receiver) connection of a send-buffer transport. */
    public long connectionQueued(int sender, int receiver) {
        int c = connOf.get(hkey(sender, receiver));
        return c < 0 ? 0 : connQueued[c];
    }

    public long nodeRefs(int node) {
        return nodeRefs[node];
    }

    // ================================================================ invariants

    /** Appends a line per violated invariant of the mechanism (accounting included) to {@code out}. */
    public void check(List<String> out) {
        acct.check(out);
        // per-peer accounting and node references, recomputed from the entries and handles
        long[] perPeer = new long[peers * R];
        long[] refs = new long[nodes];
        long pending = 0;
        for (int e = 0; e < entryTop; e++) {
            int st = eState[e];
            if (st == FREE || eKind[e] != DATA || st == DEAD) {
                continue;
            }
            int m = eRef[e];
            int q = ePeer[e];
            if (st == STAGED || st == QUEUED) {
                pending++;
                for (int c = 0; c < mHandleCount[m]; c++) {
                    refs[mHandles[m][c]]++;
                }
                if (eChargeUser[e] >= 0) {
                    perPeer[q * R] += 1;
                    perPeer[q * R + 1] += mHandleCount[m];
                    perPeer[q * R + 2] += mBytes[m];
                    perPeer[q * R + 3] += mFds[m];
                }
            } else if (st == SLICE) {
                perPeer[q * R] += 1;
            }
        }
        for (int h = 0; h < handleTop; h++) {
            if (hRefs[h] > 0) {
                refs[hNode[h]] += hRefs[h];
                if (hChargeUser[h] >= 0) {
                    perPeer[hPeer[h] * R + 1]++;
                }
            }
        }
        for (int p = 0; p < peers; p++) {
            for (int r = 0; r < R; r++) {
                long v = peerUsed[p * R + r];
                if (v != perPeer[p * R + r]) {
                    out.add("peer " + p + " " + IpcLimits.NAMES[r] + ": used " + v + " but its queue, pool and handles hold " + perPeer[p * R + r]);
                }
                if (v < 0 || v > peerLimit[p * R + r]) {
                    out.add("peer " + p + " " + IpcLimits.NAMES[r] + ": used " + v + " outside 0.." + peerLimit[p * R + r]);
                }
            }
        }
        for (int n = 0; n < nodes; n++) {
            if (refs[n] != nodeRefs[n]) {
                out.add("node " + n + ": " + nodeRefs[n] + " references recorded, handles and in-flight messages hold " + refs[n]);
            }
        }
        long accounted = stats.delivered + stats.droppedDestroyed + stats.flushed + pending;
        if (accounted != stats.deliveriesOwed) {
            out.add("silent loss: " + stats.deliveriesOwed + " deliveries owed, but " + stats.delivered + " delivered + "
                    + stats.droppedDestroyed + " dropped (node destroyed) + " + stats.flushed + " flushed + " + pending + " pending");
        }
        if (stats.recvAccountingErrors != 0) {
            out.add(stats.recvAccountingErrors + " RECVs met an accounting failure");
        }
        if (stats.orderViolations != 0) {
            out.add(stats.orderViolations + " dequeues out of the global order");
        }
        if (stats.causalViolations != 0) {
            out.add(stats.causalViolations + " messages ordered before something their sender had already received");
        }
    }

    /** The invariant as a list (tests). */
    public List<String> violations() {
        List<String> out = new ArrayList<>();
        check(out);
        return out;
    }

    // ================================================================ internals: charging

    private boolean peerFits(int q, int handles, long bytes, int fds) {
        int b = q * R;
        return peerUsed[b] + 1 <= peerLimit[b] && peerUsed[b + 1] + handles <= peerLimit[b + 1]
                && peerUsed[b + 2] + bytes <= peerLimit[b + 2] && peerUsed[b + 3] + fds <= peerLimit[b + 3];
    }

    private void peerCharge(int q, long slices, long handles, long bytes, long fds) {
        int b = q * R;
        peerUsed[b] += slices;
        peerUsed[b + 1] += handles;
        peerUsed[b + 2] += bytes;
        peerUsed[b + 3] += fds;
    }

    private void uncharge(int payer, int actor, long slices, long handles, long bytes, long fds) {
        acct.uncharge(payer, actor, IpcLimits.SLICES, slices);
        acct.uncharge(payer, actor, IpcLimits.HANDLES, handles);
        acct.uncharge(payer, actor, IpcLimits.BYTES, bytes);
        acct.uncharge(payer, actor, IpcLimits.FDS, fds);
    }

    /** Returns every charge of a queued (not delivered) DATA entry and its carried references. */
    private void dropCharges(int e, int m) {
        int q = ePeer[e];
        int hc = mHandleCount[m];
        if (eChargeUser[e] == -1) {
            connQueued[conn(mSender[m], q)] -= mBytes[m];
        } else {
            uncharge(eChargeUser[e], eChargeActor[e], 1, hc, mBytes[m], mFds[m]);
            peerCharge(q, -1, -hc, -mBytes[m], -mFds[m]);
        }
        for (int c = 0; c < hc; c++) {
            int node = mHandles[m][c];
            nodeRefs[node]--;
            maybeRelease(node);
        }
    }

    private void dropEntry(int e) {
        int m = eRef[e];
        dropCharges(e, m);
        releaseMessageEntry(e, m);
    }

    private void releaseMessageEntry(int e, int m) {
        // unlink e from the message's entry list
        int prev = -1;
        for (int x = mFirstEntry[m]; x >= 0; x = eNextOfMsg[x]) {
            if (x == e) {
                if (prev < 0) {
                    mFirstEntry[m] = eNextOfMsg[x];
                } else {
                    eNextOfMsg[prev] = eNextOfMsg[x];
                }
                break;
            }
            prev = x;
        }
        freeEntry(e);
        if (--mRefs[m] == 0) {
            freeMessage(m);
        }
    }

    private void newReservation(int payer, int actor, int callee, long bytes, long tag) {
        int rv;
        if (resvFree >= 0) {
            rv = resvFree;
            resvFree = rActor[rv];
        } else {
            if (resvTop == rPayer.length) {
                int n = resvTop * 2;
                rPayer = Arrays.copyOf(rPayer, n);
                rActor = Arrays.copyOf(rActor, n);
                rCallee = Arrays.copyOf(rCallee, n);
                rBytes = Arrays.copyOf(rBytes, n);
                rTag = Arrays.copyOf(rTag, n);
            }
            rv = resvTop++;
        }
        rPayer[rv] = payer;
        rActor[rv] = actor;
        rCallee[rv] = callee;
        rBytes[rv] = bytes;
        rTag[rv] = tag;
        reservationOf.put(tag, rv);
    }

    private void releaseReservation(int rv) {
        acct.uncharge(rPayer[rv], rActor[rv], IpcLimits.SLICES, 1);
        acct.uncharge(rPayer[rv], rActor[rv], IpcLimits.BYTES, rBytes[rv]);
        reservationOf.remove(rTag[rv]);
        rPayer[rv] = -1;
        rCallee[rv] = -1;
        rActor[rv] = resvFree;
        resvFree = rv;
    }

    /** Reply slots currently reserved (request-reply accounting). */
    public int reservations() {
        return reservationOf.size();
    }

    private int conn(int sender, int receiver) {
        long k = hkey(sender, receiver);
        int c = connOf.get(k);
        if (c < 0) {
            if (conns == connQueued.length) {
                connQueued = Arrays.copyOf(connQueued, conns * 2);
            }
            c = conns++;
            connOf.put(k, c);
        }
        return c;
    }

    // ================================================================ internals: release notifications

    private void maybeRelease(int node) {
        if (nodeDestroyTs[node] != 0 || nodeReleaseEntry[node] >= 0 || !peerLive[nodeOwner[node]]) {
            return;
        }
        int oh = nodeOwnerHandle[node];
        if (nodeRefs[node] != hRefs[oh]) {
            return;
        }
        int owner = nodeOwner[node];
        int e = newEntry(owner, NODE_RELEASE, -1, node, owner, -1, -1);
        eSeq[e] = ++txSeq;
        long c = (peerClock[owner] + 2) & ~1L;
        peerClock[owner] = c;
        eTs[e] = c;
        eState[e] = QUEUED;
        heapAdd(owner, e);
        nodeReleaseEntry[node] = e;
        stats.nodeReleaseQueued++;
    }

    private void withdrawRelease(int node) {
        int e = nodeReleaseEntry[node];
        if (e >= 0) {
            heapRemove(ePeer[e], ePos[e]);
            freeEntry(e);
            nodeReleaseEntry[node] = -1;
            stats.nodeReleaseWithdrawn++;
        }
    }

    // ================================================================ internals: pools

    private static long hkey(int peer, int node) {
        return ((long) peer << 32) | (node & 0xffffffffL);
    }

    private int newHandle(int peer, int node, int chargeUser, int chargeActor) {
        int h;
        if (handleFree >= 0) {
            h = handleFree;
            handleFree = hNextN[h];
        } else {
            if (handleTop == handleCap) {
                handleCap *= 2;
                hPeer = Arrays.copyOf(hPeer, handleCap);
                hNode = Arrays.copyOf(hNode, handleCap);
                hRefs = Arrays.copyOf(hRefs, handleCap);
                hChargeUser = Arrays.copyOf(hChargeUser, handleCap);
                hChargeActor = Arrays.copyOf(hChargeActor, handleCap);
                hNextN = Arrays.copyOf(hNextN, handleCap);
                hPrevN = Arrays.copyOf(hPrevN, handleCap);
                hNextP = Arrays.copyOf(hNextP, handleCap);
                hPrevP = Arrays.copyOf(hPrevP, handleCap);
            }
            h = handleTop++;
        }
        hPeer[h] = peer;
        hNode[h] = node;
        hRefs[h] = 1;
        hChargeUser[h] = chargeUser;
        hChargeActor[h] = chargeActor;
        hPrevN[h] = -1;
        hNextN[h] = nodeFirstHandle[node];
        if (nodeFirstHandle[node] >= 0) {
            hPrevN[nodeFirstHandle[node]] = h;
        }
        nodeFirstHandle[node] = h;
        hPrevP[h] = -1;
        hNextP[h] = peerFirstHandle[peer];
        if (peerFirstHandle[peer] >= 0) {
            hPrevP[peerFirstHandle[peer]] = h;
        }
        peerFirstHandle[peer] = h;
        handleOf.put(hkey(peer, node), h);
        return h;
    }

    private void freeHandle(int h) {
        int peer = hPeer[h];
        int node = hNode[h];
        if (hChargeUser[h] >= 0) {
            acct.uncharge(hChargeUser[h], hChargeActor[h], IpcLimits.HANDLES, 1);
            peerCharge(peer, 0, -1, 0, 0);
        }
        if (hPrevN[h] >= 0) {
            hNextN[hPrevN[h]] = hNextN[h];
        } else {
            nodeFirstHandle[node] = hNextN[h];
        }
        if (hNextN[h] >= 0) {
            hPrevN[hNextN[h]] = hPrevN[h];
        }
        if (hPrevP[h] >= 0) {
            hNextP[hPrevP[h]] = hNextP[h];
        } else {
            peerFirstHandle[peer] = hNextP[h];
        }
        if (hNextP[h] >= 0) {
            hPrevP[hNextP[h]] = hPrevP[h];
        }
        handleOf.remove(hkey(peer, node));
        hRefs[h] = 0;
        hChargeUser[h] = -1;
        hNextN[h] = handleFree;
        handleFree = h;
    }

    private int newMessage(int peer, long bytes, int fds, int flags, long tag, int[] carried, int nCarried) {
        int m;
        if (msgFree >= 0) {
            m = msgFree;
            msgFree = mFirstEntry[m];
        } else {
            if (msgTop == mSender.length) {
                int n = msgTop * 2;
                mSender = Arrays.copyOf(mSender, n);
                mBytes = Arrays.copyOf(mBytes, n);
                mFds = Arrays.copyOf(mFds, n);
                mFlags = Arrays.copyOf(mFlags, n);
                mTag = Arrays.copyOf(mTag, n);
                mSeq = Arrays.copyOf(mSeq, n);
                mSentAt = Arrays.copyOf(mSentAt, n);
                mFloor = Arrays.copyOf(mFloor, n);
                mRefs = Arrays.copyOf(mRefs, n);
                mFirstEntry = Arrays.copyOf(mFirstEntry, n);
                mHandles = Arrays.copyOf(mHandles, n);
                mHandleCount = Arrays.copyOf(mHandleCount, n);
            }
            m = msgTop++;
        }
        mSender[m] = peer;
        mBytes[m] = bytes;
        mFds[m] = fds;
        mFlags[m] = flags;
        mTag[m] = tag;
        mSeq[m] = ++txSeq;
        mSentAt[m] = clock.nowNs();
        mFloor[m] = peerClock[peer];
        mRefs[m] = 0;
        mFirstEntry[m] = -1;
        mHandleCount[m] = nCarried;
        mHandles[m] = nCarried == 0 ? null : Arrays.copyOf(carried, nCarried);
        return m;
    }

    private void freeMessage(int m) {
        mHandles[m] = null;
        mHandleCount[m] = 0;
        mFirstEntry[m] = msgFree;
        msgFree = m;
    }

    private int newEntry(int q, int kind, int m, int node, int sender, int payer, int actor) {
        int e;
        if (entryFree >= 0) {
            e = entryFree;
            entryFree = eNextOfMsg[e];
        } else {
            if (entryTop == ePeer.length) {
                int n = entryTop * 2;
                ePeer = Arrays.copyOf(ePeer, n);
                eKind = Arrays.copyOf(eKind, n);
                eRef = Arrays.copyOf(eRef, n);
                eState = Arrays.copyOf(eState, n);
                ePos = Arrays.copyOf(ePos, n);
                eNextOfMsg = Arrays.copyOf(eNextOfMsg, n);
                eChargeUser = Arrays.copyOf(eChargeUser, n);
                eChargeActor = Arrays.copyOf(eChargeActor, n);
                eSender = Arrays.copyOf(eSender, n);
                eNode = Arrays.copyOf(eNode, n);
                eTs = Arrays.copyOf(eTs, n);
                eSeq = Arrays.copyOf(eSeq, n);
            }
            e = entryTop++;
        }
        ePeer[e] = q;
        eKind[e] = kind;
        eRef[e] = m;
        eNode[e] = node;
        eSender[e] = sender;
        eChargeUser[e] = payer;
        eChargeActor[e] = actor;
        eSeq[e] = m >= 0 ? mSeq[m] : 0;
        eNextOfMsg[e] = -1;
        ePos[e] = -1;
        return e;
    }

    private void freeEntry(int e) {
        eState[e] = FREE;
        ePos[e] = -1;
        eNextOfMsg[e] = entryFree;
        entryFree = e;
    }

    private void stage(int q, int e) {
        long t = peerClock[q] + 1;
        if ((t & 1) == 0) {
            t++;
        }
        peerClock[q] = t;
        eTs[e] = t;
        eState[e] = STAGED;
        heapAdd(q, e);
    }

    // ================================================================ internals: per-queue heaps

    private boolean less(int a, int b) {
        if (eTs[a] != eTs[b]) {
            return eTs[a] < eTs[b];
        }
        if (eSender[a] != eSender[b]) {
            return eSender[a] < eSender[b];
        }
        if (eSeq[a] != eSeq[b]) {
            return eSeq[a] < eSeq[b];
        }
        return eNode[a] < eNode[b];
    }

    private void heapAdd(int q, int e) {
        int[] h = heap[q];
        int n = heapSize[q];
        if (n == h.length) {
            h = Arrays.copyOf(h, n * 2);
            heap[q] = h;
        }
        h[n] = e;
        ePos[e] = n;
        heapSize[q] = n + 1;
        siftUp(q, n);
    }

    private void heapRemove(int q, int pos) {
        int[] h = heap[q];
        int last = --heapSize[q];
        int removed = h[pos];
        ePos[removed] = -1;
        if (pos != last) {
            int moved = h[last];
            h[pos] = moved;
            ePos[moved] = pos;
            siftDown(q, pos);
            siftUp(q, ePos[moved]);
        }
    }

    private void siftUp(int q, int i) {
        int[] h = heap[q];
        int e = h[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            int pe = h[parent];
            if (!less(e, pe)) {
                break;
            }
            h[i] = pe;
            ePos[pe] = i;
            i = parent;
        }
        h[i] = e;
        ePos[e] = i;
    }

    private void siftDown(int q, int i) {
        int[] h = heap[q];
        int n = heapSize[q];
        int e = h[i];
        while (true) {
            int l = 2 * i + 1;
            if (l >= n) {
                break;
            }
            int m = l;
            if (l + 1 < n && less(h[l + 1], h[l])) {
                m = l + 1;
            }
            if (!less(h[m], e)) {
                break;
            }
            h[i] = h[m];
            ePos[h[i]] = i;
            i = m;
        }
        h[i] = e;
        ePos[e] = i;
    }
}

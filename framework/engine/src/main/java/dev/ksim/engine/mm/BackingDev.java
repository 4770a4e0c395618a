package dev.ksim.engine.mm;

import dev.ksim.engine.sim.EventHandler;
import java.util.Arrays;

/**
 * The storage device behind a file (its {@code backing_dev_info} and request queue, reduced to
 * three numbers): a synchronous read of one page costs {@link #readNs}; writes are asynchronous
 * and complete in submission order — each page occupies the device for {@link #xferNs} (4 KiB /
 * bandwidth), after which its write takes {@link #writeNs} more to complete. So a burst of
 * writeback drains at the device's bandwidth and each page's completion trails its transfer by
 * the write latency.
 *
 * <p>In-flight writes sit in a FIFO ring (frame, completion time, whether reclaim asked for it);
 * the device is an event source that fires at the head's completion time and ends the writeback
 * of every page due ({@link Writeback#endWriteback}). {@link #completeThrough} lets a task that
 * waits for a write (fsync, a throttled writer, reclaim waiting for writeback, migration in sync
 * mode) end writeback early — at the waiter's own time, which may lie ahead of the event clock;
 * the waiter is charged the wait. Never on the access path; no allocation once the ring has grown.
 */
final class BackingDev implements EventHandler {
    /** Event priority: after samplers (0), with the other kernel daemons (kswapd 5), before threads (10). */
    static final int PRIORITY = 6;

    final String name;
    final long readNs;
    final long writeNs;
    final long xferNs;
    private final Writeback wb;
    private long busyUntil;
    private int[] frame = new int[64];
    private long[] doneAt = new long[64];
    private boolean[] byReclaim = new boolean[64];
    private int head;
    private int size;
    private boolean scheduled;
    private long scheduledAt;

    BackingDev(String name, long readNs, long writeNs, long xferNs, Writeback wb) {
        this.name = name;
        this.readNs = readNs;
        this.writeNs = writeNs;
        this.xferNs = xferNs;
        this.wb = wb;
    }

    /** Queues the write of frame {@code f} at time {@code now}; returns when it will complete. */
    long submit(int f, long now, boolean reclaim) {
        long start = Math.max(now, busyUntil);
        busyUntil = start + xferNs;
        long done = busyUntil + writeNs;
        if (size == frame.length) {
            grow();
        }
        int slot = (head + size) % frame.length;
        frame[slot] = f;
        doneAt[slot] = done;
        byReclaim[slot] = reclaim;
        size++;
        arm();
        return done;
    }

    private void grow() {
        int n = frame.length * 2;
        int[] f2 = new int[n];
        long[] d2 = new long[n];
        boolean[] r2 = new boolean[n];
        for (int k = 0; k < size; k++) {
            int s = (head + k) % frame.length;
            f2[k] = frame[s];
            d2[k] = doneAt[s];
            r2[k] = byReclaim[s];
        }
        frame = f2;
        doneAt = d2;
        byReclaim = r2;
        head = 0;
    }

    private void arm() {
        if (size == 0 || wb.queue() == null) {
            return;
        }
        long t = doneAt[head];
        if (!scheduled || t < scheduledAt) {
            scheduled = true;
            scheduledAt = t;
            wb.queue().schedule(t, PRIORITY, this);
        }
    }

    @Override
    public void fire(long now) {
        if (!scheduled || now != scheduledAt) {
            return; // a stale wakeup: an earlier completeThrough moved the head
        }
        scheduled = false;
        completeUpTo(now);
        arm();
    }

    /** Ends the writeback of every page due at or before {@code t}. */
    private void completeUpTo(long t) {
        while (size > 0 && doneAt[head] <= t) {
            int f = frame[head];
            boolean r = byReclaim[head];
            head = (head + 1) % frame.length;
            size--;
            wb.endWriteback(f, r);
        }
    }

    /**
     * Ends writeback up to and including frame {@code f}'s write (FIFO: everything before it is
     * done by then) and returns its completion time; -1 when {@code f} is not in flight here.
     */
    long completeThrough(int f) {
        for (int k = 0; k < size; k++) {
            int s = (head + k) % frame.length;
            if (frame[s] == f) {
                long t = doneAt[s];
                completeUpTo(t);
                rearm();
                return t;
            }
        }
        return -1;
    }

    /** Ends the oldest in-flight write (and any due with it); returns its completion time, -1 when idle. */
    long completeOldest() {
        if (size == 0) {
            return -1;
        }
        long t = doneAt[head];
        completeUpTo(t);
        rearm();
        return t;
    }

    private void rearm() {
        if (size > 0 && scheduled && doneAt[head] != scheduledAt) {
            scheduled = false; // the queued event becomes stale
        }
        arm();
    }

    /** Completion time of the oldest write in flight (undefined when idle). */
    long peekDone() {
        return doneAt[head];
    }

    /** Writes in flight. */
    int inFlight() {
        return size;
    }

    /** Whether frame {@code f} is in flight on this device. */
    boolean inFlight(int f) {
        for (int k = 0; k < size; k++) {
            if (frame[(head + k) % frame.length] == f) {
                return true;
            }
        }
        return false;
    }

    /** A copy of the in-flight frames, oldest first (for invariants). */
    int[] inFlightFrames() {
        int[] out = new int[size];
        for (int k = 0; k < size; k++) {
            out[k] = frame[(head + k) % frame.length];
        }
        return out;
    }

    /** A new event loop: nothing is scheduled on it yet. */
    void reset() {
        scheduled = false;
        arm();
    }

    @Override
    public String toString() {
        return "BackingDev[" + name + ", " + size + " in flight" + (size > 0 ? ", head due " + doneAt[head] : "")
                + ", frames " + Arrays.toString(inFlightFrames()) + "]";
    }
}

package dev.ksim.engine.mm;

import dev.ksim.engine.sim.EventHandler;

/**
 * A node's kswapd as an event source (mm/vmscan.c {@code kswapd}, {@code balance_pgdat}).
 *
 * <p>Contract: {@link #wakeup} (wakeup_kswapd, called when an allocation fails the low
 * watermark) makes a sleeping kswapd runnable at the current simulated time, unless it has
 * failed {@value Vmscan#MAX_RECLAIM_RETRIES} times in a row (kswapd_failures; direct reclaim that
 * makes progress on the node resets it). Each run counts {@code pageoutrun}. Each event it checks
 * whether the node is balanced (some zone above its high watermark); if so it sleeps; otherwise it
 * reclaims one batch ({@link Vmscan#SWAP_CLUSTER_MAX} pages) from its node with {@link Vmscan},
 * then runs again when that work is done (its own time advances by the batch's cost, so it
 * interleaves with the threads). A batch that reclaims nothing counts a failure. kswapd's time
 * is its own: threads are never charged for it. It runs on its node's first CPU (CPU 0 for a
 * memory-only node), which is the initiator of its TLB shootdowns.
 */
final class Kswapd implements EventHandler {
    /** Event priority: after samplers, before threads at the same instant. */
    static final int PRIORITY = 5;

    private final MemoryManager m;
    private final PglistData node;
    private final int cpu;
    private final Vmscan.ScanControl sc = new Vmscan.ScanControl();
    /** Whether an event is queued (kswapd is awake). */
    boolean running;
    int failures;
    private long timeNs;

    Kswapd(MemoryManager m, PglistData node, int cpu) {
        this.m = m;
        this.node = node;
        this.cpu = cpu;
    }

    /** wakeup_kswapd. */
    void wakeup() {
        if (running || failures >= Vmscan.MAX_RECLAIM_RETRIES || m.queue == null) {
            return;
        }
        running = true;
        m.vmscan.pageoutrun.inc();
        timeNs = Math.max(timeNs, m.clock.nowNs());
        m.queue.schedule(timeNs, PRIORITY, this);
    }

    @Override
    public void fire(long now) {
        if (node.balanced()) {
            running = false;
            m.compaction.kswapdSleeps(node.nodeId); // kswapd_try_to_sleep wakes kcompactd for a high order
            return;
        }
        sc.reset(true, cpu, Vmscan.SWAP_CLUSTER_MAX);
        m.vmscan.shrinkNode(node, sc);
        if (sc.nrReclaimed == 0 && ++failures >= Vmscan.MAX_RECLAIM_RETRIES) {
            running = false;
            return;
        }
        if (sc.nrReclaimed > 0) {
            failures = 0;
        }
        timeNs = now + Math.max(1, sc.costNs);
        m.queue.schedule(timeNs, PRIORITY, this);
    }

    /** Asleep, at time {@code now} (a new event loop). */
    void reset(long now) {
        running = false;
        timeNs = now;
    }

    /** Whether kswapd is awake. */
    boolean running() {
        return running;
    }
}

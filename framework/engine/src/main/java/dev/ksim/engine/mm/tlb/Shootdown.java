package dev.ksim.engine.mm.tlb;

/**
 * What the last flush of a {@link Tlbs} did (one reusable instance, overwritten by each flush, so
 * flushing never allocates): the initiating CPU and its cost, the CPUs that received an IPI and
 * what each lost, whether the range became a full flush. The memory manager charges
 * {@link #initiatorNs()} to the thread that unmapped; {@link Tlbs} adds {@link #perTargetNs()} to
 * each target CPU's pending interrupt time, which whatever thread runs there absorbs
 * ({@link Tlbs#takeInterruptNs}).
 */
public final class Shootdown {
    int initiator;
    int targets;
    long initiatorNs;
    long perTargetNs;
    boolean fullFlush;
    boolean localFlush;
    long pages;
    final long[] targetMask;

    Shootdown(int cpus) {
        targetMask = new long[(cpus + 63) >>> 6];
    }

    /** The CPU that flushed. */
    public int initiator() {
        return initiator;
    }

    /** Number of CPUs sent an IPI (the initiator never counts). */
    public int targets() {
        return targets;
    }

    /** Whether {@code cpu} received an IPI. */
    public boolean targeted(int cpu) {
        return (targetMask[cpu >>> 6] >>> cpu & 1L) != 0;
    }

    /** Simulated ns the initiator spent: its own invalidation, or the IPI round trip plus the targets' work. */
    public long initiatorNs() {
        return initiatorNs;
    }

    /** Simulated ns each target CPU lost: the interrupt plus its invalidation work (0 without targets). */
    public long perTargetNs() {
        return perTargetNs;
    }

    /** Whether the flush became a full flush (more than tlb_single_page_flush_ceiling pages, or TLB_FLUSH_ALL). */
    public boolean fullFlush() {
        return fullFlush;
    }

    /** Whether the initiator flushed its own TLB (it ran the mm, or it is a kernel flush). */
    public boolean localFlush() {
        return localFlush;
    }

    /** Pages in the requested range (0 for TLB_FLUSH_ALL). */
    public long pages() {
        return pages;
    }

    void reset(int cpu, long pages) {
        initiator = cpu;
        this.pages = pages;
        targets = 0;
        initiatorNs = 0;
        perTargetNs = 0;
        fullFlush = false;
        localFlush = false;
        java.util.Arrays.fill(targetMask, 0L);
    }
}

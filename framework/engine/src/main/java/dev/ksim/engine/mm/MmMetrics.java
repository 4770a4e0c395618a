package dev.ksim.engine.mm;

import java.util.List;

/**
 * Names of the memory manager's metrics, as {@code /proc/vmstat} and
 * {@code /sys/devices/system/node/nodeN/numastat} name them where the kernel has a name.
 */
public final class MmMetrics {
    /** References simulated (not a kernel counter). */
    public static final String ACCESSES = "accesses";
    /** Every page fault, minor and major. */
    public static final String PGFAULT = "pgfault";
    /** Faults that had to read the page from swap. */
    public static final String PGMAJFAULT = "pgmajfault";
    public static final String PSWPIN = "pswpin";
    public static final String PSWPOUT = "pswpout";
    public static final String OOM_KILL = "oom_kill";
    /** Allocated on the node the policy asked for. */
    public static final String NUMA_HIT = "numa_hit";
    /** Allocated on another node because the asked-for node was full. */
    public static final String NUMA_MISS = "numa_miss";
    /** Asked for a node but allocated elsewhere (counted on the asked-for node; globally = numa_miss). */
    public static final String NUMA_FOREIGN = "numa_foreign";
    /** Allocated on the faulting CPU's node. */
    public static final String NUMA_LOCAL = "numa_local";
    /** Allocated on a node other than the faulting CPU's. */
    public static final String NUMA_OTHER = "numa_other";
    /** Frames allocated. */
    public static final String PGALLOC = "pgalloc";
    /** Frames freed. */
    public static final String PGFREE = "pgfree";
    /** Swap slots in use at the end of the run. */
    public static final String SWAP_USED = "nr_swap_used";

    /** Per-node gauge, sampled into a time series: {@code node<N>.nr_free_pages}. */
    public static final String NR_FREE_PAGES = "nr_free_pages";
    /** Per-node size in frames: {@code node<N>.nr_pages}. */
    public static final String NR_PAGES = "nr_pages";

    /** Histogram of fault service time (ns), swap-in included. */
    public static final String FAULT_LATENCY = "fault_latency";
    /** Histogram of every reference's cost (ns), faults included. */
    public static final String ACCESS_LATENCY = "access_latency";

    /** Machine-wide metrics every run reports (counters, plus {@link #SWAP_USED} read at the end). */
    public static final List<String> COUNTERS = List.of(ACCESSES, PGFAULT, PGMAJFAULT, PSWPIN, PSWPOUT, OOM_KILL,
            NUMA_HIT, NUMA_MISS, NUMA_FOREIGN, NUMA_LOCAL, NUMA_OTHER, PGALLOC, PGFREE, SWAP_USED);

    /** Per-node metrics every run reports, one set per node. */
    public static final List<String> NODE_METRICS = List.of(NR_FREE_PAGES, NR_PAGES, NUMA_HIT, NUMA_MISS,
            NUMA_FOREIGN, NUMA_LOCAL, NUMA_OTHER);

    /** Latency histograms every run reports. */
    public static final List<String> HISTOGRAMS = List.of(FAULT_LATENCY, ACCESS_LATENCY);

    private MmMetrics() {
    }

    /** {@code node<N>.<name>}. */
    public static String nodeMetric(int node, String name) {
        return "node" + node + "." + name;
    }
}

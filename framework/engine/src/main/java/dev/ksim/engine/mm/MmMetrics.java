package dev.ksim.engine.mm;

import dev.ksim.engine.mm.tlb.Tlbs;
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
    /** Faults that had to read the page from swap or from a file. */
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
    /** Frames allocated from ZONE_NORMAL / ZONE_MOVABLE ({@code pgalloc_normal}, {@code pgalloc_movable}). */
    public static final String PGALLOC_NORMAL = "pgalloc_normal";
    public static final String PGALLOC_MOVABLE = "pgalloc_movable";
    /** Pages scanned / reclaimed by kswapd and by direct reclaim. */
    public static final String PGSCAN_KSWAPD = "pgscan_kswapd";
    public static final String PGSTEAL_KSWAPD = "pgsteal_kswapd";
    public static final String PGSCAN_DIRECT = "pgscan_direct";
    public static final String PGSTEAL_DIRECT = "pgsteal_direct";
    /** Pages moved to an active list (second reference, or kept by reclaim). */
    public static final String PGACTIVATE = "pgactivate";
    /** Pages moved from an active to an inactive list. */
    public static final String PGDEACTIVATE = "pgdeactivate";
    /** Referenced inactive pages the reclaim scanner rotated back to the list head. */
    public static final String PGROTATED = "pgrotated";
    /** Pages demoted to the next tier by kswapd / by direct reclaim. */
    public static final String PGDEMOTE_KSWAPD = "pgdemote_kswapd";
    public static final String PGDEMOTE_DIRECT = "pgdemote_direct";
    /** Allocations that entered direct reclaim. */
    public static final String ALLOCSTALL = "allocstall";
    /** kswapd runs (balance_pgdat after a wakeup). */
    public static final String PAGEOUTRUN = "pageoutrun";
    /** Swap slots in use at the end of the run. */
    public static final String SWAP_USED = "nr_swap_used";

    /** Per-node gauge, sampled into a time series: {@code node<N>.nr_free_pages}. */
    public static final String NR_FREE_PAGES = "nr_free_pages";
    /** Per-node size in frames: {@code node<N>.nr_pages}. */
    public static final String NR_PAGES = "nr_pages";
    /** Per-node LRU list sizes (gauges, sampled). */
    public static final String NR_INACTIVE_ANON = "nr_inactive_anon";
    public static final String NR_ACTIVE_ANON = "nr_active_anon";
    public static final String NR_INACTIVE_FILE = "nr_inactive_file";
    public static final String NR_ACTIVE_FILE = "nr_active_file";
    public static final String NR_UNEVICTABLE = "nr_unevictable";
    /** Per-node unusable free space index for order 9 (thousandths), a gauge: {@code node<N>.unusable_index}. */
    public static final String UNUSABLE_INDEX = "unusable_index";

    /** Per device node gauges (ZONE_DEVICE driver pool): {@code node<N>.device_pages_free}, {@code node<N>.device_pages_used}. */
    public static final String DEVICE_PAGES_FREE = "device_pages_free";
    public static final String DEVICE_PAGES_USED = "device_pages_used";

    /** Histogram of fault service time (ns), swap-in included. */
    public static final String FAULT_LATENCY = "fault_latency";
    /** Histogram of every reference's cost (ns), faults included. */
    public static final String ACCESS_LATENCY = "access_latency";

    /** Pages mlocked / munlocked (moved to / from the unevictable list). */
    public static final String UNEVICTABLE_PGS_MLOCKED = "unevictable_pgs_mlocked";
    public static final String UNEVICTABLE_PGS_MUNLOCKED = "unevictable_pgs_munlocked";

    /** Base pages migrated / that failed to migrate (every failure also counts one reason below). */
    public static final String PGMIGRATE_SUCCESS = "pgmigrate_success";
    public static final String PGMIGRATE_FAIL = "pgmigrate_fail";
    /** Not on an LRU and without movable ops: could not be isolated. */
    public static final String PGMIGRATE_FAIL_NOT_ISOLATABLE = "pgmigrate_fail_not_isolatable";
    /** A reference the mappings do not explain (a GUP pin) after every pass. */
    public static final String PGMIGRATE_FAIL_EXTRA_REF = "pgmigrate_fail_extra_ref";
    /** The reverse-map walk left a mapping in place, or a driver's non-LRU movable page is mapped into a process. */
    public static final String PGMIGRATE_FAIL_STILL_MAPPED = "pgmigrate_fail_still_mapped";
    /** A page-cache page under writeback, in async migrate mode (sync callers wait for the write instead). */
    public static final String PGMIGRATE_FAIL_WRITEBACK = "pgmigrate_fail_writeback";
    /** No destination page on the target. */
    public static final String PGMIGRATE_FAIL_DST_ALLOC_FAIL = "pgmigrate_fail_dst_alloc_fail";
    /**
     * Base pages of THPs that could not move whole (no order-9 destination) and were split to migrate
     * page by page; not part of pgmigrate_fail (those pages' own outcomes are counted as usual).
     */
    public static final String PGMIGRATE_FAIL_THP_SPLIT = "pgmigrate_fail_thp_split";
    /** A hugetlb page the architecture cannot migrate: stays 0 (x86-64 migrates hugetlb pages; see Hugetlb). */
    public static final String PGMIGRATE_FAIL_HUGETLB_UNSUPPORTED = "pgmigrate_fail_hugetlb_unsupported";
    /** Histogram: simulated time of each migrate_pages call (move_pages, soft offline), ns. */
    public static final String MIGRATION_LATENCY = "migration_latency";

    /** memory_failure action results (MF_RECOVERED, MF_FAILED, MF_IGNORED, MF_DELAYED). */
    public static final String MEMORY_FAILURE_RECOVERED = "memory_failure_recovered";
    public static final String MEMORY_FAILURE_FAILED = "memory_failure_failed";
    public static final String MEMORY_FAILURE_IGNORED = "memory_failure_ignored";
    /** MF_DELAYED (dirty swap cache): stays 0 until a swap cache exists. */
    public static final String MEMORY_FAILURE_DELAYED = "memory_failure_delayed";
    /** memory_failure on a ZONE_DEVICE page (device-private, device-coherent): not handled, -ENXIO (ksim's name). */
    public static final String MEMORY_FAILURE_UNHANDLED = "memory_failure_unhandled";
    /** Processes killed with SIGBUS on touching a poisoned page. */
    public static final String MEMORY_FAILURE_SIGBUS = "memory_failure_sigbus";
    /** soft_offline_page outcomes. */
    public static final String SOFT_OFFLINE_SUCCESS = "soft_offline_success";
    public static final String SOFT_OFFLINE_FAIL = "soft_offline_fail";

    /** migrate_vma (mm/migrate_device.c; ksim's names, the kernel counts none): pages setup collected (empty or unmapped). */
    public static final String MIGRATE_VMA_COLLECTED = "migrate_vma_collected";
    /** Collected pages that ended in device memory. */
    public static final String MIGRATE_VMA_MIGRATED = "migrate_vma_migrated";
    /** Collected pages the driver did not migrate: it skipped them or its pool ran out. */
    public static final String MIGRATE_VMA_SKIPPED = "migrate_vma_skipped";
    /** Collected empty pages a CPU fault populated before commit: the CPU won, the device page went back. */
    public static final String MIGRATE_VMA_RACED = "migrate_vma_raced";
    /** CPU faults on DEVICE_PRIVATE pages handled by the driver's migrate_to_ram (the page moved to RAM). */
    public static final String MIGRATE_TO_RAM = "migrate_to_ram";
    /** migrate_to_ram faults that failed: SIGBUS, or the faulting process was the OOM victim. */
    public static final String MIGRATE_TO_RAM_FAIL = "migrate_to_ram_fail";
    /** Device pages the driver evicted back to system RAM (migrate_device_range), and those it could not (no RAM). */
    public static final String DEVICE_EVICTED = "device_evicted";
    public static final String DEVICE_EVICT_FAIL = "device_evict_fail";
    /** DEVICE_COHERENT pages migrated to RAM because they were to be pinned (FOLL_LONGTERM, migrate_device_coherent_folio). */
    public static final String MIGRATE_DEVICE_COHERENT = "migrate_device_coherent";
    /** Memory hotplug (ksim's names; the kernel has tracepoints, no counters): pages that came online (onlined or memremap'd). */
    public static final String MEMORY_ONLINE_PAGES = "memory_online_pages";
    /** Pages that went offline. */
    public static final String MEMORY_OFFLINE_PAGES = "memory_offline_pages";
    /** offline_pages calls that succeeded / failed (-EBUSY: a pinned page, or a page that would not move). */
    public static final String MEMORY_OFFLINE_SUCCESS = "memory_offline_success";
    public static final String MEMORY_OFFLINE_FAIL = "memory_offline_fail";
    /** Pages offline_pages migrated out of the range (also in pgmigrate_success). */
    public static final String MEMORY_OFFLINE_MIGRATED = "memory_offline_migrated";
    /** Per node with hot-pluggable memory, a gauge: {@code node<N>.managed_pages} (0 = no N_MEMORY). */
    public static final String MANAGED_PAGES = "managed_pages";
    /** Histogram: simulated time of each migrate_vma call (setup to finalize) and each eviction, ns. */
    public static final String MIGRATE_VMA_LATENCY = "migrate_vma_latency";
    /** KiB read from storage into the page cache (major file faults, read(2) misses); /proc/vmstat counts KiB. */
    public static final String PGPGIN = "pgpgin";
    /** KiB written back from the page cache to storage. */
    public static final String PGPGOUT = "pgpgout";
    /** Pages read / written with read(2) / write(2) through the page cache (ksim; /proc/PID/io counts bytes). */
    public static final String FILE_READS = "file_reads";
    public static final String FILE_WRITES = "file_writes";
    /** Write faults that copied a page: copy-on-write after fork or of a private file page (ksim; the kernel has none). */
    public static final String COW_FAULT = "cow_fault";
    /** Write-protect faults that reused the page (wp_page_reuse). */
    public static final String PGREUSE = "pgreuse";
    /** Processes killed by SIGSEGV: a reference to a range munmap removed (ksim). */
    public static final String SIGSEGV = "sigsegv";
    /** Pages scanned / reclaimed from the anon and the file LRU lists. */
    public static final String PGSCAN_ANON = "pgscan_anon";
    public static final String PGSCAN_FILE = "pgscan_file";
    public static final String PGSTEAL_ANON = "pgsteal_anon";
    public static final String PGSTEAL_FILE = "pgsteal_file";
    /** Dirty file pages reclaim wrote back itself (pageout, NR_VMSCAN_WRITE). */
    public static final String NR_VMSCAN_WRITE = "nr_vmscan_write";
    /** Dirty file pages reclaim left to the flusher, marked for immediate reclaim once written (NR_VMSCAN_IMMEDIATE). */
    public static final String NR_VMSCAN_IMMEDIATE_RECLAIM = "nr_vmscan_immediate_reclaim";
    /** balance_dirty_pages pauses of writers over the dirty limit, and their total time (ns) (ksim). */
    public static final String DIRTY_THROTTLE = "dirty_throttle";
    public static final String DIRTY_THROTTLE_NS = "dirty_throttle_ns";
    /** fsync calls, and those that returned -EIO (a write error recorded on the file) (ksim). */
    public static final String FSYNC = "fsync";
    public static final String FSYNC_EIO = "fsync_eio";
    /** fork calls and the PTEs they copied (ksim). */
    public static final String FORK = "fork";
    public static final String FORK_PTE_COPIED = "fork_pte_copied";
    /** Per-node page-cache gauges: cached file + shmem pages, shmem pages, dirty, under writeback, mapped. */
    public static final String NR_FILE_PAGES = "nr_file_pages";
    public static final String NR_SHMEM = "nr_shmem";
    public static final String NR_DIRTY = "nr_dirty";
    public static final String NR_WRITEBACK = "nr_writeback";
    public static final String NR_MAPPED = "nr_mapped";

    /**
     * Metrics of pinning, mlock, migration and memory failure: registered when a run first uses the
     * mechanism, so only such runs report them — or from the start of a run whose scenario has timed
     * events ({@code at(T) { }}), which then reports all of them.
     */
    public static final List<String> ON_USE_COUNTERS = List.of(UNEVICTABLE_PGS_MLOCKED, UNEVICTABLE_PGS_MUNLOCKED,
            PGMIGRATE_SUCCESS, PGMIGRATE_FAIL, PGMIGRATE_FAIL_NOT_ISOLATABLE, PGMIGRATE_FAIL_EXTRA_REF,
            PGMIGRATE_FAIL_STILL_MAPPED, PGMIGRATE_FAIL_WRITEBACK, PGMIGRATE_FAIL_DST_ALLOC_FAIL, PGMIGRATE_FAIL_THP_SPLIT,
            PGMIGRATE_FAIL_HUGETLB_UNSUPPORTED, MEMORY_FAILURE_RECOVERED, MEMORY_FAILURE_FAILED, MEMORY_FAILURE_IGNORED,
            MEMORY_FAILURE_DELAYED, MEMORY_FAILURE_SIGBUS, SOFT_OFFLINE_SUCCESS, SOFT_OFFLINE_FAIL, MEMORY_FAILURE_UNHANDLED, FORK,
            FORK_PTE_COPIED);

    /**
     * Metrics of device memory (migrate_vma, migrate_to_ram, eviction) and memory hotplug:
     * registered when a run first uses the mechanism, or from the start of a run whose scenario has
     * timed events, as {@link #ON_USE_COUNTERS}.
     */
    public static final List<String> DEVICE_COUNTERS = List.of(MIGRATE_VMA_COLLECTED, MIGRATE_VMA_MIGRATED,
            MIGRATE_VMA_SKIPPED, MIGRATE_VMA_RACED, MIGRATE_TO_RAM, MIGRATE_TO_RAM_FAIL, DEVICE_EVICTED, DEVICE_EVICT_FAIL,
            MIGRATE_DEVICE_COHERENT, MEMORY_ONLINE_PAGES, MEMORY_OFFLINE_PAGES, MEMORY_OFFLINE_SUCCESS, MEMORY_OFFLINE_FAIL,
            MEMORY_OFFLINE_MIGRATED);

    /** References served by a node other than the referencing CPU's (not a kernel counter; PMU: remote DRAM loads). */
    public static final String ACCESSES_REMOTE = "accesses_remote";
    /** PTEs the NUMA scanner made PROT_NONE (change_prot_numa). */
    public static final String NUMA_PTE_UPDATES = "numa_pte_updates";
    /** NUMA hinting faults, and those where the page was already on the faulting CPU's node. */
    public static final String NUMA_HINT_FAULTS = "numa_hint_faults";
    public static final String NUMA_HINT_FAULTS_LOCAL = "numa_hint_faults_local";
    /** Pages NUMA balancing migrated (migrate_misplaced_folio). */
    public static final String NUMA_PAGES_MIGRATED = "numa_pages_migrated";
    /** Tiering: slow-tier pages promoted to a top-tier node, and hot pages that were candidates (rate limit input). */
    public static final String PGPROMOTE_SUCCESS = "pgpromote_success";
    public static final String PGPROMOTE_CANDIDATE = "pgpromote_candidate";

    /**
     * Automatic NUMA balancing's counters ({@code /proc/vmstat} with CONFIG_NUMA_BALANCING) and the
     * remote-reference count: every run reports them, 0 when balancing is off.
     */
    public static final List<String> NUMA_BALANCING_COUNTERS = List.of(ACCESSES_REMOTE, NUMA_PTE_UPDATES, NUMA_HINT_FAULTS,
            NUMA_HINT_FAULTS_LOCAL, NUMA_PAGES_MIGRATED, PGPROMOTE_SUCCESS, PGPROMOTE_CANDIDATE);

    /** Machine-wide metrics every run reports (counters, plus {@link #SWAP_USED} read at the end). */
    public static final List<String> COUNTERS = List.of(ACCESSES, PGFAULT, PGMAJFAULT, PSWPIN, PSWPOUT, OOM_KILL,
            NUMA_HIT, NUMA_MISS, NUMA_FOREIGN, NUMA_LOCAL, NUMA_OTHER, PGALLOC, PGALLOC_NORMAL, PGALLOC_MOVABLE, PGFREE,
            PGSCAN_KSWAPD, PGSTEAL_KSWAPD, PGSCAN_DIRECT, PGSTEAL_DIRECT, PGACTIVATE, PGDEACTIVATE, PGROTATED,
            PGDEMOTE_KSWAPD, PGDEMOTE_DIRECT, ALLOCSTALL, PAGEOUTRUN, SWAP_USED,
            PGPGIN, PGPGOUT, FILE_READS, FILE_WRITES, COW_FAULT, PGREUSE, SIGSEGV, PGSCAN_ANON, PGSCAN_FILE, PGSTEAL_ANON,
            PGSTEAL_FILE, NR_VMSCAN_WRITE, NR_VMSCAN_IMMEDIATE_RECLAIM, DIRTY_THROTTLE, DIRTY_THROTTLE_NS, FSYNC, FSYNC_EIO,
            Tlbs.NR_TLB_REMOTE_FLUSH, Tlbs.NR_TLB_REMOTE_FLUSH_RECEIVED, Tlbs.NR_TLB_LOCAL_FLUSH_ONE,
            Tlbs.NR_TLB_LOCAL_FLUSH_ALL, Tlbs.TLB_HIT_L1, Tlbs.TLB_HIT_STLB, Tlbs.TLB_MISS,
            Tlbs.TLB_IPI_HANDLER_NS);

    /** Per-node metrics every run reports, one set per node. */
    public static final List<String> NODE_METRICS = List.of(NR_FREE_PAGES, NR_PAGES, NUMA_HIT, NUMA_MISS,
            NUMA_FOREIGN, NUMA_LOCAL, NUMA_OTHER, NR_INACTIVE_ANON, NR_ACTIVE_ANON, NR_INACTIVE_FILE, NR_ACTIVE_FILE,
            NR_UNEVICTABLE, UNUSABLE_INDEX, NR_FILE_PAGES, NR_SHMEM, NR_DIRTY, NR_WRITEBACK, NR_MAPPED);

    /** Latency histograms every run reports. */
    public static final List<String> HISTOGRAMS = List.of(FAULT_LATENCY, ACCESS_LATENCY);

    private MmMetrics() {
    }

    /** {@code node<N>.<name>}. */
    public static String nodeMetric(int node, String name) {
        return "node" + node + "." + name;
    }
}

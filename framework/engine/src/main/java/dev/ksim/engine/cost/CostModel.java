package dev.ksim.engine.cost;

import dev.ksim.engine.model.SwapSpec;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The one table of simulated costs. Every entry has a key (what a scenario writes in
 * {@code costs { }}), a default, a unit and the source of that default; a scenario may override
 * any entry. Mechanisms read the resolved values once, at run start, into plain fields.
 *
 * <p>Costs not in this table, by construction:
 * <ul>
 * <li>a resident reference costs the node's load latency (from its memory provider) scaled by
 *     the ACPI SLIT distance: {@code latency × distance / 10} (10 = local). Every reference is
 *     charged as a memory load; CPU caches are not modelled yet.</li>
 * </ul>
 */
public final class CostModel {

    /** One row of the table. */
    public record Entry(String key, long defaultValue, String unit, String doc, String source) {
    }

    /** Minor fault on an anonymous page: trap, page-table walk, allocation, zeroing 4 KiB, PTE set. */
    public static final String FAULT_MINOR_ANON = "fault.minor.anon";
    /** Software part of a major (swap-in) fault, on top of the device read. */
    public static final String FAULT_MAJOR_OVERHEAD = "fault.major.overhead";
    /** Reading one 4 KiB page from the swap device. */
    public static final String SWAP_READ = "swap.read";
    /** Writing one 4 KiB page to the swap device (charged to the task doing direct reclaim). */
    public static final String SWAP_WRITE = "swap.write";
    /** Reclaiming one page: LRU isolation, reverse-map walk, PTE clear and local TLB flush. */
    public static final String RECLAIM_UNMAP = "reclaim.unmap";
    /** One INVLPG of a 4 KiB page (local flush of one translation). */
    public static final String TLB_INVLPG = "tlb.invlpg";
    /** A local full flush of one mm or of everything (CR3 reload / INVPCID). */
    public static final String TLB_FLUSH_ALL = "tlb.flush_all";
    /** Fixed part of the initiator's IPI round trip of a shootdown. */
    public static final String TLB_IPI_BASE = "tlb.ipi_base";
    /** Per-target part of the initiator's IPI round trip. */
    public static final String TLB_IPI_PER_TARGET = "tlb.ipi_per_target";
    /** What each target CPU loses to the flush interrupt, on top of its invalidation work. */
    public static final String TLB_IPI_HANDLER = "tlb.ipi_handler";
    /** A translation found in the second-level TLB (STLB) after an L1 dTLB miss. */
    public static final String TLB_STLB_HIT = "tlb.stlb_hit";
    /** A page-table walk after a miss in both TLB levels. */
    public static final String TLB_WALK = "tlb.walk";
    /** Demoting one 4 KiB page to the next memory tier (migrate_pages in a batch). */
    public static final String DEMOTE_PAGE = "reclaim.demote";
    /** Selecting and killing an OOM victim, charged to the task that hit OOM. */
    public static final String OOM_KILL = "oom.kill";
    /** Fixed cost of one migrate_pages call (move_pages, soft offline). */
    public static final String MIGRATE_CALL = "migrate.call";
    /** Copying one 4 KiB page during migration: 4096 bytes / migration bandwidth. */
    public static final String MIGRATE_COPY_PAGE = "migrate.copy_page";
    /** Copying one 4 KiB page from system RAM to device memory over the device link (migrate_vma). */
    public static final String MIGRATE_COPY_PAGE_TO_DEVICE = "migrate.copy_page_to_device";
    /** Copying one 4 KiB page from device memory back to system RAM (migrate_to_ram, eviction). */
    public static final String MIGRATE_COPY_PAGE_FROM_DEVICE = "migrate.copy_page_from_device";
    /** A NUMA hinting fault (do_numa_page) without migration: trap, PTE restore, task_numa_fault. */
    public static final String NUMA_HINT_FAULT = "numa.hint_fault";
    /** change_prot_numa, per PTE of the range the NUMA scanner walks (the TLB flush: tlb.*). */
    public static final String NUMA_SCAN_PTE = "numa.scan_pte";
    /** Fixed part of migrate_misplaced_folio (NUMA balancing's one-page migrate_pages, no system call). */
    public static final String NUMA_MIGRATE_CALL = "numa.migrate_call";
    /** A fault that maps a 2 MiB page (THP or hugetlbfs): trap, allocation, clearing 2 MiB. */
    public static final String FAULT_HUGE_PAGE = "fault.huge_page";
    /** Copying one 2 MiB page during migration (THP or hugetlbfs), on top of migrate.call. */
    public static final String MIGRATE_COPY_HUGE_PAGE = "migrate.copy_huge_page";
    /** Compaction scanning one pageblock (512 struct pages), by either scanner. */
    public static final String COMPACT_SCAN_PAGEBLOCK = "compact.scan_pageblock";
    /** khugepaged copying one 4 KiB page into the huge page it collapses into. */
    public static final String COLLAPSE_COPY_PAGE = "khugepaged.copy_page";
    /** Minor fault on a page already in the page cache (file or shmem): no zeroing, no I/O. */
    public static final String FAULT_MINOR_FILE = "fault.minor.file";
    /** A write fault that copies a 4 KiB page (copy-on-write after fork, or of a private file page). */
    public static final String FAULT_COW = "fault.cow";
    /** A write-protect fault that only makes the PTE writable (page reuse, dirtying a shared file page). */
    public static final String FAULT_WP = "fault.wp";
    /** Reading one 4 KiB page of a file from its storage (default for files that do not set readLatency). */
    public static final String FILE_READ = "file.read";
    /** Completion latency of one 4 KiB page write to a file's storage, after its transfer. */
    public static final String FILE_WRITE = "file.write";
    /** Device time per 4 KiB page written back: 4096 bytes / the storage's write bandwidth. */
    public static final String FILE_WRITE_XFER = "file.write_xfer";
    /** read(2) or write(2) of one cached page: syscall entry/exit and the 4 KiB copy. */
    public static final String FILE_SYSCALL_PAGE = "file.syscall_page";
    /** fork(2): copying one PTE of the parent (copy_page_range), write-protecting it. */
    public static final String FORK_PTE = "fork.pte";
    /** Prefix of the IPC entries: an {@code ipc { }} scenario may override only these. */
    public static final String IPC_PREFIX = "ipc.";
    /** bus1 SEND of one message without payload, to one destination. */
    public static final String IPC_SEND = "ipc.send";
    /** bus1 RECV of one entry, with the slice release. */
    public static final String IPC_RECV = "ipc.recv";
    /** Copying 1 KiB of payload into the receiver's pool (charged to SEND). */
    public static final String IPC_PAYLOAD_KIB = "ipc.payload.kib";
    /** Each destination of a multicast beyond the first. */
    public static final String IPC_MULTICAST_DESTINATION = "ipc.multicast.destination";

    private static final List<Entry> TABLE = List.of(
            new Entry(FAULT_MINOR_ANON, 1_000, "ns", "minor anonymous fault incl. zeroing a 4 KiB page",
                    "~0.25 us trap + ~0.5 us clear_page at ~10 GB/s + allocation; will-it-scale page_fault1 "
                            + "measures roughly 1 M faults/s per core on x86 servers"),
            new Entry(FAULT_MAJOR_OVERHEAD, 2_000, "ns", "software overhead of a swap-in fault, device time excluded",
                    "swap cache lookup, bio submission and wakeup; a few us in perf traces of do_swap_page"),
            new Entry(SWAP_READ, 0, "ns", "reading one page from swap",
                    "the scenario's swap device (SwapSpec.readLatencyNs)"),
            new Entry(SWAP_WRITE, 0, "ns", "writing one page to swap",
                    "the scenario's swap device (SwapSpec.writeLatencyNs)"),
            new Entry(RECLAIM_UNMAP, 500, "ns", "reclaiming one page: isolate, rmap walk, PTE clear (TLB flush: tlb.*)",
                    "estimate; shrink_folio_list costs of the order of 0.1-1 us per page"),
            new Entry(DEMOTE_PAGE, 3_900, "ns", "demoting one page to the next tier: unmap, copy 4 KiB, remap",
                    "memory spec section 8: move_pages of 512 x 4 KiB took 1987 us cross-socket (2017), ~3.9 us per page in a batch"),
            new Entry(TLB_INVLPG, 60, "ns", "one INVLPG of a 4 KiB page",
                    "~100-200 cycles (memory spec section 8); ~180 cycles at 3 GHz"),
            new Entry(TLB_FLUSH_ALL, 200, "ns", "a local full flush of one mm (CR3 reload / INVPCID), refills excluded",
                    "consistent with x86's tlb_single_page_flush_ceiling 33: 33 x INVLPG ~ 2 us is where a full flush plus "
                            + "refills wins (commit 'x86/mm: Set TLB flush tunable to sane value (33)', Dave Hansen, 2014)"),
            new Entry(TLB_IPI_BASE, 1_000, "ns", "fixed part of a shootdown's IPI round trip (initiator waits base + per_target x targets)",
                    "memory spec section 8: IPI round trip ~1-3 us growing with the cpumask; Amit, 'Optimizing the TLB "
                            + "Shootdown Algorithm with Page Access Tracking', USENIX ATC 2017"),
            new Entry(TLB_IPI_PER_TARGET, 150, "ns", "per-target part of a shootdown's IPI round trip",
                    "as tlb.ipi_base: 1.15 us for one target, 3.1 us for 14"),
            new Entry(TLB_IPI_HANDLER, 400, "ns", "what each target CPU loses to the flush interrupt (entry, flush_tlb_func, exit)",
                    "estimate"),
            new Entry(TLB_STLB_HIT, 3, "ns", "an L1 dTLB miss that hits the STLB", "~9 cycles, Skylake STLB hit latency"),
            new Entry(TLB_WALK, 30, "ns", "a page-table walk after missing both TLB levels",
                    "a walk served by the paging-structure caches and L1/L2, ~20-40 cycles (a walk missing to DRAM costs more)"),
            new Entry(OOM_KILL, 10_000, "ns", "selecting and killing an OOM victim",
                    "estimate; oom_kill_process walks every task once"),
            new Entry(MIGRATE_CALL, 60_000, "ns", "fixed part of one migrate_pages call (syscall, isolation, LRU drain, rmap setup)",
                    "memory spec section 8: move_pages cross-socket x86 (2017), one 4 KiB page 62.5 us and 512 x 4 KiB "
                            + "in 1987 us; fit 60 us per call + bytes / ~1 GB/s"),
            new Entry(MIGRATE_COPY_PAGE, 4_096, "ns", "per 4 KiB page migrated: 4096 bytes / bandwidth (TLB flush: tlb.*)",
                    "memory spec section 8: the same fit, ~1 GB/s for batches of 4 KiB pages (512 pages in 1987 - 60 us "
                            + "is 3.8 us per page)"),
            new Entry(MIGRATE_COPY_PAGE_TO_DEVICE, 128, "ns", "per 4 KiB page migrated to device memory (migrate_vma): 4096 bytes / "
                    + "host-to-device link bandwidth (call: migrate.call, TLB flush: tlb.*)",
                    "memory spec section 8: PCIe 4.0 x16 ~32 GB/s, 4096 B / 32 GB/s = 128 ns; Grace Hopper NVLink-C2C "
                            + "measured ~375 GB/s host to device would be 11 ns"),
            new Entry(MIGRATE_COPY_PAGE_FROM_DEVICE, 128, "ns", "per 4 KiB page migrated from device memory to system RAM "
                    + "(migrate_to_ram, driver eviction, FOLL_LONGTERM pinning): 4096 bytes / device-to-host link bandwidth",
                    "memory spec section 8: PCIe 4.0 x16 ~32 GB/s, 128 ns; NVLink-C2C measured ~297 GB/s device to host "
                            + "would be 14 ns"),
            new Entry(NUMA_HINT_FAULT, 500, "ns", "a NUMA hinting fault without migration: trap, PTE restore, fault statistics",
                    "estimate: the trap of a minor fault (~0.25 us) plus the page-table lock, pte_modify and task_numa_fault; "
                            + "no allocation or zeroing, so well below fault.minor.anon"),
            new Entry(NUMA_SCAN_PTE, 10, "ns", "change_prot_numa per PTE of the scanned range (the range's TLB flush: tlb.*)",
                    "estimate: ~30 cycles per PTE for ptep_modify_prot_start/commit in change_pte_range; 256 MB (65536 PTEs) "
                            + "then takes ~0.65 ms of the scanning task's time per scan"),
            new Entry(NUMA_MIGRATE_CALL, 2_000, "ns", "fixed part of migrate_misplaced_folio (copy: migrate.copy_page; unmap: tlb.*)",
                    "estimate: isolation, destination allocation, unmap/remap and putback of one folio; unlike migrate.call "
                            + "there is no system call and no lru_add_drain_all, which dominate move_pages' 60 us"),
            new Entry(FAULT_HUGE_PAGE, 210_000, "ns", "a fault mapping a 2 MiB page: trap, allocation, clear_huge_page of 2 MiB",
                    "estimate: fault.minor.anon's clearing bandwidth (~10 GB/s) over 2 MiB is ~210 us; the trap and "
                            + "allocation are noise beside it"),
            new Entry(MIGRATE_COPY_HUGE_PAGE, 598_500, "ns", "per 2 MiB page migrated (THP or hugetlbfs), TLB flush: tlb.*",
                    "memory spec section 8: move_pages of one 2 MB THP took 658.5 us cross-socket (2017, ~3 GB/s); "
                            + "minus migrate.call's 60 us"),
            new Entry(COMPACT_SCAN_PAGEBLOCK, 1_000, "ns", "compaction scanning one pageblock (512 struct pages), either scanner",
                    "estimate: ~2 ns per struct page read (64-byte entries streamed from cache and DRAM); isolation and "
                            + "migration are charged separately (migrate.copy_page, tlb.*)"),
            new Entry(COLLAPSE_COPY_PAGE, 400, "ns", "khugepaged copying one 4 KiB page into the new huge page",
                    "estimate: 4 KiB at ~10 GB/s (copy_mc_user_highpage within a node), as fault.minor.anon's clearing"),
            new Entry(FAULT_MINOR_FILE, 500, "ns", "minor fault on a page-cache hit: trap, page-cache lookup, rmap, PTE set (no zeroing)",
                    "~0.25 us trap (as fault.minor.anon) + xarray lookup and rmap add; estimate, no clear_page"),
            new Entry(FAULT_COW, 1_200, "ns", "write fault that copies a 4 KiB page: trap, allocation, copy_page, PTE update and flush",
                    "as fault.minor.anon with copy_page (~0.4 us at ~10 GB/s) in place of clear_page; estimate"),
            new Entry(FAULT_WP, 400, "ns", "write-protect fault that only makes the PTE writable (reuse, or dirtying a shared file page)",
                    "~0.25 us trap + PTE update + set_page_dirty bookkeeping; estimate"),
            new Entry(FILE_READ, 80_000, "ns", "reading one 4 KiB page of a file from its storage (a major fault, a read(2) miss)",
                    "NVMe SSD, 4 KiB random read at queue depth 1: ~80-100 us (issue 3; data-centre NVMe datasheets quote"
                            + " ~80 us); a hard disk costs milliseconds (seek + rotation): set readLatency on the file"),
            new Entry(FILE_WRITE, 30_000, "ns", "completion latency of one 4 KiB page write after its transfer",
                    "NVMe SSD, 4 KiB write at queue depth 1: ~20-30 us (the write lands in the drive's cache); estimate"),
            new Entry(FILE_WRITE_XFER, 2_000, "ns", "device time per 4 KiB page written back: 4096 B / write bandwidth",
                    "NVMe sequential write ~2 GB/s (PCIe 3.0 x4 drives: 1.5-3 GB/s): 4096 B / 2 GB/s = 2 us"),
            new Entry(FILE_SYSCALL_PAGE, 600, "ns", "read(2)/write(2) of one cached page: syscall entry/exit + 4 KiB copy",
                    "~0.1-0.2 us syscall round trip + copy_to/from_user of 4 KiB at ~10 GB/s (~0.4 us); estimate"),
            new Entry(FORK_PTE, 40, "ns", "fork: copying one PTE (copy_page_range), page refcount and mapcount updates",
                    "fork of a process with 1 GiB of resident 4 KiB anonymous pages takes ~10 ms on x86 servers (262,144 PTEs):"
                            + " ~40 ns per PTE; estimate"),
            new Entry(IPC_SEND, 424, "ns", "SEND of one message without payload, to one destination",
                    "bus1 2015: unicast send+recv 847 ns without payload; split evenly between SEND and RECV (estimate)"),
            new Entry(IPC_RECV, 423, "ns", "RECV of one entry (and the slice release)",
                    "bus1 2015: unicast send+recv 847 ns without payload; the other half"),
            new Entry(IPC_PAYLOAD_KIB, 302, "ns", "copying 1 KiB of payload into the receiver's pool (charged to SEND)",
                    "bus1 2015: 1149 ns with 1 KiB payload - 847 ns without"),
            new Entry(IPC_MULTICAST_DESTINATION, 700, "ns", "each destination of a multicast beyond the first",
                    "bus1 2015: multicast 0.5-0.9 us per destination; midpoint"));

    private static final Map<String, Entry> BY_KEY;

    static {
        Map<String, Entry> m = new LinkedHashMap<>();
        for (Entry e : TABLE) {
            m.put(e.key(), e);
        }
        BY_KEY = Collections.unmodifiableMap(m);
    }

    private final Map<String, Long> values;

    private CostModel(Map<String, Long> values) {
        this.values = values;
    }

    /** Every key a scenario may override, in table order. */
    public static Set<String> keys() {
        return BY_KEY.keySet();
    }

    /** The keys that start with {@code prefix}, in table order (e.g. {@link #IPC_PREFIX}). */
    public static Set<String> keys(String prefix) {
        Set<String> out = new java.util.LinkedHashSet<>();
        for (String k : BY_KEY.keySet()) {
            if (k.startsWith(prefix)) {
                out.add(k);
            }
        }
        return Collections.unmodifiableSet(out);
    }

    /** The table, with its defaults, units and sources. */
    public static List<Entry> entries() {
        return TABLE;
    }

    /**
     * The costs of a run: defaults, swap latencies from {@code swap} (may be null = no swap), then
     * {@code overrides}.
     *
     * @throws IllegalArgumentException for an unknown key or a negative value (validation reports
     *                                  these to the user first)
     */
    public static CostModel of(SwapSpec swap, Map<String, Long> overrides) {
        Map<String, Long> v = new TreeMap<>();
        for (Entry e : TABLE) {
            v.put(e.key(), e.defaultValue());
        }
        if (swap != null) {
            v.put(SWAP_READ, swap.readLatencyNs());
            v.put(SWAP_WRITE, swap.writeLatencyNs());
        }
        for (Map.Entry<String, Long> o : overrides.entrySet()) {
            if (!BY_KEY.containsKey(o.getKey())) {
                throw new IllegalArgumentException("unknown cost key '" + o.getKey() + "'");
            }
            if (o.getValue() == null || o.getValue() < 0) {
                throw new IllegalArgumentException("cost '" + o.getKey() + "' must be >= 0, got " + o.getValue());
            }
            v.put(o.getKey(), o.getValue());
        }
        return new CostModel(Collections.unmodifiableMap(v));
    }

    /** The defaults with no swap and no overrides. */
    public static CostModel defaults() {
        return of(null, Map.of());
    }

    /** The resolved value of {@code key}. */
    public long get(String key) {
        Long v = values.get(key);
        if (v == null) {
            throw new IllegalArgumentException("unknown cost key '" + key + "'");
        }
        return v;
    }

    /** All resolved values, sorted by key. */
    public Map<String, Long> asMap() {
        return values;
    }
}

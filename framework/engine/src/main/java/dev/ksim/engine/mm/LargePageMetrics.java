package dev.ksim.engine.mm;

import java.util.List;

/**
 * Names of the metrics of transparent huge pages ({@link Thp}, {@link Khugepaged}), compaction
 * ({@link Compaction}, {@link Kcompactd}) and hugetlbfs ({@link Hugetlb}), as {@code /proc/vmstat},
 * {@code /proc/meminfo} and sysfs name them where the kernel has a name. Every run reports them
 * (they are zero when the mechanism never ran), like the kernel's vmstat.
 */
public final class LargePageMetrics {
    /** A THP fault got a huge page / fell back to 4 KiB pages. */
    public static final String THP_FAULT_ALLOC = "thp_fault_alloc";
    public static final String THP_FAULT_FALLBACK = "thp_fault_fallback";
    /** Huge pages split into 4 KiB pages (split_huge_page) / splits refused (a pinned subpage). */
    public static final String THP_SPLIT_PAGE = "thp_split_page";
    public static final String THP_SPLIT_PAGE_FAILED = "thp_split_page_failed";
    /** PMD mappings split into PTE tables (every split of a mapped THP). */
    public static final String THP_SPLIT_PMD = "thp_split_pmd";
    /** khugepaged allocated a huge page for a collapse / could not. */
    public static final String THP_COLLAPSE_ALLOC = "thp_collapse_alloc";
    public static final String THP_COLLAPSE_ALLOC_FAILED = "thp_collapse_alloc_failed";
    /** THPs migrated whole / that failed to / split because they could not move whole. */
    public static final String THP_MIGRATION_SUCCESS = "thp_migration_success";
    public static final String THP_MIGRATION_FAIL = "thp_migration_fail";
    public static final String THP_MIGRATION_SPLIT = "thp_migration_split";
    /** THPs swapped out whole / split by reclaim first because no swap cluster was free. */
    public static final String THP_SWPOUT = "thp_swpout";
    public static final String THP_SWPOUT_FALLBACK = "thp_swpout_fallback";
    /** khugepaged's sysfs counters (khugepaged/pages_collapsed, khugepaged/full_scans). */
    public static final String KHUGEPAGED_PAGES_COLLAPSED = "khugepaged_pages_collapsed";
    public static final String KHUGEPAGED_FULL_SCANS = "khugepaged_full_scans";
    /** thp_fault_alloc per thousand THP faults (thp_fault_alloc + thp_fault_fallback); 0 without any (not a kernel counter). */
    public static final String THP_FAULT_SUCCESS_PERMILLE = "thp_fault_success_permille";
    /** Per node: PMD-mapped anonymous THPs resident ({@code nr_anon_transparent_hugepages}), a gauge. */
    public static final String NR_ANON_TRANSPARENT_HUGEPAGES = "nr_anon_transparent_hugepages";

    /** Direct compactions (allocation stalls that compacted), and whether the allocation then succeeded. */
    public static final String COMPACT_STALL = "compact_stall";
    public static final String COMPACT_SUCCESS = "compact_success";
    public static final String COMPACT_FAIL = "compact_fail";
    /** Pages the migrate / free scanners looked at, and pages they isolated (both scanners). */
    public static final String COMPACT_MIGRATE_SCANNED = "compact_migrate_scanned";
    public static final String COMPACT_FREE_SCANNED = "compact_free_scanned";
    public static final String COMPACT_ISOLATED = "compact_isolated";
    /** kcompactd runs, and the pages its scanners looked at. */
    public static final String COMPACT_DAEMON_WAKE = "compact_daemon_wake";
    public static final String COMPACT_DAEMON_MIGRATE_SCANNED = "compact_daemon_migrate_scanned";
    public static final String COMPACT_DAEMON_FREE_SCANNED = "compact_daemon_free_scanned";
    /** What blocked the migrate scanner (not kernel counters): pinned pages, non-LRU unmovable pages, hugetlb pages, skipped pageblocks. */
    public static final String COMPACT_BLOCKED_PINNED = "compact_blocked_pinned";
    public static final String COMPACT_BLOCKED_UNMOVABLE = "compact_blocked_unmovable";
    public static final String COMPACT_BLOCKED_HUGETLB = "compact_blocked_hugetlb";
    public static final String COMPACT_BLOCKED_PAGEBLOCK = "compact_blocked_pageblock";

    /** hugetlbfs pool gauges (/proc/meminfo; per node without Rsvd, as /sys/devices/system/node/nodeN/meminfo). */
    public static final String HUGEPAGES_TOTAL = "HugePages_Total";
    public static final String HUGEPAGES_FREE = "HugePages_Free";
    public static final String HUGEPAGES_RSVD = "HugePages_Rsvd";
    public static final String HUGEPAGES_SURP = "HugePages_Surp";
    /** Hugetlb faults that found no huge page (SIGBUS), and mappings that could not reserve theirs (not kernel counters). */
    public static final String HUGETLB_FAULT_SIGBUS = "hugetlb_fault_sigbus";
    public static final String HUGETLB_RESERVE_FAIL = "hugetlb_reserve_fail";

    /** Machine-wide counters every run reports. */
    public static final List<String> COUNTERS = List.of(THP_FAULT_ALLOC, THP_FAULT_FALLBACK, THP_SPLIT_PAGE,
            THP_SPLIT_PAGE_FAILED, THP_SPLIT_PMD, THP_COLLAPSE_ALLOC, THP_COLLAPSE_ALLOC_FAILED, THP_MIGRATION_SUCCESS,
            THP_MIGRATION_FAIL, THP_MIGRATION_SPLIT, THP_SWPOUT, THP_SWPOUT_FALLBACK, KHUGEPAGED_PAGES_COLLAPSED,
            KHUGEPAGED_FULL_SCANS, COMPACT_STALL, COMPACT_SUCCESS, COMPACT_FAIL, COMPACT_MIGRATE_SCANNED,
            COMPACT_FREE_SCANNED, COMPACT_ISOLATED, COMPACT_DAEMON_WAKE, COMPACT_DAEMON_MIGRATE_SCANNED,
            COMPACT_DAEMON_FREE_SCANNED, COMPACT_BLOCKED_PINNED, COMPACT_BLOCKED_UNMOVABLE, COMPACT_BLOCKED_HUGETLB,
            COMPACT_BLOCKED_PAGEBLOCK, HUGETLB_FAULT_SIGBUS, HUGETLB_RESERVE_FAIL);

    /** Machine-wide gauges every run reports. */
    public static final List<String> GAUGES = List.of(THP_FAULT_SUCCESS_PERMILLE, HUGEPAGES_TOTAL, HUGEPAGES_FREE,
            HUGEPAGES_RSVD, HUGEPAGES_SURP);

    /** Per-node gauges every run reports ({@code node<N>.<name>}). */
    public static final List<String> NODE_METRICS = List.of(NR_ANON_TRANSPARENT_HUGEPAGES, HUGEPAGES_TOTAL,
            HUGEPAGES_FREE, HUGEPAGES_SURP);

    private LargePageMetrics() {
    }
}

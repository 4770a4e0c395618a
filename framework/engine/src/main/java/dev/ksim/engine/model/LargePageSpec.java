package dev.ksim.engine.model;

import java.util.ArrayList;
import java.util.List;

/**
 * Transparent huge pages, khugepaged and compaction tunables of a machine, named after the files
 * that hold them in the kernel ({@code /sys/kernel/mm/transparent_hugepage/*},
 * {@code .../khugepaged/*}, {@code /proc/sys/vm/extfrag_threshold}); scenarios set them in
 * {@code machine { }}.
 *
 * @param thp                  {@code transparent_hugepage/enabled}; kernel default {@link Thp#ALWAYS}: mm/Kconfig's
 *                             "Transparent Hugepage Support sysfs defaults" choice defaults to
 *                             TRANSPARENT_HUGEPAGE_ALWAYS (commit 13ece886d99c, Linux 2.6.38; distributions
 *                             often build with TRANSPARENT_HUGEPAGE_MADVISE)
 * @param defrag               {@code transparent_hugepage/defrag}; kernel default {@link Defrag#MADVISE}
 *                             (mm/huge_memory.c transparent_hugepage_flags, since commit 444eb2a449ef, Linux 4.6)
 * @param khugepagedDefrag     {@code khugepaged/defrag}: khugepaged's allocations may reclaim and compact; default true
 * @param pagesToScan          {@code khugepaged/pages_to_scan}: PTEs scanned per wakeup; default 4096 (8 × HPAGE_PMD_NR)
 * @param scanSleepMillisecs   {@code khugepaged/scan_sleep_millisecs}: sleep between scans; default 10000
 * @param allocSleepMillisecs  {@code khugepaged/alloc_sleep_millisecs}: sleep after a failed huge page allocation; default 60000
 * @param maxPtesNone          {@code khugepaged/max_ptes_none}: empty PTEs a collapse may fill; default 511 (HPAGE_PMD_NR - 1)
 * @param maxPtesSwap          {@code khugepaged/max_ptes_swap}: swapped PTEs a collapse may swap in; default 64 (HPAGE_PMD_NR / 8)
 * @param extfragThreshold     {@code vm.extfrag_threshold}, 0..1000: compaction is not tried for a costly order when the
 *                             zone's fragmentation index is at or below it (the failure is lack of memory); default 500
 */
public record LargePageSpec(Thp thp, Defrag defrag, boolean khugepagedDefrag, int pagesToScan, long scanSleepMillisecs,
                            long allocSleepMillisecs, int maxPtesNone, int maxPtesSwap, int extfragThreshold) {
    /** HPAGE_PMD_NR on x86-64: base pages per PMD-mapped huge page. */
    public static final int HPAGE_PMD_NR = 512;
    /** The kernel's defaults. */
    public static final LargePageSpec DEFAULT = new LargePageSpec(Thp.ALWAYS, Defrag.MADVISE, true, 8 * HPAGE_PMD_NR,
            10_000, 60_000, HPAGE_PMD_NR - 1, HPAGE_PMD_NR / 8, 500);
    /** No transparent huge pages (what {@code MmSettings.of(ReclaimMode)} and strict-lru machines get). */
    public static final LargePageSpec NO_THP = DEFAULT.withThp(Thp.NEVER);

    public LargePageSpec {
        if (thp == null) {
            thp = Thp.ALWAYS;
        }
        if (defrag == null) {
            defrag = Defrag.MADVISE;
        }
    }

    /** The same tunables with {@code transparent_hugepage/enabled} = {@code mode}. */
    public LargePageSpec withThp(Thp mode) {
        return new LargePageSpec(mode, defrag, khugepagedDefrag, pagesToScan, scanSleepMillisecs, allocSleepMillisecs,
                maxPtesNone, maxPtesSwap, extfragThreshold);
    }

    /** {@code transparent_hugepage/enabled}. */
    public enum Thp {
        /** Every anonymous mapping (unless MADV_NOHUGEPAGE). */
        ALWAYS("always"),
        /** Only ranges advised with MADV_HUGEPAGE. */
        MADVISE("madvise"),
        /** None. */
        NEVER("never");

        private final String key;

        Thp(String key) {
            this.key = key;
        }

        public String key() {
            return key;
        }

        public static Thp of(String key) {
            for (Thp t : values()) {
                if (t.key.equals(key)) {
                    return t;
                }
            }
            return null;
        }

        public static List<String> keys() {
            List<String> out = new ArrayList<>();
            for (Thp t : values()) {
                out.add(t.key);
            }
            return out;
        }
    }

    /**
     * {@code transparent_hugepage/defrag}: what a THP fault does when no huge page is free
     * (mm/huge_memory.c {@code vma_thp_gfp_mask}).
     */
    public enum Defrag {
        /** Direct reclaim and compaction for every THP fault (__GFP_NORETRY unless madvised). */
        ALWAYS("always"),
        /** Wake kswapd/kcompactd and fall back to 4 KiB at once. */
        DEFER("defer"),
        /** Direct reclaim and compaction for madvised ranges; wake kswapd/kcompactd for the others. */
        DEFER_MADVISE("defer+madvise"),
        /** Direct reclaim and compaction for madvised ranges; the others fall back at once. */
        MADVISE("madvise"),
        /** Never stall: fall back at once. */
        NEVER("never");

        private final String key;

        Defrag(String key) {
            this.key = key;
        }

        public String key() {
            return key;
        }

        public static Defrag of(String key) {
            for (Defrag d : values()) {
                if (d.key.equals(key)) {
                    return d;
                }
            }
            return null;
        }

        public static List<String> keys() {
            List<String> out = new ArrayList<>();
            for (Defrag d : values()) {
                out.add(d.key);
            }
            return out;
        }
    }
}

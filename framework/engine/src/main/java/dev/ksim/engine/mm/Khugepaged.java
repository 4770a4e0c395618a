package dev.ksim.engine.mm;

import dev.ksim.engine.cost.CostModel;
import dev.ksim.engine.metrics.LongCounter;
import dev.ksim.engine.metrics.MetricsRegistry;
import dev.ksim.engine.model.LargePageSpec;
import dev.ksim.engine.model.MappingKind;
import dev.ksim.engine.sim.EventHandler;

/**
 * khugepaged (mm/khugepaged.c) as an event source: it collapses 2 MiB ranges of 4 KiB pages into
 * transparent huge pages.
 *
 * <p>Contract: when THP is enabled it runs at the start of the run and then every
 * {@code scan_sleep_millisecs} (after a failed huge page allocation, {@code alloc_sleep_millisecs}).
 * A wakeup scans up to {@code pages_to_scan} PTEs, continuing where the last one stopped, over the
 * live processes in pid order, their anonymous mappings in order and each mapping's 2 MiB-aligned
 * regions that lie wholly inside it (a mapping THP is not enabled for counts 1, every region
 * examined counts 512; a pass over every process is a {@code khugepaged_full_scans}). A region that
 * has a PTE table (not {@code pmd_none}, not already huge) collapses when its 512 PTEs hold at most
 * {@code max_ptes_none} empty entries and {@code max_ptes_swap} swap entries, no hwpoison or
 * migration entry, every present page is on an LRU and unpinned, and at least one page is
 * referenced (PG_referenced or active, standing for the PTE young bit) — half of them when some
 * are swapped (hpage_collapse_scan_pmd). Collapse (collapse_huge_page): an order-9 page on the node
 * holding most of the range's pages (__GFP_THISNODE; with {@code khugepaged/defrag} direct
 * compaction and reclaim may run, else it fails at once): none → {@code thp_collapse_alloc_failed}
 * and the long sleep; else {@code thp_collapse_alloc}; the swapped pages are read in
 * ({@code pswpin}, {@code pgmajfault}: ksim reads them straight into the huge page), the range
 * unmapped (a TLB flush of 2 MiB), the present pages copied ({@code khugepaged.copy_page} each) and
 * freed, empty ones zero-filled, and the huge page mapped as a THP on the inactive anon list (the
 * unevictable one if a page was mlocked); rss grows by the empty and swapped pages;
 * {@code khugepaged_pages_collapsed}. Its time is its own; it runs on CPU 0 (the initiator of its
 * shootdowns). The max_ptes_shared rule (shared anon pages) has nothing to apply to yet.
 */
final class Khugepaged implements EventHandler {
    /** Event priority: as kswapd's. */
    static final int PRIORITY = Kswapd.PRIORITY;
    static final int CPU = 0;

    private final MemoryManager m;
    private final Thp thp;
    private final LargePageSpec spec;
    private final long costCopy;
    private final long costSwapIn;
    final LongCounter collapseAlloc;
    final LongCounter collapseAllocFailed;
    final LongCounter pagesCollapsed;
    final LongCounter fullScans;
    private final LongCounter pgmajfault;
    private final LongCounter pswpin;
    /** Scan cursor: process index, mapping index, region index. */
    private int proc;
    private int vmaIdx;
    private int region;
    private long timeNs;
    private boolean scheduled;

    Khugepaged(MemoryManager m, Thp thp, MetricsRegistry metrics) {
        this.m = m;
        this.thp = thp;
        this.spec = thp.spec;
        costCopy = m.costs.get(CostModel.COLLAPSE_COPY_PAGE);
        costSwapIn = m.costs.get(CostModel.FAULT_MAJOR_OVERHEAD) + m.costs.get(CostModel.SWAP_READ);
        collapseAlloc = metrics.counter(LargePageMetrics.THP_COLLAPSE_ALLOC);
        collapseAllocFailed = metrics.counter(LargePageMetrics.THP_COLLAPSE_ALLOC_FAILED);
        pagesCollapsed = metrics.counter(LargePageMetrics.KHUGEPAGED_PAGES_COLLAPSED);
        fullScans = metrics.counter(LargePageMetrics.KHUGEPAGED_FULL_SCANS);
        pgmajfault = metrics.counter(MmMetrics.PGMAJFAULT);
        pswpin = metrics.counter(MmMetrics.PSWPIN);
    }

    /** Starts scanning on the run's event loop, now (when THP is enabled). */
    void attach() {
        proc = 0;
        vmaIdx = 0;
        region = 0;
        scheduled = false;
        if (!thp.enabled || m.queue == null) {
            return;
        }
        timeNs = m.clock.nowNs();
        scheduled = true;
        m.queue.schedule(timeNs, PRIORITY, this);
    }

    @Override
    public void fire(long now) {
        long cost = 0;
        long progress = 0;
        boolean allocFailed = false;
        while (progress < spec.pagesToScan()) {
            if (proc >= m.processes.size()) {
                proc = 0;
                vmaIdx = 0;
                region = 0;
                fullScans.inc();
                break;
            }
            MmStruct mm = m.processes.get(proc);
            if (mm.killed() || vmaIdx >= mm.vmas.length) {
                nextProcess();
                continue;
            }
            VmArea vma = mm.vmas[vmaIdx];
            if (vma.kind != MappingKind.ANON || region >= Thp.nrRegions(vma)) {
                nextVma();
                continue;
            }
            byte[] rg = thp.regions(vma);
            int r = region++;
            if (!Thp.regionInside(vma, r)) {
                continue;
            }
            if (!thp.eligible(vma, r, rg[r])) {
                progress++;
                continue;
            }
            progress += Thp.HPAGE_PMD_NR;
            if ((rg[r] & Thp.STATE_MASK) != Thp.PTE_TABLE || !scan(vma, Thp.regionFirstPage(vma, r))) {
                continue;
            }
            long c = collapse(vma, Thp.regionFirstPage(vma, r));
            if (c < 0) {
                cost += -c - 1;
                allocFailed = true;
                break;
            }
            cost += c;
        }
        long sleepMs = allocFailed ? spec.allocSleepMillisecs() : spec.scanSleepMillisecs();
        timeNs = now + cost + sleepMs * 1_000_000L;
        m.queue.schedule(Math.max(timeNs, now + 1), PRIORITY, this);
    }

    private void nextProcess() {
        proc++;
        vmaIdx = 0;
        region = 0;
    }

    private void nextVma() {
        vmaIdx++;
        region = 0;
    }

    /** hpage_collapse_scan_pmd over the 512 PTEs from {@code p0}: whether the range may collapse. */
    boolean scan(VmArea vma, int p0) {
        FrameTable t = m.frames;
        int none = 0;
        int swapped = 0;
        int referenced = 0;
        for (int i = 0; i < Thp.HPAGE_PMD_NR; i++) {
            int e = vma.pte[p0 + i];
            if (e == Pte.NONE) {
                if (++none > spec.maxPtesNone()) {
                    return false;
                }
            } else if (Pte.isSwap(e)) {
                if (++swapped > spec.maxPtesSwap()) {
                    return false;
                }
            } else if (Pte.isPresent(e)) {
                int f = Pte.frame(e);
                int b = t.flags[f];
                if (b < 0 || (b & PageFlags.PG_LRU) == 0 || t.pins[f] > 0) {
                    return false;
                }
                if ((b & (PageFlags.PG_REFERENCED | PageFlags.PG_ACTIVE)) != 0) {
                    referenced++;
                }
            } else {
                return false; // hwpoison or migration entry
            }
        }
        return referenced > 0 && (swapped == 0 || referenced >= Thp.HPAGE_PMD_NR / 2);
    }

    /**
     * collapse_huge_page of the 512 pages from {@code p0} of {@code vma}; returns its cost (ns), or
     * {@code -cost - 1} when no huge page could be allocated.
     */
    long collapse(VmArea vma, int p0) {
        FrameTable t = m.frames;
        MmStruct mm = vma.mm;
        int[] load = new int[m.nodes.length];
        for (int i = 0; i < Thp.HPAGE_PMD_NR; i++) {
            int e = vma.pte[p0 + i];
            if (Pte.isPresent(e)) {
                load[m.nodeOf(Pte.frame(e))]++;
            }
        }
        int node = m.topology().cpuNode(CPU);
        int max = 0;
        for (int n = 0; n < load.length; n++) {
            if (load[n] > max) {
                max = load[n];
                node = n;
            }
        }
        long before = m.pending;
        m.pending = 0;
        int gfp = Thp.GFP_THISNODE_ONLY | (spec.khugepagedDefrag() ? Thp.GFP_DIRECT_RECLAIM : 0);
        int f = thp.allocHugePage(node, gfp, CPU);
        long cost = m.pending;
        m.pending = 0;
        if (f < 0) {
            m.pending = before;
            collapseAllocFailed.inc();
            return -cost - 1;
        }
        collapseAlloc.inc();
        thp.countHugeAlloc(f, -1, -1);
        boolean mlocked = false;
        int present = 0;
        int swapped = 0;
        for (int i = 0; i < Thp.HPAGE_PMD_NR; i++) {
            int e = vma.pte[p0 + i];
            if (Pte.isSwap(e)) {
                m.swap.free(Pte.slot(e));
                mm.swapents--;
                swapped++;
                cost += costSwapIn;
            }
        }
        pgmajfault.add(swapped);
        pswpin.add(swapped);
        cost += m.tlbs.flushTlbMmRange(CPU, mm.pid, vma.startVpn + p0, Thp.HPAGE_PMD_NR);
        for (int i = 0; i < Thp.HPAGE_PMD_NR; i++) {
            int e = vma.pte[p0 + i];
            if (!Pte.isPresent(e)) {
                continue;
            }
            int old = Pte.frame(e);
            present++;
            cost += costCopy;
            mlocked |= (t.flags[old] & PageFlags.PG_MLOCKED) != 0;
            vma.pte[p0 + i] = Pte.NONE;
            PglistData n = m.nodes[m.nodeOf(old)];
            n.lruvec.del(old);
            m.freeUserFrame(n, old);
        }
        mm.rss += Thp.HPAGE_PMD_NR - present;
        int headFlags = PageFlags.PG_SWAPBACKED | (mlocked ? PageFlags.PG_MLOCKED | PageFlags.PG_UNEVICTABLE : 0);
        thp.mapThp(vma, p0, f, headFlags, mlocked ? Lruvec.LRU_UNEVICTABLE : Lruvec.LRU_INACTIVE_ANON);
        m.pending += thp.hardeningAllocated(f);
        cost += m.pending;
        m.pending = before;
        pagesCollapsed.inc();
        return cost;
    }

    /** Whether a wakeup is queued. */
    boolean scheduled() {
        return scheduled;
    }
}

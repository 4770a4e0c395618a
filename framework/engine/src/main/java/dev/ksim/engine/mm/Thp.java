package dev.ksim.engine.mm;

import dev.ksim.engine.cost.CostModel;
import dev.ksim.engine.metrics.LongCounter;
import dev.ksim.engine.metrics.MetricsRegistry;
import dev.ksim.engine.mm.zone.MigrateType;
import dev.ksim.engine.mm.zone.Watermarks;
import dev.ksim.engine.mm.zone.Zone;
import dev.ksim.engine.mm.zone.ZoneType;
import dev.ksim.engine.mm.zone.Zonelist;
import dev.ksim.engine.model.LargePageSpec;
import dev.ksim.engine.model.Madvise;
import dev.ksim.engine.model.MappingKind;

/**
 * Transparent huge pages for anonymous mappings (Documentation/admin-guide/mm/transhuge.rst,
 * mm/huge_memory.c): PMD-mapped 2 MiB folios, their fault, split, reclaim, migration and memory
 * failure. khugepaged is {@link Khugepaged}; compaction, which THP faults call, is {@link Compaction}.
 *
 * <h2>Representation</h2>
 * A THP is an order-9 MIGRATE_MOVABLE buddy block at an aligned pfn (its head). Its 512 frames
 * carry {@link PageFlags#PG_COMPOUND}; the head carries the folio's flags (LRU, active,
 * referenced, swapbacked, mlocked, unevictable) and is the only frame on an LRU list, counted as
 * 512 base pages ({@link Lruvec#folioNrPages}); the tails carry PG_COMPOUND alone. Each frame keeps
 * its own reverse map (the VMA and the page offset of the PTE that maps it), and the mapping's 512
 * PTEs map the 512 frames in order — the PMD mapping is represented by its PTEs, so the access path
 * is unchanged. No byte is added per frame: the compound bit is the flags byte's free bit 7.
 * Per VMA, a byte per 2 MiB-aligned virtual region ({@link #regions}) records the PMD's state —
 * none (no page table: {@code pmd_none}), a PTE table, or huge-mapped — and the madvise flags
 * VM_HUGEPAGE / VM_NOHUGEPAGE of the range; a THP exists exactly where a region is huge-mapped.
 *
 * <h2>Fault (do_huge_pmd_anonymous_page)</h2>
 * An anonymous fault on a page whose region is {@code pmd_none}, lies wholly inside the VMA
 * (the kernel aligns anonymous mappings of 2 MiB and more, as {@link MemoryManager#createProcess}
 * does) and is enabled ({@code always} unless MADV_NOHUGEPAGE; {@code madvise} only with
 * MADV_HUGEPAGE) asks for an order-9 page on the policy's node with __GFP_THISNODE
 * (alloc_pages_mpol's first try); the {@code defrag} setting decides what a failure does
 * (vma_thp_gfp_mask): wake kswapd/kcompactd ({@code defer}), stall in direct compaction and reclaim
 * ({@code always}, {@code madvise} for advised ranges; __GFP_NORETRY unless advised), then — when
 * it may stall — retry on any node. Success maps the 512 PTEs ({@code thp_fault_alloc}, one fault,
 * {@code fault.huge_page}); failure falls back to a 4 KiB fault ({@code thp_fault_fallback}).
 * strict-lru never has THP. The TLBs keep 4 KiB translations: a THP's 512 pages take 512 entries
 * (x86's 2 MiB TLB entries are not modelled).
 *
 * <h2>Split (split_huge_page)</h2>
 * {@link #split}: refused when a subpage is pinned ({@code thp_split_page_failed}, can_split_folio);
 * otherwise the buddy block becomes 512 order-0 pages, the tails inherit the head's flags and join
 * the head's LRU list just before it (lru_add_split_folio), the PMD becomes a PTE table (a TLB flush
 * of the 2 MiB range), {@code thp_split_page} and {@code thp_split_pmd}. Callers: reclaim, failed
 * whole migration, memory failure and soft offline, mlock/madvise of part of a THP, and
 * {@link MemoryManager#splitHugePage} for other mechanisms (partial unmap).
 *
 * <h2>Reclaim</h2>
 * shrink_folio_list with CONFIG_THP_SWAP (x86-64 default): a THP chosen by reclaim is demoted whole
 * when the demotion target has a free order-9 page, else swapped out whole when the swap device has
 * a cluster's worth (512) of free slots ({@code thp_swpout}: 512 swap entries, one write, the block
 * freed), else split ({@code thp_swpout_fallback} when swap had room for some pages) and its head
 * reclaimed as a base page; a THP with a pinned subpage is kept (activated). Scan and steal
 * counters count base pages. Deviation: the swap device allocates slots singly, so "a free cluster"
 * is "512 free slots".
 *
 * <h2>Migration</h2>
 * migrate_pages of a THP subpage moves the whole folio (an order-9 destination; 512 PTEs become
 * migration entries; {@code migrate.copy_huge_page}); {@code pgmigrate_success} += 512,
 * {@code thp_migration_success}. No destination: the THP is split ({@code thp_migration_fail},
 * {@code thp_migration_split}, {@code pgmigrate_fail_thp_split} += 512) and its 512 base pages
 * migrated one by one. A pinned subpage fails the folio with {@code extra_ref} (512 pages).
 *
 * <h2>Memory failure</h2>
 * memory_failure on a THP splits it first (try_to_split_thp_page), then handles the 4 KiB page;
 * if the split fails (a pinned subpage) the mappers are killed at once (kill_procs_now, counted
 * {@code memory_failure_ignored} as MF_MSG_UNSPLIT_THP is, and {@code memory_failure_sigbus}) and
 * the poisoned frame retired once the dead process's memory is freed. Soft offline splits first and
 * fails when it cannot.
 *
 * <p>Counters are registered at construction (every run reports them). Nothing here runs on the
 * access path except {@link #wantsFault} and {@link #notePteFault}, which are O(1) and allocation-free.
 */
final class Thp {
    static final int HPAGE_PMD_ORDER = 9;
    static final int HPAGE_PMD_NR = 1 << HPAGE_PMD_ORDER;
    static final int HPAGE_MASK = ~(HPAGE_PMD_NR - 1);

    /** Region states (2 bits) and flags of {@link #regions}. */
    static final int PMD_NONE = 0;
    static final int PTE_TABLE = 1;
    static final int PMD_MAPPED = 2;
    static final int STATE_MASK = 3;
    static final int VM_HUGEPAGE = 4;
    static final int VM_NOHUGEPAGE = 8;
    /** The range was split by madvise at a boundary inside the region: no aligned 2 MiB lies in one VMA. */
    static final int VMA_SPLIT = 16;

    /** Result of {@link #fault} when the fault must fall back to a 4 KiB page. */
    static final int FALLBACK = -1;

    /** {@link #shrink} results. */
    static final int KEEP = 0;
    static final int RECLAIMED = 1;
    static final int SPLIT = 2;

    /** allocHugePage flags (the gfp bits vma_thp_gfp_mask decides). */
    static final int GFP_DIRECT_RECLAIM = 1;
    static final int GFP_KSWAPD_RECLAIM = 2;
    static final int GFP_NORETRY = 4;
    static final int GFP_THISNODE_ONLY = 8;

    private final MemoryManager m;
    private final FrameTable frames;
    final LargePageSpec spec;
    /** Whether THP may ever be used ({@code enabled} is not {@code never}). */
    final boolean enabled;
    /** Per VMA id, a byte per 2 MiB virtual region; null until needed. */
    byte[][] regions = new byte[0][];
    /** Per node: PMD-mapped THPs (nr_anon_transparent_hugepages). */
    final long[] nrThps;
    final Khugepaged khugepaged;

    private final long costFaultHuge;
    private final long costCopyHuge;

    final LongCounter faultAlloc;
    final LongCounter faultFallback;
    final LongCounter splitPage;
    final LongCounter splitPageFailed;
    final LongCounter splitPmd;
    final LongCounter migrationSuccess;
    final LongCounter migrationFail;
    final LongCounter migrationSplit;
    final LongCounter swpout;
    final LongCounter swpoutFallback;
    private final MetricsRegistry metrics;

    Thp(MemoryManager m, LargePageSpec spec, MetricsRegistry metrics) {
        this.m = m;
        this.frames = m.frames;
        this.spec = spec;
        this.metrics = metrics;
        this.enabled = spec.thp() != LargePageSpec.Thp.NEVER && !m.strict;
        this.nrThps = new long[m.nodes.length];
        costFaultHuge = m.costs.get(CostModel.FAULT_HUGE_PAGE);
        costCopyHuge = m.costs.get(CostModel.MIGRATE_COPY_HUGE_PAGE);
        faultAlloc = metrics.counter(LargePageMetrics.THP_FAULT_ALLOC);
        faultFallback = metrics.counter(LargePageMetrics.THP_FAULT_FALLBACK);
        splitPage = metrics.counter(LargePageMetrics.THP_SPLIT_PAGE);
        splitPageFailed = metrics.counter(LargePageMetrics.THP_SPLIT_PAGE_FAILED);
        splitPmd = metrics.counter(LargePageMetrics.THP_SPLIT_PMD);
        migrationSuccess = metrics.counter(LargePageMetrics.THP_MIGRATION_SUCCESS);
        migrationFail = metrics.counter(LargePageMetrics.THP_MIGRATION_FAIL);
        migrationSplit = metrics.counter(LargePageMetrics.THP_MIGRATION_SPLIT);
        swpout = metrics.counter(LargePageMetrics.THP_SWPOUT);
        swpoutFallback = metrics.counter(LargePageMetrics.THP_SWPOUT_FALLBACK);
        metrics.gauge(LargePageMetrics.THP_FAULT_SUCCESS_PERMILLE, () -> {
            long all = faultAlloc.get() + faultFallback.get();
            return all == 0 ? 0 : faultAlloc.get() * 1000 / all;
        });
        for (PglistData n : m.nodes) {
            final int id = n.nodeId;
            metrics.gauge(MmMetrics.nodeMetric(id, LargePageMetrics.NR_ANON_TRANSPARENT_HUGEPAGES), () -> nrThps[id]);
        }
        this.khugepaged = new Khugepaged(m, this, metrics);
    }

    // ------------------------------------------------------------------ regions

    /** The 2 MiB virtual region of page {@code p} of {@code vma}, counted from the region holding page 0. */
    static int regionOf(VmArea vma, int p) {
        return (int) (((vma.startVpn + p) >>> HPAGE_PMD_ORDER) - (vma.startVpn >>> HPAGE_PMD_ORDER));
    }

    /** The page offset of region {@code r}'s first page (negative when the region starts before the VMA). */
    static int regionFirstPage(VmArea vma, int r) {
        return (int) ((((vma.startVpn >>> HPAGE_PMD_ORDER) + r) << HPAGE_PMD_ORDER) - vma.startVpn);
    }

    /** Whether region {@code r} lies wholly inside {@code vma} (transhuge_vma_suitable). */
    static boolean regionInside(VmArea vma, int r) {
        int p0 = regionFirstPage(vma, r);
        return p0 >= 0 && p0 + HPAGE_PMD_NR <= vma.pte.length;
    }

    static int nrRegions(VmArea vma) {
        return regionOf(vma, vma.pte.length - 1) + 1;
    }

    /** The region bytes of {@code vma}, created on first use. */
    byte[] regions(VmArea vma) {
        if (vma.id >= regions.length) {
            regions = java.util.Arrays.copyOf(regions, Math.max(vma.id + 1, regions.length * 2));
        }
        byte[] r = regions[vma.id];
        if (r == null) {
            r = new byte[nrRegions(vma)];
            regions[vma.id] = r;
        }
        return r;
    }

    /** The region bytes of {@code vma}, or null when it has none. */
    byte[] regionsOrNull(VmArea vma) {
        return vma.id < regions.length ? regions[vma.id] : null;
    }

    /** hugepage_vma_check + transhuge_vma_suitable for region {@code r} with flags {@code b}. */
    boolean eligible(VmArea vma, int r, int b) {
        if (!enabled || vma.kind != MappingKind.ANON || (b & (VM_NOHUGEPAGE | VMA_SPLIT)) != 0) {
            return false;
        }
        if (spec.thp() == LargePageSpec.Thp.MADVISE && (b & VM_HUGEPAGE) == 0) {
            return false;
        }
        return regionInside(vma, r);
    }

    /** Whether a fault on page {@code p} (PTE {@code e}) of {@code vma} is a THP fault candidate. O(1). */
    boolean wantsFault(VmArea vma, int p, int e) {
        if (!enabled || e != Pte.NONE || vma.kind != MappingKind.ANON) {
            return false;
        }
        byte[] rg = regions(vma);
        int r = regionOf(vma, p);
        int b = rg[r];
        return (b & STATE_MASK) == PMD_NONE && eligible(vma, r, b);
    }

    /** A 4 KiB page was mapped at page {@code p}: its region now has a PTE table (pmd_none no longer). O(1). */
    void notePteFault(VmArea vma, int p) {
        if (!enabled) {
            return;
        }
        byte[] rg = regions(vma);
        int r = regionOf(vma, p);
        if ((rg[r] & STATE_MASK) == PMD_NONE) {
            rg[r] |= PTE_TABLE;
        }
    }

    private void setState(VmArea vma, int r, int state) {
        byte[] rg = regions(vma);
        rg[r] = (byte) ((rg[r] & ~STATE_MASK) | state);
    }

    /** The head of the THP containing frame {@code f}. */
    static int head(int f) {
        return f & HPAGE_MASK;
    }

    /** Whether any of the 512 frames from {@code head} is pinned (folio_maybe_dma_pinned). */
    boolean anyPinned(int head) {
        int[] pins = frames.pins;
        for (int i = 0; i < HPAGE_PMD_NR; i++) {
            if (pins[head + i] > 0) {
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ fault

    /**
     * do_huge_pmd_anonymous_page for page {@code p} of {@code vma} (checked by {@link #wantsFault}),
     * the policy having named node {@code preferred}. Returns the frame now mapping {@code p}, or
     * {@link #FALLBACK}. The cost (allocation stalls, clearing) accumulates in {@code m.pending}.
     */
    int fault(MmStruct mm, VmArea vma, int p, int preferred, int cpu, int cpuNode) {
        int r = regionOf(vma, p);
        int p0 = regionFirstPage(vma, r);
        boolean madvised = (regions(vma)[r] & VM_HUGEPAGE) != 0;
        int gfp;
        switch (spec.defrag()) {
            case ALWAYS -> gfp = GFP_DIRECT_RECLAIM | (madvised ? 0 : GFP_NORETRY);
            case DEFER -> gfp = GFP_KSWAPD_RECLAIM;
            case DEFER_MADVISE -> gfp = madvised ? GFP_DIRECT_RECLAIM : GFP_KSWAPD_RECLAIM;
            case MADVISE -> gfp = madvised ? GFP_DIRECT_RECLAIM : 0;
            default -> gfp = 0;
        }
        int f = allocHugePage(preferred, gfp, cpu);
        if (f < 0) {
            faultFallback.inc();
            return FALLBACK;
        }
        faultAlloc.inc();
        countHugeAlloc(f, preferred, cpuNode);
        mapThp(vma, p0, f, PageFlags.PG_SWAPBACKED, Lruvec.LRU_INACTIVE_ANON);
        mm.rss += HPAGE_PMD_NR;
        m.pending += costFaultHuge + hardeningAllocated(f);
        return f + (p - p0);
    }

    /**
     * An order-9 movable page for a THP on {@code node}, as the page allocator gives one for the
     * gfp bits {@code gfp} (see the class comment); -1 when there is none. Stalls (direct
     * compaction, reclaim) are charged to {@code m.pending}.
     */
    int allocHugePage(int node, int gfp, int cpu) {
        Zonelist zl = m.zonelist;
        long thisNode = 1L << node;
        int f = zl.allocPages(node, HPAGE_PMD_ORDER, MigrateType.MIGRATE_MOVABLE, thisNode, Watermarks.WMARK_LOW);
        if (f >= 0) {
            return f;
        }
        if ((gfp & GFP_KSWAPD_RECLAIM) != 0) {
            m.compaction.wakeupForHighOrder(node, HPAGE_PMD_ORDER);
        }
        if ((gfp & GFP_DIRECT_RECLAIM) == 0) {
            return -1;
        }
        // alloc_pages_mpol: first __GFP_THISNODE | __GFP_NORETRY, compacting but not reclaiming needlessly
        f = slowpath(node, thisNode, true, cpu);
        if (f >= 0 || (gfp & GFP_THISNODE_ONLY) != 0) {
            return f;
        }
        // then allowing remote memory, with reclaim and compaction as the gfp mask says
        f = zl.allocPages(node, HPAGE_PMD_ORDER, MigrateType.MIGRATE_MOVABLE, Zonelist.NO_NODEMASK, Watermarks.WMARK_MIN);
        if (f >= 0) {
            return f;
        }
        return slowpath(node, Zonelist.NO_NODEMASK, (gfp & GFP_NORETRY) != 0, cpu);
    }

    /**
     * __alloc_pages_slowpath for a costly order without __GFP_RETRY_MAYFAIL: async direct compaction;
     * with __GFP_NORETRY a skipped or deferred compaction ends it; direct reclaim (unless compaction
     * is ready: enough free memory) and compaction again (async with __GFP_NORETRY, sync-light
     * without), then give up.
     */
    private int slowpath(int node, long nodemask, boolean noretry, int cpu) {
        Compaction c = m.compaction;
        int f = c.tryToCompactPages(node, nodemask, HPAGE_PMD_ORDER, Compaction.Mode.ASYNC, cpu);
        if (f >= 0) {
            return f;
        }
        Compaction.Result rc = c.lastResult();
        if (noretry && (rc == Compaction.Result.SKIPPED || rc == Compaction.Result.DEFERRED)) {
            return -1;
        }
        if (!c.compactionReady(node, nodemask, HPAGE_PMD_ORDER)) {
            m.vmscan.tryToFreePages(node, cpu);
            f = m.zonelist.allocPages(node, HPAGE_PMD_ORDER, MigrateType.MIGRATE_MOVABLE, nodemask, Watermarks.WMARK_MIN);
            if (f >= 0) {
                return f;
            }
        }
        return c.tryToCompactPages(node, nodemask, HPAGE_PMD_ORDER,
                noretry ? Compaction.Mode.ASYNC : Compaction.Mode.SYNC_LIGHT, cpu);
    }

    /** pgalloc (+ its zone's), numa_* for an order-9 allocation: the base pages, as the kernel counts PGALLOC. */
    void countHugeAlloc(int f, int preferred, int cpuNode) {
        int got = m.nodeOf(f);
        m.countAlloc(f, got, preferred, cpuNode);
        m.pgalloc.add(HPAGE_PMD_NR - 1);
        Zone z = m.nodes[got].memMap.zoneOf(f);
        (z.type() == ZoneType.MOVABLE ? m.pgallocMovable : m.pgallocNormal).add(HPAGE_PMD_NR - 1);
    }

    long hardeningAllocated(int head) {
        int node = m.nodeOf(head);
        long c = 0;
        for (int i = 0; i < HPAGE_PMD_NR; i++) {
            c += m.hardeningAllocated(node, head + i);
        }
        return c;
    }

    /**
     * Maps the fresh order-9 block {@code f} at pages [p0, p0 + 512) of {@code vma} as a THP whose
     * head carries {@code headFlags}, on {@code lru} of its node.
     */
    void mapThp(VmArea vma, int p0, int f, int headFlags, int lru) {
        int[] pte = vma.pte;
        for (int i = 0; i < HPAGE_PMD_NR; i++) {
            pte[p0 + i] = Pte.present(f + i);
            frames.rmapVma[f + i] = vma.id;
            frames.rmapIndex[f + i] = p0 + i;
            frames.flags[f + i] = (byte) PageFlags.PG_COMPOUND;
        }
        frames.flags[f] = (byte) (PageFlags.PG_COMPOUND | headFlags);
        int node = m.nodeOf(f);
        m.nodes[node].lruvec.add(f, lru);
        setState(vma, regionOf(vma, p0), PMD_MAPPED);
        nrThps[node]++;
    }

    /** Frees the THP at {@code head} (unmapped, off the LRU) to its zone: pgfree += 512, the hardening's hooks. */
    void freeHuge(int head) {
        PglistData n = m.nodes[m.nodeOf(head)];
        for (int i = 0; i < HPAGE_PMD_NR; i++) {
            frames.rmapVma[head + i] = FrameTable.FREE;
            frames.rmapIndex[head + i] = 0;
            frames.flags[head + i] = 0;
        }
        n.memMap.zoneOf(head).freePages(head, HPAGE_PMD_ORDER);
        m.pgfree.add(HPAGE_PMD_NR);
        for (int i = 0; i < HPAGE_PMD_NR; i++) {
            m.pending += m.hardeningFreed(n.nodeId, head + i);
        }
    }

    // ------------------------------------------------------------------ split

    /**
     * split_huge_page of the mapped THP containing frame {@code f}, the PMD split on {@code cpu}.
     * Returns the cost (the TLB flush of the range), or -1 when a pinned subpage refuses it.
     */
    long split(int f, int cpu) {
        int head = head(f);
        if (anyPinned(head)) {
            splitPageFailed.inc();
            return -1;
        }
        PglistData n = m.nodes[m.nodeOf(head)];
        n.memMap.zoneOf(head).splitPage(head, HPAGE_PMD_ORDER);
        VmArea vma = m.vmas[frames.rmapVma[head]];
        int p0 = frames.rmapIndex[head];
        byte[] flags = frames.flags;
        int b = flags[head];
        boolean onLru = (b & PageFlags.PG_LRU) != 0;
        int inherit = b & (PageFlags.PG_ACTIVE | PageFlags.PG_REFERENCED | PageFlags.PG_SWAPBACKED
                | PageFlags.PG_MLOCKED | PageFlags.PG_UNEVICTABLE | PageFlags.PG_LRU);
        flags[head] = (byte) (b & ~PageFlags.PG_COMPOUND);
        for (int i = 1; i < HPAGE_PMD_NR; i++) {
            int t = head + i;
            flags[t] = (byte) inherit;
            if (onLru) {
                frames.listAdd(frames.prev[head], t); // lru_add_split_folio: tails just before the head (the count stays 512)
            }
        }
        setState(vma, regionOf(vma, p0), PTE_TABLE);
        nrThps[n.nodeId]--;
        splitPage.inc();
        splitPmd.inc();
        return m.tlbs.flushTlbMmRange(cpu, vma.mm.pid, vma.startVpn + p0, HPAGE_PMD_NR);
    }

    /**
     * Splits the THPs of pages [from, from + n) of {@code vma} that the range covers only in part
     * (what a VMA split at the range's ends does: vma_adjust_trans_huge). Returns the cost.
     */
    long splitStraddling(VmArea vma, long from, long n, int cpu) {
        long cost = 0;
        for (long edge : new long[] {from, from + n}) {
            if (edge <= 0 || edge >= vma.pte.length) {
                continue;
            }
            int e = vma.pte[(int) edge];
            if (Pte.isPresent(e) && frames.flags[Pte.frame(e)] < 0 && !m.hugetlb.isHugetlb(Pte.frame(e))) {
                int h = head(Pte.frame(e));
                if (frames.rmapIndex[h] != edge) {
                    cost += Math.max(0, split(h, cpu));
                }
            }
        }
        return cost;
    }

    // ------------------------------------------------------------------ mlock, madvise

    /**
     * The LRU folio mlock/munlock of [from, from + n) acts on for frame {@code f}: the THP's head when
     * the range covers the whole THP; the 4 KiB page after splitting a THP the range covers in part
     * (if the split is refused the whole folio); -1 for a hugetlb page (never on an LRU).
     */
    int lruFolio(int f, long from, long n, int cpu) {
        if (frames.flags[f] >= 0) {
            return f;
        }
        if (m.hugetlb.isHugetlb(f)) {
            return -1;
        }
        int h = head(f);
        long p0 = frames.rmapIndex[h];
        if (p0 >= from && p0 + HPAGE_PMD_NR <= from + n) {
            return h;
        }
        return split(h, cpu) < 0 ? h : f;
    }

    /**
     * madvise(2) of pages [from, from + n) of {@code vma}: MADV_HUGEPAGE / MADV_NOHUGEPAGE set the
     * flag on the regions the range covers (a region it covers in part is split off — no aligned
     * 2 MiB of it lies in one VMA any more — and a THP there is split); MADV_PAGEOUT reclaims the
     * range now ({@link #pageout}). Returns the cost (ns). A hugetlb mapping ignores it (EINVAL).
     */
    long madvise(VmArea vma, long from, long n, Madvise advice, int cpu) {
        if (vma.kind == MappingKind.HUGETLB) {
            return 0;
        }
        if (advice == Madvise.PAGEOUT) {
            return pageout(vma, from, n, cpu);
        }
        long cost = 0;
        byte[] rg = regions(vma);
        int first = regionOf(vma, (int) from);
        int last = regionOf(vma, (int) (from + n - 1));
        for (int r = first; r <= last; r++) {
            int p0 = regionFirstPage(vma, r);
            boolean whole = p0 >= from && p0 + HPAGE_PMD_NR <= from + n;
            if (!whole) {
                if (regionInside(vma, r)) {
                    rg[r] |= VMA_SPLIT;
                    if ((rg[r] & STATE_MASK) == PMD_MAPPED) {
                        cost += Math.max(0, split(Pte.frame(vma.pte[p0]), cpu));
                    }
                }
                continue;
            }
            int set = advice == Madvise.HUGEPAGE ? VM_HUGEPAGE : VM_NOHUGEPAGE;
            int clear = advice == Madvise.HUGEPAGE ? VM_NOHUGEPAGE : VM_HUGEPAGE;
            rg[r] = (byte) ((rg[r] & ~clear) | set);
        }
        return cost;
    }

    /**
     * MADV_PAGEOUT (madvise_cold_or_pageout_pte_range + reclaim_pages): each present page of the
     * range that is on an LRU, not pinned and not mlocked is swapped out now (ignoring references),
     * a THP the range covers whole as one ({@link #shrink}'s rules), one it covers in part split
     * first. Needs free swap slots; without them pages stay. Counts pswpout (not pgsteal, as the
     * kernel's reclaim_pages does not). Returns the cost.
     */
    long pageout(VmArea vma, long from, long n, int cpu) {
        long cost = splitStraddling(vma, from, n, cpu);
        Vmscan.ScanControl sc = new Vmscan.ScanControl();
        sc.reset(false, cpu, Long.MAX_VALUE);
        for (long i = from; i < from + n; i++) {
            int e = vma.pte[(int) i];
            if (!Pte.isPresent(e)) {
                continue;
            }
            int f = Pte.frame(e);
            int b = frames.flags[f];
            if ((b & PageFlags.PG_LRU) == 0 && b >= 0 || (b & PageFlags.PG_MLOCKED) != 0) {
                continue;
            }
            if (b < 0) {
                if (m.hugetlb.isHugetlb(f)) {
                    return cost;
                }
                int h = head(f);
                int p0 = frames.rmapIndex[h];
                if ((frames.flags[h] & PageFlags.PG_MLOCKED) != 0 || anyPinned(h)) {
                    i = p0 + HPAGE_PMD_NR - 1L;
                    continue;
                }
                PglistData node = m.nodes[m.nodeOf(h)];
                if (m.swap.slots - m.swap.nrUsed >= HPAGE_PMD_NR) {
                    swapOutWhole(node, h, sc);
                    i = p0 + HPAGE_PMD_NR - 1L;
                    continue;
                }
                if (m.swap.nrUsed >= m.swap.slots) {
                    return cost + sc.costNs;
                }
                swpoutFallback.inc();
                long c = split(h, cpu);
                if (c < 0) {
                    continue;
                }
                cost += c;
                b = frames.flags[f];
            }
            if (frames.pins[f] > 0) {
                continue;
            }
            if (m.swap.nrUsed >= m.swap.slots) {
                break;
            }
            m.vmscan.swapOut(m.nodes[m.nodeOf(f)], f, sc);
        }
        return cost + sc.costNs;
    }

    // ------------------------------------------------------------------ reclaim

    /**
     * shrink_folio_list's large-folio step for the unreferenced, unpinned-head THP {@code head}
     * taken from {@code lru} of {@code node}: see the class comment. Returns {@link #KEEP} (it stays,
     * activated), {@link #RECLAIMED} (demoted or swapped whole; counters done) or {@link #SPLIT}
     * ({@code head} is now a base page for the caller to reclaim).
     */
    int shrink(PglistData node, int head, int lru, Vmscan.ScanControl sc) {
        int r = shrinkFolio(node, head, lru, sc);
        if (r != SPLIT) { // the whole folio was scanned (a split one's tails are scanned as base pages later)
            Vmscan vs = m.vmscan;
            sc.nrScanned += HPAGE_PMD_NR - 1;
            (sc.kswapd ? vs.pgscanKswapd : vs.pgscanDirect).add(HPAGE_PMD_NR - 1);
        }
        return r;
    }

    private int shrinkFolio(PglistData node, int head, int lru, Vmscan.ScanControl sc) {
        Vmscan vs = m.vmscan;
        if (anyPinned(head)) {
            node.lruvec.move(head, lru + 1);
            vs.pgactivate.inc();
            return KEEP;
        }
        if (node.demotionTarget >= 0 && demoteWhole(node, head, sc)) {
            (sc.kswapd ? vs.pgdemoteKswapd : vs.pgdemoteDirect).add(HPAGE_PMD_NR);
            sc.nrReclaimed += HPAGE_PMD_NR;
            (sc.kswapd ? vs.pgstealKswapd : vs.pgstealDirect).add(HPAGE_PMD_NR);
            return RECLAIMED;
        }
        long free = m.swap.slots - m.swap.nrUsed;
        if (free >= HPAGE_PMD_NR) {
            swapOutWhole(node, head, sc);
            sc.nrReclaimed += HPAGE_PMD_NR;
            (sc.kswapd ? vs.pgstealKswapd : vs.pgstealDirect).add(HPAGE_PMD_NR);
            return RECLAIMED;
        }
        if (free == 0 && node.demotionTarget < 0) {
            node.lruvec.move(head, lru + 1); // activate_locked: cannot be reclaimed now
            vs.pgactivate.inc();
            return KEEP;
        }
        if (free > 0) {
            swpoutFallback.inc();
        }
        long c = split(head, sc.cpu);
        if (c < 0) {
            node.lruvec.move(head, lru + 1);
            vs.pgactivate.inc();
            return KEEP;
        }
        sc.costNs += c;
        return SPLIT;
    }

    /** Swaps the THP at {@code head} (on {@code node}'s LRU) out whole: 512 swap entries, one write. */
    private void swapOutWhole(PglistData node, int head, Vmscan.ScanControl sc) {
        VmArea vma = m.vmas[frames.rmapVma[head]];
        int p0 = frames.rmapIndex[head];
        for (int i = 0; i < HPAGE_PMD_NR; i++) {
            vma.pte[p0 + i] = Pte.swap(m.swap.alloc());
        }
        vma.mm.rss -= HPAGE_PMD_NR;
        vma.mm.swapents += HPAGE_PMD_NR;
        m.pswpout.add(HPAGE_PMD_NR);
        swpout.inc();
        setState(vma, regionOf(vma, p0), PTE_TABLE);
        sc.costNs += m.costSwapWrite + m.costReclaimUnmap
                + m.tlbs.flushTlbMmRange(sc.cpu, vma.mm.pid, vma.startVpn + p0, HPAGE_PMD_NR);
        node.lruvec.del(head);
        nrThps[node.nodeId]--;
        long before = m.pending;
        freeHuge(head);
        sc.costNs += m.pending - before;
        m.pending = before;
    }

    /** Demotes the THP whole to the node's demotion target if it has a free order-9 page; false, nothing changed, otherwise. */
    private boolean demoteWhole(PglistData node, int head, Vmscan.ScanControl sc) {
        int target = node.demotionTarget;
        int nf = m.zonelist.allocPages(target, HPAGE_PMD_ORDER, MigrateType.MIGRATE_MOVABLE, 1L << target, Watermarks.WMARK_MIN);
        if (nf < 0) {
            return false;
        }
        countHugeAlloc(nf, -1, -1);
        long before = m.pending;
        m.pending += hardeningAllocated(nf);
        VmArea vma = m.vmas[frames.rmapVma[head]];
        sc.costNs += costCopyHuge + m.tlbs.flushTlbMmRange(sc.cpu, vma.mm.pid, vma.startVpn + frames.rmapIndex[head], HPAGE_PMD_NR);
        int lru = node.lruvec.del(head);
        moveThp(head, nf, lru == Lruvec.LRU_UNEVICTABLE ? lru : Lruvec.LRU_INACTIVE_ANON);
        sc.costNs += m.pending - before;
        m.pending = before;
        return true;
    }

    /**
     * Remaps the THP at {@code head} (off its LRU) to the fresh order-9 block {@code nf}, which goes
     * on {@code lru} of its node with the head's flags; the old block is freed.
     */
    void moveThp(int head, int nf, int lru) {
        VmArea vma = m.vmas[frames.rmapVma[head]];
        int p0 = frames.rmapIndex[head];
        int keep = frames.flags[head] & (PageFlags.PG_SWAPBACKED | PageFlags.PG_REFERENCED | PageFlags.PG_MLOCKED
                | PageFlags.PG_UNEVICTABLE);
        nrThps[m.nodeOf(head)]--;
        mapThp(vma, p0, nf, keep, lru);
        freeHuge(head);
    }

    // ------------------------------------------------------------------ migration

    /**
     * migrate_pages of the THP containing frame {@code f} towards {@code target} (see the class
     * comment); returns the node the page at {@code f} ends on, or -errno. Costs go to the current
     * {@link Migrate} call.
     */
    int migrate(int f, int target, Migrate.Reason reason, int cpu) {
        Migrate mig = m.migrate();
        int head = head(f);
        PglistData src = m.nodes[m.nodeOf(head)];
        if ((frames.flags[head] & PageFlags.PG_LRU) == 0) {
            counter(MmMetrics.PGMIGRATE_FAIL_NOT_ISOLATABLE).add(HPAGE_PMD_NR);
            counter(MmMetrics.PGMIGRATE_FAIL).add(HPAGE_PMD_NR);
            migrationFail.inc();
            return -Migrate.EBUSY;
        }
        int lru = src.lruvec.del(head);
        long nodemask = reason == Migrate.Reason.SYSCALL ? 1L << target : Zonelist.NO_NODEMASK;
        int nf = m.zonelist.allocPages(target, HPAGE_PMD_ORDER, MigrateType.MIGRATE_MOVABLE, nodemask, Watermarks.WMARK_MIN);
        if (nf < 0) {
            // -ENOMEM for a large folio: try_split_folio, then the base pages migrate one by one
            src.lruvec.add(head, lru);
            migrationFail.inc();
            long c = split(head, cpu);
            if (c < 0) {
                counter(MmMetrics.PGMIGRATE_FAIL_DST_ALLOC_FAIL).add(HPAGE_PMD_NR);
                counter(MmMetrics.PGMIGRATE_FAIL).add(HPAGE_PMD_NR);
                return -Migrate.ENOMEM;
            }
            mig.addCost(c);
            migrationSplit.inc();
            counter(MmMetrics.PGMIGRATE_FAIL_THP_SPLIT).add(HPAGE_PMD_NR);
            int rc = -Migrate.ENOMEM;
            for (int i = 0; i < HPAGE_PMD_NR; i++) {
                int r = mig.migratePage(head + i, target, reason, cpu);
                if (head + i == f) {
                    rc = r;
                }
            }
            return rc;
        }
        int got = m.nodeOf(nf);
        countHugeAlloc(nf, -1, -1);
        long before = m.pending;
        m.pending += hardeningAllocated(nf);
        VmArea vma = m.vmas[frames.rmapVma[head]];
        int p0 = frames.rmapIndex[head];
        long vpn = vma.startVpn + p0;
        for (int pass = 0; pass < Migrate.NR_MAX_MIGRATE_PAGES_RETRY; pass++) {
            for (int i = 0; i < HPAGE_PMD_NR; i++) {
                vma.pte[p0 + i] = Pte.MIGRATION;
            }
            mig.addCost(m.tlbs.flushTlbMmRange(cpu, vma.mm.pid, vpn, HPAGE_PMD_NR));
            if (anyPinned(head)) {
                for (int i = 0; i < HPAGE_PMD_NR; i++) {
                    vma.pte[p0 + i] = Pte.present(head + i); // remove_migration_ptes(src, src)
                }
                continue;
            }
            mig.addCost(costCopyHuge);
            moveThp(head, nf, lru);
            counter(MmMetrics.PGMIGRATE_SUCCESS).add(HPAGE_PMD_NR);
            migrationSuccess.inc();
            mig.addCost(m.pending - before);
            m.pending = before;
            return got;
        }
        src.lruvec.add(head, lru); // putback_movable_pages
        for (int i = 0; i < HPAGE_PMD_NR; i++) {
            frames.flags[nf + i] = 0;
        }
        m.nodes[got].memMap.zoneOf(nf).freePages(nf, HPAGE_PMD_ORDER);
        m.pgfree.add(HPAGE_PMD_NR);
        for (int i = 0; i < HPAGE_PMD_NR; i++) {
            m.pending += m.hardeningFreed(got, nf + i);
        }
        mig.addCost(m.pending - before);
        m.pending = before;
        counter(MmMetrics.PGMIGRATE_FAIL_EXTRA_REF).add(HPAGE_PMD_NR);
        counter(MmMetrics.PGMIGRATE_FAIL).add(HPAGE_PMD_NR);
        migrationFail.inc();
        return -Migrate.EBUSY;
    }

    private LongCounter counter(String name) {
        return metrics.counter(name);
    }

    // ------------------------------------------------------------------ memory failure

    /**
     * memory_failure's THP step for frame {@code pfn}: null after a successful split (the caller
     * handles the 4 KiB page), else the result of the kill (see the class comment).
     */
    MemoryFailure.Result memoryFailure(int pfn, int cpu) {
        int h = head(pfn);
        long c = split(h, cpu);
        if (c >= 0) {
            return null;
        }
        // MF_MSG_UNSPLIT_THP: kill_procs_now, then the frame is retired once its folio is freed
        VmArea vma = m.vmas[frames.rmapVma[h]];
        metrics.counter(MmMetrics.MEMORY_FAILURE_IGNORED).inc();
        m.memoryFailure().sigbus(vma.mm, vma, frames.rmapIndex[pfn]);
        Zone z = m.nodes[m.nodeOf(pfn)].memMap.zoneOf(pfn);
        if (z.takePageOffBuddy(pfn)) {
            frames.flags[pfn] = (byte) PageFlags.PG_HWPOISON;
        }
        return MemoryFailure.Result.IGNORED;
    }

    // ------------------------------------------------------------------ exit

    /** exit_mmap's part for the THPs of {@code vma}: each is unmapped and freed whole (pins dropped). */
    void exitVma(MmStruct victim, VmArea vma) {
        byte[] rg = regionsOrNull(vma);
        if (rg == null) {
            return;
        }
        for (int r = 0; r < rg.length; r++) {
            if ((rg[r] & STATE_MASK) != PMD_MAPPED) {
                continue;
            }
            int p0 = regionFirstPage(vma, r);
            int head = Pte.frame(vma.pte[p0]);
            for (int i = 0; i < HPAGE_PMD_NR; i++) {
                vma.pte[p0 + i] = Pte.NONE;
                frames.pins[head + i] = 0;
            }
            PglistData n = m.nodes[m.nodeOf(head)];
            n.lruvec.del(head);
            nrThps[n.nodeId]--;
            victim.rss -= HPAGE_PMD_NR;
            freeHuge(head);
            rg[r] = (byte) (rg[r] & ~STATE_MASK);
        }
    }

    /**
     * zap_pmd_range over pages [from, to) of {@code vma} (munmap, MADV_DONTNEED): a THP the range
     * covers whole is unmapped and freed as one folio (zap_huge_pmd); one it cuts is split first,
     * so the 4 KiB zap that follows frees only the pages inside the range. Returns the pages zapped
     * whole here. A THP a pinned subpage keeps whole is left mapped (reported by {@link #zapKept}).
     */
    int zapRange(VmArea vma, int from, int to, int cpu) {
        byte[] rg = regionsOrNull(vma);
        zapKept = 0;
        if (rg == null) {
            return 0;
        }
        int zapped = 0;
        for (int r = regionOf(vma, from); r < rg.length && regionFirstPage(vma, r) < to; r++) {
            if ((rg[r] & STATE_MASK) != PMD_MAPPED) {
                continue;
            }
            int p0 = regionFirstPage(vma, r);
            int head = Pte.frame(vma.pte[p0]);
            if (p0 >= from && p0 + HPAGE_PMD_NR <= to && !anyPinned(head)) {
                for (int i = 0; i < HPAGE_PMD_NR; i++) {
                    vma.pte[p0 + i] = Pte.NONE;
                }
                PglistData n = m.nodes[m.nodeOf(head)];
                n.lruvec.del(head);
                nrThps[n.nodeId]--;
                vma.mm.rss -= HPAGE_PMD_NR;
                freeHuge(head);
                rg[r] = (byte) (rg[r] & ~STATE_MASK);
                zapped += HPAGE_PMD_NR;
            } else if (split(head, cpu) < 0) {
                zapKept++;
            }
        }
        return zapped;
    }

    /** THPs the last {@link #zapRange} left mapped because a pinned subpage refused the split. */
    int zapKept;

    /** Starts khugepaged on the run's event loop (when THP is enabled). */
    void attach() {
        khugepaged.attach();
    }
}

package dev.ksim.engine.mm;

import static dev.ksim.engine.mm.Lruvec.LRU_ACTIVE_ANON;
import static dev.ksim.engine.mm.Lruvec.LRU_ACTIVE_FILE;
import static dev.ksim.engine.mm.Lruvec.LRU_INACTIVE_ANON;
import static dev.ksim.engine.mm.Lruvec.LRU_INACTIVE_FILE;

import dev.ksim.engine.metrics.LongCounter;
import dev.ksim.engine.metrics.MetricsRegistry;
import dev.ksim.engine.mm.zone.MigrateType;
import dev.ksim.engine.mm.zone.Watermarks;

/**
 * Page reclaim (mm/vmscan.c) over the nodes' {@link Lruvec}s, for kswapd ({@link Kswapd}) and
 * for direct reclaim in the faulting thread.
 *
 * <h2>lru mode</h2>
 * {@link #shrinkNode} reclaims up to {@code nr_to_reclaim} pages from a node:
 * <ul>
 * <li>get_scan_count: anon pages are reclaimable only with free swap space or a demotion target;
 *     with both anon and file pages reclaimable, each batch of {@value #SWAP_CLUSTER_MAX} is split
 *     {@code swappiness : 200 - swappiness} between them (the kernel's SCAN_FRACT without its
 *     recent-cost feedback); otherwise all of it goes to the one reclaimable type.</li>
 * <li>shrink_active_list, when the inactive list is low ({@code inactive × inactive_ratio <
 *     active}, ratio {@code int_sqrt(10 × GiB)} or 1 below 1 GiB): pages from the active tail
 *     lose PG_referenced and move to the inactive head ({@code pgdeactivate}) — anon pages are
 *     deactivated whether referenced or not, as the kernel does.</li>
 * <li>shrink_inactive_list: pages from the inactive tail ({@code pgscan_*}); a referenced one
 *     loses PG_referenced and rotates to the inactive head ({@code pgrotated}); an unreferenced one
 *     is reclaimed ({@code pgsteal_*}): demoted to the node's demotion target if it has one and the
 *     target has a free page above its min watermark ({@code pgdemote_*}), else written to swap
 *     ({@code pswpout}); with neither it is activated ({@code pgactivate}).</li>
 * <li>The scan ends when enough was reclaimed or when it has scanned twice the node's LRU pages
 *     without reaching the goal (the priority loop DEF_PRIORITY..0 is not modelled).</li>
 * </ul>
 * A page-cache page (a file's or shmem's) is left to {@link PageCacheReclaim}: clean file pages
 * are dropped, dirty ones written back first, shmem swapped; {@code pgscan_anon/file} and
 * {@code pgsteal_anon/file} split the counts by list. An anonymous page shared after fork is
 * unmapped from every mapper ({@link Rmap}), each PTE holding the same swap slot.
 * A pinned page ({@link FrameTable#pinCount} > 0) is never reclaimed: shrink_folio_list activates
 * it; mlocked pages sit on the unevictable list, which reclaim never scans. A transparent huge page
 * is demoted or swapped out whole, or split first ({@link Thp#shrink}); hugetlbfs pages are on no list.
 * Every unmap flushes the page's translation from the TLBs ({@code flush_tlb_mm_range}, a
 * shootdown when other CPUs run the mm) and charges the initiator {@code reclaim.unmap} plus the
 * flush, plus {@code swap.write} or {@code reclaim.demote}.
 *
 * <h2>strict-lru mode</h2>
 * {@link #reclaimStrict} swaps out the exact tail of the node's single list, one page (the least
 * recent unpinned page when the tail is pinned).
 */
final class Vmscan {
    /** SWAP_CLUSTER_MAX (include/linux/swap.h): reclaim batch size. */
    static final int SWAP_CLUSTER_MAX = 32;
    /** MAX_RECLAIM_RETRIES (mm/internal.h): unsuccessful reclaim rounds before OOM / kswapd giving up. */
    static final int MAX_RECLAIM_RETRIES = 16;

    /** One reclaim pass's state ({@code struct scan_control}); reused, never allocated per pass. */
    static final class ScanControl {
        boolean kswapd;
        int cpu;
        long nrToReclaim;
        long nrScanned;
        long nrReclaimed;
        long costNs;

        void reset(boolean kswapd, int cpu, long nrToReclaim) {
            this.kswapd = kswapd;
            this.cpu = cpu;
            this.nrToReclaim = nrToReclaim;
            nrScanned = 0;
            nrReclaimed = 0;
            costNs = 0;
        }
    }

    private final MemoryManager m;
    private final FrameTable frames;
    private final ScanControl direct = new ScanControl();
    final LongCounter pgscanKswapd;
    final LongCounter pgstealKswapd;
    final LongCounter pgscanDirect;
    final LongCounter pgstealDirect;
    final LongCounter pgactivate;
    final LongCounter pgdeactivate;
    final LongCounter pgrotated;
    final LongCounter pgdemoteKswapd;
    final LongCounter pgdemoteDirect;
    final LongCounter allocstall;
    final LongCounter pageoutrun;
    final LongCounter pgscanAnon;
    final LongCounter pgscanFile;
    final LongCounter pgstealAnon;
    final LongCounter pgstealFile;

    Vmscan(MemoryManager m, MetricsRegistry metrics) {
        this.m = m;
        this.frames = m.frames;
        pgscanKswapd = metrics.counter(MmMetrics.PGSCAN_KSWAPD);
        pgstealKswapd = metrics.counter(MmMetrics.PGSTEAL_KSWAPD);
        pgscanDirect = metrics.counter(MmMetrics.PGSCAN_DIRECT);
        pgstealDirect = metrics.counter(MmMetrics.PGSTEAL_DIRECT);
        pgactivate = metrics.counter(MmMetrics.PGACTIVATE);
        pgdeactivate = metrics.counter(MmMetrics.PGDEACTIVATE);
        pgrotated = metrics.counter(MmMetrics.PGROTATED);
        pgdemoteKswapd = metrics.counter(MmMetrics.PGDEMOTE_KSWAPD);
        pgdemoteDirect = metrics.counter(MmMetrics.PGDEMOTE_DIRECT);
        allocstall = metrics.counter(MmMetrics.ALLOCSTALL);
        pageoutrun = metrics.counter(MmMetrics.PAGEOUTRUN);
        pgscanAnon = metrics.counter(MmMetrics.PGSCAN_ANON);
        pgscanFile = metrics.counter(MmMetrics.PGSCAN_FILE);
        pgstealAnon = metrics.counter(MmMetrics.PGSTEAL_ANON);
        pgstealFile = metrics.counter(MmMetrics.PGSTEAL_FILE);
    }

    // ------------------------------------------------------------------ strict-lru

    /**
     * strict-lru: swaps out the least recently used page of {@code node} (the exact tail of its
     * single list), charging the faulting thread; false if there is none or no free swap slot.
     */
    boolean reclaimStrict(PglistData node, int cpu) {
        allocstall.inc();
        StrictLruOrder order = node.lruvec.strictOrder;
        int victim = order.oldest();
        while (victim >= 0 && frames.pins[victim] > 0) { // a pinned page cannot be unmapped: the next least recent
            victim = order.newerThan(victim);
        }
        if (victim < 0) {
            return false;
        }
        pgscanDirect.inc();
        if (m.swap.nrUsed >= m.swap.slots) {
            return false;
        }
        direct.reset(false, cpu, 1);
        swapOut(node, victim, direct);
        m.pending += direct.costNs;
        pgstealDirect.inc();
        return true;
    }

    // ------------------------------------------------------------------ lru

    /**
     * try_to_free_pages: direct reclaim of {@value #SWAP_CLUSTER_MAX} pages from the nodes of
     * {@code preferred}'s zonelist, nearest first, charged to the faulting thread. True if any
     * page was reclaimed (which also resets those nodes' kswapd failure counts).
     */
    boolean tryToFreePages(int preferred, int cpu) {
        allocstall.inc();
        ScanControl sc = direct;
        sc.reset(false, cpu, SWAP_CLUSTER_MAX);
        int[] order = m.topology().zonelistOf(preferred);
        for (int node : order) {
            if (sc.nrReclaimed >= sc.nrToReclaim) {
                break;
            }
            long before = sc.nrReclaimed;
            shrinkNode(m.nodes[node], sc);
            if (sc.nrReclaimed > before) {
                m.nodes[node].kswapd.failures = 0;
            }
        }
        m.pending += sc.costNs;
        return sc.nrReclaimed > 0;
    }

    /** shrink_node: reclaims up to {@code sc.nrToReclaim - sc.nrReclaimed} pages from {@code node}. */
    void shrinkNode(PglistData node, ScanControl sc) {
        Lruvec lv = node.lruvec;
        long limit = sc.nrScanned + 2 * (lv.nr[LRU_INACTIVE_ANON] + lv.nr[LRU_ACTIVE_ANON]
                + lv.nr[LRU_INACTIVE_FILE] + lv.nr[LRU_ACTIVE_FILE]) + SWAP_CLUSTER_MAX;
        while (sc.nrReclaimed < sc.nrToReclaim && sc.nrScanned < limit) {
            long scannedBefore = sc.nrScanned;
            boolean anonOk = canReclaimAnon(node);
            long anon = lv.nr[LRU_INACTIVE_ANON] + lv.nr[LRU_ACTIVE_ANON];
            long file = lv.nr[LRU_INACTIVE_FILE] + lv.nr[LRU_ACTIVE_FILE];
            long nrAnon;
            long nrFile;
            if (!anonOk || anon == 0) {
                nrAnon = 0;
                nrFile = SWAP_CLUSTER_MAX;
            } else if (file == 0) {
                nrAnon = SWAP_CLUSTER_MAX;
                nrFile = 0;
            } else {
                int ap = m.vm.swappiness();
                nrAnon = (long) SWAP_CLUSTER_MAX * ap / 200;
                nrFile = SWAP_CLUSTER_MAX - nrAnon;
            }
            if (nrAnon > 0) {
                shrinkList(node, LRU_INACTIVE_ANON, nrAnon, sc);
            }
            if (nrFile > 0 && file > 0) {
                shrinkList(node, LRU_INACTIVE_FILE, nrFile, sc);
            }
            if (sc.nrScanned == scannedBefore) {
                // nothing to scan: anon cannot be reclaimed here and there are no file pages, or the lists are empty
                return;
            }
        }
    }

    private boolean canReclaimAnon(PglistData node) {
        return m.swap.nrUsed < m.swap.slots || node.demotionTarget >= 0;
    }

    /** Refills the inactive list {@code inactiveLru} if it is low, then scans its tail. */
    private void shrinkList(PglistData node, int inactiveLru, long nr, ScanControl sc) {
        Lruvec lv = node.lruvec;
        if (inactiveIsLow(lv, inactiveLru)) {
            shrinkActiveList(node, inactiveLru + 1, nr);
        }
        shrinkInactiveList(node, inactiveLru, nr, sc);
    }

    /** inactive_is_low (mm/vmscan.c): inactive × inactive_ratio < active. */
    static boolean inactiveIsLow(Lruvec lv, int inactiveLru) {
        long inactive = lv.nr[inactiveLru];
        long active = lv.nr[inactiveLru + 1];
        long gb = (inactive + active) >>> (30 - 12);
        long ratio = gb > 0 ? isqrt(10 * gb) : 1;
        return inactive * ratio < active;
    }

    /** shrink_active_list: deactivates up to {@code nr} pages from the tail of {@code activeLru}. */
    private void shrinkActiveList(PglistData node, int activeLru, long nr) {
        Lruvec lv = node.lruvec;
        for (long i = 0; i < nr; i++) {
            int f = lv.tail(activeLru);
            if (f < 0) {
                return;
            }
            frames.flags[f] &= (byte) ~PageFlags.PG_REFERENCED;
            lv.move(f, activeLru - 1);
            pgdeactivate.inc();
        }
    }

    /** shrink_inactive_list + shrink_folio_list over up to {@code nr} pages from the tail of {@code lru}. */
    private void shrinkInactiveList(PglistData node, int lru, long nr, ScanControl sc) {
        Lruvec lv = node.lruvec;
        for (long i = 0; i < nr && sc.nrReclaimed < sc.nrToReclaim; i++) {
            int f = lv.tail(lru);
            if (f < 0) {
                return;
            }
            sc.nrScanned++;
            (sc.kswapd ? pgscanKswapd : pgscanDirect).inc();
            (lru == LRU_INACTIVE_ANON ? pgscanAnon : pgscanFile).inc();
            int b = frames.flags[f];
            if ((b & PageFlags.PG_REFERENCED) != 0) {
                frames.flags[f] = (byte) (b & ~PageFlags.PG_REFERENCED);
                lv.move(f, lru);
                pgrotated.inc();
                continue;
            }
            if (frames.pins[f] > 0) {
                // folio_maybe_dma_pinned: try_to_unmap cannot take an exclusive anon page a pin holds
                lv.move(f, lru + 1);
                pgactivate.inc();
                continue;
            }
            if (b < 0 && m.thp.shrink(node, f, lru, sc) != Thp.SPLIT) {
                continue; // a THP kept, or reclaimed whole; a split one goes on as a 4 KiB page
            }
            if (Rmap.isOwned(frames.rmapVma[f])) {
                if (!m.pageCache.reclaim.shrinkFolio(node, f, lru, sc)) { // a page-cache page: PageCacheReclaim
                    continue;
                }
            } else if (node.demotionTarget >= 0 && demote(node, f, sc)) {
                (sc.kswapd ? pgdemoteKswapd : pgdemoteDirect).inc();
            } else if (m.swap.nrUsed < m.swap.slots) {
                swapOut(node, f, sc);
            } else {
                lv.move(f, lru + 1); // activate_locked: cannot be reclaimed now
                pgactivate.inc();
                continue;
            }
            sc.nrReclaimed++;
            (sc.kswapd ? pgstealKswapd : pgstealDirect).inc();
            (lru == LRU_INACTIVE_ANON ? pgstealAnon : pgstealFile).inc();
        }
    }

    /**
     * Unmaps anonymous {@code victim} (on {@code node}'s LRU) from every PTE of its family to a new
     * swap slot (one slot reference per PTE) and frees its frame.
     */
    void swapOut(PglistData node, int victim, ScanControl sc) {
        int slot = m.swap.alloc();
        m.pswpout.inc();
        sc.costNs += m.costSwapWrite + m.costReclaimUnmap + m.rmap.unmap(victim, Pte.swap(slot), sc.cpu);
        for (int k = 1; k < m.rmap.count(); k++) {
            m.swap.dup(slot);
        }
        node.lruvec.del(victim);
        long before = m.pending;
        m.freeUserFrame(node, victim);
        sc.costNs += m.pending - before;
        m.pending = before;
    }

    /**
     * demote_folio_list for one page: a frame on the demotion target (its own node only, above the
     * min watermark, no reclaim: GFP_NOWAIT | __GFP_THISNODE) takes the page's contents and
     * mapping; the old frame is freed. False (nothing changed) when the target has no free page.
     */
    boolean demote(PglistData node, int victim, ScanControl sc) {
        int target = node.demotionTarget;
        PglistData t = m.nodes[target];
        if (t.belowLow()) {
            t.kswapd.wakeup();
        }
        int nf = m.zonelist.allocPages(target, 0, MigrateType.MIGRATE_MOVABLE, 1L << target, Watermarks.WMARK_MIN);
        if (nf < 0) {
            return false;
        }
        m.countAlloc(nf, target, -1, -1);
        // unmap every mapper to a migration entry, move the reverse map (and a page-cache slot), remap
        sc.costNs += m.costDemote + m.rmap.unmap(victim, Pte.MIGRATION, sc.cpu);
        m.rmap.move(victim, nf);
        m.rmap.restore(nf);
        frames.flags[nf] = (byte) (frames.flags[victim] & PageFlags.PG_SWAPBACKED);
        t.lruvec.add(nf, Lruvec.lruOf(frames.flags[nf]));
        m.numaMovedMappers(node.nodeId, target);
        long before = m.pending;
        sc.costNs += m.hardeningAllocated(target, nf);
        node.lruvec.del(victim);
        m.freeUserFrame(node, victim);
        sc.costNs += m.pending - before;
        m.pending = before;
        return true;
    }

    static long isqrt(long x) {
        long r = (long) Math.sqrt((double) x);
        while (r * r > x) {
            r--;
        }
        while ((r + 1) * (r + 1) <= x) {
            r++;
        }
        return r;
    }

    static {
        // the list arithmetic above (active = inactive + 1) relies on the enum lru_list order
        if (LRU_ACTIVE_ANON != LRU_INACTIVE_ANON + 1 || LRU_ACTIVE_FILE != LRU_INACTIVE_FILE + 1) {
            throw new AssertionError("lru_list order");
        }
    }
}

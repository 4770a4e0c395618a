package dev.ksim.engine.mm;

import dev.ksim.engine.cost.CostModel;
import dev.ksim.engine.metrics.LongCounter;
import dev.ksim.engine.metrics.MetricsRegistry;
import dev.ksim.engine.mm.zone.MemMap;
import dev.ksim.engine.mm.zone.MigrateType;
import dev.ksim.engine.mm.zone.Watermarks;
import dev.ksim.engine.mm.zone.Zone;
import dev.ksim.engine.mm.zone.Zonelist;
import java.util.ArrayList;
import java.util.List;

/**
 * Memory compaction (mm/compaction.c) of the buddy zones: a migrate scanner walks pageblocks up
 * from the zone start isolating movable pages, a free scanner walks down from the zone end
 * isolating free pages, and each isolated page moves to a free one with {@link Migrate}
 * (MR_COMPACTION), until the scanners meet or, for an allocation, a free block of the order is
 * there.
 *
 * <h2>compact_zone</h2>
 * <ul>
 * <li>Start: {@code compaction_suit_allocation_order} — done already when the zone passes the
 *     allocation's (min) watermark at the order; skipped when {@code __compaction_suitable} fails
 *     (order-0 free pages above low (costly orders, else min) + {@code compact_gap} = 2 × 2^order)
 *     or, for orders above PAGE_ALLOC_COSTLY_ORDER (3), the fragmentation index is in
 *     [0, {@code extfrag_threshold}] (the failure is lack of memory, not fragmentation). The
 *     scanners resume from the zone's cached positions ({@code compact_cached_migrate_pfn} per
 *     async/sync, {@code compact_cached_free_pfn}); compact_memory starts over (whole zone).</li>
 * <li>{@code compact_finished}: scanners met (free pageblock ≤ migrate pageblock) → COMPLETE
 *     (whole zone) or PARTIAL_SKIPPED, cached positions reset; compact_memory goes on; otherwise,
 *     at a pageblock boundary, SUCCESS when free_area holds a block of the order of the movable
 *     type, or of a type a movable allocation may steal from.</li>
 * <li>{@code isolate_migratepages}: from the migrate position, the next pageblock below the free
 *     scanner's; async direct compaction skips pageblocks that are not MIGRATE_MOVABLE
 *     (suitable_migration_source: {@code compact_blocked_pageblock}). In the pageblock, up to
 *     COMPACT_CLUSTER_MAX (32) pages: free blocks are stepped over; compound pages (THP, hugetlb)
 *     are stepped over — a hugetlb page counts {@code compact_blocked_hugetlb} (512); an allocated
 *     page that is not a user page on an LRU (kernel memory, no movable ops) counts
 *     {@code compact_blocked_unmovable}; a pinned page {@code compact_blocked_pinned} (the kernel's
 *     "refcount above mapcount" check before isolating anon pages). Async direct compaction gives
 *     up the rest of an order-aligned block at the first such page and puts back what it
 *     isolated there (skip_on_failure). Mlocked pages are isolated (compact_unevictable_allowed = 1).</li>
 * <li>{@code isolate_freepages}: from the free position down to the pageblock after the migrate
 *     scanner's, pageblocks that are MIGRATE_MOVABLE and do not start with a free block of the
 *     order (pageblock order for compact_memory) give their free blocks, split into order-0 pages
 *     ({@link Zone#isolateFreePages}, refused below the min watermark), until there are as many as
 *     isolated movable pages.</li>
 * <li>Migration: each isolated page moves to the next isolated free page
 *     ({@link Migrate#migrateForCompaction}); no free page left: the rest are put back, and the
 *     run ends CONTENDED unless the scanners met. Unused free pages go back to the buddy at the end
 *     (or, for kcompactd, at the end of each step), and the free position moves back to them.</li>
 * </ul>
 * Counters: {@code compact_migrate_scanned}, {@code compact_free_scanned}, {@code compact_isolated}
 * (both scanners) and the {@code compact_blocked_*} ones above.
 *
 * <h2>Triggers</h2>
 * <ul>
 * <li>Direct compaction ({@link #tryToCompactPages}, try_to_compact_pages + the allocation retry
 *     of __alloc_pages_direct_compact) by a THP fault's slow path ({@link Thp}): over the zones of
 *     the allocation's zonelist and nodemask; a deferred zone is skipped ({@code compaction_deferred}:
 *     after a failure at an order, 1, 2, 4 … 64 attempts are skipped); non-async failures defer;
 *     unless every zone was skipped it counts {@code compact_stall} and then {@code compact_success}
 *     or {@code compact_fail} by whether the allocation succeeded.</li>
 * <li>kcompactd ({@link Kcompactd}), per node: woken for a high order by a THP fault whose defrag
 *     setting wakes kswapd (directly when the node is balanced at order 0 — plenty of free but
 *     fragmented memory — else when kswapd goes back to sleep), {@code compact_daemon_wake};
 *     sync-light; one isolate-and-migrate step per event, on its node's first CPU, its time its own.</li>
 * <li>On demand ({@link #compactNode}, /proc/sys/vm/compact_memory or nodeN/compact): every zone
 *     of the node, whole, MIGRATE_SYNC, at one instant, charged to no thread (CPU 0 initiates its
 *     TLB shootdowns).</li>
 * </ul>
 * Cost: {@code compact.scan_pageblock} per 512 pages the scanners look at, plus each migration's
 * {@code migrate.copy_page} and TLB flushes (no {@code migrate.call}: that is the move_pages
 * syscall's); direct compaction charges the faulting thread. Not modelled: the pageblock skip
 * bits, fast_find_migrateblock / fast_isolate_freepages, the async free scanner's stride, proactive
 * compaction ({@code compaction_proactiveness}), capture of the freed page, ZONE_DEVICE (never
 * compacted: it is not a buddy zone).
 */
final class Compaction {
    /** COMPACT_CLUSTER_MAX (= SWAP_CLUSTER_MAX): pages isolated per migration batch. */
    static final int COMPACT_CLUSTER_MAX = 32;
    /** COMPACT_MAX_DEFER_SHIFT: at most 64 skipped attempts. */
    static final int COMPACT_MAX_DEFER_SHIFT = 6;
    /** PAGE_ALLOC_COSTLY_ORDER. */
    static final int PAGE_ALLOC_COSTLY_ORDER = 3;

    /** enum compact_result, in the kernel's order (results are combined with max). */
    enum Result { NOT_SUITABLE_ZONE, SKIPPED, DEFERRED, NO_SUITABLE_PAGE, CONTINUE, COMPLETE, PARTIAL_SKIPPED, CONTENDED, SUCCESS }

    /** enum migrate_mode as compaction uses it. */
    enum Mode { ASYNC, SYNC_LIGHT, SYNC }

    /** struct compact_control: one compaction of one zone; reused. */
    static final class Control {
        Zone zone;
        int zoneIndex;
        /** -1: compact_memory (whole zone, no target order). */
        int order;
        Mode mode;
        boolean direct;
        boolean wholeZone;
        boolean daemon;
        int cpu;
        int migratePfn;
        int freePfn;
        final int[] migrate = new int[COMPACT_CLUSTER_MAX];
        int nrMigrate;
        int[] free = new int[COMPACT_CLUSTER_MAX + MemMap.PAGEBLOCK_NR_PAGES];
        int nrFree;
        long migrateScanned;
        long freeScanned;
        long costNs;
        /** Whether a run is in progress (kcompactd between steps). */
        boolean active;
    }

    private final MemoryManager m;
    private final FrameTable frames;
    private final int extfragThreshold;
    private final long costScanPageblock;
    /** The buddy zones, in MemoryManager order; per-zone state below is indexed alike. */
    final Zone[] zones;
    final int[] cachedMigrateAsync;
    final int[] cachedMigrateSync;
    final int[] cachedFree;
    private final int[] considered;
    private final int[] deferShift;
    private final int[] orderFailed;
    /** Per node: its zonelist (build_zonelists order), so the slow path does not copy it. */
    private final Zone[][] zonelists;
    /** Per node: its zones, for kcompactd and compact_memory (lowest zone first). */
    final Zone[][] nodeZones;
    /** Per node: its kcompactd. */
    final Kcompactd[] kcompactd;
    /** Per node: the order kswapd must wake kcompactd for when it goes back to sleep (0 = none). */
    final int[] pendingOrder;
    private final Control direct = new Control();
    private final Control onDemand = new Control();
    private Result lastResult = Result.SKIPPED;

    final LongCounter stall;
    final LongCounter success;
    final LongCounter fail;
    final LongCounter migrateScanned;
    final LongCounter freeScanned;
    final LongCounter isolated;
    final LongCounter daemonWake;
    final LongCounter daemonMigrateScanned;
    final LongCounter daemonFreeScanned;
    final LongCounter blockedPinned;
    final LongCounter blockedUnmovable;
    final LongCounter blockedHugetlb;
    final LongCounter blockedPageblock;

    Compaction(MemoryManager m, int extfragThreshold, MetricsRegistry metrics) {
        this.m = m;
        this.frames = m.frames;
        this.extfragThreshold = extfragThreshold;
        this.costScanPageblock = m.costs.get(CostModel.COMPACT_SCAN_PAGEBLOCK);
        List<Zone> buddy = new ArrayList<>();
        for (Zone z : m.allZones) {
            if (z.type().buddyManaged()) {
                buddy.add(z);
            }
        }
        zones = buddy.toArray(new Zone[0]);
        int n = zones.length;
        cachedMigrateAsync = new int[n];
        cachedMigrateSync = new int[n];
        cachedFree = new int[n];
        considered = new int[n];
        deferShift = new int[n];
        orderFailed = new int[n];
        for (int i = 0; i < n; i++) {
            resetCached(i);
        }
        nodeZones = new Zone[m.nodes.length][];
        zonelists = new Zone[m.nodes.length][];
        kcompactd = new Kcompactd[m.nodes.length];
        pendingOrder = new int[m.nodes.length];
        for (PglistData node : m.nodes) {
            List<Zone> mine = new ArrayList<>();
            for (Zone z : zones) {
                if (z.nodeId() == node.nodeId) {
                    mine.add(z);
                }
            }
            nodeZones[node.nodeId] = mine.toArray(new Zone[0]);
            zonelists[node.nodeId] = m.zonelist.zonelist(node.nodeId);
            kcompactd[node.nodeId] = new Kcompactd(m, this, node.nodeId, m.kswapdCpu(node.nodeId));
        }
        stall = metrics.counter(LargePageMetrics.COMPACT_STALL);
        success = metrics.counter(LargePageMetrics.COMPACT_SUCCESS);
        fail = metrics.counter(LargePageMetrics.COMPACT_FAIL);
        migrateScanned = metrics.counter(LargePageMetrics.COMPACT_MIGRATE_SCANNED);
        freeScanned = metrics.counter(LargePageMetrics.COMPACT_FREE_SCANNED);
        isolated = metrics.counter(LargePageMetrics.COMPACT_ISOLATED);
        daemonWake = metrics.counter(LargePageMetrics.COMPACT_DAEMON_WAKE);
        daemonMigrateScanned = metrics.counter(LargePageMetrics.COMPACT_DAEMON_MIGRATE_SCANNED);
        daemonFreeScanned = metrics.counter(LargePageMetrics.COMPACT_DAEMON_FREE_SCANNED);
        blockedPinned = metrics.counter(LargePageMetrics.COMPACT_BLOCKED_PINNED);
        blockedUnmovable = metrics.counter(LargePageMetrics.COMPACT_BLOCKED_UNMOVABLE);
        blockedHugetlb = metrics.counter(LargePageMetrics.COMPACT_BLOCKED_HUGETLB);
        blockedPageblock = metrics.counter(LargePageMetrics.COMPACT_BLOCKED_PAGEBLOCK);
    }

    int zoneIndex(Zone z) {
        for (int i = 0; i < zones.length; i++) {
            if (zones[i] == z) {
                return i;
            }
        }
        throw new IllegalArgumentException("not a buddy zone of this machine: " + z.name());
    }

    /**
     * The zone's span changed (memory onlined or offlined): the cached scanner positions start over
     * at its new ends, as the kernel resets them when a zone grows or shrinks.
     */
    void zoneResized(Zone z) {
        resetCached(zoneIndex(z));
    }

    private void resetCached(int zi) {
        Zone z = zones[zi];
        int start = z.zoneStartPfn();
        cachedMigrateAsync[zi] = start;
        cachedMigrateSync[zi] = start;
        cachedFree[zi] = pageblockStart(Math.max(start, z.zoneEndPfn() - 1));
    }

    private static int pageblockStart(int pfn) {
        return pfn & ~(MemMap.PAGEBLOCK_NR_PAGES - 1);
    }

    /** The result of the last {@link #tryToCompactPages}. */
    Result lastResult() {
        return lastResult;
    }

    // ------------------------------------------------------------------ suitability and deferral

    /** __compaction_suitable + the fragmentation index test of compaction_suitable. */
    boolean suitable(Zone z, int order) {
        long mark = (order > PAGE_ALLOC_COSTLY_ORDER ? z.watermarks().low() : z.watermarks().min()) + (2L << order);
        if (!z.watermarkOk(0, mark)) {
            return false;
        }
        if (order > PAGE_ALLOC_COSTLY_ORDER) {
            int fragindex = z.fragmentationIndex(order);
            return !(fragindex >= 0 && fragindex <= extfragThreshold);
        }
        return true;
    }

    /** compaction_suit_allocation_order against the min watermark. */
    Result suitAllocationOrder(Zone z, int order) {
        if (z.watermarkOk(order, z.watermarks().min())) {
            return Result.SUCCESS;
        }
        return suitable(z, order) ? Result.CONTINUE : Result.SKIPPED;
    }

    /** compaction_deferred: true when this attempt at {@code order} on zone {@code zi} is skipped. */
    boolean deferred(int zi, int order) {
        if (order < orderFailed[zi]) {
            return false;
        }
        int limit = 1 << deferShift[zi];
        if (++considered[zi] >= limit) {
            considered[zi] = limit;
            return false;
        }
        return true;
    }

    /** defer_compaction. */
    void defer(int zi, int order) {
        considered[zi] = 0;
        if (++deferShift[zi] > COMPACT_MAX_DEFER_SHIFT) {
            deferShift[zi] = COMPACT_MAX_DEFER_SHIFT;
        }
        if (order < orderFailed[zi]) {
            orderFailed[zi] = order;
        }
    }

    /** compaction_defer_reset. */
    void deferReset(int zi, int order, boolean allocSuccess) {
        if (allocSuccess) {
            considered[zi] = 0;
            deferShift[zi] = 0;
        }
        if (order >= orderFailed[zi]) {
            orderFailed[zi] = order + 1;
        }
    }

    /**
     * compaction_ready for reclaim at a costly order: some eligible zone has enough free memory to
     * compact (watermark high + compact_gap and suitable), so reclaim would not help.
     */
    boolean compactionReady(int node, long nodemask, int order) {
        for (Zone z : zonelists[node]) {
            if (!m.zonelist.eligible(z, MigrateType.MIGRATE_MOVABLE, nodemask)) {
                continue;
            }
            if (z.watermarkOk(0, z.watermarks().high() + (2L << order)) && suitable(z, order)) {
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ direct compaction

    /**
     * __alloc_pages_direct_compact for an order-{@code order} movable allocation preferring
     * {@code node} under {@code nodemask}: compacts the eligible zones (see the class comment) and
     * retries the allocation at the min watermark. Returns the page or -1; {@link #lastResult()}
     * tells what compaction did. Cost goes to {@code m.pending}.
     */
    int tryToCompactPages(int node, long nodemask, int order, Mode mode, int cpu) {
        Result rc = Result.SKIPPED;
        for (Zone z : zonelists[node]) {
            if (!m.zonelist.eligible(z, MigrateType.MIGRATE_MOVABLE, nodemask)) {
                continue;
            }
            int zi = zoneIndex(z);
            if (mode != Mode.SYNC && deferred(zi, order)) {
                rc = max(rc, Result.DEFERRED);
                continue;
            }
            Control cc = direct;
            Result st = run(cc, z, order, mode, true, false, cpu);
            m.pending += cc.costNs;
            rc = max(rc, st);
            if (st == Result.SUCCESS) {
                deferReset(zi, order, false);
                break;
            }
            if (mode != Mode.ASYNC && (st == Result.COMPLETE || st == Result.PARTIAL_SKIPPED)) {
                defer(zi, order);
            }
        }
        lastResult = rc;
        if (rc == Result.SKIPPED) {
            return -1;
        }
        stall.inc();
        int f = m.zonelist.allocPages(node, order, MigrateType.MIGRATE_MOVABLE, nodemask, Watermarks.WMARK_MIN);
        if (f >= 0) {
            deferReset(zoneIndex(m.nodes[m.nodeOf(f)].memMap.zoneOf(f)), order, true);
            success.inc();
            return f;
        }
        fail.inc();
        return -1;
    }

    private static Result max(Result a, Result b) {
        return a.ordinal() >= b.ordinal() ? a : b;
    }

    /** compact_memory for every zone of {@code node}: whole zones, MIGRATE_SYNC. Returns the cost (ns). */
    long compactNode(int node) {
        long cost = 0;
        for (Zone z : nodeZones[node]) {
            run(onDemand, z, -1, Mode.SYNC, false, false, 0);
            cost += onDemand.costNs;
        }
        return cost;
    }

    /** compact_zone start to end. */
    private Result run(Control cc, Zone z, int order, Mode mode, boolean isDirect, boolean daemon, int cpu) {
        Result r = begin(cc, z, order, mode, isDirect, daemon, cpu);
        while (r == Result.CONTINUE) {
            r = step(cc);
        }
        end(cc);
        return r;
    }

    // ------------------------------------------------------------------ compact_zone, in steps

    /** Sets {@code cc} up for zone {@code z}; CONTINUE to go on with {@link #step}, else the run's result (call {@link #end}). */
    Result begin(Control cc, Zone z, int order, Mode mode, boolean isDirect, boolean daemon, int cpu) {
        cc.zone = z;
        cc.zoneIndex = zoneIndex(z);
        cc.order = order;
        cc.mode = mode;
        cc.direct = isDirect;
        cc.daemon = daemon;
        cc.cpu = cpu;
        cc.nrMigrate = 0;
        cc.nrFree = 0;
        cc.migrateScanned = 0;
        cc.freeScanned = 0;
        cc.costNs = 0;
        cc.active = true;
        int zi = cc.zoneIndex;
        int start = z.zoneStartPfn();
        int end = z.zoneEndPfn();
        if (z.managedPages() == 0 || end <= start) {
            return Result.SKIPPED;
        }
        if (order > 0) {
            Result r = suitAllocationOrder(z, order);
            if (r != Result.CONTINUE) {
                return r;
            }
        }
        if (order < 0) {
            cc.wholeZone = true;
            cc.migratePfn = start;
            cc.freePfn = pageblockStart(end - 1);
        } else {
            cc.migratePfn = mode == Mode.ASYNC ? cachedMigrateAsync[zi] : cachedMigrateSync[zi];
            cc.freePfn = cachedFree[zi];
            if (cc.freePfn < start || cc.freePfn >= end) {
                cc.freePfn = pageblockStart(end - 1);
                cachedFree[zi] = cc.freePfn;
            }
            if (cc.migratePfn < start || cc.migratePfn >= end) {
                cc.migratePfn = start;
                cachedMigrateAsync[zi] = start;
                cachedMigrateSync[zi] = start;
            }
            cc.wholeZone = cc.migratePfn <= start;
        }
        return Result.CONTINUE;
    }

    /** One iteration of compact_zone's loop: compact_finished, isolate, migrate. */
    Result step(Control cc) {
        Result r = finished(cc);
        if (r != Result.CONTINUE) {
            return r;
        }
        isolateMigratepages(cc);
        if (cc.nrMigrate == 0) {
            return Result.CONTINUE;
        }
        Migrate mig = m.migrate();
        int n = cc.nrMigrate;
        cc.nrMigrate = 0;
        for (int k = 0; k < n; k++) {
            int dst = compactionAlloc(cc);
            if (dst < 0) {
                // -ENOMEM: the rest go back (they never left their LRU here)
                return scannersMet(cc) ? Result.CONTINUE : Result.CONTENDED;
            }
            mig.migrateForCompaction(cc.migrate[k], dst, cc.cpu);
            cc.costNs += mig.lastCallCost();
        }
        return Result.CONTINUE;
    }

    /** The end of a compact_zone run (or of a kcompactd step): unused free pages back, counters, cost, cached positions. */
    void end(Control cc) {
        releaseFreepages(cc);
        int zi = cc.zoneIndex;
        if (cc.active && cc.order >= 0 && !scannersMet(cc)) {
            if (cc.migratePfn > cachedMigrateAsync[zi]) {
                cachedMigrateAsync[zi] = cc.migratePfn;
            }
            if (cc.mode != Mode.ASYNC && cc.migratePfn > cachedMigrateSync[zi]) {
                cachedMigrateSync[zi] = cc.migratePfn;
            }
            if (cc.freePfn < cachedFree[zi]) {
                cachedFree[zi] = cc.freePfn;
            }
        }
        flushCounters(cc);
        cc.active = false;
    }

    /** Adds the scanned pages to the counters and their scanning cost to {@code cc.costNs}; zeroes them. */
    void flushCounters(Control cc) {
        migrateScanned.add(cc.migrateScanned);
        freeScanned.add(cc.freeScanned);
        if (cc.daemon) {
            daemonMigrateScanned.add(cc.migrateScanned);
            daemonFreeScanned.add(cc.freeScanned);
        }
        long scanned = cc.migrateScanned + cc.freeScanned;
        cc.costNs += (scanned * costScanPageblock + MemMap.PAGEBLOCK_NR_PAGES - 1) / MemMap.PAGEBLOCK_NR_PAGES;
        cc.migrateScanned = 0;
        cc.freeScanned = 0;
    }

    /** release_freepages: the isolated free pages not used go back to the buddy; the free scanner will see them again. */
    void releaseFreepages(Control cc) {
        int highest = -1;
        for (int i = 0; i < cc.nrFree; i++) {
            int p = cc.free[i];
            cc.zone.freePages(p, 0);
            highest = Math.max(highest, p);
        }
        cc.nrFree = 0;
        if (highest >= 0) {
            int back = pageblockStart(highest);
            if (back > cc.freePfn) {
                cc.freePfn = back;
            }
            if (back > cachedFree[cc.zoneIndex]) {
                cachedFree[cc.zoneIndex] = back;
            }
        }
    }

    /** compact_scanners_met. */
    static boolean scannersMet(Control cc) {
        return (cc.freePfn >> MemMap.PAGEBLOCK_ORDER) <= (cc.migratePfn >> MemMap.PAGEBLOCK_ORDER);
    }

    /** __compact_finished + compact_finished. */
    private Result finished(Control cc) {
        if (scannersMet(cc)) {
            resetCached(cc.zoneIndex);
            return cc.wholeZone ? Result.COMPLETE : Result.PARTIAL_SKIPPED;
        }
        if (cc.order < 0 || (cc.migratePfn & (MemMap.PAGEBLOCK_NR_PAGES - 1)) != 0) {
            return Result.CONTINUE;
        }
        Zone z = cc.zone;
        for (int o = cc.order; o < MemMap.NR_PAGE_ORDERS; o++) {
            if (z.hasFreeBlock(o, MigrateType.MIGRATE_MOVABLE)) {
                return Result.SUCCESS;
            }
            // find_suitable_fallback(only_stealable): a movable request steals from order >= pageblock_order / 2
            if (o >= MemMap.PAGEBLOCK_ORDER / 2 && (z.hasFreeBlock(o, MigrateType.MIGRATE_RECLAIMABLE)
                    || z.hasFreeBlock(o, MigrateType.MIGRATE_UNMOVABLE))) {
                return Result.SUCCESS;
            }
        }
        return Result.CONTINUE;
    }

    /** suitable_migration_source. */
    private boolean suitableSource(Control cc, int pfn) {
        if (cc.mode != Mode.ASYNC || !cc.direct) {
            return true;
        }
        return cc.zone.memMap().pageblockMigratetype(pfn) == MigrateType.MIGRATE_MOVABLE;
    }

    /** suitable_migration_target. */
    private boolean suitableTarget(Control cc, int pfn) {
        int o = cc.zone.freeBlockOrder(pfn);
        if (o >= (cc.order > 0 ? cc.order : MemMap.PAGEBLOCK_ORDER)) {
            return false;
        }
        return cc.zone.memMap().pageblockMigratetype(pfn) == MigrateType.MIGRATE_MOVABLE;
    }

    /** isolate_migratepages: the next suitable pageblock below the free scanner's. */
    private void isolateMigratepages(Control cc) {
        Zone z = cc.zone;
        int zoneStart = z.zoneStartPfn();
        int zoneEnd = z.zoneEndPfn();
        int low = cc.migratePfn;
        int blockEnd = pageblockStart(low) + MemMap.PAGEBLOCK_NR_PAGES;
        for (; blockEnd <= cc.freePfn; low = blockEnd, blockEnd += MemMap.PAGEBLOCK_NR_PAGES) {
            cc.migratePfn = low;
            int blockStart = Math.max(pageblockStart(low), zoneStart);
            int end = Math.min(blockEnd, zoneEnd);
            if (!z.contains(blockStart)) {
                continue;
            }
            if (!suitableSource(cc, blockStart)) {
                blockedPageblock.inc();
                continue;
            }
            isolateBlock(cc, low, end);
            return;
        }
        cc.migratePfn = low;
    }

    /** isolate_migratepages_block over [low, end). */
    private void isolateBlock(Control cc, int low, int end) {
        Zone z = cc.zone;
        boolean skipOnFailure = cc.direct && cc.mode == Mode.ASYNC && cc.order > 0;
        int step = cc.order > 0 ? 1 << cc.order : MemMap.PAGEBLOCK_NR_PAGES;
        int nextSkip = skipOnFailure ? (low + step) & ~(step - 1) : Integer.MAX_VALUE;
        byte[] flags = frames.flags;
        int pfn = low;
        for (; pfn < end; pfn++) {
            if (skipOnFailure && pfn >= nextSkip) {
                if (cc.nrMigrate > 0) {
                    break; // isolated everything of the previous order-aligned block
                }
                nextSkip += step;
            }
            cc.migrateScanned++;
            int o = z.freeBlockOrder(pfn);
            if (o >= 0) {
                pfn += (1 << o) - 1;
                cc.migrateScanned += (1 << o) - 1;
                continue;
            }
            boolean failed = false;
            if (flags[pfn] < 0) {
                // PageCompound: THP and hugetlbfs pages are never compacted for orders up to theirs
                int headPfn = pfn & ~(MemMap.PAGEBLOCK_NR_PAGES - 1);
                if (m.hugetlb.isHugetlb(pfn)) {
                    blockedHugetlb.add(MemMap.PAGEBLOCK_NR_PAGES - (pfn - headPfn));
                }
                cc.migrateScanned += headPfn + MemMap.PAGEBLOCK_NR_PAGES - 1 - pfn;
                pfn = headPfn + MemMap.PAGEBLOCK_NR_PAGES - 1;
                failed = true;
            } else {
                int ao = z.allocatedOrder(pfn);
                if (ao < 0) {
                    continue; // retired, or a tail of something already stepped over
                }
                if (frames.rmapVma[pfn] == FrameTable.FREE
                        || (flags[pfn] & PageFlags.PG_LRU) == 0 && !(m.rmap.owner(pfn) instanceof DriverPages.MovableSet)) {
                    blockedUnmovable.add(1L << ao); // not on an LRU and no movable ops (a driver's movable page moves: isolate_movable_page)
                    pfn += (1 << ao) - 1;
                    failed = true;
                } else if (frames.pins[pfn] > 0) {
                    blockedPinned.inc(); // refcount above mapcount: migration would fail
                    failed = true;
                } else {
                    cc.migrate[cc.nrMigrate++] = pfn;
                    isolated.inc();
                    if (cc.nrMigrate == COMPACT_CLUSTER_MAX) {
                        pfn++;
                        break;
                    }
                }
            }
            if (failed && skipOnFailure) {
                if (cc.nrMigrate > 0) {
                    isolated.add(-cc.nrMigrate); // put back: not counted as isolated
                    cc.nrMigrate = 0;
                }
                if (pfn < nextSkip) {
                    pfn = nextSkip - 1;
                    nextSkip += step;
                }
            }
        }
        cc.migratePfn = Math.min(pfn, end);
    }

    /** compaction_alloc: the next isolated free page, isolating more when none is left; -1 when none can be had. */
    private int compactionAlloc(Control cc) {
        if (cc.nrFree == 0) {
            isolateFreepages(cc, COMPACT_CLUSTER_MAX);
            if (cc.nrFree == 0) {
                return -1;
            }
        }
        return cc.free[--cc.nrFree];
    }

    /** isolate_freepages: pageblocks from the free position down to the one after the migrate scanner's. */
    private void isolateFreepages(Control cc, int want) {
        Zone z = cc.zone;
        int zoneEnd = z.zoneEndPfn();
        int low = pageblockStart(cc.migratePfn) + MemMap.PAGEBLOCK_NR_PAGES;
        int blockStart = pageblockStart(cc.freePfn);
        int isolateStart = cc.freePfn;
        for (; blockStart >= low; blockStart -= MemMap.PAGEBLOCK_NR_PAGES, isolateStart = blockStart) {
            int blockEnd = Math.min(blockStart + MemMap.PAGEBLOCK_NR_PAGES, zoneEnd);
            if (!z.contains(blockStart) || !suitableTarget(cc, blockStart)) {
                continue;
            }
            isolateStart = isolateFreeBlock(cc, isolateStart, blockEnd, want);
            if (cc.nrFree >= want) {
                if (isolateStart >= blockEnd) {
                    isolateStart = blockStart - MemMap.PAGEBLOCK_NR_PAGES;
                }
                break;
            } else if (isolateStart < blockEnd) {
                break; // isolation failed early (watermark)
            }
        }
        cc.freePfn = isolateStart;
    }

    /** isolate_freepages_block over [start, end); returns where it stopped. */
    private int isolateFreeBlock(Control cc, int start, int end, int want) {
        Zone z = cc.zone;
        int pfn = start;
        for (; pfn < end; pfn++) {
            cc.freeScanned++;
            if (z.freeBlockOrder(pfn) < 0) {
                continue;
            }
            int got = z.isolateFreePages(pfn);
            if (got == 0) {
                break;
            }
            if (cc.nrFree + got > cc.free.length) {
                cc.free = java.util.Arrays.copyOf(cc.free, Math.max(cc.free.length * 2, cc.nrFree + got));
            }
            for (int k = got - 1; k >= 0; k--) {
                cc.free[cc.nrFree++] = pfn + k; // lowest pfn used first
            }
            isolated.add(got);
            cc.freeScanned += got - 1;
            if (cc.nrFree >= want) {
                pfn += got;
                break;
            }
            pfn += got - 1;
        }
        return pfn;
    }

    // ------------------------------------------------------------------ kcompactd and kswapd

    /**
     * wakeup_kswapd for a high-order allocation that may wake kswapd (__GFP_KSWAPD_RECLAIM, no
     * direct reclaim): a node balanced at order 0 (or whose kswapd gave up) has free but
     * fragmented memory: its kcompactd is woken now; otherwise kswapd is, and wakes kcompactd when
     * it goes back to sleep.
     */
    void wakeupForHighOrder(int node, int order) {
        PglistData n = m.nodes[node];
        if (n.kswapd.failures >= Vmscan.MAX_RECLAIM_RETRIES || n.balanced()) {
            kcompactd[node].wakeup(order);
            return;
        }
        pendingOrder[node] = Math.max(pendingOrder[node], order);
        n.kswapd.wakeup();
    }

    /** kswapd of {@code node} goes to sleep (kswapd_try_to_sleep): wakes kcompactd for a pending high order. */
    void kswapdSleeps(int node) {
        int order = pendingOrder[node];
        if (order > 0) {
            pendingOrder[node] = 0;
            kcompactd[node].wakeup(order);
        }
    }

    /** A new event loop: every kcompactd asleep. */
    void attach(long now) {
        for (Kcompactd k : kcompactd) {
            k.reset(now);
        }
    }
}

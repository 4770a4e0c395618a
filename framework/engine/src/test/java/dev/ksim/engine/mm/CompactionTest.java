package dev.ksim.engine.mm;

import static dev.ksim.engine.mm.LargePageFixtures.NR;
import static dev.ksim.engine.mm.LargePageFixtures.fragment;
import static dev.ksim.engine.mm.LargePageFixtures.of;
import static dev.ksim.engine.mm.LargePageFixtures.process;
import static dev.ksim.engine.mm.LargePageFixtures.thp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.engine.mm.zone.MigrateType;
import dev.ksim.engine.mm.zone.Zone;
import dev.ksim.engine.model.LargePageSpec;
import dev.ksim.engine.model.MappingKind;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Compaction: the two scanners, what blocks them, suitability and deferral, direct, kcompactd and on-demand runs. */
class CompactionTest {
    private static final long FRAMES = 8192;
    private static final int USED = (int) FRAMES - 300;

    private static MmFixture fragmented(String defrag, int keepEvery) {
        MmFixture fx = of(new long[] {FRAMES}, FRAMES, thp("always", defrag), null);
        fragment(fx, USED, keepEvery);
        return fx;
    }

    private static Zone zone(MmFixture fx) {
        return fx.mm.compaction.zones[0];
    }

    @Test
    void compactMemoryMovesPagesUpAndFreesHugeBlocksBelow() {
        MmFixture fx = fragmented("never", 64);
        Zone z = zone(fx);
        assertEquals(0, z.nrFree(9) + z.nrFree(10), "fragmented: no free order-9 block");
        int before = z.unusableFreeIndex(9);
        long migrated0 = fx.counter(MmMetrics.PGMIGRATE_SUCCESS);
        fx.mm.compactNode(0);
        long moved = fx.counter(MmMetrics.PGMIGRATE_SUCCESS) - migrated0;
        assertTrue(moved > 0 && moved <= USED / 64 + 1, "the kept pages moved: " + moved);
        assertTrue(z.nrFree(9) + z.nrFree(10) > 0, "free huge blocks now");
        assertTrue(z.unusableFreeIndex(9) < before / 4, "unusable index " + before + " -> " + z.unusableFreeIndex(9));
        assertTrue(fx.counter(LargePageMetrics.COMPACT_FREE_SCANNED) > 0);
        assertEquals(0, fx.counter(LargePageMetrics.COMPACT_STALL), "on demand: no allocation stalled");
        assertEquals(List.of(), fx.violations());
        // the migrate scanner looked at pages up to where the scanners met, not beyond the zone
        assertTrue(fx.counter(LargePageMetrics.COMPACT_MIGRATE_SCANNED) <= FRAMES);
    }

    @Test
    void pinnedPagesStayAndAreCounted() {
        MmFixture fx = fragmented("never", 64);
        MmStruct frag = fx.mm.processes().get(0);
        for (int i = 0; i < USED; i += 64) {
            fx.mm.pinUserPages(frag, 0, i, 1, 0, new int[1]);
        }
        fx.mm.compactNode(0);
        assertEquals(0, fx.counter(MmMetrics.PGMIGRATE_SUCCESS), "every movable page is pinned");
        // nothing isolated, so the free scanner never left the top pageblock: the migrate scanner met it
        // there, after the 15 pageblocks below, each with 512 / 64 pinned pages
        assertEquals(15 * (NR / 64), fx.counter(LargePageMetrics.COMPACT_BLOCKED_PINNED));
        assertEquals(0, zone(fx).nrFree(9) + zone(fx).nrFree(10));
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void hugetlbPagesBlockTheMigrateScanner() {
        MmFixture fx = of(new long[] {FRAMES}, FRAMES, thp("always", "never"), new long[] {2});
        fragment(fx, USED - 2 * NR, 64);
        fx.mm.compactNode(0);
        assertEquals(2 * NR, fx.counter(LargePageMetrics.COMPACT_BLOCKED_HUGETLB));
        assertEquals(2, fx.mm.hugePagesTotal(0), "the pool is untouched");
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void kernelPagesAreUnmovable() {
        MmFixture fx = of(new long[] {FRAMES}, FRAMES, thp("always", "never"), null);
        Zone z = zone(fx);
        MmStruct p = process(fx, "p", 64);
        fx.mm.madvise(p, 0, 0, 64, dev.ksim.engine.model.Madvise.NOHUGEPAGE, 0);
        LargePageFixtures.touch(fx, p, 0, 64, 0);
        fx.mm.madvise(p, 0, 0, 64, dev.ksim.engine.model.Madvise.PAGEOUT, 0);
        int k = z.allocPages(0, MigrateType.MIGRATE_MOVABLE); // a kernel page (no reverse map) in a movable block
        Compaction c = fx.mm.compaction;
        Compaction.Control cc = new Compaction.Control();
        Compaction.Result r = c.begin(cc, z, -1, Compaction.Mode.SYNC, false, false, 0);
        while (r == Compaction.Result.CONTINUE) {
            r = c.step(cc);
        }
        c.end(cc);
        assertEquals(Compaction.Result.COMPLETE, r);
        assertEquals(1, fx.counter(LargePageMetrics.COMPACT_BLOCKED_UNMOVABLE));
        z.freePages(k, 0);
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void compactionIsNotTriedWhenTheFailureIsLackOfMemory() {
        MmFixture fx = of(new long[] {FRAMES}, 0, thp("always", "always"), null);
        MmStruct hog = process(fx, "hog", USED);
        fx.mm.madvise(hog, 0, 0, USED, dev.ksim.engine.model.Madvise.NOHUGEPAGE, 0);
        LargePageFixtures.touch(fx, hog, 0, USED, 0);
        Zone z = zone(fx);
        assertTrue(!fx.mm.compaction.suitable(z, 9), "300 free pages are too few to compact for order 9");
        MmStruct p = process(fx, "p", NR);
        fx.mm.access(p, 0, 0, 0);
        assertEquals(1, fx.counter(LargePageMetrics.THP_FAULT_FALLBACK));
        assertEquals(0, fx.counter(LargePageMetrics.COMPACT_STALL), "COMPACT_SKIPPED: no stall counted");
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void theFragmentationIndexDecidesBetweenLackOfMemoryAndFragmentation() {
        MmFixture fx = fragmented("never", 64);
        Zone z = zone(fx);
        int fi = z.fragmentationIndex(9);
        assertTrue(fi > 500, "fragmented: index " + fi + " above extfrag_threshold");
        assertTrue(fx.mm.compaction.suitable(z, 9));
        LargePageSpec strictThreshold = new LargePageSpec(LargePageSpec.Thp.ALWAYS, LargePageSpec.Defrag.NEVER, true, 4096,
                10_000, 60_000, 511, 64, 1000);
        MmFixture fy = of(new long[] {FRAMES}, FRAMES, strictThreshold, null);
        fragment(fy, USED, 64);
        assertTrue(!fy.mm.compaction.suitable(zone(fy), 9), "extfrag_threshold 1000: never worth compacting");
    }

    @Test
    void failedSyncCompactionDefersTheNextAttempts() {
        Compaction c = fragmented("never", 64).mm.compaction;
        assertTrue(!c.deferred(0, 9));
        c.defer(0, 9);
        c.defer(0, 9); // shift 2: three attempts skipped, the fourth tried
        assertTrue(c.deferred(0, 9));
        assertTrue(c.deferred(0, 9));
        assertTrue(c.deferred(0, 9));
        assertTrue(!c.deferred(0, 9));
        assertTrue(!c.deferred(0, 8), "lower orders than the failed one are not deferred");
        c.deferReset(0, 9, true);
        assertTrue(!c.deferred(0, 9));
    }

    @Test
    void deferWakesKcompactdWhichCompactsInTheBackground() {
        MmFixture fx = fragmented("defer", 64);
        MmStruct p = process(fx, "p", 4 * NR);
        SimulationHarness h = new SimulationHarness(fx);
        fx.mm.access(p, 0, 0, 0);
        assertEquals(1, fx.counter(LargePageMetrics.THP_FAULT_FALLBACK), "defer: no stall, 4 KiB now");
        assertEquals(0, fx.counter(LargePageMetrics.COMPACT_STALL));
        assertEquals(1, fx.counter(LargePageMetrics.COMPACT_DAEMON_WAKE));
        h.runUntil(1_000_000_000L);
        assertTrue(fx.counter(LargePageMetrics.COMPACT_DAEMON_MIGRATE_SCANNED) > 0);
        assertTrue(fx.counter(MmMetrics.PGMIGRATE_SUCCESS) > 0);
        assertTrue(zone(fx).nrFree(9) + zone(fx).nrFree(10) > 0, "kcompactd made a huge block");
        fx.mm.access(p, 0, NR, 0);
        assertEquals(1, fx.counter(LargePageMetrics.THP_FAULT_ALLOC), "the next fault gets it");
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void aHighOrderWakeupGoesToKswapdWhenTheNodeIsShortAndKswapdWakesKcompactdAsItSleeps() {
        MmFixture fx = of(new long[] {FRAMES}, FRAMES, thp("always", "defer"), null);
        SimulationHarness h = new SimulationHarness(fx);
        MmStruct hog = process(fx, "hog", FRAMES - 200);
        fx.mm.madvise(hog, 0, 0, FRAMES - 200, dev.ksim.engine.model.Madvise.NOHUGEPAGE, 0);
        LargePageFixtures.touch(fx, hog, 0, (int) FRAMES - 200, 0);
        PglistData node = fx.mm.nodes[0];
        assertTrue(!node.balanced(), "200 free pages: below the high watermark");
        fx.mm.compaction.wakeupForHighOrder(0, 9);
        assertTrue(node.kswapd.running(), "kswapd first");
        assertEquals(9, fx.mm.compaction.pendingOrder[0]);
        assertEquals(0, fx.counter(LargePageMetrics.COMPACT_DAEMON_WAKE));
        // kswapd reclaims to the high watermark and, going back to sleep, wakes kcompactd for order 9;
        // kcompactd runs only if the zone would compact (here: too little free memory, so it is not woken)
        h.runUntil(1_000_000_000L);
        assertTrue(!node.kswapd.running());
        assertEquals(0, fx.mm.compaction.pendingOrder[0], "the pending order was handed to kcompactd");
        assertTrue(fx.counter(MmMetrics.PGSTEAL_KSWAPD) > 0);
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void kswapdGoingToSleepWakesKcompactdForAPendingOrder() {
        MmFixture fx = fragmented("defer", 64);
        SimulationHarness h = new SimulationHarness(fx);
        fx.mm.compaction.pendingOrder[0] = 9;
        fx.mm.nodes[0].kswapd.wakeup(); // balanced: it goes straight back to sleep
        h.runUntil(1_000_000_000L);
        assertEquals(1, fx.counter(LargePageMetrics.COMPACT_DAEMON_WAKE));
        assertTrue(zone(fx).nrFree(9) + zone(fx).nrFree(10) > 0, "kcompactd made a huge block");
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void hugetlbMappingsAreNotCompactedEither() {
        MmFixture fx = of(new long[] {FRAMES}, FRAMES, thp("always", "never"), new long[] {1});
        MmStruct h = process(fx, "h", NR, MappingKind.HUGETLB);
        fx.mm.access(h, 0, 0, 0);
        fragment(fx, USED - NR, 64);
        fx.mm.compactNode(0);
        assertEquals(NR, fx.counter(LargePageMetrics.COMPACT_BLOCKED_HUGETLB));
        assertEquals(List.of(), fx.violations());
    }

    /** An event loop attached to a fixture's memory manager. */
    static final class SimulationHarness {
        private final dev.ksim.engine.sim.SimulationClock clock = new dev.ksim.engine.sim.SimulationClock();
        private final dev.ksim.engine.sim.EventQueue queue = new dev.ksim.engine.sim.EventQueue();

        SimulationHarness(MmFixture fx) {
            fx.mm.attach(queue, clock);
        }

        void runUntil(long endNs) {
            new dev.ksim.engine.sim.EventLoop(clock, queue).run(endNs, 0, () -> { });
        }
    }
}

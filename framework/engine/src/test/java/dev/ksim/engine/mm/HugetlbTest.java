package dev.ksim.engine.mm;

import static dev.ksim.engine.mm.LargePageFixtures.NR;
import static dev.ksim.engine.mm.LargePageFixtures.fragment;
import static dev.ksim.engine.mm.LargePageFixtures.frame;
import static dev.ksim.engine.mm.LargePageFixtures.of;
import static dev.ksim.engine.mm.LargePageFixtures.process;
import static dev.ksim.engine.mm.LargePageFixtures.thp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.engine.model.LargePageSpec;
import dev.ksim.engine.model.MappingKind;
import java.util.List;
import org.junit.jupiter.api.Test;

/** hugetlbfs pools: boot allocation, reservations, faults, exit, migration, memory failure, resizing. */
class HugetlbTest {
    private static final long FRAMES = 8192; // 16 huge pages per node

    private static MmFixture pools(long... pools) {
        long[] frames = new long[pools.length];
        java.util.Arrays.fill(frames, FRAMES);
        return of(frames, 0, LargePageSpec.NO_THP, pools);
    }

    private static long gauge(MmFixture fx, String name) {
        return fx.metrics.finalValues().get(name).longValue();
    }

    @Test
    void poolsAreAllocatedAtBootFromTheirNodes() {
        MmFixture fx = pools(4, 2);
        assertEquals(4, fx.mm.hugePagesTotal(0));
        assertEquals(2, fx.mm.hugePagesTotal(1));
        assertEquals(FRAMES - 4 * NR, fx.mm.nodes[0].nrFreePages(), "pool pages are not free memory");
        assertEquals(6, gauge(fx, LargePageMetrics.HUGEPAGES_TOTAL));
        assertEquals(6, gauge(fx, LargePageMetrics.HUGEPAGES_FREE));
        assertEquals(4, gauge(fx, "node0." + LargePageMetrics.HUGEPAGES_FREE));
        assertEquals(0, gauge(fx, LargePageMetrics.HUGEPAGES_RSVD));
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void aPoolComesUpShortWhenTheNodeCannotHoldIt() {
        MmFixture fx = pools(16); // the whole node: the min watermark keeps some pages back
        long got = fx.mm.hugePagesTotal(0);
        assertTrue(got < 16 && got > 0, "HugePages_Total " + got);
        assertEquals(got, gauge(fx, LargePageMetrics.HUGEPAGES_TOTAL));
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void aMappingReservesAtMmapAndFaultsTakePoolPagesOffTheLru() {
        MmFixture fx = pools(4, 2);
        MmStruct p = process(fx, "p", 3 * NR - 10, MappingKind.HUGETLB);
        assertEquals(3 * NR, p.vma(0).pages(), "the length is rounded up to 2 MiB");
        assertEquals(0, p.vma(0).startVpn() % NR);
        assertEquals(3, gauge(fx, LargePageMetrics.HUGEPAGES_RSVD));
        fx.mm.access(p, 0, NR + 7, 0);
        assertEquals(1, fx.counter(MmMetrics.PGFAULT));
        assertEquals(2, gauge(fx, LargePageMetrics.HUGEPAGES_RSVD));
        assertEquals(3, gauge(fx, "node0." + LargePageMetrics.HUGEPAGES_FREE));
        int head = frame(p, NR);
        assertEquals(0, head % NR);
        for (int i = 0; i < NR; i++) {
            assertEquals(head + i, frame(p, NR + i));
            assertEquals(0, fx.mm.frames.flags[head + i] & PageFlags.PG_LRU);
        }
        assertEquals(0, p.rss(), "hugetlb pages are not in rss");
        assertEquals(0, fx.mm.nodes[0].lruvec.nrPages());
        LargePageFixtures.touch(fx, p, 0, 3 * NR, 0);
        assertEquals(3, fx.counter(MmMetrics.PGFAULT));
        assertEquals(0, gauge(fx, LargePageMetrics.HUGEPAGES_RSVD));
        assertEquals(List.of(), fx.violations());
        fx.mm.exitMmap(p);
        assertEquals(6, gauge(fx, LargePageMetrics.HUGEPAGES_FREE), "back to the pools");
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void faultsFallBackToTheNearestNodeWithAFreePage() {
        MmFixture fx = pools(1, 2);
        MmStruct p = process(fx, "p", 3 * NR, MappingKind.HUGETLB);
        LargePageFixtures.touch(fx, p, 0, 3 * NR, 0);
        assertEquals(0, fx.mm.nodeOf(frame(p, 0)));
        assertEquals(1, fx.mm.nodeOf(frame(p, NR)));
        assertEquals(1, fx.mm.nodeOf(frame(p, 2 * NR)));
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void anUnreservableMappingGetsSigbusWhenThePoolRunsDry() {
        MmFixture fx = pools(1);
        MmStruct a = process(fx, "a", NR, MappingKind.HUGETLB);
        MmStruct b = process(fx, "b", NR, MappingKind.HUGETLB);
        assertEquals(1, fx.counter(LargePageMetrics.HUGETLB_RESERVE_FAIL), "b's mmap could not reserve");
        fx.mm.access(b, 0, 0, 0);
        assertTrue(b.sigbusKilled(), "the one free page is reserved for a");
        assertEquals(1, fx.counter(LargePageMetrics.HUGETLB_FAULT_SIGBUS));
        fx.mm.access(a, 0, 0, 0);
        assertFalse(a.killed());
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void movePagesMovesAHugetlbPageToAPoolPageOfTheTarget() {
        MmFixture fx = pools(2, 1);
        MmStruct p = process(fx, "p", NR, MappingKind.HUGETLB);
        fx.mm.access(p, 0, 0, 0);
        int[] status = new int[1];
        fx.mm.movePages(p.pid(), new long[] {p.vma(0).startVpn() + 5}, new int[] {1}, status, 0);
        assertEquals(1, status[0]);
        assertEquals(NR, fx.counter(MmMetrics.PGMIGRATE_SUCCESS));
        assertEquals(0, fx.counter(MmMetrics.PGMIGRATE_FAIL_HUGETLB_UNSUPPORTED), "x86-64 migrates hugetlb pages");
        assertEquals(1, fx.mm.nodeOf(frame(p, 0)));
        assertEquals(2, gauge(fx, "node0." + LargePageMetrics.HUGEPAGES_FREE));
        assertEquals(0, gauge(fx, "node1." + LargePageMetrics.HUGEPAGES_FREE));
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void withoutAPoolPageTheTargetGivesAFreshOneAndThePoolMoves() {
        MmFixture fx = pools(1, 0);
        MmStruct p = process(fx, "p", NR, MappingKind.HUGETLB);
        fx.mm.access(p, 0, 0, 0);
        int[] status = new int[1];
        fx.mm.movePages(p.pid(), new long[] {p.vma(0).startVpn()}, new int[] {1}, status, 0);
        assertEquals(1, status[0]);
        assertEquals(0, fx.mm.hugePagesTotal(0));
        assertEquals(1, fx.mm.hugePagesTotal(1));
        assertEquals(FRAMES, fx.mm.nodes[0].nrFreePages(), "the old page went back to the buddy");
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void withNoDestinationAtAllItFailsWithDstAllocFail() {
        MmFixture fx = of(new long[] {FRAMES, FRAMES}, FRAMES, thp("always", "never"), new long[] {1, 0});
        MmStruct p = process(fx, "p", NR, MappingKind.HUGETLB);
        fx.mm.access(p, 0, 0, 0);
        MmStruct frag = process(fx, "frag", FRAMES - 300);
        fx.mm.madvise(frag, 0, 0, FRAMES - 300, dev.ksim.engine.model.Madvise.NOHUGEPAGE, 1);
        LargePageFixtures.touch(fx, frag, 0, (int) FRAMES - 300, 1);
        int[] status = new int[1];
        fx.mm.movePages(p.pid(), new long[] {p.vma(0).startVpn()}, new int[] {1}, status, 0);
        assertEquals(-Migrate.ENOMEM, status[0]);
        assertEquals(NR, fx.counter(MmMetrics.PGMIGRATE_FAIL_DST_ALLOC_FAIL));
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void memoryFailureOfAFreePoolPageDissolvesIt() {
        MmFixture fx = pools(2);
        int head = fx.mm.hugetlb.freeList[0][0];
        assertEquals(MemoryFailure.Result.RECOVERED, fx.mm.memoryFailure(head + 3, 0));
        assertEquals(1, fx.mm.hugePagesTotal(0));
        assertEquals(FRAMES - NR - 1, fx.mm.nodes[0].nrFreePages(), "511 pages back to the buddy, one retired");
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void memoryFailureOfAPageInUseLosesTheWhole2MiB() {
        MmFixture fx = pools(2);
        MmStruct p = process(fx, "p", NR, MappingKind.HUGETLB);
        fx.mm.access(p, 0, 0, 0);
        int bad = frame(p, 100);
        assertEquals(MemoryFailure.Result.RECOVERED, fx.mm.memoryFailure(bad, 0));
        for (int i = 0; i < NR; i++) {
            assertTrue(Pte.isHwpoison(p.vma(0).pte(i)), "page " + i + " of the mapping is lost");
        }
        assertEquals(1, fx.mm.hugePagesTotal(0), "the page left the pool");
        assertEquals(List.of(), fx.violations());
        fx.mm.access(p, 0, 300, 0);
        assertTrue(p.sigbusKilled());
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void memoryFailureOfAPinnedPageRetiresItWhole() {
        MmFixture fx = pools(2);
        MmStruct p = process(fx, "p", NR, MappingKind.HUGETLB);
        fx.mm.pinUserPages(p, 0, 0, 1, 0, new int[1]);
        int bad = frame(p, 100);
        assertEquals(MemoryFailure.Result.FAILED, fx.mm.memoryFailure(bad, 0));
        assertEquals(NR, fx.mm.zones().get(0).nrRetiredPages());
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void softOfflineMovesThePageAndDissolvesTheOldOne() {
        MmFixture fx = pools(3);
        MmStruct p = process(fx, "p", NR, MappingKind.HUGETLB);
        fx.mm.access(p, 0, 0, 0);
        int bad = frame(p, 100);
        assertTrue(fx.mm.softOfflinePage(bad, 0));
        assertTrue(frame(p, 100) != bad);
        assertFalse(p.killed());
        assertEquals(2, fx.mm.hugePagesTotal(0));
        assertEquals(1, fx.mm.zones().get(0).nrRetiredPages());
        assertEquals(1, fx.counter(MmMetrics.SOFT_OFFLINE_SUCCESS));
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void nrHugepagesGrowsWithCompactionAndShrinksToWhatIsInUse() {
        MmFixture fx = of(new long[] {FRAMES}, FRAMES, thp("always", "never"), new long[] {1});
        MmStruct p = process(fx, "p", NR, MappingKind.HUGETLB);
        fx.mm.access(p, 0, 0, 0);
        fragment(fx, (int) FRAMES - NR - 300, 64);
        fx.mm.setNrHugepages(0, 4);
        assertEquals(4, fx.mm.hugePagesTotal(0), "direct compaction made room");
        assertTrue(fx.counter(LargePageMetrics.COMPACT_STALL) > 0);
        fx.mm.setNrHugepages(0, 0);
        assertEquals(1, fx.mm.hugePagesTotal(0), "the page in use stays");
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void strictLruRefusesHugetlbMappings() {
        MmFixture fx = new MmFixture(new long[] {FRAMES}, 0, LargePageFixtures.LOCAL);
        assertThrows(IllegalArgumentException.class, () -> process(fx, "p", NR, MappingKind.HUGETLB));
    }
}

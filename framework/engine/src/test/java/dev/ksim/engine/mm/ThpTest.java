package dev.ksim.engine.mm;

import static dev.ksim.engine.mm.LargePageFixtures.NR;
import static dev.ksim.engine.mm.LargePageFixtures.fragment;
import static dev.ksim.engine.mm.LargePageFixtures.frame;
import static dev.ksim.engine.mm.LargePageFixtures.of;
import static dev.ksim.engine.mm.LargePageFixtures.process;
import static dev.ksim.engine.mm.LargePageFixtures.thp;
import static dev.ksim.engine.mm.LargePageFixtures.touch;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.engine.model.LargePageSpec;
import dev.ksim.engine.model.Madvise;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Transparent huge pages: fault and fallback, split, reclaim, migration, memory failure, mlock, exit. */
class ThpTest {
    private static final long FRAMES = 8192; // 32 MiB per node

    private static MmFixture always(long swap) {
        return of(new long[] {FRAMES}, swap, thp("always", "never"), null);
    }

    @Test
    void aFaultInAnAlignedRangeMapsA2MiBFolio() {
        MmFixture fx = always(0);
        MmStruct p = process(fx, "p", 4 * NR);
        long freeBefore = fx.mm.nodes[0].nrFreePages();
        fx.mm.access(p, 0, 3, 0);
        assertEquals(1, fx.counter(LargePageMetrics.THP_FAULT_ALLOC));
        assertEquals(1, fx.counter(MmMetrics.PGFAULT));
        assertEquals(NR, fx.counter(MmMetrics.PGALLOC), "pgalloc counts base pages");
        int head = frame(p, 0);
        assertEquals(0, head & (NR - 1), "the head is 2 MiB aligned");
        for (int i = 0; i < NR; i++) {
            assertEquals(head + i, frame(p, i), "PTE " + i + " maps the folio's frame " + i);
        }
        assertEquals(NR, p.rss());
        assertEquals(NR, fx.mm.nodes[0].lruvec.nrPages(Lruvec.LRU_INACTIVE_ANON), "the LRU counts base pages");
        assertEquals(freeBefore - NR, fx.mm.nodes[0].nrFreePages());
        assertEquals(1, fx.mm.thp.nrThps[0]);
        touch(fx, p, 0, NR, 0);
        assertEquals(1, fx.counter(MmMetrics.PGFAULT), "the other 511 pages were mapped by the same fault");
        fx.mm.access(p, 0, NR, 0);
        assertEquals(2, fx.counter(LargePageMetrics.THP_FAULT_ALLOC));
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void modesAndAdviceDecideWhoGetsHugePages() {
        MmFixture never = of(new long[] {FRAMES}, 0, thp("never", "never"), null);
        MmStruct a = process(never, "a", 2 * NR);
        never.mm.madvise(a, 0, 0, 2 * NR, Madvise.HUGEPAGE, 0);
        never.mm.access(a, 0, 0, 0);
        assertEquals(0, never.counter(LargePageMetrics.THP_FAULT_ALLOC), "never: not even when advised");

        MmFixture madvise = of(new long[] {FRAMES}, 0, thp("madvise", "never"), null);
        MmStruct b = madvise.mm.createProcess("b", new String[] {"plain", "advised"}, new long[] {2 * NR, 2 * NR});
        madvise.mm.madvise(b, 1, 0, 2 * NR, Madvise.HUGEPAGE, 0);
        madvise.mm.access(b, 0, 0, 0);
        madvise.mm.access(b, 1, 0, 0);
        assertEquals(1, madvise.counter(LargePageMetrics.THP_FAULT_ALLOC), "madvise: only the advised mapping");
        assertEquals(2, madvise.counter(MmMetrics.PGFAULT));

        MmFixture always = always(0);
        MmStruct c = process(always, "c", 2 * NR);
        always.mm.madvise(c, 0, NR, NR, Madvise.NOHUGEPAGE, 0);
        always.mm.access(c, 0, 0, 0);
        always.mm.access(c, 0, NR, 0);
        assertEquals(1, always.counter(LargePageMetrics.THP_FAULT_ALLOC), "always: all but MADV_NOHUGEPAGE ranges");
        assertEquals(List.of(), always.violations());
    }

    @Test
    void onlyAlignedRangesWithoutAPageTableGetHugePages() {
        MmFixture fx = always(0);
        MmStruct p = process(fx, "p", NR + 100); // the second region is not wholly inside the mapping
        fx.mm.access(p, 0, NR + 5, 0);
        assertEquals(0, fx.counter(LargePageMetrics.THP_FAULT_ALLOC));
        MmStruct q = process(fx, "q", 2 * NR);
        fx.mm.madvise(q, 0, 0, NR, Madvise.NOHUGEPAGE, 0);
        fx.mm.access(q, 0, 7, 0); // a 4 KiB fault: the region now has a PTE table
        fx.mm.madvise(q, 0, 0, NR, Madvise.HUGEPAGE, 0);
        fx.mm.access(q, 0, 8, 0);
        assertEquals(0, fx.counter(LargePageMetrics.THP_FAULT_ALLOC), "not pmd_none any more: 4 KiB faults");
        fx.mm.access(q, 0, NR, 0);
        assertEquals(1, fx.counter(LargePageMetrics.THP_FAULT_ALLOC));
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void withoutAFreeOrder9BlockAndNoDefragTheFaultFallsBack() {
        MmFixture fx = of(new long[] {FRAMES}, FRAMES, thp("always", "never"), null);
        fragment(fx, (int) FRAMES - 300, 64);
        assertTrue(fx.mm.compaction.zones[0].fragmentationIndex(9) != -1000, "no order-9 block is free");
        MmStruct p = process(fx, "p", 2 * NR);
        fx.mm.access(p, 0, 0, 0);
        assertEquals(0, fx.counter(LargePageMetrics.THP_FAULT_ALLOC));
        assertEquals(1, fx.counter(LargePageMetrics.THP_FAULT_FALLBACK));
        assertEquals(0, fx.counter(LargePageMetrics.COMPACT_STALL), "defrag never: no stall");
        assertEquals(1, p.rss(), "a 4 KiB page instead");
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void defragAlwaysCompactsDirectlyAndGetsTheHugePage() {
        MmFixture fx = of(new long[] {FRAMES}, FRAMES, thp("always", "always"), null);
        MmStruct frag = fragment(fx, (int) FRAMES - 300, 64);
        long fragRss = frag.rss();
        MmStruct p = process(fx, "p", 2 * NR);
        fx.mm.access(p, 0, 0, 0);
        assertEquals(1, fx.counter(LargePageMetrics.THP_FAULT_ALLOC));
        assertTrue(fx.counter(LargePageMetrics.COMPACT_STALL) >= 1);
        assertEquals(1, fx.counter(LargePageMetrics.COMPACT_SUCCESS));
        assertTrue(fx.counter(MmMetrics.PGMIGRATE_SUCCESS) > 0, "pages moved to make room");
        assertTrue(fx.counter(LargePageMetrics.COMPACT_MIGRATE_SCANNED) > 0);
        assertTrue(fx.counter(LargePageMetrics.COMPACT_FREE_SCANNED) > 0);
        assertTrue(fx.counter(LargePageMetrics.COMPACT_ISOLATED) >= 2 * fx.counter(MmMetrics.PGMIGRATE_SUCCESS));
        assertEquals(fragRss, frag.rss(), "the fragmenting process keeps every page it had");
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void pinnedPagesBlockCompactionAndTheFaultFallsBack() {
        MmFixture fx = of(new long[] {FRAMES}, FRAMES, thp("always", "always"), null);
        MmStruct frag = fragment(fx, (int) FRAMES - 300, 64);
        for (int i = 0; i < FRAMES - 300; i += 64) {
            fx.mm.pinUserPages(frag, 0, i, 1, 0, new int[1]);
        }
        MmStruct p = process(fx, "p", 2 * NR);
        fx.mm.access(p, 0, 0, 0);
        assertEquals(1, fx.counter(LargePageMetrics.THP_FAULT_FALLBACK));
        assertTrue(fx.counter(LargePageMetrics.COMPACT_BLOCKED_PINNED) > 0);
        assertTrue(fx.counter(LargePageMetrics.COMPACT_FAIL) >= 1);
        assertEquals(0, fx.counter(LargePageMetrics.COMPACT_SUCCESS));
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void splitKeepsMappingsAndPutsTailsOnTheLru() {
        MmFixture fx = always(0);
        MmStruct p = process(fx, "p", 2 * NR);
        fx.mm.access(p, 0, 0, 0);
        fx.mm.access(p, 0, 0, 0); // referenced
        int head = frame(p, 0);
        assertTrue(fx.mm.splitHugePage(p, 0, 100, 0));
        assertEquals(1, fx.counter(LargePageMetrics.THP_SPLIT_PAGE));
        assertEquals(0, fx.mm.thp.nrThps[0]);
        for (int i = 0; i < NR; i++) {
            assertEquals(head + i, frame(p, i));
            assertTrue((fx.mm.frames.flags[head + i] & PageFlags.PG_LRU) != 0, "frame " + i + " is on an LRU");
            assertEquals(0, fx.mm.frames.flags[head + i] & PageFlags.PG_COMPOUND);
        }
        assertEquals(NR, fx.mm.nodes[0].lruvec.nrPages());
        assertTrue(fx.counter(dev.ksim.engine.mm.tlb.Tlbs.NR_TLB_LOCAL_FLUSH_ALL) >= 1, "the PMD split flushed the range");
        assertEquals(List.of(), fx.violations());
        // the region has a PTE table now: faults there stay 4 KiB, and freeing the pages one by one works
        fx.mm.exitMmap(p);
        assertEquals(FRAMES, fx.mm.nodes[0].nrFreePages());
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void aPinnedSubpageRefusesTheSplit() {
        MmFixture fx = always(0);
        MmStruct p = process(fx, "p", NR);
        fx.mm.pinUserPages(p, 0, 9, 1, 0, new int[1]);
        assertFalse(fx.mm.splitHugePage(p, 0, 100, 0));
        assertEquals(1, fx.counter(LargePageMetrics.THP_SPLIT_PAGE_FAILED));
        assertEquals(1, fx.mm.thp.nrThps[0]);
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void reclaimSwapsATHPOutWholeWhenSwapHasACluster() {
        MmFixture fx = of(new long[] {FRAMES}, 4 * NR, thp("always", "never"), null);
        MmStruct p = process(fx, "p", NR);
        fx.mm.access(p, 0, 0, 0);
        Vmscan.ScanControl sc = new Vmscan.ScanControl();
        sc.reset(false, 0, 32);
        fx.mm.vmscan.shrinkNode(fx.mm.nodes[0], sc);
        assertEquals(1, fx.counter(LargePageMetrics.THP_SWPOUT));
        assertEquals(NR, fx.counter(MmMetrics.PSWPOUT));
        assertEquals(NR, fx.counter(MmMetrics.PGSTEAL_DIRECT), "pgsteal counts base pages");
        assertEquals(NR, p.swapents());
        assertEquals(0, p.rss());
        assertEquals(FRAMES, fx.mm.nodes[0].nrFreePages());
        assertEquals(List.of(), fx.violations());
        fx.mm.access(p, 0, 5, 0); // swap-in is per 4 KiB page: the region has a PTE table now
        assertEquals(1, fx.counter(MmMetrics.PSWPIN));
        assertEquals(1, fx.counter(LargePageMetrics.THP_FAULT_ALLOC));
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void reclaimSplitsATHPWhenSwapCannotTakeItWhole() {
        MmFixture fx = of(new long[] {FRAMES}, 100, thp("always", "never"), null);
        MmStruct p = process(fx, "p", NR);
        fx.mm.access(p, 0, 0, 0);
        Vmscan.ScanControl sc = new Vmscan.ScanControl();
        sc.reset(false, 0, 32);
        fx.mm.vmscan.shrinkNode(fx.mm.nodes[0], sc);
        assertEquals(1, fx.counter(LargePageMetrics.THP_SPLIT_PAGE));
        assertEquals(1, fx.counter(LargePageMetrics.THP_SWPOUT_FALLBACK));
        assertEquals(0, fx.counter(LargePageMetrics.THP_SWPOUT));
        assertEquals(32, fx.counter(MmMetrics.PSWPOUT), "then 4 KiB pages, a batch of them");
        assertEquals(NR - 32, p.rss());
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void movePagesMigratesATHPWhole() {
        MmFixture fx = of(new long[] {FRAMES, FRAMES}, 0, thp("always", "never"), null);
        MmStruct p = process(fx, "p", NR);
        fx.mm.access(p, 0, 0, 0);
        int[] status = new int[1];
        fx.mm.movePages(p.pid(), new long[] {p.vma(0).startVpn() + 17}, new int[] {1}, status, 0);
        assertEquals(1, status[0]);
        assertEquals(1, fx.counter(LargePageMetrics.THP_MIGRATION_SUCCESS));
        assertEquals(NR, fx.counter(MmMetrics.PGMIGRATE_SUCCESS), "a THP that moves adds 512");
        assertEquals(1, fx.mm.nodeOf(frame(p, 0)));
        assertEquals(1, fx.mm.thp.nrThps[1]);
        assertEquals(0, fx.mm.thp.nrThps[0]);
        assertEquals(FRAMES, fx.mm.nodes[0].nrFreePages());
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void aTHPWithoutADestinationIsSplitAndItsPagesMigrateOneByOne() {
        MmFixture fx = of(new long[] {FRAMES, FRAMES}, FRAMES, thp("always", "never"), null);
        MmStruct p = process(fx, "p", NR);
        fx.mm.access(p, 0, 0, 0);
        // fragment node 1: a process on CPU 1 with 4 KiB pages, every 64th kept
        MmStruct frag = process(fx, "frag", FRAMES - 300);
        fx.mm.madvise(frag, 0, 0, FRAMES - 300, Madvise.NOHUGEPAGE, 1);
        touch(fx, frag, 0, (int) FRAMES - 300, 1);
        for (int i = 0; i < FRAMES - 300; i += 64) {
            fx.mm.madvise(frag, 0, i + 1, Math.min(63, FRAMES - 300 - i - 1), Madvise.PAGEOUT, 1);
        }
        int[] status = new int[1];
        fx.mm.movePages(p.pid(), new long[] {p.vma(0).startVpn() + 3}, new int[] {1}, status, 0);
        assertEquals(1, status[0]);
        assertEquals(1, fx.counter(LargePageMetrics.THP_MIGRATION_FAIL));
        assertEquals(1, fx.counter(LargePageMetrics.THP_MIGRATION_SPLIT));
        assertEquals(NR, fx.counter(MmMetrics.PGMIGRATE_FAIL_THP_SPLIT));
        assertEquals(NR, fx.counter(MmMetrics.PGMIGRATE_SUCCESS), "every base page moved");
        for (int i = 0; i < NR; i++) {
            assertEquals(1, fx.mm.nodeOf(frame(p, i)));
        }
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void aPinnedTHPFailsToMigrateWithExtraRef() {
        MmFixture fx = of(new long[] {FRAMES, FRAMES}, 0, thp("always", "never"), null);
        MmStruct p = process(fx, "p", NR);
        fx.mm.pinUserPages(p, 0, 200, 1, 0, new int[1]);
        int[] status = new int[1];
        fx.mm.movePages(p.pid(), new long[] {p.vma(0).startVpn()}, new int[] {1}, status, 0);
        assertEquals(-Migrate.EBUSY, status[0]);
        assertEquals(NR, fx.counter(MmMetrics.PGMIGRATE_FAIL_EXTRA_REF));
        assertEquals(1, fx.counter(LargePageMetrics.THP_MIGRATION_FAIL));
        assertEquals(0, fx.mm.nodeOf(frame(p, 0)));
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void memoryFailureSplitsTheTHPThenHandlesTheSubpage() {
        MmFixture fx = always(0);
        MmStruct p = process(fx, "p", NR);
        fx.mm.access(p, 0, 0, 0);
        int bad = frame(p, 42);
        assertEquals(MemoryFailure.Result.RECOVERED, fx.mm.memoryFailure(bad, 0));
        assertEquals(1, fx.counter(LargePageMetrics.THP_SPLIT_PAGE));
        assertTrue(Pte.isHwpoison(p.vma(0).pte(42)));
        assertEquals(NR - 1, p.rss(), "only the poisoned 4 KiB page is gone");
        assertEquals(List.of(), fx.violations());
        fx.mm.access(p, 0, 42, 0);
        assertTrue(p.sigbusKilled());
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void memoryFailureOnAPinnedTHPKillsTheMapperAtOnce() {
        MmFixture fx = always(0);
        MmStruct p = process(fx, "p", NR);
        fx.mm.pinUserPages(p, 0, 1, 1, 0, new int[1]);
        int bad = frame(p, 42);
        assertEquals(MemoryFailure.Result.IGNORED, fx.mm.memoryFailure(bad, 0));
        assertEquals(1, fx.counter(LargePageMetrics.THP_SPLIT_PAGE_FAILED));
        assertTrue(p.sigbusKilled(), "kill_procs_now: the split failed");
        assertEquals(1, fx.counter(MmMetrics.MEMORY_FAILURE_SIGBUS));
        assertTrue((fx.mm.frames.flags[bad] & PageFlags.PG_HWPOISON) != 0, "the frame is retired");
        assertEquals(FRAMES - 1, fx.mm.nodes[0].nrFreePages());
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void softOfflineSplitsFirstThenMigratesTheSubpage() {
        MmFixture fx = always(0);
        MmStruct p = process(fx, "p", NR);
        fx.mm.access(p, 0, 0, 0);
        int bad = frame(p, 42);
        assertTrue(fx.mm.softOfflinePage(bad, 0));
        assertEquals(1, fx.counter(LargePageMetrics.THP_SPLIT_PAGE));
        assertEquals(1, fx.counter(MmMetrics.PGMIGRATE_SUCCESS));
        assertTrue(frame(p, 42) != bad);
        assertEquals(NR, p.rss());
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void mlockOfAWholeTHPLocksTheFolioAndOfPartOfItSplitsIt() {
        MmFixture fx = always(0);
        MmStruct p = process(fx, "p", 2 * NR);
        fx.mm.mlock(p, 0, 0, NR, 0);
        assertEquals(NR, fx.counter(MmMetrics.UNEVICTABLE_PGS_MLOCKED));
        assertEquals(NR, fx.mm.nodes[0].lruvec.nrPages(Lruvec.LRU_UNEVICTABLE));
        assertEquals(0, fx.counter(LargePageMetrics.THP_SPLIT_PAGE));
        fx.mm.mlock(p, 0, NR, 10, 0);
        assertEquals(1, fx.counter(LargePageMetrics.THP_SPLIT_PAGE), "part of the second THP: split");
        assertEquals(NR + 10, fx.counter(MmMetrics.UNEVICTABLE_PGS_MLOCKED));
        fx.mm.munlock(p, 0, 0, 2 * NR);
        assertEquals(NR + 10, fx.counter(MmMetrics.UNEVICTABLE_PGS_MUNLOCKED));
        assertEquals(0, fx.mm.nodes[0].lruvec.nrPages(Lruvec.LRU_UNEVICTABLE));
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void madvisePageoutSwapsATHPWholeAndAPartialRangeSplitsIt() {
        MmFixture fx = of(new long[] {FRAMES}, 4 * NR, thp("always", "never"), null);
        MmStruct p = process(fx, "p", 2 * NR);
        fx.mm.access(p, 0, 0, 0);
        fx.mm.access(p, 0, NR, 0);
        fx.mm.madvise(p, 0, 0, NR, Madvise.PAGEOUT, 0);
        assertEquals(1, fx.counter(LargePageMetrics.THP_SWPOUT));
        fx.mm.madvise(p, 0, NR, 10, Madvise.PAGEOUT, 0);
        assertEquals(1, fx.counter(LargePageMetrics.THP_SPLIT_PAGE));
        assertEquals(NR + 10, fx.counter(MmMetrics.PSWPOUT));
        assertEquals(NR - 10, p.rss());
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void khugepagedCollapsesARangeOf4KPages() {
        LargePageSpec d = LargePageSpec.DEFAULT;
        LargePageSpec spec = new LargePageSpec(LargePageSpec.Thp.MADVISE, LargePageSpec.Defrag.MADVISE, true, 4096,
                10, 60_000, 511, 64, 500);
        MmFixture fx = of(new long[] {FRAMES}, 0, spec, null);
        MmStruct p = process(fx, "p", 2 * NR);
        touch(fx, p, 0, 100, 0); // not advised yet: 4 KiB pages, a PTE table
        touch(fx, p, 0, 100, 0); // referenced twice: active
        assertEquals(100, p.rss());
        fx.mm.madvise(p, 0, 0, 2 * NR, Madvise.HUGEPAGE, 0);
        LargePageFixtures.runUntil(fx, 5_000_000);
        assertEquals(1, fx.counter(LargePageMetrics.THP_COLLAPSE_ALLOC));
        assertEquals(1, fx.counter(LargePageMetrics.KHUGEPAGED_PAGES_COLLAPSED));
        assertEquals(NR, p.rss(), "the 412 empty PTEs were filled");
        int head = frame(p, 0);
        assertEquals(0, head & (NR - 1));
        assertTrue(fx.mm.frames.flags[head] < 0);
        assertEquals(1, fx.mm.thp.nrThps[0]);
        assertTrue(fx.counter(LargePageMetrics.KHUGEPAGED_FULL_SCANS) >= 1);
        assertEquals(d.pagesToScan(), spec.pagesToScan());
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void khugepagedLeavesRangesWithTooManyEmptyPtesOrUnreferencedPages() {
        LargePageSpec spec = new LargePageSpec(LargePageSpec.Thp.MADVISE, LargePageSpec.Defrag.MADVISE, true, 4096,
                10, 60_000, 400, 64, 500);
        MmFixture fx = of(new long[] {FRAMES}, 0, spec, null);
        MmStruct p = process(fx, "p", 2 * NR);
        touch(fx, p, 0, 100, 0);
        fx.mm.madvise(p, 0, 0, 2 * NR, Madvise.HUGEPAGE, 0);
        LargePageFixtures.runUntil(fx, 5_000_000);
        assertEquals(0, fx.counter(LargePageMetrics.THP_COLLAPSE_ALLOC), "412 empty PTEs > max_ptes_none 400");
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void khugepagedReadsSwappedPagesBackAndCountsAFailedAllocation() {
        LargePageSpec spec = new LargePageSpec(LargePageSpec.Thp.MADVISE, LargePageSpec.Defrag.MADVISE, false, 4096,
                10, 60_000, 511, 64, 500);
        MmFixture fx = of(new long[] {FRAMES}, FRAMES, spec, null);
        MmStruct p = process(fx, "p", 2 * NR);
        touch(fx, p, 0, NR, 0);
        touch(fx, p, 0, NR, 0); // all referenced
        fx.mm.madvise(p, 0, 0, 10, Madvise.PAGEOUT, 0);
        assertEquals(10, p.swapents());
        fx.mm.madvise(p, 0, 0, 2 * NR, Madvise.HUGEPAGE, 0);
        LargePageFixtures.runUntil(fx, 5_000_000);
        assertEquals(1, fx.counter(LargePageMetrics.THP_COLLAPSE_ALLOC));
        assertEquals(10, fx.counter(MmMetrics.PSWPIN), "the swapped pages were read back in");
        assertEquals(0, p.swapents());
        assertEquals(NR, p.rss());
        assertEquals(List.of(), fx.violations());

        // no free order-9 block and no defrag for khugepaged: the collapse cannot get its page
        MmFixture fy = of(new long[] {FRAMES}, FRAMES, spec, null);
        MmStruct q = process(fy, "q", 2 * NR);
        touch(fy, q, 0, 100, 0);
        touch(fy, q, 0, 100, 0);
        fragment(fy, (int) FRAMES - 300 - 100, 64);
        fy.mm.madvise(q, 0, 0, 2 * NR, Madvise.HUGEPAGE, 0);
        LargePageFixtures.runUntil(fy, 5_000_000);
        assertEquals(0, fy.counter(LargePageMetrics.THP_COLLAPSE_ALLOC));
        assertEquals(1, fy.counter(LargePageMetrics.THP_COLLAPSE_ALLOC_FAILED), "then it sleeps alloc_sleep_millisecs");
        assertEquals(List.of(), fy.violations());
    }

    @Test
    void exitFreesTHPsWhole() {
        MmFixture fx = always(0);
        MmStruct p = process(fx, "p", 3 * NR);
        touch(fx, p, 0, 3 * NR, 0);
        assertEquals(3, fx.mm.thp.nrThps[0]);
        fx.mm.exitMmap(p);
        assertEquals(FRAMES, fx.mm.nodes[0].nrFreePages());
        assertEquals(3 * NR, fx.counter(MmMetrics.PGFREE));
        assertEquals(0, fx.mm.thp.nrThps[0]);
    }

    @Test
    void strictLruNeverUsesTHP() {
        MmFixture fx = new MmFixture(new long[] {FRAMES}, new int[1], 100, 0, LargePageFixtures.LOCAL,
                new dev.ksim.spi.security.SecurityHardening() {
                }, MmSettings.of(dev.ksim.engine.model.ReclaimMode.STRICT_LRU).withLargePages(LargePageSpec.DEFAULT, null));
        MmStruct p = process(fx, "p", NR);
        fx.mm.access(p, 0, 0, 0);
        assertEquals(0, fx.counter(LargePageMetrics.THP_FAULT_ALLOC));
        assertEquals(1, p.rss());
    }

    @Test
    void forkSplitsATransparentHugePageAndSharesItsBasePages() {
        MmFixture fx = always(0);
        MmStruct p = process(fx, "p", NR);
        fx.mm.access(p, 0, 0, 0);
        assertEquals(1, fx.counter(LargePageMetrics.THP_FAULT_ALLOC));
        MmStruct child = fx.mm.fork(p, "child", 0);
        assertEquals(1, fx.counter(LargePageMetrics.THP_SPLIT_PAGE), "fork split the THP (ksim does not share PMDs)");
        assertEquals(NR, child.rss(), "the child shares every base page");
        assertEquals(Pte.frame(p.vma(0).pte(7)), Pte.frame(child.vma(0).pte(7)));
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void munmapFreesAWholeThpAndSplitsTheOneItCuts() {
        MmFixture fx = always(0);
        MmStruct p = process(fx, "p", 2 * NR);
        fx.mm.access(p, 0, 0, 0);
        fx.mm.access(p, 0, NR, 0);
        assertEquals(2, fx.counter(LargePageMetrics.THP_FAULT_ALLOC));
        long free0 = fx.mm.nodes[0].nrFreePages();
        fx.mm.munmap(p, 0, 0, NR + 16, 0); // all of the first THP, 16 pages of the second
        assertEquals(1, fx.counter(LargePageMetrics.THP_SPLIT_PAGE), "only the THP the range cuts is split");
        assertEquals(NR - 16, p.rss());
        assertEquals(free0 + NR + 16, fx.mm.nodes[0].nrFreePages());
        assertEquals(Pte.NONE, p.vma(0).pte(NR + 15));
        assertTrue(Pte.isPresent(p.vma(0).pte(NR + 16)));
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void madviseDontneedOfPartOfAThpSplitsItFirst() {
        MmFixture fx = always(0);
        MmStruct p = process(fx, "p", NR);
        fx.mm.access(p, 0, 0, 0);
        fx.mm.madviseDontneed(p, 0, 100, 10, 0);
        assertEquals(1, fx.counter(LargePageMetrics.THP_SPLIT_PAGE));
        assertEquals(NR - 10, p.rss());
        assertEquals(List.of(), fx.violations());
    }
}

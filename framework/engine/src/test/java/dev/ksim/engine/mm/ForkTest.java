package dev.ksim.engine.mm;

import static dev.ksim.engine.model.MappingKind.FILE_PRIVATE;
import static dev.ksim.engine.model.MappingKind.FILE_SHARED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.spi.mm.MigrationPolicy;
import java.util.List;
import org.junit.jupiter.api.Test;

/** fork with copy-on-write: shared write-protected pages, copies on the first store, reuse, swap and pins. */
class ForkTest {
    private static final MigrationPolicy LOCAL = (f, m) -> f.cpuNode();
    private static final long FRAMES = 1024;

    private static int frameAt(MmStruct p, int page) {
        int e = p.vma(0).pte(page);
        return Pte.isPresent(e) ? Pte.frame(e) : -1;
    }

    private static MmStruct resident(MmFixture fx, int n) {
        MmStruct p = fx.process("p", n);
        for (int i = 0; i < n; i++) {
            fx.mm.access(p, 0, i, 0, true);
        }
        return p;
    }

    @Test
    void theChildSharesEveryPageWriteProtectedAndTheFirstStoreOfEitherCopies() {
        MmFixture fx = MmFixture.lru(new long[] {FRAMES}, 0, LOCAL);
        MmStruct p = resident(fx, 8);
        long flushesBefore = fx.counter("nr_tlb_local_flush_all");
        MmStruct c = fx.mm.fork(p, "child", 0);
        assertEquals(p.pid() + 1, c.pid());
        assertEquals(8, c.rss());
        assertTrue(fx.mm.lastForkCost() >= 8 * 40);
        assertEquals(8, fx.counter(MmMetrics.FORK_PTE_COPIED));
        assertTrue(fx.counter("nr_tlb_local_flush_all") > flushesBefore, "the parent's TLB was flushed");
        for (int i = 0; i < 8; i++) {
            assertEquals(frameAt(p, i), frameAt(c, i));
            assertTrue(p.vma(0).writeProtected(i) && c.vma(0).writeProtected(i));
            assertEquals(2, fx.mm.rmap.mapcount(frameAt(p, i)));
        }
        assertEquals(List.of(), fx.violations());
        int old = frameAt(p, 3);
        long allocs = fx.counter(MmMetrics.PGALLOC);
        fx.mm.access(p, 0, 3, 0); // a load: still shared
        assertEquals(old, frameAt(p, 3));
        fx.mm.access(p, 0, 3, 0, true);
        assertEquals(1, fx.counter(MmMetrics.COW_FAULT));
        assertEquals(allocs + 1, fx.counter(MmMetrics.PGALLOC));
        assertNotEquals(old, frameAt(p, 3), "the writer got a copy");
        assertEquals(old, frameAt(c, 3), "the child keeps the original");
        assertFalse(p.vma(0).writeProtected(3));
        assertTrue(c.vma(0).writeProtected(3));
        fx.mm.addCpu(c, 0);
        fx.mm.access(c, 0, 3, 0, true);
        assertEquals(1, fx.counter(MmMetrics.PGREUSE), "the last mapper reuses the page: no copy");
        assertEquals(1, fx.counter(MmMetrics.COW_FAULT));
        assertEquals(old, frameAt(c, 3));
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void whenTheChildExitsTheParentsStoresReuseItsPages() {
        MmFixture fx = MmFixture.lru(new long[] {FRAMES}, 0, LOCAL);
        MmStruct p = resident(fx, 8);
        MmStruct c = fx.mm.fork(p, "child", 0);
        long free = fx.mm.node(0).nrFreePages();
        fx.mm.exit(c);
        assertTrue(c.killed());
        assertEquals(free, fx.mm.node(0).nrFreePages(), "the shared pages stay: the parent maps them");
        for (int i = 0; i < 8; i++) {
            fx.mm.access(p, 0, i, 0, true);
        }
        assertEquals(8, fx.counter(MmMetrics.PGREUSE));
        assertEquals(0, fx.counter(MmMetrics.COW_FAULT));
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void aSharedPageIsSwappedOutOfBothAndSwappedInPrivately() {
        MmFixture fx = MmFixture.lru(new long[] {FRAMES}, 4096, LOCAL);
        MmStruct p = fx.process("p", 3000);
        fx.mm.access(p, 0, 0, 0, true);
        MmStruct c = fx.mm.fork(p, "child", 0);
        int f = frameAt(p, 0);
        for (int r = 0; r < 3; r++) {
            for (int i = 1; i < 3000; i++) {
                fx.mm.access(p, 0, i, 0, true);
            }
        }
        assertTrue(Pte.isSwap(p.vma(0).pte(0)), "the shared page was reclaimed");
        assertEquals(p.vma(0).pte(0), c.vma(0).pte(0), "both PTEs hold the same swap entry");
        int slot = Pte.slot(p.vma(0).pte(0));
        assertEquals(2, fx.mm.swap().refs(slot));
        assertEquals(1, c.swapents());
        assertEquals(List.of(), fx.violations());
        fx.mm.access(p, 0, 0, 0, true);
        assertEquals(1, fx.mm.swap().refs(slot), "the parent read its own copy; the child still holds the slot");
        assertFalse(p.vma(0).writeProtected(0));
        assertEquals(List.of(), fx.violations());
        assertTrue(f >= 0);
    }

    @Test
    void aPinnedPageIsCopiedForTheChildAtFork() {
        MmFixture fx = MmFixture.lru(new long[] {FRAMES}, 0, LOCAL);
        MmStruct p = resident(fx, 4);
        int[] pinned = new int[1];
        fx.mm.pinUserPages(p, 0, 1, 1, 0, pinned);
        MmStruct c = fx.mm.fork(p, "child", 0);
        assertEquals(pinned[0], frameAt(p, 1));
        assertNotEquals(pinned[0], frameAt(c, 1), "copy_present_page");
        assertFalse(p.vma(0).writeProtected(1), "the pinned page stays writable for the parent");
        assertTrue(p.vma(0).writeProtected(0));
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void pinningASharedPageBreaksCopyOnWriteFirst() {
        MmFixture fx = MmFixture.lru(new long[] {FRAMES}, 0, LOCAL);
        MmStruct p = resident(fx, 4);
        MmStruct c = fx.mm.fork(p, "child", 0);
        int shared = frameAt(p, 2);
        int[] pinned = new int[1];
        fx.mm.pinUserPages(p, 0, 2, 1, 0, pinned);
        assertNotEquals(shared, pinned[0], "FOLL_WRITE unshared the page before pinning it");
        assertEquals(shared, frameAt(c, 2));
        assertEquals(1, fx.counter(MmMetrics.COW_FAULT));
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void sharedFileMappingsAreNotCopiedPrivateOnesWithCopiesAre() {
        MmFixture fx = MmFixture.lru(new long[] {FRAMES}, 0, LOCAL);
        MmStruct a = fx.mm.createProcess("a", new String[] {"db", "lib"}, new long[] {4, 4},
                new dev.ksim.engine.model.MappingKind[] {FILE_SHARED, FILE_PRIVATE}, new String[] {"db", "lib"});
        fx.mm.access(a, 0, 0, 0);
        fx.mm.access(a, 1, 0, 0, true);
        fx.mm.access(a, 1, 1, 0);
        MmStruct c = fx.mm.fork(a, "child", 0);
        assertEquals(Pte.NONE, c.vma(0).pte(0), "a shared file mapping is faulted in by the child");
        assertEquals(a.vma(1).pte(0), c.vma(1).pte(0), "the private copy is shared copy-on-write");
        assertEquals(a.vma(1).pte(1), c.vma(1).pte(1), "and so is the page-cache page it maps read-only");
        assertEquals(2, c.rss());
        fx.mm.addCpu(c, 0);
        fx.mm.access(c, 0, 0, 0);
        assertEquals(a.vma(0).pte(0), c.vma(0).pte(0), "the child's fault found the page cache");
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void theOomKillerFreesOnlyWhatNobodyElseMaps() {
        MmFixture fx = MmFixture.lru(new long[] {FRAMES}, 0, LOCAL);
        MmStruct p = resident(fx, 200);
        MmStruct c = fx.mm.fork(p, "child", 0);
        MmStruct hog = fx.process("hog", 3000);
        for (int i = 0; i < 3000 && !hog.killed(); i++) {
            fx.mm.access(hog, 0, i, 0);
        }
        assertTrue(fx.counter(MmMetrics.OOM_KILL) > 0);
        assertEquals(List.of(), fx.violations());
        assertTrue(c.rss() == 0 || !c.killed());
    }

    @Test
    void forkAndCopyOnWriteKeepStrictLruExact() {
        MmFixture fx = new MmFixture(new long[] {64}, 128, LOCAL);
        MmStruct p = fx.process("p", 40);
        for (int i = 0; i < 40; i++) {
            fx.mm.access(p, 0, i, 0, true);
        }
        for (int round = 0; round < 2; round++) {
            fx.mm.exit(fx.mm.fork(p, "child" + round, 0)); // the child goes: the parent's pages are its own again
            for (int i = 0; i < 40; i++) {
                fx.mm.access(p, 0, i, 0, true);        // write-protected still: each store a reuse fault
            }
        }
        fx.mm.fork(p, "child", 0);
        for (int i = 0; i < 40; i++) {
            fx.mm.access(p, 0, i, 0, true);
        }
        assertEquals(80, fx.counter(MmMetrics.PGREUSE));
        assertEquals(40, fx.counter(MmMetrics.COW_FAULT));
        assertEquals(List.of(), fx.violations(), "one exact list, copies and reuses included");
    }
}

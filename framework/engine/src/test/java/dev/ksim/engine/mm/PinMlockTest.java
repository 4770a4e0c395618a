package dev.ksim.engine.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.spi.mm.MigrationPolicy;
import java.util.List;
import org.junit.jupiter.api.Test;

/** pin_user_pages / unpin_user_pages and mlock / munlock against reclaim (lru mode) and the OOM killer. */
class PinMlockTest {
    private static final MigrationPolicy LOCAL = (f, m) -> f.cpuNode();
    private static final long FRAMES = 1024;

    /** Touches pages [0, n) of mapping 0 of {@code p} on CPU 0. */
    private static void touch(MmFixture fx, MmStruct p, int n) {
        for (int i = 0; i < n; i++) {
            fx.mm.access(p, 0, i, 0);
        }
    }

    /** Touches pages [from, to) of mapping 0 three times over, never the pages below {@code from}. */
    private static void pressure(MmFixture fx, MmStruct p, int from, int to) {
        for (int r = 0; r < 3; r++) {
            for (int i = from; i < to; i++) {
                fx.mm.access(p, 0, i, 0);
            }
        }
    }

    /** Pages of [0, n) of mapping 0 that are swapped out. */
    private static int swapped(MmStruct p, int n) {
        int k = 0;
        for (int i = 0; i < n; i++) {
            k += Pte.isSwap(p.vma(0).pte(i)) ? 1 : 0;
        }
        return k;
    }

    @Test
    void pinFaultsPagesInAndUnpinDropsThePins() {
        MmFixture fx = MmFixture.lru(new long[] {FRAMES}, 0, LOCAL);
        MmStruct p = fx.process("p", 16);
        int[] pages = new int[4];
        assertEquals(4, fx.mm.pinUserPages(p, 0, 2, 4, 0, pages));
        assertEquals(4, fx.counter("pgfault"), "GUP faults the absent pages in");
        for (int i = 0; i < 4; i++) {
            assertEquals(Pte.present(pages[i]), p.vma(0).pte(2 + i));
            assertEquals(1, fx.mm.frames.pinCount(pages[i]));
        }
        fx.mm.pinUserPages(p, 0, 2, 1, 0, new int[1]);
        assertEquals(2, fx.mm.frames.pinCount(pages[0]));
        fx.mm.unpinUserPages(pages, 4);
        assertEquals(1, fx.mm.frames.pinCount(pages[0]));
        assertEquals(0, fx.mm.frames.pinCount(pages[1]));
        assertThrows(IllegalStateException.class, () -> fx.mm.unpinUserPages(new int[] {pages[1]}, 1));
        assertEquals(0, fx.mm.frames.pinCount(pages[1]), "a refused unpin changes nothing");
        assertThrows(IllegalArgumentException.class, () -> fx.mm.pinUserPages(p, 0, 14, 4, 0, new int[4]));
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void reclaimNeverTakesAPinnedPage() {
        MmFixture fx = MmFixture.lru(new long[] {FRAMES}, 4096, LOCAL);
        MmStruct p = fx.process("p", 3000);
        int[] pages = new int[8];
        fx.mm.pinUserPages(p, 0, 0, 8, 0, pages);
        pressure(fx, p, 8, 3000); // three times memory: continuous direct reclaim
        assertTrue(fx.counter("pswpout") > 1000, "reclaim ran");
        for (int i = 0; i < 8; i++) {
            assertEquals(Pte.present(pages[i]), p.vma(0).pte(i), "pinned page " + i + " stayed in its frame");
        }
        assertTrue(Pte.isSwap(p.vma(0).pte(8)), "its unpinned neighbour was swapped out");
        assertEquals(List.of(), fx.violations());
        pressure(fx, p, 100, 3000);
        assertEquals(0, swapped(p, 8), "still pinned, still resident");
        for (int i = 0; i < 8; i++) {
            assertTrue((fx.mm.frames.flags[pages[i]] & PageFlags.PG_ACTIVE) != 0, "shrink_folio_list activated pinned page " + i);
        }
        fx.mm.unpinUserPages(pages, 8);
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void strictLruSkipsAPinnedTail() {
        MmFixture fx = new MmFixture(new long[] {8}, 64, LOCAL);
        MmStruct p = fx.process("p", 20);
        int[] pages = new int[1];
        fx.mm.pinUserPages(p, 0, 0, 1, 0, pages); // page 0 becomes the LRU tail
        touch(fx, p, 20);
        assertEquals(Pte.present(pages[0]), p.vma(0).pte(0));
        assertTrue(Pte.isSwap(p.vma(0).pte(1)));
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void mlockedPagesAreUnevictableUntilMunlocked() {
        MmFixture fx = MmFixture.lru(new long[] {FRAMES}, 4096, LOCAL);
        MmStruct p = fx.process("p", 3000);
        touch(fx, p, 4);
        long cost = fx.mm.mlock(p, 0, 0, 16, 0); // 4 present, 12 populated
        assertTrue(cost > 0);
        assertEquals(16, fx.counter("pgfault"));
        assertEquals(16, fx.counter(MmMetrics.UNEVICTABLE_PGS_MLOCKED));
        Lruvec lv = fx.mm.nodes[0].lruvec;
        assertEquals(16, lv.nrPages(Lruvec.LRU_UNEVICTABLE));
        fx.mm.mlock(p, 0, 0, 16, 0);
        assertEquals(16, fx.counter(MmMetrics.UNEVICTABLE_PGS_MLOCKED), "locking twice counts once");
        int[] before = new int[16];
        for (int i = 0; i < 16; i++) {
            before[i] = p.vma(0).pte(i);
        }
        pressure(fx, p, 100, 3000);
        assertTrue(fx.counter("pswpout") > 1000);
        for (int i = 0; i < 16; i++) {
            assertEquals(before[i], p.vma(0).pte(i), "mlocked page " + i + " stayed resident");
        }
        assertEquals(List.of(), fx.violations());
        fx.mm.munlock(p, 0, 0, 16);
        assertEquals(16, fx.counter(MmMetrics.UNEVICTABLE_PGS_MUNLOCKED));
        assertEquals(0, lv.nrPages(Lruvec.LRU_UNEVICTABLE));
        int f = Pte.frame(p.vma(0).pte(0));
        assertEquals(0, fx.mm.frames.flags[f] & (PageFlags.PG_MLOCKED | PageFlags.PG_UNEVICTABLE));
        assertEquals(List.of(), fx.violations());
        pressure(fx, p, 100, 3000);
        assertEquals(16, swapped(p, 16), "munlocked cold pages are reclaimed");
    }

    @Test
    void theNewCountersAppearOnlyInRunsThatUseTheirMechanism() {
        MmFixture fx = MmFixture.lru(new long[] {FRAMES, FRAMES}, 4096, LOCAL);
        MmStruct p = fx.process("p", 3000);
        pressure(fx, p, 0, 3000);
        for (String name : MmMetrics.ON_USE_COUNTERS) {
            assertFalse(fx.metrics.finalValues().containsKey(name), name + " reported by a run that never used it");
        }
        assertFalse(fx.metrics.histogramSummaries().containsKey(MmMetrics.MIGRATION_LATENCY));
        fx.mm.mlock(p, 0, 0, 1, 0);
        fx.mm.movePages(p.pid(), new long[] {p.vma(0).startVpn()}, new int[] {1}, new int[1], 0);
        fx.mm.memoryFailure(0, 0);
        fx.mm.fork(p, "child", 0);
        for (String name : MmMetrics.ON_USE_COUNTERS) {
            assertTrue(fx.metrics.finalValues().containsKey(name), name + " not reported once used");
        }
    }

    @Test
    void mlockNeedsTheLruMode() {
        MmFixture fx = new MmFixture(new long[] {8}, 64, LOCAL);
        MmStruct p = fx.process("p", 4);
        assertThrows(IllegalStateException.class, () -> fx.mm.mlock(p, 0, 0, 1, 0));
    }

    @Test
    void anOomKillReleasesItsVictimsPinsAndLocks() {
        MmFixture fx = MmFixture.lru(new long[] {FRAMES}, 0, LOCAL);
        MmStruct a = fx.process("a", 900);
        fx.mm.pinUserPages(a, 0, 0, 8, 0, new int[8]);
        fx.mm.mlock(a, 0, 8, 8, 0);
        touch(fx, a, 900);
        MmStruct b = fx.process("b", 900);
        touch(fx, b, 900);
        assertTrue(a.oomKilled() && a.killed(), "no swap: the larger process was killed");
        assertEquals(0, fx.mm.nodes[0].lruvec.nrPages(Lruvec.LRU_UNEVICTABLE));
        assertEquals(List.of(), fx.violations());
    }
}

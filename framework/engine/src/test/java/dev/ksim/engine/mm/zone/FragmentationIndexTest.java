package dev.ksim.engine.mm.zone;

import static dev.ksim.engine.mm.zone.MigrateType.MIGRATE_MOVABLE;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** unusable_free_index and __fragmentation_index (mm/vmstat.c) on layouts worked out by hand. */
class FragmentationIndexTest {

    /** Allocates every page of a 4096-page zone as order 0, then frees {@code pfns}. */
    private static Zone layout(int... pfns) {
        Zone z = Zones.normal(4096);
        while (z.allocPages(0, MIGRATE_MOVABLE) >= 0) {
            // fill
        }
        for (int p : pfns) {
            z.freePages(p, 0);
        }
        Zones.assertClean(z);
        return z;
    }

    @Test
    void unfragmentedZoneHasIndexZero() {
        Zone z = Zones.normal(4096);
        // free_pages 4096, suitable order-9 blocks 4 << 1 = 8: (4096 - 8 * 512) * 1000 / 4096 = 0
        assertEquals(0, z.unusableFreeIndex(9));
        assertEquals(-1000, z.fragmentationIndex(9), "an order-9 allocation would succeed");
    }

    @Test
    void oneHugeBlockAndHundredScatteredPages() {
        int[] pfns = new int[512 + 100];
        for (int i = 0; i < 512; i++) {
            pfns[i] = 512 + i; // pfns 512..1023 merge into one order-9 block
        }
        for (int i = 0; i < 100; i++) {
            pfns[512 + i] = 2048 + 2 * i; // even pfns: no two are buddies, 100 order-0 blocks
        }
        Zone z = layout(pfns);
        assertEquals(1, z.nrFree(9));
        assertEquals(100, z.nrFree(0));
        assertEquals(612, z.nrFreePages());
        // unusable(9) = (612 - 1 * 512) * 1000 / 612 = 100000 / 612 = 163 (integer division)
        assertEquals(163, z.unusableFreeIndex(9));
        // unusable(0) = 0: every free page serves an order-0 request
        assertEquals(0, z.unusableFreeIndex(0));
        // extfrag(10): 101 free blocks, none suitable:
        // 1000 - (1000 + 612 * 1000 / 1024) / 101 = 1000 - (1000 + 597) / 101 = 1000 - 15 = 985
        assertEquals(985, z.fragmentationIndex(10));
        assertEquals(-1000, z.fragmentationIndex(9));
    }

    @Test
    void onlyScatteredPagesAreEntirelyUnusableForHugePages() {
        int[] pfns = new int[64];
        for (int i = 0; i < 64; i++) {
            pfns[i] = 16 * i; // 64 isolated pages, one per 16
        }
        Zone z = layout(pfns);
        // no block of order >= 9: (64 - 0) * 1000 / 64 = 1000
        assertEquals(1000, z.unusableFreeIndex(9));
        // order 2: still no block of order >= 2: 1000
        assertEquals(1000, z.unusableFreeIndex(2));
        // extfrag(9) = 1000 - (1000 + 64 * 1000 / 512) / 64 = 1000 - (1000 + 125) / 64 = 1000 - 17 = 983
        assertEquals(983, z.fragmentationIndex(9));
    }

    @Test
    void mixedOrdersCountSuitableBlocksInUnitsOfTheOrder() {
        // pfns 0..7 (order 3) + 16..19 (order 2) + 32 (order 0) = 13 free pages
        int[] pfns = {0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 32};
        Zone z = layout(pfns);
        assertEquals(1, z.nrFree(3));
        assertEquals(1, z.nrFree(2));
        assertEquals(1, z.nrFree(0));
        // order 2: suitable = (order-3 block = 2 units) + (order-2 block = 1) = 3 -> (13 - 3 * 4) * 1000 / 13 = 76
        assertEquals(76, z.unusableFreeIndex(2));
        // order 3: suitable 1 -> (13 - 8) * 1000 / 13 = 384
        assertEquals(384, z.unusableFreeIndex(3));
        // order 4: none -> 1000; extfrag(4) = 1000 - (1000 + 13000 / 16) / 3 = 1000 - (1000 + 812) / 3 = 1000 - 604 = 396
        assertEquals(1000, z.unusableFreeIndex(4));
        assertEquals(396, z.fragmentationIndex(4));
    }

    @Test
    void nothingFree() {
        Zone z = layout();
        assertEquals(1000, z.unusableFreeIndex(9));
        assertEquals(0, z.fragmentationIndex(9));
    }
}

package dev.ksim.engine.mm.zone;

import static dev.ksim.engine.mm.zone.MigrateType.MIGRATE_MOVABLE;
import static dev.ksim.engine.mm.zone.MigrateType.MIGRATE_UNMOVABLE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** Splitting, merging and accounting of the buddy allocator. */
class BuddyAllocatorTest {

    @Test
    void bootFreesMaximalAlignedBlocks() {
        Zone z = Zones.normal(4096);
        assertEquals(4, z.nrFree(10));
        assertEquals(4096, z.nrFreePages());
        assertEquals(4096, z.managedPages());
        assertEquals(8, z.nrPageblocks(MIGRATE_MOVABLE));
        Zones.assertClean(z);
    }

    @Test
    void unalignedRangeBootsIntoAlignedBlocks() {
        // pfns 100..1099: 100(o2) 104(o3) 112(o4) 128(o7) 256(o8) 512(o9) 1024(o6) 1088(o3) 1096(o2)
        Zone z = Zones.booted(100, 1000, ZoneType.NORMAL);
        long[] expected = {0, 0, 2, 2, 1, 0, 1, 1, 1, 1, 0};
        assertArrayEquals(expected, Zones.freeCounts(z));
        assertEquals(1000, z.nrFreePages());
        Zones.assertClean(z);
    }

    @Test
    void orderZeroAllocationSplitsTheFirstBlockAndFreeMergesItBack() {
        Zone z = Zones.normal(2048);
        int pfn = z.allocPages(0, MIGRATE_MOVABLE);
        assertEquals(0, pfn, "the split keeps the lower half");
        // one free block of each order 0..9 (pfns 1, 2, 4, ..., 512) plus the untouched order-10 block
        for (int o = 0; o < 10; o++) {
            assertEquals(1, z.nrFree(o), "order " + o);
            assertEquals(o, z.freeBlockOrder(1 << o));
        }
        assertEquals(1, z.nrFree(10));
        assertEquals(2047, z.nrFreePages());
        assertEquals(0, z.allocatedOrder(0));
        Zones.assertClean(z);

        z.freePages(pfn, 0);
        assertArrayEquals(new long[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}, Zones.freeCounts(z));
        assertEquals(-1, z.allocatedOrder(0));
        Zones.assertClean(z);
    }

    @Test
    void buddiesMergeOnlyWithTheirBuddy() {
        Zone z = Zones.normal(1024);
        int a = z.allocPages(3, MIGRATE_MOVABLE); // 0
        int b = z.allocPages(3, MIGRATE_MOVABLE); // 8 (buddy of 0 at order 3)
        int c = z.allocPages(3, MIGRATE_MOVABLE); // 16
        assertEquals(0, a);
        assertEquals(8, b);
        assertEquals(16, c);
        z.freePages(a, 3);
        // 0 cannot merge: its order-3 buddy 8 is allocated
        assertEquals(3, z.freeBlockOrder(0));
        z.freePages(c, 3);
        // 16's buddy 24 is free at order 3 -> merges to 16(o4); 0 and 16 are not buddies at order 3
        assertEquals(4, z.freeBlockOrder(16));
        assertEquals(3, z.freeBlockOrder(0));
        z.freePages(b, 3);
        assertArrayEquals(new long[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, Zones.freeCounts(z));
        Zones.assertClean(z);
    }

    @Test
    void badFreesAreRejected() {
        Zone z = Zones.normal(1024);
        int p = z.allocPages(2, MIGRATE_UNMOVABLE);
        assertThrows(IllegalStateException.class, () -> z.freePages(p, 1), "wrong order");
        assertThrows(IllegalStateException.class, () -> z.freePages(p + 1, 0), "not a head");
        z.freePages(p, 2);
        assertThrows(IllegalStateException.class, () -> z.freePages(p, 2), "double free");
        assertThrows(IllegalStateException.class, () -> z.freePages(5000, 0), "outside");
        assertThrows(IllegalArgumentException.class, () -> z.allocPages(11, MIGRATE_MOVABLE));
        assertThrows(IllegalArgumentException.class, () -> z.allocPages(0, MigrateType.MIGRATE_ISOLATE));
        Zones.assertClean(z);
    }

    @Test
    void exhaustionReturnsMinusOneAndEverythingComesBack() {
        Zone z = Zones.normal(1024);
        List<Integer> got = new ArrayList<>();
        for (int p; (p = z.allocPages(0, MIGRATE_MOVABLE)) >= 0; ) {
            got.add(p);
        }
        assertEquals(1024, got.size());
        assertEquals(0, z.nrFreePages());
        assertEquals(1000, z.unusableFreeIndex(9), "nothing free counts as all unusable");
        assertEquals(-1, z.allocPages(0, MIGRATE_MOVABLE));
        Zones.assertClean(z);
        for (int p : got) {
            z.freePages(p, 0);
        }
        assertEquals(1, z.nrFree(10));
        Zones.assertClean(z);
    }

    @Test
    void movableZoneRefusesKernelAllocations() {
        Zone z = Zones.booted(0, 1024, ZoneType.MOVABLE);
        assertThrows(IllegalArgumentException.class, () -> z.allocPages(0, MIGRATE_UNMOVABLE));
        assertTrue(z.allocPages(0, MIGRATE_MOVABLE) >= 0);
    }

    /** Random alloc/free churn over every order and type keeps the invariants and ends fully coalesced. */
    @Property(tries = 60)
    void randomChurnKeepsInvariantsAndCoalesces(@ForAll long seed, @ForAll @IntRange(min = 50, max = 600) int steps,
                                                @ForAll @Size(min = 1, max = 3) List<@IntRange(min = 0, max = 4) Integer> baseAndPages) {
        int base = baseAndPages.get(0) * 300;
        int pages = 1024 + (baseAndPages.size() > 1 ? baseAndPages.get(1) * 700 : 0);
        Zone z = Zones.booted(base, pages, ZoneType.NORMAL);
        long[] initial = Zones.freeCounts(z);
        SplittableRandom r = new SplittableRandom(seed);
        List<int[]> live = new ArrayList<>();
        for (int i = 0; i < steps; i++) {
            if (live.isEmpty() || r.nextInt(100) < 55) {
                int order = r.nextInt(100) < 70 ? r.nextInt(3) : r.nextInt(11);
                int mt = r.nextInt(3);
                int p = z.allocPages(order, mt);
                if (p >= 0) {
                    assertEquals(0, (p - 0) & ((1 << order) - 1), "blocks are aligned on their size");
                    live.add(new int[] {p, order});
                }
            } else {
                int[] b = live.remove(r.nextInt(live.size()));
                z.freePages(b[0], b[1]);
            }
            if (i % 50 == 0) {
                Zones.assertClean(z);
            }
        }
        long allocated = 0;
        for (int[] b : live) {
            allocated += 1L << b[1];
        }
        assertEquals(pages - allocated, z.nrFreePages());
        Zones.assertClean(z);
        for (int[] b : live) {
            z.freePages(b[0], b[1]);
        }
        Zones.assertClean(z);
        assertArrayEquals(initial, Zones.freeCounts(z), "fully coalesced back to the boot layout");
        assertEquals(pages, z.nrFreePages());
    }
}

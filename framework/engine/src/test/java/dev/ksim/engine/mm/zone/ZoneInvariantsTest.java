package dev.ksim.engine.mm.zone;

import static dev.ksim.engine.mm.zone.MigrateType.MIGRATE_MOVABLE;
import static dev.ksim.engine.mm.zone.MigrateType.MIGRATE_UNMOVABLE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.engine.invariant.InvariantRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each zone invariant passes on consistent state and catches its kind of corruption. */
class ZoneInvariantsTest {

    /**
     * A zone with pfns 0..15 allocated then 0 (a free order-0 block) and 4, 5 (a free order-1
     * block) freed, mixed-order allocations, and an unmovable request that stole pageblocks.
     */
    private static Zone populated() {
        Zone z = Zones.normal(2048);
        for (int i = 0; i < 16; i++) {
            assertEquals(i, z.allocPages(0, MIGRATE_MOVABLE));
        }
        for (int i = 0; i < 12; i++) {
            z.allocPages(i % 4, i % 3 == 0 ? MIGRATE_UNMOVABLE : MIGRATE_MOVABLE);
        }
        z.freePages(0, 0);
        z.freePages(4, 0);
        z.freePages(5, 0);
        assertEquals(0, z.freeBlockOrder(0));
        assertEquals(1, z.freeBlockOrder(4));
        assertTrue(z.nrPageblocks(MIGRATE_UNMOVABLE) > 0);
        Zones.assertClean(z);
        return z;
    }

    private static void assertViolation(Zone z, String check) {
        List<String> v = Zones.violations(z);
        assertFalse(v.isEmpty(), "corruption not detected");
        assertTrue(v.stream().anyMatch(s -> s.startsWith(check + " ")), "expected a " + check + " violation in " + v);
    }

    private static int someFreeHead(Zone z, int order) {
        for (int mt = 0; mt < MigrateType.MIGRATE_TYPES; mt++) {
            int p = z.freeHead[order * MigrateType.MIGRATE_TYPES + mt];
            if (p != MemMap.NIL) {
                return p;
            }
        }
        throw new AssertionError("no free block of order " + order);
    }

    @Test
    void registersFourChecksPerZone() {
        Zone z = populated();
        InvariantRegistry r = new InvariantRegistry();
        ZoneInvariants.register(List.of(z), r);
        r.checkAll("end");
        assertEquals(4, r.report().checked());
        assertEquals(List.of(), r.report().violations());
    }

    @Test
    void detectsAWrongOrderMark() {
        Zone z = populated();
        int p = someFreeHead(z, 1);
        z.state[p] = MemMap.freeState(2);
        assertViolation(z, "zone.frames");
    }

    @Test
    void detectsALeakedFreeBlock() {
        Zone z = populated();
        int p = someFreeHead(z, 0);
        z.delFromFreeList(p, 0, z.blockMt(p));
        z.nrFreePages++;
        z.nrFree[0]++;
        assertViolation(z, "zone.frames"); // the frame is nowhere
    }

    @Test
    void detectsAFrameInTwoPlaces() {
        Zone z = populated();
        int p = z.allocPages(0, MIGRATE_MOVABLE);
        z.addToFreeList(p, 0, z.blockMt(p)); // on a free list and allocated (state overwritten, cover 2)
        z.state[p] = MemMap.allocState(0, MIGRATE_MOVABLE);
        assertViolation(z, "zone.frames");
    }

    @Test
    void detectsAWrongFreeCounter() {
        Zone z = populated();
        z.nrFreePages += 1;
        assertViolation(z, "zone.nr_free");
        z.nrFreePages -= 1;
        z.nrFree[3]--;
        assertViolation(z, "zone.nr_free");
    }

    @Test
    void detectsUnmergedBuddies() {
        Zone z = populated();
        int p = someFreeHead(z, 1);
        int mt = z.blockMt(p);
        z.delFromFreeList(p, 1, mt);
        z.addToFreeList(p, 0, mt);
        z.addToFreeList(p + 1, 0, mt);
        List<String> v = Zones.violations(z);
        assertEquals(1, v.size(), "counters and coverage stay consistent: " + v);
        assertViolation(z, "zone.buddies");
    }

    @Test
    void detectsPageblockCountDrift() {
        Zone z = Zones.normal(2048);
        for (int i = 0; i < 512; i++) {
            z.allocPages(0, MIGRATE_MOVABLE); // pageblock 0..511 fully allocated
        }
        // retype a pageblock with no free page without updating the counters
        int full = -1;
        for (int b = 0; b < 2048; b += 512) {
            boolean anyFree = false;
            for (int p = b; p < b + 512; p++) {
                anyFree |= MemMap.kind(z.state[p]) == MemMap.FREE;
            }
            if (!anyFree) {
                full = b;
                break;
            }
        }
        assertTrue(full >= 0);
        z.map.blockMt[full >>> MemMap.PAGEBLOCK_ORDER] = (byte) MigrateType.MIGRATE_RECLAIMABLE;
        List<String> v = Zones.violations(z);
        assertTrue(v.stream().allMatch(s -> s.startsWith("zone.pageblocks ")), v.toString());
        assertViolation(z, "zone.pageblocks");
    }

    @Test
    void detectsAFreeBlockOnTheWrongMigratetypeList() {
        Zone z = populated();
        int p = someFreeHead(z, 0);
        int mt = z.blockMt(p);
        int other = mt == MIGRATE_MOVABLE ? MIGRATE_UNMOVABLE : MIGRATE_MOVABLE;
        z.delFromFreeList(p, 0, mt);
        z.addToFreeList(p, 0, other);
        assertViolation(z, "zone.frames");
    }

    @Test
    void detectsABrokenLink() {
        Zone z = populated();
        int p = someFreeHead(z, 0);
        z.map.prev[p] = 12345;
        assertViolation(z, "zone.frames");
    }
}

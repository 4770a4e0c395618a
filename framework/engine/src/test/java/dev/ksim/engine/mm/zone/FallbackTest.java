package dev.ksim.engine.mm.zone;

import static dev.ksim.engine.mm.zone.MigrateType.MIGRATE_MOVABLE;
import static dev.ksim.engine.mm.zone.MigrateType.MIGRATE_RECLAIMABLE;
import static dev.ksim.engine.mm.zone.MigrateType.MIGRATE_UNMOVABLE;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Migratetype fallback (__rmqueue_fallback) and pageblock stealing (try_to_steal_block). */
class FallbackTest {

    @Test
    void unmovableRequestStealsTheLargestMovableBlockWhole() {
        Zone z = Zones.normal(2048); // two order-10 blocks, four movable pageblocks
        int p = z.allocPages(0, MIGRATE_UNMOVABLE);
        // the largest fallback block (order 10 at pfn 0, head of the list) is taken whole:
        // both its pageblocks become unmovable
        assertEquals(0, p);
        assertEquals(2, z.nrPageblocks(MIGRATE_UNMOVABLE));
        assertEquals(2, z.nrPageblocks(MIGRATE_MOVABLE));
        assertEquals(MIGRATE_UNMOVABLE, z.memMap().pageblockMigratetype(512));
        assertEquals(MIGRATE_MOVABLE, z.memMap().pageblockMigratetype(1024));
        assertEquals(1, z.fallbackAllocations());
        assertEquals(2, z.stolenPageblocks());
        // the next unmovable request is served from its own type without fallback
        assertEquals(1, z.allocPages(0, MIGRATE_UNMOVABLE));
        assertEquals(1, z.fallbackAllocations());
        Zones.assertClean(z);
    }

    @Test
    void smallFallbackClaimsThePageblockWhenHalfIsFreeOrCompatible() {
        Zone z = Zones.normal(512); // one pageblock
        int a = z.allocPages(8, MIGRATE_MOVABLE); // 0..255 movable, 256(o8) free
        assertEquals(0, a);
        // unmovable: order-8 movable block found, can steal; free 256 + alike (512 - 256 free - 256 movable = 0)
        // = 256 >= 512/2 -> the pageblock is claimed
        int p = z.allocPages(0, MIGRATE_UNMOVABLE);
        assertEquals(256, p);
        assertEquals(1, z.nrPageblocks(MIGRATE_UNMOVABLE));
        assertEquals(0, z.nrPageblocks(MIGRATE_MOVABLE));
        assertEquals(1, z.stolenPageblocks());
        Zones.assertClean(z);
    }

    @Test
    void smallFallbackBelowHalfSplitsWithoutClaiming() {
        Zone z = Zones.normal(512);
        for (int i = 0; i < 4; i++) {
            assertEquals(i * 128, z.allocPages(7, MIGRATE_MOVABLE));
        }
        z.freePages(384, 7);
        // free 128 + alike (512 - 128 - 384 movable = 0) = 128 < 256: not claimed; the smallest
        // fallback block is split and the pageblock stays movable
        int p = z.allocPages(0, MIGRATE_UNMOVABLE);
        assertEquals(384, p);
        assertEquals(0, z.nrPageblocks(MIGRATE_UNMOVABLE));
        assertEquals(1, z.nrPageblocks(MIGRATE_MOVABLE));
        assertEquals(1, z.fallbackAllocations());
        assertEquals(0, z.stolenPageblocks());
        Zones.assertClean(z);
    }

    @Test
    void nonMovablePagesInAMovableBlockCountAsCompatible() {
        Zone z = Zones.normal(512);
        for (int i = 0; i < 4; i++) {
            z.allocPages(7, MIGRATE_MOVABLE); // 0, 128, 256, 384
        }
        z.freePages(384, 7);
        // a reclaimable order-7 request cannot claim the block (free 128 + alike 0 < 256) and
        // takes the free order-7 block as a single fallback: pfns 384..511 are reclaimable pages
        // in a movable pageblock
        assertEquals(384, z.allocPages(7, MIGRATE_RECLAIMABLE));
        assertEquals(1, z.nrPageblocks(MIGRATE_MOVABLE));
        z.freePages(256, 7);
        // unmovable request stealing from a movable block: alike = 512 - (free 128 + movable 256)
        // = 128 non-movable pages; 128 + 128 >= 256 -> the pageblock is claimed
        assertEquals(256, z.allocPages(0, MIGRATE_UNMOVABLE));
        assertEquals(1, z.nrPageblocks(MIGRATE_UNMOVABLE));
        assertEquals(1, z.stolenPageblocks());
        Zones.assertClean(z);
    }

    @Test
    void movableRequestDoesNotStealForSmallOrders() {
        Zone z = Zones.normal(512);
        assertEquals(0, z.allocPages(0, MIGRATE_UNMOVABLE)); // steals the whole pageblock (order 9)
        assertEquals(1, z.nrPageblocks(MIGRATE_UNMOVABLE));
        // leave only the order-3 block at pfn 8 free
        for (int o : new int[] {8, 7, 6, 5, 4, 2, 1, 0}) {
            z.allocPages(o, MIGRATE_UNMOVABLE);
        }
        assertEquals(8, z.nrFreePages());
        assertEquals(3, z.freeBlockOrder(8));
        // movable order 0: order 3 < pageblock_order / 2, so can_steal is false: the block is split,
        // the pageblock stays unmovable
        assertEquals(8, z.allocPages(0, MIGRATE_MOVABLE));
        assertEquals(1, z.nrPageblocks(MIGRATE_UNMOVABLE));
        assertEquals(1, z.stolenPageblocks(), "only the first, whole-block steal");
        Zones.assertClean(z);
    }

    @Test
    void unmovablePrefersReclaimableOverMovable() {
        // pfns 512..1535: two order-9 blocks that cannot merge (512's order-9 buddy, 0, is outside)
        Zone z = Zones.booted(512, 1024, ZoneType.NORMAL);
        assertEquals(512, z.allocPages(0, MIGRATE_RECLAIMABLE)); // steals pageblock 512 whole
        assertEquals(1, z.nrPageblocks(MIGRATE_RECLAIMABLE));
        z.freePages(512, 0); // pageblock 512 is a free order-9 block on the reclaimable list
        assertEquals(MIGRATE_RECLAIMABLE, z.memMap().pageblockMigratetype(512));
        // fallbacks[UNMOVABLE] = {RECLAIMABLE, MOVABLE}: the reclaimable block is taken
        assertEquals(512, z.allocPages(0, MIGRATE_UNMOVABLE));
        assertEquals(MIGRATE_UNMOVABLE, z.memMap().pageblockMigratetype(512));
        assertEquals(MIGRATE_MOVABLE, z.memMap().pageblockMigratetype(1024));
        Zones.assertClean(z);
    }

    @Test
    void mergingAtPageblockOrderRetypesTheBuddy() {
        Zone z = Zones.normal(1024);
        int p = z.allocPages(0, MIGRATE_UNMOVABLE); // steals the order-10 block: both pageblocks unmovable
        assertEquals(2, z.nrPageblocks(MIGRATE_UNMOVABLE));
        z.freePages(p, 0);
        assertEquals(1, z.nrFree(10));
        Zones.assertClean(z);
    }
}

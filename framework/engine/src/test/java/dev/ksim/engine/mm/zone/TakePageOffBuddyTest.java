package dev.ksim.engine.mm.zone;

import static dev.ksim.engine.mm.zone.MigrateType.MIGRATE_MOVABLE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Memory failure in the buddy allocator: take_page_off_buddy and retiring an allocated page. */
class TakePageOffBuddyTest {

    @Test
    void aFrameInsideAFreeBlockIsCutOutAndTheRestStaysFree() {
        Zone z = Zones.normal(1024); // one free order-10 block
        assertTrue(z.takePageOffBuddy(613));
        assertEquals(1023, z.nrFreePages());
        assertEquals(1, z.nrRetiredPages());
        assertTrue(z.isRetired(613));
        assertEquals(-1, z.freeBlockOrder(613));
        // break_down_buddy_pages: one free block of each order 0..9 around pfn 613
        for (int o = 0; o < 10; o++) {
            assertEquals(1, z.nrFree(o), "order " + o);
        }
        assertEquals(0, z.nrFree(10));
        assertEquals(9, z.freeBlockOrder(0));
        assertEquals(0, z.freeBlockOrder(612));
        Zones.assertClean(z);
    }

    @Test
    void aRetiredFrameIsNeverHandedOutAndCannotBeFreed() {
        Zone z = Zones.normal(1024);
        assertTrue(z.takePageOffBuddy(5));
        for (int i = 0; i < 1023; i++) {
            int pfn = z.allocPages(0, MIGRATE_MOVABLE);
            assertTrue(pfn >= 0);
            assertNotEquals(5, pfn);
        }
        assertEquals(-1, z.allocPages(0, MIGRATE_MOVABLE));
        assertThrows(IllegalStateException.class, () -> z.freePages(5, 0));
        assertFalse(z.takePageOffBuddy(5), "already retired");
        assertFalse(z.takePageOffBuddy(6), "allocated, not free");
        Zones.assertClean(z);
    }

    @Test
    void anAllocatedOrderZeroPageIsRetiredInsteadOfFreed() {
        Zone z = Zones.normal(1024);
        int pfn = z.allocPages(0, MIGRATE_MOVABLE);
        int big = z.allocPages(1, MIGRATE_MOVABLE);
        z.retirePage(pfn);
        assertTrue(z.isRetired(pfn));
        assertThrows(IllegalStateException.class, () -> z.retirePage(big), "only order-0 pages");
        assertThrows(IllegalStateException.class, () -> z.retirePage(pfn));
        z.freePages(big, 1);
        assertEquals(1023, z.nrFreePages(), "the retired page's buddy cannot merge through it");
        Zones.assertClean(z);
    }

    @Test
    void offliningTakesRetiredFramesOfflineWithTheRange() {
        Zone z = Zones.booted(0, 2048, ZoneType.MOVABLE);
        assertTrue(z.takePageOffBuddy(1030));
        OfflineResult r = z.offlinePages(1024, 1024, p -> false);
        assertEquals(OfflineResult.Status.OFFLINED, r.status());
        assertEquals(0, z.nrRetiredPages());
        assertEquals(1024, z.presentPages());
        Zones.assertClean(z);
    }

    @Test
    void theInvariantsCatchACorruptRetiredCount() {
        Zone z = Zones.normal(1024);
        z.takePageOffBuddy(7);
        z.nrRetired = 0;
        List<String> v = Zones.violations(z);
        assertTrue(v.stream().anyMatch(s -> s.startsWith("zone.nr_free ") && s.contains("retired")), v.toString());
    }

    @Test
    void theInvariantsCatchARetiredFrameStillOnAFreeList() {
        Zone z = Zones.normal(1024);
        z.allocPages(0, MIGRATE_MOVABLE); // pfn 0; pfn 1 is a free order-0 block
        assertEquals(0, z.freeBlockOrder(1));
        z.state[1] = MemMap.HWPOISON; // retired but left on its free list
        z.nrRetired = 1;
        List<String> v = Zones.violations(z);
        assertTrue(v.stream().anyMatch(s -> s.startsWith("zone.frames ")), v.toString());
    }
}

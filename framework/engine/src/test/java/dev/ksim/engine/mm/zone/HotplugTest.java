package dev.ksim.engine.mm.zone;

import static dev.ksim.engine.mm.zone.MigrateType.MIGRATE_ISOLATE;
import static dev.ksim.engine.mm.zone.MigrateType.MIGRATE_MOVABLE;
import static dev.ksim.engine.mm.zone.MigrateType.MIGRATE_UNMOVABLE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Memory hot-add, onlining into NORMAL or MOVABLE, offlining (free, migrate-first, pinned), ZONE_DEVICE. */
class HotplugTest {
    private final MemMap map = new MemMap(0, 4096);
    private final Zone normal = Zone.normal(map, 0);
    private final Zone movable = Zone.movable(map, 0);

    HotplugTest() {
        map.addMemory(0, 2048);
        normal.onlinePages(0, 2048);
    }

    private void check() {
        Zones.assertClean(normal);
        Zones.assertClean(movable);
    }

    @Test
    void hotAddCreatesOfflineFramesThatOnliningHandsToTheBuddy() {
        assertFalse(map.present(3000));
        map.addMemory(2048, 2048);
        assertTrue(map.present(3000));
        assertTrue(map.offline(3000));
        assertNull(map.zoneOf(3000));
        assertEquals(0, movable.managedPages());
        movable.onlinePages(2048, 2048);
        assertEquals(movable, map.zoneOf(3000));
        assertEquals(2048, movable.managedPages());
        assertEquals(2048, movable.presentPages());
        assertEquals(2048, movable.spannedPages());
        assertEquals(2048, movable.nrFreePages());
        assertEquals(2, movable.nrFree(10));
        assertThrows(IllegalStateException.class, () -> movable.onlinePages(2048, 512), "already online");
        assertThrows(IllegalStateException.class, () -> map.addMemory(2048, 512), "already present");
        check();
    }

    @Test
    void rangesMustBePageblockAligned() {
        map.addMemory(2048, 2048);
        assertThrows(IllegalArgumentException.class, () -> movable.onlinePages(2048, 100));
        assertThrows(IllegalArgumentException.class, () -> movable.onlinePages(2100, 512));
        assertThrows(IllegalArgumentException.class, () -> map.addMemory(4096, 512));
    }

    @Test
    void freeRangeGoesOfflineAndCanBeOnlinedElsewhere() {
        map.addMemory(2048, 2048);
        movable.onlinePages(2048, 2048);
        // offline one pageblock in the middle of a free order-10 block: the block is split first
        OfflineResult r = movable.offlinePages(2560, 512, pfn -> false);
        assertEquals(OfflineResult.Status.OFFLINED, r.status());
        assertEquals(512, r.nrPages());
        assertEquals(1536, movable.managedPages());
        assertEquals(1536, movable.nrFreePages());
        assertEquals(0, movable.nrPageblocks(MIGRATE_ISOLATE));
        assertTrue(map.offline(2600));
        assertEquals(9, movable.freeBlockOrder(2048));
        check();
        // the offline block can be onlined into ZONE_NORMAL now
        normal.onlinePages(2560, 512);
        assertEquals(normal, map.zoneOf(2600));
        assertEquals(2560, normal.managedPages());
        assertEquals(3072, normal.spannedPages(), "zone spans may interleave, as in the kernel");
        check();
    }

    @Test
    void allocatedPagesMustBeMigratedFirst() {
        map.addMemory(2048, 2048);
        movable.onlinePages(2048, 2048);
        int a = movable.allocPages(0, MIGRATE_MOVABLE);
        int b = movable.allocPages(2, MIGRATE_MOVABLE);
        assertEquals(2048, a, "onlined memory is handed out lowest pfn first (FPI_TO_TAIL)");
        assertEquals(2052, b);
        OfflineResult r = movable.offlinePages(2048, 1024, pfn -> false);
        assertEquals(OfflineResult.Status.MIGRATE_FIRST, r.status());
        assertArrayEquals(new int[] {a, b}, r.pfns());
        assertArrayEquals(new int[] {0, 2}, r.orders());
        assertEquals(5, r.pagesToMigrate());
        // the range is isolated: its free pages leave NR_FREE_PAGES and are never allocated
        assertEquals(2, movable.nrPageblocks(MIGRATE_ISOLATE));
        assertEquals(1024, movable.nrFreePages());
        assertEquals(1019, movable.nrIsolatedFreePages());
        check();
        for (int i = 0; i < 1024; i++) {
            int p = movable.allocPages(0, MIGRATE_MOVABLE);
            assertTrue(p >= 3072 && p < 4096, "allocated from an isolated pageblock: " + p);
        }
        assertEquals(-1, movable.allocPages(0, MIGRATE_MOVABLE));
        // "migrate": the memory manager copies to a new frame elsewhere and frees the old ones
        normal.allocPages(0, MIGRATE_MOVABLE);
        normal.allocPages(2, MIGRATE_MOVABLE);
        movable.freePages(a, 0);
        movable.freePages(b, 2);
        assertEquals(1024, movable.nrIsolatedFreePages());
        check();
        r = movable.offlinePages(2048, 1024, pfn -> false);
        assertEquals(OfflineResult.Status.OFFLINED, r.status());
        assertEquals(1024, movable.managedPages());
        assertEquals(0, movable.nrIsolatedFreePages());
        check();
    }

    @Test
    void onePinnedPageBlocksOfflining() {
        map.addMemory(2048, 2048);
        movable.onlinePages(2048, 2048);
        int a = movable.allocPages(0, MIGRATE_MOVABLE);
        int b = movable.allocPages(3, MIGRATE_MOVABLE);
        OfflineResult r = movable.offlinePages(2048, 2048, pfn -> pfn == b + 5);
        assertEquals(OfflineResult.Status.BUSY_PINNED, r.status());
        assertArrayEquals(new int[] {b + 5}, r.pfns());
        assertEquals(0, movable.nrPageblocks(MIGRATE_ISOLATE), "nothing changed");
        assertEquals(2048 - 9, movable.nrFreePages());
        assertEquals(0, movable.allocatedOrder(a));
        check();
    }

    @Test
    void undoIsolationRestoresMovableAndMerges() {
        map.addMemory(2048, 2048);
        movable.onlinePages(2048, 2048);
        int a = movable.allocPages(0, MIGRATE_MOVABLE); // pfn 2048
        OfflineResult r = movable.offlinePages(2048, 512, pfn -> false);
        assertEquals(OfflineResult.Status.MIGRATE_FIRST, r.status());
        movable.freePages(a, 0);
        // 2048(o9) is isolated and 2560(o9) is not: they must not have merged
        assertEquals(9, movable.freeBlockOrder(2048));
        assertEquals(9, movable.freeBlockOrder(2560));
        check();
        movable.undoIsolatePageRange(2048, 512);
        assertEquals(0, movable.nrPageblocks(MIGRATE_ISOLATE));
        assertEquals(2, movable.nrFree(10));
        assertEquals(2048, movable.nrFreePages());
        check();
    }

    @Test
    void offliningKernelMemoryReportsUnmovablePagesToo() {
        int k = normal.allocPages(0, MIGRATE_UNMOVABLE);
        OfflineResult r = normal.offlinePages(0, 2048, pfn -> false);
        assertEquals(OfflineResult.Status.MIGRATE_FIRST, r.status());
        assertArrayEquals(new int[] {k}, r.pfns());
        normal.undoIsolatePageRange(0, 2048);
        check();
    }

    @Test
    void zoneDeviceFramesNeverEnterTheBuddy() {
        Zone dev = Zone.device(map, 0, DeviceKind.PRIVATE);
        assertEquals(DeviceKind.PRIVATE, dev.deviceKind());
        assertThrows(IllegalArgumentException.class, () -> new Zone(map, 0, ZoneType.DEVICE, null));
        assertThrows(IllegalArgumentException.class, () -> new Zone(map, 0, ZoneType.NORMAL, DeviceKind.PUBLIC));
        map.addMemory(2048, 1024);
        assertThrows(IllegalStateException.class, () -> dev.onlinePages(2048, 1024));
        dev.memremapPages(2048, 1024);
        assertEquals(1024, dev.presentPages());
        assertEquals(0, dev.managedPages());
        assertEquals(0, dev.nrFreePages());
        assertEquals(1024, dev.deviceFreePages());
        assertThrows(IllegalStateException.class, () -> dev.allocPages(0, MIGRATE_MOVABLE));
        int p = dev.devicePageAlloc();
        int q = dev.devicePageAlloc();
        assertEquals(2048, p, "lowest pfn first");
        assertEquals(2049, q);
        assertEquals(2, dev.deviceAllocatedPages());
        Zones.assertClean(dev);
        assertThrows(IllegalStateException.class, () -> dev.devicePageFree(3000), "not handed out");
        assertThrows(IllegalStateException.class, () -> dev.memunmapPages(2048, 1024), "pages in use");
        dev.devicePageFree(p);
        dev.devicePageFree(q);
        assertEquals(q, dev.devicePageAlloc(), "LIFO pool");
        dev.devicePageFree(q);
        Zones.assertClean(dev);
        dev.memunmapPages(2048, 1024);
        assertEquals(0, dev.presentPages());
        assertTrue(map.offline(2048));
        Zones.assertClean(dev);
        // every zone's invariants register together
        dev.memremapPages(2048, 512);
        while (dev.devicePageAlloc() >= 0) {
            // drain
        }
        assertEquals(-1, dev.devicePageAlloc());
        Zones.assertClean(dev);
        assertEquals(List.of(normal, movable, dev), map.zones());
    }
}

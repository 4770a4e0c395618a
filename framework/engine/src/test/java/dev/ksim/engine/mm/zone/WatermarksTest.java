package dev.ksim.engine.mm.zone;

import static dev.ksim.engine.mm.zone.MigrateType.MIGRATE_MOVABLE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Watermarks as __setup_per_zone_wmarks / calculate_min_free_kbytes compute them, and zone_watermark_ok. */
class WatermarksTest {

    @Test
    void defaultMinFreeKbytesIsSqrtOfSixteenTimesLowmem() {
        assertEquals(4096, Watermarks.defaultMinFreeKbytes(1L << 20)); // 1 GiB: sqrt(16 Mi) = 4096
        assertEquals(16384, Watermarks.defaultMinFreeKbytes(16L << 20)); // 16 GiB
        assertEquals(256, Watermarks.defaultMinFreeKbytes(4096)); // 4 MiB: sqrt(65536)
        assertEquals(128, Watermarks.defaultMinFreeKbytes(1024), "floor 128");
        assertEquals(262_144, Watermarks.defaultMinFreeKbytes(64L << 30), "ceiling 256 MiB");
    }

    @Test
    void oneGibNormalZone() {
        Zone z = Zones.normal(262_144);
        Watermarks.setupPerZoneWmarks(List.of(z));
        // min_free_kbytes 4096 -> pages_min 1024 = min; step = max(1024 / 4, 262144 * 10 / 10000 = 262) = 262
        assertEquals(new Watermarks(1024, 1286, 1548, 1810), z.watermarks());
    }

    @Test
    void movableZoneGetsASmallMinAndItsShareOfSteps() {
        MemMap m = new MemMap(0, 524_288);
        m.addMemory(0, 524_288);
        Zone normal = Zone.normal(m, 0);
        Zone movable = Zone.movable(m, 0);
        normal.onlinePages(0, 262_144);
        movable.onlinePages(262_144, 262_144);
        Watermarks.setupPerZoneWmarks(List.of(normal, movable));
        // lowmem counts NORMAL only: min_free_kbytes 4096, pages_min 1024
        assertEquals(new Watermarks(1024, 1286, 1548, 1810), normal.watermarks());
        // movable: tmp = 1024 * 262144 / 262144 = 1024; min = clamp(262144 / 1024, 32, 128) = 128; step 262
        assertEquals(new Watermarks(128, 390, 652, 914), movable.watermarks());
    }

    @Test
    void scaleFactorWidensTheGaps() {
        Zone z = Zones.normal(262_144);
        Watermarks.setupPerZoneWmarks(List.of(z), 4096, 100);
        // step = max(256, 262144 * 100 / 10000 = 2621)
        assertEquals(new Watermarks(1024, 3645, 6266, 8887), z.watermarks());
    }

    @Test
    void marksMustBeOrdered() {
        assertThrows(IllegalArgumentException.class, () -> Watermarks.of(10, 10, 20));
        assertThrows(IllegalArgumentException.class, () -> Watermarks.of(30, 20, 10));
        assertThrows(IllegalArgumentException.class, () -> new Watermarks(1, 2, 3, 2));
        assertThrows(IllegalArgumentException.class, () -> Watermarks.setupPerZoneWmarks(List.of(), 1024, 0));
        assertEquals(Watermarks.NONE, new Watermarks(0, 0, 0, 0));
        Zone tiny = Zones.normal(8);
        Watermarks.setupPerZoneWmarks(List.of(tiny));
        Watermarks w = tiny.watermarks();
        assertTrue(w.min() < w.low() && w.low() < w.high(), "toy zones still get ordered marks: " + w);
    }

    @Test
    void watermarkOkSubtractsTheOrderAndNeedsABlock() {
        Zone z = Zones.normal(4096);
        assertTrue(z.watermarkOk(0, 4095));
        assertFalse(z.watermarkOk(0, 4096));
        // order 10: 4096 - 1023 = 3073 > 3072, and order-10 blocks exist
        assertTrue(z.watermarkOk(10, 3072));
        assertFalse(z.watermarkOk(10, 3073));
        // one allocated page in every order-10 block: plenty free but no order-10 block
        while (z.allocPages(0, MIGRATE_MOVABLE) >= 0) {
            // fill
        }
        for (int p = 0; p < 4096; p++) {
            if (p % 1024 != 0) {
                z.freePages(p, 0);
            }
        }
        assertEquals(0, z.nrFree(10));
        assertFalse(z.watermarkOk(10, 0));
        assertTrue(z.watermarkOk(9, 0));
        z.setWatermarks(Watermarks.of(100, 200, 300));
        assertTrue(z.watermarkOkAt(0, Watermarks.WMARK_HIGH));
        assertTrue(z.watermarkOkAt(0, Watermarks.ALLOC_NO_WATERMARKS));
    }
}

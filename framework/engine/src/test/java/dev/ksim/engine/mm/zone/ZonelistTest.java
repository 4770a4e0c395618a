package dev.ksim.engine.mm.zone;

import static dev.ksim.engine.mm.zone.MigrateType.MIGRATE_MOVABLE;
import static dev.ksim.engine.mm.zone.MigrateType.MIGRATE_RECLAIMABLE;
import static dev.ksim.engine.mm.zone.MigrateType.MIGRATE_UNMOVABLE;
import static dev.ksim.engine.mm.zone.Watermarks.ALLOC_NO_WATERMARKS;
import static dev.ksim.engine.mm.zone.Zonelist.NO_NODEMASK;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Zonelist order by distance, the movable/device rules, and isolated (CDM) nodes. */
class ZonelistTest {
    private static final int[][] DISTANCE = {{10, 20, 30}, {20, 10, 20}, {30, 20, 10}};

    private final MemMap map = new MemMap(0, 5 * 512);
    private final Zone n0Normal = Zone.normal(map, 0);
    private final Zone n0Movable = Zone.movable(map, 0);
    private final Zone n1Normal = Zone.normal(map, 1);
    private final Zone n2Movable = Zone.movable(map, 2);
    private final Zone n2Device = Zone.device(map, 2, DeviceKind.COHERENT);
    private final List<Zone> all = List.of(n0Normal, n0Movable, n1Normal, n2Movable, n2Device);

    ZonelistTest() {
        map.addMemory(0, 5 * 512);
        n0Normal.onlinePages(0, 512);
        n0Movable.onlinePages(512, 512);
        n1Normal.onlinePages(1024, 512);
        n2Movable.onlinePages(1536, 512);
        n2Device.memremapPages(2048, 512);
    }

    private static String names(Zone[] zs) {
        StringBuilder b = new StringBuilder();
        for (Zone z : zs) {
            b.append(b.length() == 0 ? "" : " ").append(z.name());
        }
        return b.toString();
    }

    @Test
    void nodesByDistanceMovableBeforeNormalDeviceNever() {
        Zonelist zl = new Zonelist(DISTANCE, all, null);
        assertEquals("node0/Movable node0/Normal node1/Normal node2/Movable", names(zl.zonelist(0)));
        assertEquals("node1/Normal node0/Movable node0/Normal node2/Movable", names(zl.zonelist(1)));
        assertEquals("node2/Movable node1/Normal node0/Movable node0/Normal", names(zl.zonelist(2)));
        assertFalse(zl.eligible(n2Device, MIGRATE_MOVABLE, -1L));
    }

    @Test
    void kernelAllocationsNeverLandInZoneMovable() {
        Zonelist zl = new Zonelist(DISTANCE, all, null);
        // 512 + 512 normal pages reachable from node 2 for unmovable requests: node1, then node0
        int n1 = 0;
        int n0 = 0;
        for (int i = 0; i < 1024; i++) {
            int pfn = zl.allocPages(2, 0, i % 2 == 0 ? MIGRATE_UNMOVABLE : MIGRATE_RECLAIMABLE, NO_NODEMASK, ALLOC_NO_WATERMARKS);
            Zone z = map.zoneOf(pfn);
            assertEquals(ZoneType.NORMAL, z.type());
            if (z == n1Normal) {
                n1++;
            } else {
                assertEquals(512, n1, "node 1 is used up before node 0");
                n0++;
            }
        }
        assertEquals(512, n0);
        assertEquals(-1, zl.allocPages(2, 0, MIGRATE_UNMOVABLE, NO_NODEMASK, ALLOC_NO_WATERMARKS), "movable zones stay untouched");
        assertEquals(512, n0Movable.nrFreePages());
        assertEquals(512, n2Movable.nrFreePages());
        // movable requests prefer ZONE_MOVABLE of the local node
        int pfn = zl.allocPages(0, 0, MIGRATE_MOVABLE, NO_NODEMASK, ALLOC_NO_WATERMARKS);
        assertEquals(n0Movable, map.zoneOf(pfn));
        assertEquals(0, zl.lastNode());
        assertEquals(512, n2Device.deviceFreePages(), "nothing general lands in ZONE_DEVICE");
    }

    @Test
    void watermarksSkipZonesBelowTheMark() {
        Zonelist zl = new Zonelist(DISTANCE, all, null);
        n0Normal.setWatermarks(Watermarks.of(100, 600, 700)); // 512 free <= low 600
        int pfn = zl.allocPages(0, 0, MIGRATE_UNMOVABLE, NO_NODEMASK, Watermarks.WMARK_LOW);
        assertEquals(n1Normal, map.zoneOf(pfn));
        pfn = zl.allocPages(0, 0, MIGRATE_UNMOVABLE, NO_NODEMASK, Watermarks.WMARK_MIN);
        assertEquals(n0Normal, map.zoneOf(pfn));
    }

    @Test
    void isolatedNodeIsReachableOnlyByExplicitBind() {
        Zonelist zl = new Zonelist(DISTANCE, all, new boolean[] {false, true, false});
        assertEquals("node1/Normal node0/Movable node0/Normal node2/Movable", names(zl.zonelist(1)),
                "the full list still knows the node");
        // default policy from node 1 (its own node isolated): node 0 first
        int pfn = zl.allocPages(1, 0, MIGRATE_UNMOVABLE, NO_NODEMASK, ALLOC_NO_WATERMARKS);
        assertEquals(n0Normal, map.zoneOf(pfn));
        // exhaust node 0's normal zone: unmovable requests fail rather than spill onto node 1
        while (n0Normal.nrFreePages() > 0) {
            n0Normal.allocPages(0, MIGRATE_UNMOVABLE);
        }
        assertEquals(-1, zl.allocPages(0, 0, MIGRATE_UNMOVABLE, NO_NODEMASK, ALLOC_NO_WATERMARKS));
        // mbind(MPOL_BIND, {1}) reaches it
        pfn = zl.allocPages(0, 0, MIGRATE_UNMOVABLE, 1L << 1, ALLOC_NO_WATERMARKS);
        assertEquals(n1Normal, map.zoneOf(pfn));
        assertEquals(1, zl.lastNode());
        // a nodemask also restricts: bound to node 2, unmovable has nowhere to go
        assertEquals(-1, zl.allocPages(0, 0, MIGRATE_UNMOVABLE, 1L << 2, ALLOC_NO_WATERMARKS));
        assertEquals(-1, zl.lastNode());
        assertArrayEquals(new boolean[] {false, true, false},
                new boolean[] {zl.isolated(0), zl.isolated(1), zl.isolated(2)});
    }
}

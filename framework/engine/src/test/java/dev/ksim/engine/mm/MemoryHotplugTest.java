package dev.ksim.engine.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.engine.mm.zone.DeviceKind;
import dev.ksim.engine.mm.zone.Zone;
import dev.ksim.engine.mm.zone.ZoneType;
import dev.ksim.engine.model.ReclaimMode;
import dev.ksim.engine.model.VmSpec;
import dev.ksim.spi.mm.MigrationPolicy;
import dev.ksim.spi.security.SecurityHardening;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Memory hot-add, onlining and offlining at a simulated time, for RAM and for device memory. */
class MemoryHotplugTest {
    private static final long RAM = 2048;
    private static final long HOT = 1024;

    /** Node 0: RAM with CPU 0; node 1: {@code HOT} frames, all hot-pluggable (absent at boot), of {@code kind} (null: RAM). */
    private static MmFixture machine(DeviceKind kind, long minFreeKbytes, MigrationPolicy policy) {
        MmSettings s = new MmSettings(ReclaimMode.LRU, new VmSpec(minFreeKbytes, VmSpec.DEFAULT_WATERMARK_SCALE_FACTOR,
                VmSpec.DEFAULT_SWAPPINESS, false), null, null, new DeviceKind[] {null, kind}, new long[] {0, HOT});
        return new MmFixture(new long[] {RAM, HOT}, new int[2], 100, 0, policy, new SecurityHardening() {
        }, s);
    }

    private static Zone zone(MmFixture fx, int node, ZoneType type) {
        for (Zone z : fx.mm.node(node).zones()) {
            if (z.type() == type) {
                return z;
            }
        }
        throw new AssertionError("no " + type);
    }

    @Test
    void hotPluggableMemoryIsAbsentAtBootAndOnlineAfterAddMemory() {
        MmFixture fx = machine(null, 0, (f, m) -> 1); // the policy asks for node 1
        assertEquals(0, fx.mm.node(1).managedPages(), "no N_MEMORY at boot");
        assertEquals(0, fx.mm.node(1).nrFreePages());
        assertFalse(fx.mm.node(1).memMap.present((int) RAM), "a hole until add_memory");
        MmStruct p = fx.process("p", 8);
        fx.mm.access(p, 0, 0, 0);
        assertEquals(0, fx.mm.nodeOf(Pte.frame(p.vma(0).pte(0))), "nothing to allocate on node 1 yet");
        assertEquals(List.of(), fx.violations());

        assertEquals(HOT, fx.mm.addMemory(1, ZoneType.MOVABLE));
        Zone mov = zone(fx, 1, ZoneType.MOVABLE);
        assertEquals(HOT, mov.managedPages());
        assertEquals(HOT, fx.mm.node(1).nrFreePages());
        assertTrue(mov.watermarks().min() > 0, "setup_per_zone_wmarks ran for the new zone");
        assertEquals(HOT, fx.counter(MmMetrics.MEMORY_ONLINE_PAGES));
        fx.metrics.sampleGauges();
        assertEquals(HOT, fx.metrics.finalValues().get("node1.managed_pages").longValue());
        fx.mm.access(p, 0, 1, 0);
        assertEquals(1, fx.mm.nodeOf(Pte.frame(p.vma(0).pte(1))), "ordinary allocations land there at once");
        assertEquals(0, fx.mm.addMemory(1, ZoneType.MOVABLE), "online already: nothing");
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void onliningIntoZoneNormalRaisesMinFreeKbytesLikeTheKernel() {
        MmFixture fx = machine(null, VmSpec.KERNEL_DEFAULT, (f, m) -> 0);
        long before = zone(fx, 0, ZoneType.NORMAL).watermarks().min();
        fx.mm.addMemory(1, ZoneType.NORMAL);
        long after = zone(fx, 0, ZoneType.NORMAL).watermarks().min();
        // min_free_kbytes = sqrt(16 x lowmem KiB) grows by sqrt(1.5) while node 0's share of it drops to 2/3
        assertTrue(after < before && after > 0, before + " -> " + after);
        assertTrue(zone(fx, 1, ZoneType.NORMAL).watermarks().min() > 0);
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void offliningMigratesEveryPageAwayAndTakesTheRangeOffline() {
        MmFixture fx = machine(null, 0, (f, m) -> 1);
        fx.mm.addMemory(1, ZoneType.MOVABLE);
        MmStruct p = fx.process("p", 300);
        for (int i = 0; i < 300; i++) {
            fx.mm.access(p, 0, i, 0);
        }
        int onNode1 = 0;
        for (int i = 0; i < 300; i++) {
            onNode1 += fx.mm.nodeOf(Pte.frame(p.vma(0).pte(i))) == 1 ? 1 : 0;
        }
        assertTrue(onNode1 > 0);
        assertTrue(fx.mm.offlineMemory(1, 0));
        for (int i = 0; i < 300; i++) {
            assertEquals(0, fx.mm.nodeOf(Pte.frame(p.vma(0).pte(i))), "page " + i + " moved to node 0");
        }
        assertEquals(onNode1, fx.counter(MmMetrics.MEMORY_OFFLINE_MIGRATED));
        assertEquals(onNode1, fx.counter(MmMetrics.PGMIGRATE_SUCCESS));
        assertEquals(1, fx.counter(MmMetrics.MEMORY_OFFLINE_SUCCESS));
        assertEquals(HOT, fx.counter(MmMetrics.MEMORY_OFFLINE_PAGES));
        assertEquals(0, fx.mm.node(1).managedPages(), "the node lost N_MEMORY");
        assertEquals(300, p.rss());
        assertEquals(List.of(), fx.violations());
        assertTrue(fx.mm.offlineMemory(1, 0), "offline already");
        assertEquals(HOT, fx.mm.addMemory(1, ZoneType.MOVABLE), "and back online");
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void aPinnedPageFailsOffliningWithEbusyAndTheIsolationIsUndone() {
        MmFixture fx = machine(null, 0, (f, m) -> 1);
        fx.mm.addMemory(1, ZoneType.MOVABLE);
        MmStruct p = fx.process("p", 16);
        int[] pinned = new int[1];
        fx.mm.pinUserPages(p, 0, 3, 1, 0, pinned);
        for (int i = 0; i < 16; i++) {
            fx.mm.access(p, 0, i, 0);
        }
        assertEquals(1, fx.mm.nodeOf(pinned[0]));
        assertFalse(fx.mm.offlineMemory(1, 0));
        assertEquals(1, fx.counter(MmMetrics.MEMORY_OFFLINE_FAIL));
        Zone mov = zone(fx, 1, ZoneType.MOVABLE);
        assertEquals(HOT, mov.managedPages(), "still online");
        assertEquals(0, mov.nrIsolatedFreePages(), "nothing left isolated");
        assertEquals(HOT - 16, mov.nrFreePages());
        assertEquals(List.of(), fx.violations());
        fx.mm.unpinUserPages(pinned, 1);
        assertTrue(fx.mm.offlineMemory(1, 0), "unpinned, it goes");
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void aPageWithNowhereToGoFailsOffliningAfterTheLastPass() {
        // node 0 has 2048 frames; fill it so nothing on node 1 can move there above the min watermark
        MmFixture fx = machine(null, 0, (f, m) -> f.pageOffset() < 8 ? 1 : 0);
        fx.mm.addMemory(1, ZoneType.MOVABLE);
        MmStruct p = fx.process("p", 8 + RAM);
        for (int i = 0; i < 8 + RAM; i++) {
            fx.mm.access(p, 0, i, 0);
        }
        assertEquals(1, fx.mm.nodeOf(Pte.frame(p.vma(0).pte(0))));
        long before = fx.counter(MmMetrics.PGMIGRATE_FAIL_DST_ALLOC_FAIL);
        assertFalse(fx.mm.offlineMemory(1, 0));
        assertTrue(fx.counter(MmMetrics.PGMIGRATE_FAIL_DST_ALLOC_FAIL) > before, "no destination: dst_alloc_fail");
        assertEquals(0, zone(fx, 1, ZoneType.MOVABLE).nrIsolatedFreePages());
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void aPoisonedFrameGoesOfflineWithItsRange() {
        MmFixture fx = machine(null, 0, (f, m) -> 0);
        fx.mm.addMemory(1, ZoneType.MOVABLE);
        int pfn = fx.mm.highestFreePfn(1);
        assertEquals(MemoryFailure.Result.RECOVERED, fx.mm.memoryFailure(pfn, 0));
        assertTrue(fx.mm.offlineMemory(1, 0));
        assertEquals(0, fx.mm.frames.flags[pfn]);
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void deviceMemoryIsMemremappedWhenTheDeviceInitialisesAndEvictedWhenItGoes() {
        MmFixture fx = machine(DeviceKind.PRIVATE, 0, (f, m) -> 0);
        Zone dev = fx.mm.device.zone(1);
        assertEquals(0, dev.deviceFreePages(), "no device memory until the device initialises");
        MmStruct p = fx.process("p", 64);
        fx.mm.migrateVma(p, 0, 0, 64, 1, 0, 0);
        assertEquals(64, fx.counter(MmMetrics.MIGRATE_VMA_SKIPPED), "an empty pool: the driver skips everything");
        assertEquals(HOT, fx.mm.addMemory(1, null));
        assertEquals(HOT, dev.deviceFreePages());
        fx.mm.migrateVma(p, 0, 0, 64, 1, 0, 0);
        assertEquals(64, fx.counter(MmMetrics.MIGRATE_VMA_MIGRATED));
        assertEquals(List.of(), fx.violations());
        assertTrue(fx.mm.offlineMemory(1, 0), "the driver evicts its pages, then memunmap_pages");
        assertEquals(64, fx.counter(MmMetrics.DEVICE_EVICTED));
        assertEquals(0, dev.presentPages());
        assertEquals(64, p.rss());
        for (int i = 0; i < 64; i++) {
            assertEquals(0, fx.mm.nodeOf(Pte.frame(p.vma(0).pte(i))));
        }
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void aNodeWithoutHotPluggableMemoryHasNothingToAdd() {
        MmFixture fx = MmFixture.lru(new long[] {RAM, HOT}, 0, (f, m) -> 0);
        assertThrows(IllegalArgumentException.class, () -> fx.mm.addMemory(1, ZoneType.MOVABLE));
        assertThrows(IllegalArgumentException.class, () -> fx.mm.offlineMemory(1, 0));
        assertEquals(RAM, MemoryHotplug.bootEnd(0, (int) RAM, 0));
        assertEquals(512, MemoryHotplug.bootEnd(0, 1000, 300), "rounded down to a pageblock boundary");
        assertEquals(100, MemoryHotplug.bootEnd(100, 1000, 1000), "all of it");
    }

    @Test
    void detectsAnAbsentFrameInUse() {
        MmFixture fx = machine(null, 0, (f, m) -> 0);
        fx.process("p", 4);
        fx.mm.frames.rmapVma[(int) RAM + 5] = 0;
        List<String> v = fx.violations();
        assertTrue(v.stream().anyMatch(s -> s.startsWith("mm.frames ") && s.contains("belongs to no zone (absent)")), v.toString());
    }
}

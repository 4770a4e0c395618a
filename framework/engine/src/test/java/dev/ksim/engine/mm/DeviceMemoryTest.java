package dev.ksim.engine.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.engine.cost.CostModel;
import dev.ksim.engine.metrics.MetricsRegistry;
import dev.ksim.engine.mm.zone.DeviceKind;
import dev.ksim.engine.mm.zone.Zone;
import dev.ksim.engine.mm.zone.ZoneType;
import dev.ksim.engine.model.ReclaimMode;
import dev.ksim.engine.model.VmSpec;
import dev.ksim.spi.mm.MigrationPolicy;
import dev.ksim.spi.mm.NodeMemory;
import dev.ksim.spi.security.SecurityHardening;
import java.util.List;
import org.junit.jupiter.api.Test;

/** ZONE_DEVICE memory on a node: memremap'd at boot into the driver pool, outside every zonelist and LRU. */
class DeviceMemoryTest {
    static final long RAM = 1024;
    static final long DEV = 512;

    /** Node 0: RAM with CPU 0; node 1: device memory of {@code kind} with CPU 1; lru mode, min_free_kbytes 0. */
    static MmFixture machine(DeviceKind kind, MigrationPolicy policy) {
        MmSettings s = new MmSettings(ReclaimMode.LRU, new VmSpec(0, VmSpec.DEFAULT_WATERMARK_SCALE_FACTOR, VmSpec.DEFAULT_SWAPPINESS, false),
                null, null, new DeviceKind[] {null, kind}, null);
        return new MmFixture(new long[] {RAM, DEV}, new int[2], 100, 0, policy, new SecurityHardening() {
        }, s);
    }

    @Test
    void deviceFramesAreMemremappedIntoTheDriverPoolAtBoot() {
        MmFixture fx = machine(DeviceKind.COHERENT, (f, m) -> 0);
        Zone z = fx.mm.device.zone(1);
        assertEquals(ZoneType.DEVICE, z.type());
        assertEquals(DeviceKind.COHERENT, z.deviceKind());
        assertEquals(DEV, z.presentPages());
        assertEquals(0, z.managedPages(), "ZONE_DEVICE pages are not managed by the buddy");
        assertEquals(DEV, z.deviceFreePages());
        assertEquals(0, fx.mm.node(1).nrFreePages(), "no buddy zone, no free buddy pages");
        assertTrue(fx.mm.node(1).zones().isEmpty());
        assertFalse(fx.mm.zones().contains(z), "never among the buddy zones (zonelists)");
        assertTrue(fx.mm.device.isDeviceFrame((int) RAM));
        assertFalse(fx.mm.device.isDeviceFrame(0));
        fx.metrics.sampleGauges();
        assertEquals(DEV, fx.metrics.finalValues().get("node1.device_pages_free").longValue());
        assertEquals(0L, fx.metrics.finalValues().get("node1.device_pages_used").longValue());
        assertNull(fx.metrics.finalValues().get("node0.device_pages_free"), "RAM nodes have no pool gauges");
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void ordinaryAllocationsNeverLandOnDeviceMemory() {
        // the policy asks for node 1 (the device node) every time: the zonelist of node 1 holds only node 0's zones
        MmFixture fx = machine(DeviceKind.COHERENT, (f, m) -> 1);
        MmStruct p = fx.process("p", 600);
        for (int i = 0; i < 600; i++) {
            fx.mm.access(p, 0, i, 1);
        }
        for (int i = 0; i < 600; i++) {
            assertEquals(0, fx.mm.nodeOf(Pte.frame(p.vma(0).pte(i))), "page " + i);
        }
        assertEquals(600, fx.counter(MmMetrics.NUMA_MISS), "asked for node 1, got node 0");
        assertEquals(DEV, fx.mm.device.zone(1).deviceFreePages());
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void memoryTheCpuCannotAccessIsDevicePrivate() {
        MemoryManager mm = build(new NodeMemory(DEV, 100, 576, false), null);
        assertEquals(DeviceKind.PRIVATE, mm.device.zone(1).deviceKind(), "cpuAccessible=false without a declaration");
        assertEquals(DeviceKind.PRIVATE, build(new NodeMemory(DEV, 100, 576, false), DeviceKind.PRIVATE).device.zone(1).deviceKind());
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class,
                () -> build(new NodeMemory(DEV, 100, 576, false), DeviceKind.COHERENT));
        assertTrue(x.getMessage().contains("node1") && x.getMessage().contains("COHERENT"), x.getMessage());
        assertNull(build(new NodeMemory(DEV, 100, 576, true), null).device.zone(1), "CPU-accessible, undeclared: RAM");
    }

    private static MemoryManager build(NodeMemory node1, DeviceKind declared) {
        MmSettings s = new MmSettings(ReclaimMode.LRU, VmSpec.DEFAULT, null, null, new DeviceKind[] {null, declared}, null);
        return new MemoryManager(new NumaTopology(new int[][] {{10, 21}, {21, 10}}, new int[] {0, 1}),
                new NodeMemory[] {new NodeMemory(RAM, 100, 576, true), node1}, 0, CostModel.defaults(),
                (f, m) -> 0, "p", new SecurityHardening() {
                }, "h", new MetricsRegistry(), s);
    }

    @Test
    void registersDeviceInvariantsOnlyWithDeviceMemory() {
        MmFixture fx = machine(DeviceKind.PRIVATE, (f, m) -> 0);
        fx.invariants.checkAll("end");
        // 8 mm + 3 huge page + 3 page cache + 4 for node 0's ZONE_NORMAL + 4 TLB + 4 for the device zone
        // + device.frames, device.migrate_vma
        assertEquals(8 + 3 + 3 + 4 + 4 + 4 + 2, fx.invariants.report().checked());
        MmFixture ram = MmFixture.lru(new long[] {RAM, DEV}, 0, (f, m) -> 0);
        ram.invariants.checkAll("end");
        assertNotEquals(fx.invariants.report().checked(), ram.invariants.report().checked());
    }

    @Test
    void detectsAPoolFrameWithAReverseMap() {
        MmFixture fx = machine(DeviceKind.COHERENT, (f, m) -> 0);
        fx.process("p", 4);
        fx.mm.frames.rmapVma[(int) RAM + 3] = 0;
        List<String> v = fx.violations();
        assertTrue(v.stream().anyMatch(s -> s.startsWith("device.frames ") && s.contains("driver pool")), v.toString());
    }

    @Test
    void memoryFailureOnDevicePagesIsNotHandledAndChangesNothing() {
        for (DeviceKind kind : DeviceKind.values()) {
            MmFixture fx = machine(kind, (f, m) -> 0);
            MmStruct p = fx.process("p", 4);
            for (int i = 0; i < 4; i++) {
                fx.mm.access(p, 0, i, 0);
            }
            fx.mm.migrateVma(p, 0, 0, 4, 1, 0, 0);
            int mapped = fx.mm.frameBehind(p, 0, 2);
            int pte = p.vma(0).pte(2);
            int pooled = (int) (RAM + DEV - 1);
            assertEquals(MemoryFailure.Result.NOT_HANDLED, fx.mm.memoryFailure(mapped, 0), kind.toString());
            assertEquals(MemoryFailure.Result.NOT_HANDLED, fx.mm.memoryFailure(pooled, 0));
            assertFalse(fx.mm.softOfflinePage(mapped, 0), "soft offline cannot migrate a device page away");
            assertEquals(2, fx.counter(MmMetrics.MEMORY_FAILURE_UNHANDLED));
            assertEquals(0, fx.counter(MmMetrics.MEMORY_FAILURE_RECOVERED) + fx.counter(MmMetrics.MEMORY_FAILURE_FAILED)
                    + fx.counter(MmMetrics.MEMORY_FAILURE_IGNORED));
            assertEquals(1, fx.counter(MmMetrics.SOFT_OFFLINE_FAIL));
            assertEquals(pte, p.vma(0).pte(2), "still mapped as it was");
            assertEquals(mapped, fx.mm.frameBehind(p, 0, 2));
            assertEquals(0, fx.mm.frames.flags[mapped] & PageFlags.PG_HWPOISON, "no PG_hwpoison on a device page");
            assertEquals(DEV - 4, fx.mm.device.zone(1).deviceFreePages(), "the pool is as it was");
            assertEquals(List.of(), fx.violations());
            fx.mm.access(p, 0, 2, 0);
            // the CPU's next touch: a device-private page must be copied back, and the device's copy fails
            assertEquals(kind == DeviceKind.PRIVATE, p.sigbusKilled(), kind.toString());
            assertEquals(List.of(), fx.violations());
        }
    }

    @Test
    void detectsADevicePoolCounterThatDisagreesWithARecount() throws ReflectiveOperationException {
        MmFixture fx = machine(DeviceKind.PRIVATE, (f, m) -> 0);
        java.lang.reflect.Field free = Zone.class.getDeclaredField("deviceFree");
        free.setAccessible(true);
        Zone z = fx.mm.device.zone(1);
        free.setLong(z, z.deviceFreePages() + 1);
        List<String> v = fx.violations();
        assertTrue(v.stream().anyMatch(s -> s.startsWith("zone.nr_free ") && s.contains("device pool counts")), v.toString());
    }
}

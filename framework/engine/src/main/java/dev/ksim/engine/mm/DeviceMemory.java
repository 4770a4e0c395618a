package dev.ksim.engine.mm;

import dev.ksim.engine.invariant.InvariantCheck;
import dev.ksim.engine.invariant.InvariantRegistry;
import dev.ksim.engine.metrics.MetricsRegistry;
import dev.ksim.engine.mm.zone.DeviceKind;
import dev.ksim.engine.mm.zone.Zone;
import dev.ksim.engine.mm.zone.ZoneInvariants;
import java.util.ArrayList;
import java.util.List;

/**
 * Device memory in ZONE_DEVICE (include/linux/memremap.h, mm/memremap.c): a node whose memory is
 * device memory has one device {@link Zone} of a {@link DeviceKind} instead of buddy zones. Its
 * frames have a memmap but are memremap'd into the owning driver's pool ({@code memremap_pages}
 * at boot, or at a simulated time for hot-pluggable device memory — the device initialising):
 * they are never in the buddy allocator, never in a zonelist (no ordinary allocation lands
 * there), never on an LRU, never reclaimed or compacted. Only the driver hands them out.
 *
 * <p>What a node's memory is: the kind its node block declares; a node whose provider says its
 * memory is not CPU-accessible ({@code NodeMemory.cpuAccessible = false}) is DEVICE_PRIVATE memory
 * even without a declaration ({@link #kindOf}); declaring it coherent or public contradicts the
 * provider and is refused.
 *
 * <p>Per device node the gauges {@code node<N>.device_pages_free} and
 * {@code node<N>.device_pages_used} report the driver pool. Invariants ({@code device.*}, see
 * {@link #register}) are registered only on machines that have device memory.
 */
final class DeviceMemory {
    final MemoryManager m;
    /** The device zone of each node, null for a RAM node. */
    final Zone[] zones;
    private final boolean any;

    DeviceMemory(MemoryManager m, Zone[] zones, MetricsRegistry metrics) {
        this.m = m;
        this.zones = zones.clone();
        boolean found = false;
        for (int n = 0; n < zones.length; n++) {
            final Zone z = zones[n];
            if (z == null) {
                continue;
            }
            found = true;
            metrics.gauge(MmMetrics.nodeMetric(n, MmMetrics.DEVICE_PAGES_FREE), z::deviceFreePages);
            metrics.gauge(MmMetrics.nodeMetric(n, MmMetrics.DEVICE_PAGES_USED), z::deviceAllocatedPages);
        }
        this.any = found;
    }

    /** The kind a scenario's word names ({@code private}, {@code coherent}, {@code public}); null for null. */
    static DeviceKind kind(String word) {
        if (word == null) {
            return null;
        }
        switch (word) {
            case "private":
                return DeviceKind.PRIVATE;
            case "coherent":
                return DeviceKind.COHERENT;
            case "public":
                return DeviceKind.PUBLIC;
            default:
                throw new IllegalArgumentException("unknown device memory kind '" + word + "'");
        }
    }

    /**
     * What node memory is, from its declaration ({@code declared}, null = none) and its provider's
     * word: memory the CPU cannot access is DEVICE_PRIVATE; null means ordinary RAM.
     *
     * @throws IllegalArgumentException when a CPU-inaccessible node is declared coherent or public
     */
    static DeviceKind kindOf(DeviceKind declared, boolean cpuAccessible) {
        if (!cpuAccessible && declared != null && declared != DeviceKind.PRIVATE) {
            throw new IllegalArgumentException("memory the CPU cannot access cannot be DEVICE_" + declared);
        }
        return cpuAccessible ? declared : DeviceKind.PRIVATE;
    }

    /** Whether the machine has device memory. */
    boolean any() {
        return any;
    }

    /** The device zone of {@code node}, or null. */
    Zone zone(int node) {
        return zones[node];
    }

    /** Whether frame {@code f} is a ZONE_DEVICE frame (its node's memory is device memory). */
    boolean isDeviceFrame(int f) {
        return zones[m.nodeOf(f)] != null;
    }

    /** Registers the device zones' checks ({@link ZoneInvariants}) and {@code device.frames}, when there is device memory. */
    void register(InvariantRegistry r) {
        if (!any) {
            return;
        }
        List<Zone> list = new ArrayList<>();
        for (Zone z : zones) {
            if (z != null) {
                list.add(z);
            }
        }
        ZoneInvariants.register(list, r);
        r.register(InvariantCheck.of("device.frames", v -> DeviceInvariants.frames(this, v)));
    }
}

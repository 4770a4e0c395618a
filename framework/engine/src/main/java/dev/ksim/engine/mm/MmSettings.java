package dev.ksim.engine.mm;

import dev.ksim.engine.mm.zone.DeviceKind;
import dev.ksim.engine.mm.zone.Watermarks;
import dev.ksim.engine.model.LargePageSpec;
import dev.ksim.engine.model.MachineSpec;
import dev.ksim.engine.model.NodeSpec;
import dev.ksim.engine.model.ReclaimMode;
import dev.ksim.engine.model.VmSpec;
import dev.ksim.engine.model.WatermarkSpec;

/**
 * How a {@link MemoryManager} is set up beyond its nodes: the reclaim mode, the vm tunables
 * ({@link VmSpec}) and per node the pages of its ZONE_MOVABLE part and explicit ZONE_NORMAL
 * watermarks (null entries: computed), per node the ZONE_DEVICE kind of its memory (null entries:
 * RAM; see {@link DeviceMemory}) and the pages at its top that are hot-pluggable, absent at boot
 * ({@link MemoryHotplug}), the huge page and compaction tunables ({@link LargePageSpec}) and per
 * node the huge pages of its hugetlbfs pool. Arrays may be null (no movable parts, computed marks,
 * no device memory, nothing hot-pluggable, no pools).
 *
 * <p>Transparent huge pages: a machine spec ({@link #of(MachineSpec)}) has the kernel's default
 * ({@code always}) unless it says otherwise; settings built without one ({@link #of(ReclaimMode)},
 * the four-argument constructor: code that builds a memory manager directly) have none, so such
 * code keeps the 4 KiB page model unless it asks for THP. strict-lru never has THP (it is the
 * exact-LRU validation mode over 4 KiB pages).
 */
public record MmSettings(ReclaimMode reclaim, VmSpec vm, long[] movablePages, Watermarks[] watermarks,
                         DeviceKind[] deviceKinds, long[] hotplugPages, LargePageSpec largePages, long[] hugepages) {
    public MmSettings {
        if (reclaim == null) {
            reclaim = ReclaimMode.DEFAULT;
        }
        if (vm == null) {
            vm = VmSpec.DEFAULT;
        }
        if (largePages == null) {
            largePages = LargePageSpec.NO_THP;
        }
        if (reclaim == ReclaimMode.STRICT_LRU && largePages.thp() != LargePageSpec.Thp.NEVER) {
            largePages = largePages.withThp(LargePageSpec.Thp.NEVER);
        }
    }

    /** RAM only, present at boot, without THP and hugetlbfs pools. */
    public MmSettings(ReclaimMode reclaim, VmSpec vm, long[] movablePages, Watermarks[] watermarks) {
        this(reclaim, vm, movablePages, watermarks, null, null, LargePageSpec.NO_THP, null);
    }

    /** With device memory and hot-pluggable memory, without THP and hugetlbfs pools. */
    public MmSettings(ReclaimMode reclaim, VmSpec vm, long[] movablePages, Watermarks[] watermarks,
                      DeviceKind[] deviceKinds, long[] hotplugPages) {
        this(reclaim, vm, movablePages, watermarks, deviceKinds, hotplugPages, LargePageSpec.NO_THP, null);
    }

    /** Defaults: {@code reclaim}, kernel tunables, all memory ZONE_NORMAL, no THP. */
    public static MmSettings of(ReclaimMode reclaim) {
        return new MmSettings(reclaim, VmSpec.DEFAULT, null, null);
    }

    /** These settings with huge page tunables {@code spec} and per-node hugetlbfs pools {@code pools} (may be null). */
    public MmSettings withLargePages(LargePageSpec spec, long[] pools) {
        return new MmSettings(reclaim, vm, movablePages, watermarks, deviceKinds, hotplugPages, spec, pools);
    }

    /** The settings a (valid) machine spec describes. */
    public static MmSettings of(MachineSpec machine) {
        int n = machine.nodes().size();
        long[] movable = new long[n];
        Watermarks[] marks = new Watermarks[n];
        DeviceKind[] kinds = new DeviceKind[n];
        long[] hotplug = new long[n];
        for (NodeSpec node : machine.nodes()) {
            movable[node.id()] = node.movableBytes() / MemoryManager.PAGE_SIZE;
            kinds[node.id()] = node.device() == null ? null : DeviceMemory.kind(node.device().kind());
            hotplug[node.id()] = node.hotplugBytes() / MemoryManager.PAGE_SIZE;
            WatermarkSpec w = node.watermarks();
            if (w != null) {
                long h = w.highBytes() / MemoryManager.PAGE_SIZE;
                marks[node.id()] = Watermarks.of(w.minBytes() / MemoryManager.PAGE_SIZE, w.lowBytes() / MemoryManager.PAGE_SIZE, h);
            }
        }
        long[] pools = new long[n];
        for (NodeSpec node : machine.nodes()) {
            pools[node.id()] = node.hugepageCount();
        }
        return new MmSettings(machine.reclaim(), machine.vm(), movable, marks, kinds, hotplug, machine.largePages(), pools);
    }

    /** The ZONE_DEVICE kind of {@code node}'s memory as declared, null for RAM. */
    DeviceKind deviceKind(int node) {
        return deviceKinds == null || node >= deviceKinds.length ? null : deviceKinds[node];
    }

    long hotplug(int node) {
        return hotplugPages == null || node >= hotplugPages.length ? 0 : hotplugPages[node];
    }

    long movable(int node) {
        return movablePages == null || node >= movablePages.length ? 0 : movablePages[node];
    }

    long hugepages(int node) {
        return hugepages == null || node >= hugepages.length ? 0 : hugepages[node];
    }

    Watermarks watermarks(int node) {
        return watermarks == null || node >= watermarks.length ? null : watermarks[node];
    }
}

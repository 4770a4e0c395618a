package dev.ksim.engine.mm;

import dev.ksim.engine.mm.zone.DeviceKind;
import dev.ksim.engine.mm.zone.Watermarks;
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
 * ({@link MemoryHotplug}). Arrays may be null (no movable parts, computed marks, no device
 * memory, nothing hot-pluggable).
 */
public record MmSettings(ReclaimMode reclaim, VmSpec vm, long[] movablePages, Watermarks[] watermarks,
                         DeviceKind[] deviceKinds, long[] hotplugPages) {
    public MmSettings {
        if (reclaim == null) {
            reclaim = ReclaimMode.DEFAULT;
        }
        if (vm == null) {
            vm = VmSpec.DEFAULT;
        }
    }

    /** RAM only, present at boot. */
    public MmSettings(ReclaimMode reclaim, VmSpec vm, long[] movablePages, Watermarks[] watermarks) {
        this(reclaim, vm, movablePages, watermarks, null, null);
    }

    /** Defaults: {@code reclaim}, kernel tunables, all memory ZONE_NORMAL. */
    public static MmSettings of(ReclaimMode reclaim) {
        return new MmSettings(reclaim, VmSpec.DEFAULT, null, null);
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
        return new MmSettings(machine.reclaim(), machine.vm(), movable, marks, kinds, hotplug);
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

    Watermarks watermarks(int node) {
        return watermarks == null || node >= watermarks.length ? null : watermarks[node];
    }
}

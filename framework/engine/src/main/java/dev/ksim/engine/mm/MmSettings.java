package dev.ksim.engine.mm;

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
 * watermarks (null entries: computed), the huge page and compaction tunables
 * ({@link LargePageSpec}) and per node the huge pages of its hugetlbfs pool. Arrays may be null
 * (no movable parts, computed marks, no pools).
 *
 * <p>Transparent huge pages: a machine spec ({@link #of(MachineSpec)}) has the kernel's default
 * ({@code always}) unless it says otherwise; settings built without one ({@link #of(ReclaimMode)},
 * the four-argument constructor: code that builds a memory manager directly) have none, so such
 * code keeps the 4 KiB page model unless it asks for THP. strict-lru never has THP (it is the
 * exact-LRU validation mode over 4 KiB pages).
 */
public record MmSettings(ReclaimMode reclaim, VmSpec vm, long[] movablePages, Watermarks[] watermarks,
                         LargePageSpec largePages, long[] hugepages) {
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

    /** Settings without THP and hugetlbfs pools. */
    public MmSettings(ReclaimMode reclaim, VmSpec vm, long[] movablePages, Watermarks[] watermarks) {
        this(reclaim, vm, movablePages, watermarks, LargePageSpec.NO_THP, null);
    }

    /** Defaults: {@code reclaim}, kernel tunables, all memory ZONE_NORMAL, no THP. */
    public static MmSettings of(ReclaimMode reclaim) {
        return new MmSettings(reclaim, VmSpec.DEFAULT, null, null);
    }

    /** These settings with huge page tunables {@code spec} and per-node hugetlbfs pools {@code pools} (may be null). */
    public MmSettings withLargePages(LargePageSpec spec, long[] pools) {
        return new MmSettings(reclaim, vm, movablePages, watermarks, spec, pools);
    }

    /** The settings a (valid) machine spec describes. */
    public static MmSettings of(MachineSpec machine) {
        int n = machine.nodes().size();
        long[] movable = new long[n];
        Watermarks[] marks = new Watermarks[n];
        for (NodeSpec node : machine.nodes()) {
            movable[node.id()] = node.movableBytes() / MemoryManager.PAGE_SIZE;
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
        return new MmSettings(machine.reclaim(), machine.vm(), movable, marks, machine.largePages(), pools);
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

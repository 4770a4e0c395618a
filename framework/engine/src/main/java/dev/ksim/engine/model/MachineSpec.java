package dev.ksim.engine.model;

import java.util.List;

/**
 * The simulated machine: CPU count, memory nodes (ids 0..n-1 in order), a swap device, how
 * reclaim picks its victims ({@link ReclaimMode}; null is read as {@link ReclaimMode#DEFAULT}) and
 * the memory-management tunables ({@link VmSpec}; null is read as {@link VmSpec#DEFAULT}) and the
 * huge page and compaction tunables ({@link LargePageSpec}; null is read as {@link LargePageSpec#DEFAULT}).
 */
public record MachineSpec(int cpus, List<NodeSpec> nodes, SwapSpec swap, ReclaimMode reclaim, VmSpec vm, SourceRef where,
                          LargePageSpec largePages) {
    public MachineSpec {
        nodes = List.copyOf(nodes);
        if (reclaim == null) {
            reclaim = ReclaimMode.DEFAULT;
        }
        if (vm == null) {
            vm = VmSpec.DEFAULT;
        }
        if (largePages == null) {
            largePages = LargePageSpec.DEFAULT;
        }
    }

    /** A machine with the kernel's huge page and compaction tunables. */
    public MachineSpec(int cpus, List<NodeSpec> nodes, SwapSpec swap, ReclaimMode reclaim, VmSpec vm, SourceRef where) {
        this(cpus, nodes, swap, reclaim, vm, where, LargePageSpec.DEFAULT);
    }

    /** A machine with the kernel's default tunables. */
    public MachineSpec(int cpus, List<NodeSpec> nodes, SwapSpec swap, ReclaimMode reclaim, SourceRef where) {
        this(cpus, nodes, swap, reclaim, VmSpec.DEFAULT, where);
    }

    /** A machine with the default reclaim mode and tunables. */
    public MachineSpec(int cpus, List<NodeSpec> nodes, SwapSpec swap, SourceRef where) {
        this(cpus, nodes, swap, ReclaimMode.DEFAULT, VmSpec.DEFAULT, where);
    }
}

package dev.ksim.engine.model;

import java.util.List;

/**
 * The simulated machine: CPU count, memory nodes (ids 0..n-1 in order), a swap device and how
 * reclaim picks its victims ({@link ReclaimMode}; null is read as {@link ReclaimMode#DEFAULT}).
 */
public record MachineSpec(int cpus, List<NodeSpec> nodes, SwapSpec swap, ReclaimMode reclaim, SourceRef where) {
    public MachineSpec {
        nodes = List.copyOf(nodes);
        if (reclaim == null) {
            reclaim = ReclaimMode.DEFAULT;
        }
    }

    /** A machine with the default reclaim mode. */
    public MachineSpec(int cpus, List<NodeSpec> nodes, SwapSpec swap, SourceRef where) {
        this(cpus, nodes, swap, ReclaimMode.DEFAULT, where);
    }
}

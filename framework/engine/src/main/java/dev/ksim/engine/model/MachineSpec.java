package dev.ksim.engine.model;

import java.util.List;

/** The simulated machine: CPU count, memory nodes (ids 0..n-1 in order) and a swap device. */
public record MachineSpec(int cpus, List<NodeSpec> nodes, SwapSpec swap, SourceRef where) {
    public MachineSpec {
        nodes = List.copyOf(nodes);
    }
}

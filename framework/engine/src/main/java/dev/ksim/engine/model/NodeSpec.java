package dev.ksim.engine.model;

import java.util.List;

/**
 * A memory node: id, memory size, the provider that says what the memory is, the CPUs local to
 * it (possibly none: a memory-only node), and its distances to every node (index = node id;
 * empty = 10 local, 21 remote, the common two-socket ACPI SLIT).
 */
public record NodeSpec(int id, long sizeBytes, PluginRef provider, List<Integer> cpus, List<Integer> distances, SourceRef where) {
    public NodeSpec {
        cpus = List.copyOf(cpus);
        distances = List.copyOf(distances);
    }
}

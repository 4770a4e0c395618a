package dev.ksim.engine.model;

import java.util.List;

/**
 * A memory node: id, memory size, the provider that says what the memory is, the CPUs local to
 * it (possibly none: a memory-only node), and its distances to every node (index = node id;
 * empty = 10 local, 21 remote, the common two-socket ACPI SLIT), how much of its memory is
 * ZONE_MOVABLE ({@code movableBytes}, the top of the node, like {@code movablecore=}; 0 = all
 * ZONE_NORMAL) and optional explicit ZONE_NORMAL watermarks (null = computed), and its hugetlbfs pool
 * of 2 MiB pages ({@code hugepages}, null = none).
 */
public record NodeSpec(int id, long sizeBytes, PluginRef provider, List<Integer> cpus, List<Integer> distances,
                       long movableBytes, WatermarkSpec watermarks, SourceRef where, HugePagesSpec hugepages) {
    public NodeSpec {
        cpus = List.copyOf(cpus);
        distances = List.copyOf(distances);
    }

    /** A node without a hugetlbfs pool. */
    public NodeSpec(int id, long sizeBytes, PluginRef provider, List<Integer> cpus, List<Integer> distances,
                    long movableBytes, WatermarkSpec watermarks, SourceRef where) {
        this(id, sizeBytes, provider, cpus, distances, movableBytes, watermarks, where, null);
    }

    /** Huge pages of the node's hugetlbfs pool (0 = none). */
    public long hugepageCount() {
        return hugepages == null ? 0 : hugepages.count();
    }

    /** A node that is all ZONE_NORMAL with computed watermarks. */
    public NodeSpec(int id, long sizeBytes, PluginRef provider, List<Integer> cpus, List<Integer> distances, SourceRef where) {
        this(id, sizeBytes, provider, cpus, distances, 0, null, where);
    }
}

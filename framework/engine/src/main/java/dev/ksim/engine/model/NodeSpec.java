package dev.ksim.engine.model;

import java.util.List;

/**
 * A memory node: id, memory size, the provider that says what the memory is, the CPUs local to
 * it (possibly none: a memory-only node), and its distances to every node (index = node id;
 * empty = 10 local, 21 remote, the common two-socket ACPI SLIT), how much of its memory is
 * ZONE_MOVABLE ({@code movableBytes}, the top of the node, like {@code movablecore=}; 0 = all
 * ZONE_NORMAL) and optional explicit ZONE_NORMAL watermarks (null = computed); whether its memory is
 * device memory in ZONE_DEVICE ({@code device}, null = ordinary RAM) and how much of it, at the top
 * of the node, is hot-pluggable: absent at boot, added by a timed {@code addMemory}
 * ({@code hotplugBytes}, 0 = none); and its hugetlbfs pool of 2 MiB pages ({@code hugepages}, null = none).
 */
public record NodeSpec(int id, long sizeBytes, PluginRef provider, List<Integer> cpus, List<Integer> distances,
                       long movableBytes, WatermarkSpec watermarks, DeviceSpec device, long hotplugBytes, SourceRef where,
                       HugePagesSpec hugepages) {
    public NodeSpec {
        cpus = List.copyOf(cpus);
        distances = List.copyOf(distances);
    }

    /** RAM present at boot, with an optional ZONE_MOVABLE part and explicit watermarks. */
    public NodeSpec(int id, long sizeBytes, PluginRef provider, List<Integer> cpus, List<Integer> distances,
                    long movableBytes, WatermarkSpec watermarks, SourceRef where) {
        this(id, sizeBytes, provider, cpus, distances, movableBytes, watermarks, null, 0, where, null);
    }

    /** A node with device memory and/or hot-pluggable memory, without a hugetlbfs pool. */
    public NodeSpec(int id, long sizeBytes, PluginRef provider, List<Integer> cpus, List<Integer> distances,
                    long movableBytes, WatermarkSpec watermarks, DeviceSpec device, long hotplugBytes, SourceRef where) {
        this(id, sizeBytes, provider, cpus, distances, movableBytes, watermarks, device, hotplugBytes, where, null);
    }

    /** RAM present at boot with a hugetlbfs pool. */
    public NodeSpec(int id, long sizeBytes, PluginRef provider, List<Integer> cpus, List<Integer> distances,
                    long movableBytes, WatermarkSpec watermarks, SourceRef where, HugePagesSpec hugepages) {
        this(id, sizeBytes, provider, cpus, distances, movableBytes, watermarks, null, 0, where, hugepages);
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

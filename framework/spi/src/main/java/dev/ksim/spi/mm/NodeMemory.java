package dev.ksim.spi.mm;

/**
 * What a provider says a node's memory is.
 *
 * @param frames        number of 4 KiB frames (at least 1)
 * @param loadLatencyNs latency of a load from a CPU local to the node; the engine scales it by the
 *                      NUMA distance for remote CPUs
 * @param tier          abstract distance of the memory tier (smaller is faster; DRAM is 576 in
 *                      Linux' memory-tiers.h)
 * @param cpuAccessible whether CPUs can load from it directly (false for DEVICE_PRIVATE memory)
 */
public record NodeMemory(long frames, long loadLatencyNs, int tier, boolean cpuAccessible) {
    public NodeMemory {
        if (frames < 1) {
            throw new IllegalArgumentException("a node needs at least one frame, got " + frames);
        }
        if (loadLatencyNs < 0) {
            throw new IllegalArgumentException("negative load latency " + loadLatencyNs);
        }
    }
}

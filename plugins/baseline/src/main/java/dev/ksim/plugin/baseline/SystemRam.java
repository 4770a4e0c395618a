package dev.ksim.plugin.baseline;

import dev.ksim.spi.PluginOptions;
import dev.ksim.spi.mm.MemoryProvider;
import dev.ksim.spi.mm.NodeMemory;
import dev.ksim.spi.mm.NodeRequest;
import jakarta.inject.Inject;

/**
 * System RAM: the node gets {@code ceil(size / 4 KiB)} frames, CPU-accessible, with the configured
 * load latency and tier.
 */
public final class SystemRam implements MemoryProvider {
    static final String LATENCY = "latency";
    static final String TIER = "tier";
    static final long PAGE_SIZE = 4096;

    private final long latencyNs;
    private final int tier;

    @Inject
    public SystemRam(PluginOptions options) {
        this.latencyNs = options.getLong(LATENCY);
        long t = options.getLong(TIER);
        if (t < 0 || t > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tier must be a non-negative int, got " + t);
        }
        this.tier = (int) t;
    }

    @Override
    public NodeMemory describe(NodeRequest request) {
        long frames = (request.sizeBytes() + PAGE_SIZE - 1) / PAGE_SIZE;
        return new NodeMemory(frames, latencyNs, tier, true);
    }
}

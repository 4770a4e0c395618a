package dev.ksim.runtime.osgi.bundle;

import dev.ksim.spi.PluginOptions;
import dev.ksim.spi.security.SecurityHardening;
import jakarta.inject.Inject;

/** Packed into a bundle by FelixHostTest; costs {@code cost} ns per allocated page. */
public final class EchoHardening implements SecurityHardening {
    private final long cost;

    @Inject
    public EchoHardening(PluginOptions options) {
        this.cost = options.getLong("cost");
    }

    @Override
    public long onUserPageAllocated(int node, long pfn) {
        return cost;
    }
}

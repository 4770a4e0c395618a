package dev.ksim.runtime.registry;

import dev.ksim.spi.PluginDescriptor;
import java.util.Objects;

/**
 * One plugin of a {@link PluginSnapshot}: its descriptor, the class instantiated per run and where
 * it came from.
 */
public record BoundPlugin(PluginDescriptor descriptor, Class<?> implementation, Provenance provenance) {
    public BoundPlugin {
        Objects.requireNonNull(descriptor, "descriptor");
        Objects.requireNonNull(implementation, "implementation");
        Objects.requireNonNull(provenance, "provenance");
    }
}

package dev.ksim.spi;

import java.util.Objects;

/**
 * Convenience base for a {@link PluginProvider}: a descriptor and an implementation class, fixed
 * at construction. A Declarative Services component needs a public no-argument constructor, so a
 * provider reads:
 *
 * <pre>{@code
 * @Component(service = PluginProvider.class)
 * public final class ZipfProvider extends AbstractPluginProvider {
 *     public ZipfProvider() {
 *         super(PluginDescriptor.builder("zipf", PluginKind.WORKLOAD_GENERATOR)...build(), Zipf.class);
 *     }
 * }
 * }</pre>
 *
 * The implementation class must implement {@code descriptor.kind().contract()}; this is checked
 * here, so a mistake shows when the provider is created rather than in the middle of a run.
 */
public abstract class AbstractPluginProvider implements PluginProvider {
    private final PluginDescriptor descriptor;
    private final Class<?> implementation;

    protected AbstractPluginProvider(PluginDescriptor descriptor, Class<?> implementation) {
        this.descriptor = Objects.requireNonNull(descriptor, "descriptor");
        this.implementation = Objects.requireNonNull(implementation, "implementation");
        if (!descriptor.kind().contract().isAssignableFrom(implementation)) {
            throw new IllegalArgumentException(implementation.getName() + " does not implement "
                    + descriptor.kind().contract().getName() + ", the contract of a " + descriptor.kind().label());
        }
    }

    @Override
    public final PluginDescriptor descriptor() {
        return descriptor;
    }

    @Override
    public final Class<?> implementation() {
        return implementation;
    }
}

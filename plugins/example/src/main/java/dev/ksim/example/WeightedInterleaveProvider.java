package dev.ksim.example;

import dev.ksim.spi.AbstractPluginProvider;
import dev.ksim.spi.OptionType;
import dev.ksim.spi.PluginDescriptor;
import dev.ksim.spi.PluginKind;
import dev.ksim.spi.PluginProvider;
import org.osgi.service.component.annotations.Component;

/**
 * Registers the {@code weighted-interleave} migration policy. Declarative Services publishes this
 * component when the bundle starts; the META-INF/services entry makes it visible on a plain
 * classpath too.
 */
@Component(service = PluginProvider.class)
public final class WeightedInterleaveProvider extends AbstractPluginProvider {
    static final PluginDescriptor DESCRIPTOR = PluginDescriptor.builder("weighted-interleave", PluginKind.MIGRATION_POLICY)
            .version("1.0.0")
            .summary("Interleave pages over nodes in proportion to per-node weights (MPOL_WEIGHTED_INTERLEAVE, Linux 6.9)")
            .option(WeightedInterleave.WEIGHTS, OptionType.STRING, "1",
                    "comma-separated weight per node, e.g. '3,1'; missing nodes weigh 1")
            .build();

    public WeightedInterleaveProvider() {
        super(DESCRIPTOR, WeightedInterleave.class);
    }
}

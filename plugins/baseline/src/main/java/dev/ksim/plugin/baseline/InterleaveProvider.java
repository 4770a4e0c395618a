package dev.ksim.plugin.baseline;

import dev.ksim.spi.AbstractPluginProvider;
import dev.ksim.spi.PluginDescriptor;
import dev.ksim.spi.PluginKind;
import dev.ksim.spi.PluginProvider;
import org.osgi.service.component.annotations.Component;

/** Registers {@link Interleave}, MPOL_INTERLEAVE over a node set. */
@Component(service = PluginProvider.class)
public final class InterleaveProvider extends AbstractPluginProvider {
    static final PluginDescriptor DESCRIPTOR = PluginDescriptor.builder("interleave", PluginKind.MIGRATION_POLICY)
            .version("1.0.0")
            .summary("Spread pages round-robin over a node set by page offset (MPOL_INTERLEAVE)")
            .option(Interleave.NODES, dev.ksim.spi.OptionType.STRING, "all",
                    "nodes to interleave over: 'all' or a list such as '0,2-3'")
            .build();

    public InterleaveProvider() {
        super(DESCRIPTOR, Interleave.class);
    }
}

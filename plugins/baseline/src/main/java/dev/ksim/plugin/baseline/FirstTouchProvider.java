package dev.ksim.plugin.baseline;

import dev.ksim.spi.AbstractPluginProvider;
import dev.ksim.spi.PluginDescriptor;
import dev.ksim.spi.PluginKind;
import dev.ksim.spi.PluginProvider;
import org.osgi.service.component.annotations.Component;

/** Registers {@link FirstTouch}, Linux's default local-allocation policy (MPOL_LOCAL). */
@Component(service = PluginProvider.class)
public final class FirstTouchProvider extends AbstractPluginProvider {
    static final PluginDescriptor DESCRIPTOR = PluginDescriptor.builder("first-touch", PluginKind.MIGRATION_POLICY)
            .version("1.0.0")
            .summary("Allocate on the node of the CPU that first touches the page (MPOL_LOCAL, the kernel default)")
            .build();

    public FirstTouchProvider() {
        super(DESCRIPTOR, FirstTouch.class);
    }
}

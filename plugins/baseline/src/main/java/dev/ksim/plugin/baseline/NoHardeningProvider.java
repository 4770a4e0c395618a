package dev.ksim.plugin.baseline;

import dev.ksim.spi.AbstractPluginProvider;
import dev.ksim.spi.PluginDescriptor;
import dev.ksim.spi.PluginKind;
import dev.ksim.spi.PluginProvider;
import dev.ksim.spi.security.SecurityHardening;
import org.osgi.service.component.annotations.Component;

/** Registers {@code none}: no hardening, every hook costs nothing (the baseline XPFO is compared to). */
@Component(service = PluginProvider.class)
public final class NoHardeningProvider extends AbstractPluginProvider {
    static final PluginDescriptor DESCRIPTOR = PluginDescriptor.builder("none", PluginKind.SECURITY_HARDENING)
            .version("1.0.0")
            .summary("No hardening: user pages stay mapped in the kernel's physmap, no extra cost")
            .build();

    /** The design: SecurityHardening's default hooks, which cost 0 ns. */
    public static final class NoHardening implements SecurityHardening {
    }

    public NoHardeningProvider() {
        super(DESCRIPTOR, NoHardening.class);
    }
}

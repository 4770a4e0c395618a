package dev.ksim.runtime.osgi.bundle;

import dev.ksim.spi.OptionType;
import dev.ksim.spi.PluginDescriptor;
import dev.ksim.spi.PluginKind;
import dev.ksim.spi.PluginProvider;

/** The DS component of the bundle FelixHostTest builds (not listed for ServiceLoader). */
public final class EchoHardeningProvider implements PluginProvider {
    @Override
    public PluginDescriptor descriptor() {
        return PluginDescriptor.builder("echo", PluginKind.SECURITY_HARDENING)
                .version("3.0.0")
                .summary("test hardening from a bundle")
                .option("cost", OptionType.DURATION, 5L, "ns per allocated page")
                .build();
    }

    @Override
    public Class<?> implementation() {
        return EchoHardening.class;
    }
}

package dev.ksim.plugin.baseline;

import dev.ksim.spi.AbstractPluginProvider;
import dev.ksim.spi.OptionType;
import dev.ksim.spi.PluginDescriptor;
import dev.ksim.spi.PluginKind;
import dev.ksim.spi.PluginProvider;
import org.osgi.service.component.annotations.Component;

/** Registers {@link SystemRam}, plain DRAM behind a NUMA node. */
@Component(service = PluginProvider.class)
public final class SystemRamProvider extends AbstractPluginProvider {
    static final PluginDescriptor DESCRIPTOR = PluginDescriptor.builder("system-ram", PluginKind.MEMORY_PROVIDER)
            .version("1.0.0")
            .summary("Ordinary DRAM: CPU-accessible, top tier, buddy-managed")
            // ~80 ns idle load latency of local DDR4/DDR5 on current x86 servers (Intel MLC
            // measurements; e.g. Sapphire Rapids local ~ 80-110 ns).
            .option(SystemRam.LATENCY, OptionType.DURATION, 80L, "load latency from a CPU local to the node")
            // MEMTIER_ADISTANCE_DRAM = 4 * MEMTIER_CHUNK_SIZE (128) = 576 in include/linux/memory-tiers.h
            .option(SystemRam.TIER, OptionType.INTEGER, 576L, "abstract distance of the memory tier (DRAM = 576)")
            .build();

    public SystemRamProvider() {
        super(DESCRIPTOR, SystemRam.class);
    }
}

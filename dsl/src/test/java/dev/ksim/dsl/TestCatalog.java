package dev.ksim.dsl;

import dev.ksim.engine.model.PluginCatalog;
import dev.ksim.spi.OptionType;
import dev.ksim.spi.PluginDescriptor;
import dev.ksim.spi.PluginKind;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** A fixed catalog of fake descriptors, enough to load scenarios in tests. */
final class TestCatalog implements PluginCatalog {
    private final List<PluginDescriptor> all = new ArrayList<>();

    TestCatalog() {
        this(true);
    }

    TestCatalog(boolean withDefaults) {
        if (withDefaults) {
            all.add(PluginDescriptor.builder("system-ram", PluginKind.MEMORY_PROVIDER)
                    .option("latency", OptionType.DURATION, 80L, "access latency").build());
            all.add(PluginDescriptor.builder("first-touch", PluginKind.MIGRATION_POLICY).build());
            all.add(PluginDescriptor.builder("none", PluginKind.SECURITY_HARDENING).build());
        }
        all.add(PluginDescriptor.builder("device-ram", PluginKind.MEMORY_PROVIDER)
                .option("capacity", OptionType.SIZE, 1L << 30, "device capacity")
                .option("bandwidth", OptionType.BANDWIDTH, 32_000_000_000L, "link bandwidth")
                .option("coherent", OptionType.BOOLEAN, true, "cache coherent")
                .choice("mode", "cdm", List.of("cdm", "zone-device"), "how the kernel sees it").build());
        all.add(PluginDescriptor.builder("interleave", PluginKind.MIGRATION_POLICY).build());
        all.add(PluginDescriptor.builder("zipf", PluginKind.WORKLOAD_GENERATOR)
                .option("theta", OptionType.NUMBER, 0.99, "skew").build());
        all.add(PluginDescriptor.builder("sequential", PluginKind.WORKLOAD_GENERATOR)
                .option("stride", OptionType.INTEGER, 4096L, "bytes between accesses").build());
        all.add(PluginDescriptor.builder("uniform", PluginKind.WORKLOAD_GENERATOR).build());
        all.add(PluginDescriptor.builder("bus1", PluginKind.IPC_TRANSPORT).build());
        all.add(PluginDescriptor.builder("quota-n1", PluginKind.IPC_ACCOUNTING_POLICY).build());
        all.add(PluginDescriptor.builder("no-quota", PluginKind.IPC_ACCOUNTING_POLICY).build());
    }

    @Override
    public Optional<PluginDescriptor> find(PluginKind kind, String id) {
        return all.stream().filter(d -> d.kind() == kind && d.id().equals(id)).findFirst();
    }

    @Override
    public List<PluginDescriptor> all(PluginKind kind) {
        return all.stream().filter(d -> d.kind() == kind).sorted(Comparator.comparing(PluginDescriptor::id)).toList();
    }
}

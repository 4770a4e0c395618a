package dev.ksim.spi;

import dev.ksim.spi.ipc.IpcAccountingPolicy;
import dev.ksim.spi.ipc.IpcTransport;
import dev.ksim.spi.mm.MemoryProvider;
import dev.ksim.spi.mm.MigrationPolicy;
import dev.ksim.spi.security.SecurityHardening;
import dev.ksim.spi.workload.WorkloadGenerator;

/**
 * The kinds of design a scenario can choose. Each kind names the interface its implementations
 * must implement ({@link #contract()}) and the word users see in messages ({@link #label()}).
 */
public enum PluginKind {
    MEMORY_PROVIDER("memory provider", MemoryProvider.class),
    MIGRATION_POLICY("migration policy", MigrationPolicy.class),
    SECURITY_HARDENING("security hardening", SecurityHardening.class),
    IPC_TRANSPORT("IPC transport", IpcTransport.class),
    IPC_ACCOUNTING_POLICY("IPC accounting policy", IpcAccountingPolicy.class),
    WORKLOAD_GENERATOR("workload generator", WorkloadGenerator.class);

    private final String label;
    private final Class<?> contract;

    PluginKind(String label, Class<?> contract) {
        this.label = label;
        this.contract = contract;
    }

    /** Human-readable name, as used in diagnostics: "unknown migration policy 'x'". */
    public String label() {
        return label;
    }

    /** The interface every implementation of this kind implements. */
    public Class<?> contract() {
        return contract;
    }

    /** Lower-case, dash-separated form used in JSON and on the command line: {@code migration-policy}. */
    public String key() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}

package dev.ksim.scenarios.testplugins;

import dev.ksim.spi.OptionType;
import dev.ksim.spi.PluginDescriptor;
import dev.ksim.spi.PluginKind;
import dev.ksim.spi.PluginOptions;
import dev.ksim.spi.PluginProvider;
import dev.ksim.spi.mm.FaultContext;
import dev.ksim.spi.mm.MemoryView;
import dev.ksim.spi.mm.MigrationPolicy;
import jakarta.inject.Inject;

/** A migration policy that throws at its N-th fault: for testing that a crash is contained and named. */
public final class CrashingPolicyProvider implements PluginProvider {
    @Override
    public PluginDescriptor descriptor() {
        return PluginDescriptor.builder("crash-test", PluginKind.MIGRATION_POLICY)
                .summary("Test policy that throws at its n-th fault")
                .option("after", OptionType.INTEGER, 100L, "faults placed before it throws")
                .build();
    }

    @Override
    public Class<?> implementation() {
        return CrashingPolicy.class;
    }

    /** Places locally, then throws. */
    public static final class CrashingPolicy implements MigrationPolicy {
        private final long after;
        private long faults;

        @Inject
        public CrashingPolicy(PluginOptions options) {
            this.after = options.getLong("after");
        }

        @Override
        public int placeFault(FaultContext fault, MemoryView memory) {
            if (++faults > after) {
                throw new IllegalStateException("deliberate crash at fault " + faults);
            }
            return fault.cpuNode();
        }
    }
}

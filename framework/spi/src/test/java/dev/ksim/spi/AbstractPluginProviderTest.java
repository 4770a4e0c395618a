package dev.ksim.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.spi.mm.FaultContext;
import dev.ksim.spi.mm.MemoryView;
import dev.ksim.spi.mm.MigrationPolicy;
import org.junit.jupiter.api.Test;

class AbstractPluginProviderTest {
    static final PluginDescriptor LOCAL = PluginDescriptor.builder("local", PluginKind.MIGRATION_POLICY).build();

    public static final class Local implements MigrationPolicy {
        @Override
        public int placeFault(FaultContext fault, MemoryView memory) {
            return fault.cpuNode();
        }
    }

    static final class LocalProvider extends AbstractPluginProvider {
        LocalProvider() {
            super(LOCAL, Local.class);
        }
    }

    @Test
    void carriesDescriptorAndImplementation() {
        LocalProvider p = new LocalProvider();
        assertSame(LOCAL, p.descriptor());
        assertEquals(Local.class, p.implementation());
    }

    @Test
    void rejectsAClassThatDoesNotImplementTheKindsContract() {
        PluginDescriptor workload = PluginDescriptor.builder("walk", PluginKind.WORKLOAD_GENERATOR).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new AbstractPluginProvider(workload, Local.class) { });
        assertTrue(e.getMessage().contains("dev.ksim.spi.workload.WorkloadGenerator"), e.getMessage());
        assertTrue(e.getMessage().contains("workload generator"), e.getMessage());
    }
}

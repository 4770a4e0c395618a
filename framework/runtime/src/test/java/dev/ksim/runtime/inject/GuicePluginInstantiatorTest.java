package dev.ksim.runtime.inject;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.engine.model.PluginRef;
import dev.ksim.engine.run.PluginCrashException;
import dev.ksim.runtime.inject.fixtures.TestRunServices;
import dev.ksim.runtime.inject.fixtures.WalkWorkload;
import dev.ksim.runtime.registry.ClasspathPluginRegistry;
import dev.ksim.runtime.registry.PluginSnapshot;
import dev.ksim.runtime.registry.Provenance;
import dev.ksim.spi.PluginKind;
import dev.ksim.spi.PluginOptions;
import dev.ksim.spi.mm.MigrationPolicy;
import dev.ksim.spi.security.SecurityHardening;
import dev.ksim.spi.workload.AccessRange;
import dev.ksim.spi.workload.WorkloadGenerator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GuicePluginInstantiatorTest {
    private final PluginSnapshot snapshot = new ClasspathPluginRegistry().snapshot();
    private final GuicePluginInstantiator plugins =
            new GuicePluginInstantiator(snapshot, GuiceSupport.createHostInjector());

    private static PluginRef ref(PluginKind kind, String id, Map<String, Object> options) {
        return new PluginRef(kind, id, options, null);
    }

    private WalkWorkload walk(TestRunServices run, Map<String, Object> options, String component) {
        WorkloadGenerator g = plugins.instantiate(ref(PluginKind.WORKLOAD_GENERATOR, "walk", options),
                WorkloadGenerator.class, run, component, Map.of(AccessRange.class, new AccessRange(8, 0, 1)));
        return (WalkWorkload) g;
    }

    @Test
    void bytecodeGenerationIsDisabled() {
        assertEquals("DISABLED", System.getProperty(GuiceSupport.BYTECODE_GEN_PROPERTY));
    }

    @Test
    void optionsAreDefaultsOverlaidWithTheScenarioValues() {
        WalkWorkload w = walk(new TestRunServices(1), Map.of("stride", 3L, "mode", "sequential"), "p0.t0");
        PluginOptions o = w.options;
        assertEquals(3L, o.getLong("stride"));
        assertEquals(0.5, o.getDouble("skew"));
        assertEquals(false, o.getBoolean("warm"));
        assertEquals(4096L, o.getLong("span"));
        assertEquals("sequential", o.getString("mode"));
        assertEquals(List.of("stride", "skew", "warm", "span", "mode"), List.copyOf(o.asMap().keySet()));
        assertEquals(List.of(0L, 3L, 6L, 1L), List.of(w.nextPage(), w.nextPage(), w.nextPage(), w.nextPage()));
        assertEquals(new AccessRange(8, 0, 1), w.range);
        assertEquals(42L, w.clock.nowNs());
    }

    @Test
    void gettersRejectUndeclaredNamesAndWrongTypes() {
        PluginOptions o = walk(new TestRunServices(1), Map.of(), "c").options;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> o.getLong("nope"));
        assertTrue(e.getMessage().contains("nope"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> o.getString("stride"));
        assertThrows(IllegalArgumentException.class, () -> o.getLong("mode"));
        assertThrows(IllegalArgumentException.class, () -> o.getBoolean("skew"));
        assertEquals(1.0, o.getDouble("stride"));
    }

    @Test
    void everyCallGivesAFreshInstanceAndTheComponentsOwnStream() {
        TestRunServices run = new TestRunServices(7);
        WalkWorkload a = walk(run, Map.of(), "p0.t0");
        WalkWorkload b = walk(run, Map.of(), "p0.t0");
        assertNotSame(a, b);
        assertNotSame(a.options, b.options);
        assertEquals(a.random.nextLong(), b.random.nextLong(), "same component, same stream seed");
        WalkWorkload c = walk(run, Map.of(), "p0.t1");
        assertTrue(c.random.nextLong() != walk(run, Map.of(), "p0.t0").random.nextLong());
        assertSame(run.clock(), a.clock);
    }

    @Test
    void aConstructorThatThrowsIsAPluginCrashNamingThePlugin() {
        PluginCrashException e = assertThrows(PluginCrashException.class, () -> plugins.instantiate(
                ref(PluginKind.SECURITY_HARDENING, "exploding", Map.of()), SecurityHardening.class,
                new TestRunServices(1), "hardening", Map.of()));
        assertEquals(PluginKind.SECURITY_HARDENING, e.kind());
        assertEquals("exploding", e.pluginId());
        assertTrue(e.getMessage().contains("security hardening 'exploding'"), e.getMessage());
        assertTrue(e.getMessage().contains("boom: physmap unavailable"), e.getMessage());
        assertTrue(e.getCause() instanceof IllegalStateException, String.valueOf(e.getCause()));
    }

    @Test
    void anUnsatisfiableConstructorIsAPluginCrash() {
        PluginCrashException e = assertThrows(PluginCrashException.class, () -> plugins.instantiate(
                ref(PluginKind.SECURITY_HARDENING, "needy", Map.of()), SecurityHardening.class,
                new TestRunServices(1), "hardening", Map.of()));
        assertEquals("needy", e.pluginId());
        assertTrue(e.getMessage().contains("Unbound"), e.getMessage());
    }

    @Test
    void aClassNotImplementingItsKindsContractIsAPluginError() {
        PluginCrashException e = assertThrows(PluginCrashException.class, () -> plugins.instantiate(
                ref(PluginKind.MIGRATION_POLICY, "misfit", Map.of()), MigrationPolicy.class,
                new TestRunServices(1), "policy", Map.of()));
        assertEquals("misfit", e.pluginId());
        assertTrue(e.getMessage().contains("does not implement " + MigrationPolicy.class.getName()), e.getMessage());
    }

    @Test
    void aPluginNotInTheSnapshotIsAnEngineError() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> plugins.instantiate(
                ref(PluginKind.WORKLOAD_GENERATOR, "zipf", Map.of()), WorkloadGenerator.class,
                new TestRunServices(1), "c", Map.of()));
        assertEquals("plugin workload-generator 'zipf' is not bound in this run's snapshot", e.getMessage());
    }

    @Test
    void recordsWhichPluginsEachRunBound() {
        TestRunServices run1 = new TestRunServices(1);
        TestRunServices run2 = new TestRunServices(2);
        walk(run1, Map.of(), "c");
        assertThrows(PluginCrashException.class, () -> plugins.instantiate(
                ref(PluginKind.SECURITY_HARDENING, "exploding", Map.of()), SecurityHardening.class, run2, "h", Map.of()));
        List<Provenance> bound1 = plugins.boundProvenance(run1);
        assertEquals(1, bound1.size());
        assertEquals("walk", bound1.get(0).id());
        assertEquals("workload-generator", bound1.get(0).kind());
        assertEquals("1.2.0", bound1.get(0).version());
        assertEquals("classpath", bound1.get(0).bundle());
        assertEquals(List.of(), plugins.boundProvenance(run2), "a crashed plugin was not bound");
        assertEquals(bound1, plugins.boundProvenance());
    }
}

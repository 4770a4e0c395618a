package dev.ksim.engine.run;

import static dev.ksim.engine.testing.ScenarioBuilder.at;
import static dev.ksim.engine.testing.ScenarioBuilder.ref;
import static dev.ksim.engine.testing.ScenarioBuilder.thread;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ksim.engine.model.DeviceSpec;
import dev.ksim.engine.model.NodeSpec;
import dev.ksim.engine.model.ReclaimMode;
import dev.ksim.engine.model.ScenarioException;
import dev.ksim.engine.model.ScenarioModel;
import dev.ksim.engine.model.VmSpec;
import dev.ksim.engine.results.RunResult;
import dev.ksim.engine.testing.ScenarioBuilder;
import dev.ksim.engine.testing.TestPlugins;
import dev.ksim.spi.PluginKind;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Device memory and hotplug through whole runs: what the provider says, timed events, metrics. */
class DeviceScenarioTest {
    static final TestPlugins PLUGINS = new TestPlugins();
    static final long MS = 1_000_000;

    /** Node 0: 1024 frames of RAM with CPU 0; node 1: {@code device} memory of 512 frames (provider options {@code opts}). */
    static ScenarioBuilder machine(DeviceSpec device, Map<String, Object> opts) {
        return new ScenarioBuilder().cpus(2)
                .node(1024, List.of(0))
                .node(new NodeSpec(1, 512 * ScenarioBuilder.PAGE, ref(PluginKind.MEMORY_PROVIDER, "ram", opts), List.of(1), List.of(),
                        0, null, device, 0, at(11)))
                .reclaim(ReclaimMode.LRU, new VmSpec(0, VmSpec.DEFAULT_WATERMARK_SCALE_FACTOR, VmSpec.DEFAULT_SWAPPINESS, false))
                .process("app", 64, thread("t0", 0, "sequential", Map.of(), 256))
                .duration(10 * MS);
    }

    @Test
    void aDeviceNodeReportsItsPoolAndNothingLandsThere() {
        RunResult r = Simulation.run(machine(new DeviceSpec("coherent", at(12)), Map.of()).build(), 1, PLUGINS, RunOptions.DEFAULT);
        assertNull(r.error());
        assertEquals(List.of(), r.invariants().violations());
        assertEquals(512L, r.metrics().get("node1.device_pages_free").longValue());
        assertEquals(0L, r.metrics().get("node1.device_pages_used").longValue());
        assertEquals(0L, r.metrics().get("node1.nr_free_pages").longValue());
        assertEquals(64L, r.metrics().get("pgalloc").longValue());
    }

    @Test
    void aProviderOfCpuInaccessibleMemoryContradictsACoherentDeclaration() {
        ScenarioModel m = machine(new DeviceSpec("coherent", at(12)), Map.of("cpuAccessible", false)).build();
        ScenarioException e = assertThrows(ScenarioException.class, () -> Simulation.run(m, 1, PLUGINS, RunOptions.DEFAULT));
        assertEquals(List.of("test.ksim.groovy:12: node1 declares device 'coherent', but its provider 'ram' says the CPU cannot"
                + " access its memory (NodeMemory.cpuAccessible = false), which makes it DEVICE_PRIVATE memory; write device"
                + " 'private' or use a provider of CPU-accessible memory"), e.diagnostics().stream().map(Object::toString).toList());
        // undeclared or declared private: DEVICE_PRIVATE memory, a pool like any device node's
        RunResult r = Simulation.run(machine(null, Map.of("cpuAccessible", false)).build(), 1, PLUGINS, RunOptions.DEFAULT);
        assertEquals(512L, r.metrics().get("node1.device_pages_free").longValue());
    }
}

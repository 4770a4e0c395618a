package dev.ksim.engine.run;

import static dev.ksim.engine.testing.ScenarioBuilder.at;
import static dev.ksim.engine.testing.ScenarioBuilder.ref;
import static dev.ksim.engine.testing.ScenarioBuilder.thread;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.engine.mm.MmMetrics;
import dev.ksim.engine.model.DeviceSpec;
import dev.ksim.engine.model.EventSpec;
import dev.ksim.engine.model.EventSpec.Action;
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

    static long metric(RunResult r, String name) {
        Number n = r.metrics().get(name);
        if (n == null) {
            throw new AssertionError("no metric " + name + " in " + r.metrics().keySet());
        }
        return n.longValue();
    }

    static EventSpec migrateVma(long atNs, long from, long pages, int skipEvery) {
        return new EventSpec(atNs, Action.MIGRATE_VMA, "app", "heap", from, pages, 1, null, skipEvery, at(70));
    }

    @Test
    void migrateVmaRacesWithTheRunningThreadAndEvictionBringsEverythingBack() {
        // the thread sweeps its 64 pages sequentially, one reference every ~100 ns: at 2 us it has
        // touched about 20 of them; migrate_vma of all 64 collects the rest as empty pages, and the
        // thread faults some of those in during the call's ~60 us: the CPU wins those races
        ScenarioModel m = new ScenarioBuilder().cpus(2)
                .node(1024, List.of(0))
                .node(new NodeSpec(1, 512 * ScenarioBuilder.PAGE, ref(PluginKind.MEMORY_PROVIDER, "ram", Map.of()), List.of(1),
                        List.of(), 0, null, new DeviceSpec("private", at(12)), 0, at(11)))
                .reclaim(ReclaimMode.LRU, new VmSpec(0, VmSpec.DEFAULT_WATERMARK_SCALE_FACTOR, VmSpec.DEFAULT_SWAPPINESS, false))
                .process("app", 64, thread("t0", 0, "sequential", Map.of(), 2000))
                .duration(10 * MS).build()
                .withEvents(List.of(migrateVma(2_000, 0, 64, 0),
                        new EventSpec(5 * MS, Action.EVICT, null, null, 0, 0, 1, at(71))));
        RunResult r = Simulation.run(m, 1, PLUGINS, new RunOptions(50));
        assertNull(r.error());
        assertEquals(List.of(), r.invariants().violations(), "checked every 50 events, across the call's window");
        long collected = metric(r, MmMetrics.MIGRATE_VMA_COLLECTED);
        long raced = metric(r, MmMetrics.MIGRATE_VMA_RACED);
        long migrated = metric(r, MmMetrics.MIGRATE_VMA_MIGRATED);
        assertEquals(64, collected, "resident pages unmapped, the others empty");
        assertTrue(raced > 0 && raced < 64, "the thread populated some empty pages first: " + raced);
        assertEquals(collected, raced + migrated);
        assertTrue(metric(r, MmMetrics.MIGRATE_TO_RAM) > 0, "the sweep comes back to device-private pages: migrate_to_ram");
        assertEquals(0, metric(r, "node1.device_pages_used"), "the eviction at 5 ms took the rest back");
        assertEquals(migrated, metric(r, MmMetrics.MIGRATE_TO_RAM) + metric(r, MmMetrics.DEVICE_EVICTED));
        assertEquals(1, r.histograms().get(MmMetrics.MIGRATE_VMA_LATENCY).count() - 1, "one call, one eviction");
    }

    @Test
    void theSameRunIsTheSameEveryTime() {
        ScenarioModel m = machine(new DeviceSpec("coherent", at(12)), Map.of()).build()
                .withEvents(List.of(migrateVma(1_000, 0, 64, 3)));
        RunResult a = Simulation.run(m, 7, PLUGINS, RunOptions.DEFAULT);
        RunResult b = Simulation.run(m, 7, PLUGINS, RunOptions.DEFAULT);
        assertEquals(a.metrics(), b.metrics());
        assertTrue(metric(a, MmMetrics.MIGRATE_VMA_SKIPPED) > 0);
        assertEquals(List.of(), a.invariants().violations());
    }

    @Test
    void memoryHotAddedAtATimeTakesAllocationsAndOffliningFailsOnAPinnedPage() {
        // node 1 (CPU 1) has 512 frames, all hot-pluggable; the thread on CPU 1 prefers it (first-touch), but its
        // 100 references are over long before the hot-add at 1 ms; then a driver pins pages 200..207 of it
        ScenarioModel m = new ScenarioBuilder().cpus(2)
                .node(1024, List.of(0))
                .node(new NodeSpec(1, 512 * ScenarioBuilder.PAGE, ref(PluginKind.MEMORY_PROVIDER, "ram", Map.of()), List.of(1),
                        List.of(), 0, null, null, 512 * ScenarioBuilder.PAGE, at(11)))
                .reclaim(ReclaimMode.LRU, new VmSpec(0, VmSpec.DEFAULT_WATERMARK_SCALE_FACTOR, VmSpec.DEFAULT_SWAPPINESS, false))
                .process("app", 256, thread("t0", 1, "sequential", Map.of(), 100))
                .duration(10 * MS).build()
                .withEvents(List.of(
                        new EventSpec(MS, Action.ADD_MEMORY, null, null, 0, 0, 1, "movable", 0, at(70)),
                        new EventSpec(MS, Action.PIN, "app", "heap", 200, 8, -1, at(71)), // faulted in by GUP on node 1
                        new EventSpec(2 * MS, Action.OFFLINE_MEMORY, null, null, 0, 0, 1, at(72)),
                        new EventSpec(3 * MS, Action.UNPIN, "app", "heap", 0, EventSpec.WHOLE_MAPPING, -1, at(73)),
                        new EventSpec(4 * MS, Action.OFFLINE_MEMORY, null, null, 0, 0, 1, at(74))));
        RunResult r = Simulation.run(m, 1, PLUGINS, new RunOptions(200));
        assertNull(r.error());
        assertEquals(List.of(), r.invariants().violations());
        assertEquals(512, metric(r, MmMetrics.MEMORY_ONLINE_PAGES));
        assertEquals(1, metric(r, MmMetrics.MEMORY_OFFLINE_FAIL), "page 200 was pinned on node 1 at 2 ms");
        assertEquals(1, metric(r, MmMetrics.MEMORY_OFFLINE_SUCCESS));
        assertEquals(512, metric(r, MmMetrics.MEMORY_OFFLINE_PAGES));
        long migrated = metric(r, MmMetrics.MEMORY_OFFLINE_MIGRATED);
        assertEquals(8, migrated, "the pages faulted in after the hot-add moved to node 0");
        assertEquals(0, metric(r, "node1.managed_pages"));
        assertEquals(0, metric(r, "node1.nr_free_pages"));
        assertTrue(metric(r, "numa_miss") > 0, "before the hot-add node 1 had no memory: allocations went to node 0");
    }
}

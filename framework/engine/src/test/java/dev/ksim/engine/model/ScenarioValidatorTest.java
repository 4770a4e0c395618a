package dev.ksim.engine.model;

import static dev.ksim.engine.testing.ScenarioBuilder.at;
import static dev.ksim.engine.testing.ScenarioBuilder.ref;
import static dev.ksim.engine.testing.ScenarioBuilder.thread;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.engine.testing.ScenarioBuilder;
import dev.ksim.spi.PluginKind;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScenarioValidatorTest {

    private static ScenarioBuilder valid() {
        return new ScenarioBuilder().cpus(2).node(16, List.of(0)).node(16, List.of(1))
                .process("p", 4, thread("t", 1, "sequential", Map.of(), 10));
    }

    private static List<String> messages(ScenarioModel m) {
        return ScenarioValidator.validate(m).stream().map(Diagnostic::toString).toList();
    }

    private static void assertReports(ScenarioModel m, String expected) {
        List<String> got = messages(m);
        assertTrue(got.contains(expected), "expected <" + expected + "> in " + got);
    }

    @Test
    void aValidModelHasNoDiagnostics() {
        assertEquals(List.of(), messages(valid().expect("pgfault", dev.ksim.engine.model.ExpectationSpec.Op.LT, 5)
                .expect("node1.nr_free_pages", dev.ksim.engine.model.ExpectationSpec.Op.GT, 0)
                .expect("fault_latency.p99", dev.ksim.engine.model.ExpectationSpec.Op.LT, 1e6)
                .expect("sequential.steps", dev.ksim.engine.model.ExpectationSpec.Op.GT, 0).build()));
    }

    @Test
    void aNodeTooSmallForTheKernelReserveIsLocated() {
        ScenarioModel m = valid().reclaim(ReclaimMode.LRU, VmSpec.DEFAULT).build();
        assertReports(m, "test.ksim.groovy:10: node0 is too small for reclaim 'lru': its ZONE_NORMAL has 16 pages but"
                + " min_free_kbytes 128 puts its high watermark at 24 pages; lower minFreeKbytes in machine {} (e.g."
                + " minFreeKbytes 0), give the node explicit watermarks, or use reclaim 'strict-lru'");
        assertEquals(List.of(), messages(valid().reclaim(ReclaimMode.LRU, new VmSpec(0, 10, 60, false)).build()));
    }

    @Test
    void explicitWatermarksOutOfOrderAreLocated() {
        NodeSpec n = new NodeSpec(0, 64 << 20, ref(PluginKind.MEMORY_PROVIDER, "system-ram", Map.of()), List.of(0), List.of(),
                0, new WatermarkSpec(2 << 20, 1 << 20, 3 << 20, at(12)), at(11));
        assertReports(new ScenarioBuilder().node(n).process("p", 4, thread("t", 0, "sequential", Map.of(), 1)).build(),
                "test.ksim.groovy:12: node0 watermarks must satisfy 0 <= min < low < high in 4 KiB pages, got min 512, low 256, high 768 pages");
        NodeSpec big = new NodeSpec(0, 1 << 20, ref(PluginKind.MEMORY_PROVIDER, "system-ram", Map.of()), List.of(0), List.of(),
                2 << 20, null, at(11));
        assertReports(new ScenarioBuilder().node(big).process("p", 4, thread("t", 0, "sequential", Map.of(), 1)).build(),
                "test.ksim.groovy:11: node0 movable must be between 0 and the node's memory (1048576 bytes), got 2097152 bytes");
    }

    @Test
    void vmTunablesOutOfRange() {
        assertReports(valid().reclaim(ReclaimMode.STRICT_LRU, new VmSpec(-5, 0, 201, false)).build(),
                "test.ksim.groovy:9: minFreeKbytes must be >= 0, got -5");
        assertReports(valid().reclaim(ReclaimMode.STRICT_LRU, new VmSpec(-5, 0, 201, false)).build(),
                "test.ksim.groovy:9: watermarkScaleFactor must be in 1..3000 (as vm.watermark_scale_factor), got 0");
        assertReports(valid().reclaim(ReclaimMode.STRICT_LRU, new VmSpec(-5, 0, 201, false)).build(),
                "test.ksim.groovy:9: swappiness must be in 0..200 (as vm.swappiness), got 201");
    }

    @Test
    void unknownMetricSuggestsTheClosest() {
        assertReports(valid().expect("pgfalt", dev.ksim.engine.model.ExpectationSpec.Op.LT, 5).build(),
                "test.ksim.groovy:50: unknown metric 'pgfalt'; did you mean 'pgfault'?");
        assertReports(valid().expect("node7.nr_free_pages", dev.ksim.engine.model.ExpectationSpec.Op.LT, 5).build(),
                "test.ksim.groovy:50: unknown metric 'node7.nr_free_pages'; did you mean 'node0.nr_free_pages'?");
    }

    @Test
    void unknownMappingSuggestsTheClosest() {
        ProcessSpec p = new ProcessSpec("db", List.of(new MappingSpec("heap", 4096, at(30))),
                List.of(new ThreadSpec("w", 0, "haep", ref(PluginKind.WORKLOAD_GENERATOR, "sequential", Map.of()), 1, at(33))), at(29));
        assertReports(new ScenarioBuilder().node(4, List.of(0)).process(p).build(),
                "test.ksim.groovy:33: thread 'w' touches unknown mapping 'haep' of process 'db'; did you mean 'heap'?");
    }

    @Test
    void threadOnAMissingCpu() {
        assertReports(new ScenarioBuilder().cpus(2).node(4, List.of(0, 1)).process("p", 4, thread("t", 2, "sequential", Map.of(), 1)).build(),
                "test.ksim.groovy:31: thread 't' runs on CPU 2, but the machine has CPUs 0..1");
    }

    @Test
    void machineShape() {
        assertReports(new ScenarioBuilder().cpus(0).node(4, List.of()).build(),
                "test.ksim.groovy:9: a machine needs at least 1 CPU, got 0");
        assertReports(new ScenarioBuilder().cpus(2).node(4, List.of(0, 1)).node(4, List.of(1)).build(),
                "test.ksim.groovy:11: CPU 1 belongs to node0 and node1; a CPU belongs to at most one node");
        assertReports(new ScenarioBuilder().cpus(2).node(4, List.of(5)).build(),
                "test.ksim.groovy:10: node0 lists CPU 5, but the machine has CPUs 0..1");
        assertReports(new ScenarioBuilder().node(new NodeSpec(1, 4096, ref(PluginKind.MEMORY_PROVIDER, "ram", Map.of()),
                        List.of(0), List.of(), at(12))).build(),
                "test.ksim.groovy:12: node ids must be 0..0 in order; node number 1 has id 1, expected 0");
        assertReports(new ScenarioBuilder().cpus(2).node(4, List.of(0), List.of(10, 21, 31)).node(4, List.of(1)).build(),
                "test.ksim.groovy:10: node0 distances has 3 entries; expected one per node (2)");
        assertReports(new ScenarioBuilder().node(0, List.of(0)).build(),
                "test.ksim.groovy:10: node0 size must be > 0, got 0 bytes");
    }

    @Test
    void mappingSizesAndDurations() {
        ProcessSpec p = new ProcessSpec("p", List.of(new MappingSpec("heap", 0, at(30))), List.of(), at(29));
        ScenarioModel m = new ScenarioBuilder().node(4, List.of(0)).process(p).duration(0).sampleInterval(-1).build();
        assertReports(m, "test.ksim.groovy:30: mapping 'heap' size must be > 0, got 0 bytes");
        assertReports(m, "test.ksim.groovy: duration must be > 0, got 0 ns");
        assertReports(m, "test.ksim.groovy: sample interval must be > 0, got -1 ns");
    }

    @Test
    void unknownCostKeySuggestsTheClosest() {
        assertReports(valid().cost("fault.minor.anno", 5).build(),
                "test.ksim.groovy: unknown cost 'fault.minor.anno'; did you mean 'fault.minor.anon'?");
    }

    @Test
    void ipcCostsAreRejectedInAMemoryScenario() {
        assertReports(valid().cost("ipc.send", 5).build(),
                "test.ksim.groovy: cost 'ipc.send' applies to ipc {} scenarios; this one has none");
    }

    @Test
    void everyProblemIsReported() {
        ScenarioModel m = new ScenarioBuilder().cpus(0).node(0, List.of()).duration(0).cost("nope", 1)
                .expect("pgfalt", dev.ksim.engine.model.ExpectationSpec.Op.LT, 5).build();
        assertEquals(5, messages(m).size(), messages(m).toString());
    }

    @Test
    void metricNamesCoverCountersNodesAndHistograms() {
        MachineSpec machine = valid().build().machine();
        var names = ScenarioValidator.metricNames(machine);
        for (String n : List.of("pgfault", "pgmajfault", "pswpin", "pswpout", "oom_kill", "numa_hit", "numa_miss",
                "numa_local", "numa_other", "pgalloc", "pgfree", "accesses", "node0.nr_free_pages",
                "node1.nr_free_pages", "fault_latency.p99")) {
            assertTrue(names.contains(n), n);
        }
        assertTrue(!names.contains("node2.nr_free_pages"));
    }
}

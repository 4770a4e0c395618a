package dev.ksim.engine.run;

import static dev.ksim.engine.testing.ScenarioBuilder.thread;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.engine.model.ExpectationSpec.Op;
import dev.ksim.engine.model.ScenarioException;
import dev.ksim.engine.model.ScenarioModel;
import dev.ksim.engine.results.ExpectationResult;
import dev.ksim.engine.results.RunResult;
import dev.ksim.engine.results.TimeSeries;
import dev.ksim.engine.testing.ScenarioBuilder;
import dev.ksim.engine.testing.TestPlugins;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SimulationTest {
    private static final TestPlugins PLUGINS = new TestPlugins();

    private static RunResult run(ScenarioModel m, long seed) {
        return Simulation.run(m, seed, PLUGINS, RunOptions.DEFAULT);
    }

    private static long metric(RunResult r, String name) {
        Number n = r.metrics().get(name);
        if (n == null) {
            throw new AssertionError("no metric " + name + " in " + r.metrics().keySet());
        }
        return n.longValue();
    }

    /** Two nodes of 64 frames, swap, one process with two uniform threads over 160 pages. */
    private static ScenarioBuilder pressured() {
        return new ScenarioBuilder().cpus(2)
                .node(64, List.of(0)).node(64, List.of(1))
                .swapPages(1024, 20_000, 30_000)
                .process("app", 160,
                        thread("t0", 0, "uniform", Map.of(), 5_000),
                        thread("t1", 1, "uniform", Map.of(), 5_000))
                .sampleInterval(100_000);
    }

    @Test
    void sameSeedGivesEqualResults() {
        ScenarioModel m = pressured().build();
        RunResult a = run(m, 42);
        RunResult b = run(m, 42);
        assertEquals(a, b);
        assertNull(a.error());
        assertEquals(10_000, metric(a, "accesses"));
    }

    @Test
    void differentSeedGivesDifferentWorkloadDrivenMetrics() {
        ScenarioModel m = pressured().build();
        RunResult a = run(m, 1);
        RunResult b = run(m, 2);
        assertNotEquals(a.metrics(), b.metrics());
        assertNotEquals(a.histograms().get("fault_latency"), b.histograms().get("fault_latency"));
    }

    @Test
    void cyclicTraceOverOneMorePageThanFramesFaultsEveryTime() {
        int frames = 32;
        long[] trace = new long[frames + 1];
        for (int i = 0; i < trace.length; i++) {
            trace[i] = i;
        }
        RunResult r = run(new ScenarioBuilder().node(frames, List.of(0)).swapPages(64, 1000, 1000)
                .process("p", frames + 1, thread("t", 0, "trace", Map.of("pages", trace), 1000)).build(), 0);
        assertEquals(1000, metric(r, "pgfault"));
        assertEquals(1000 - (frames + 1), metric(r, "pgmajfault"));
        assertEquals(metric(r, "pgmajfault"), metric(r, "pswpin"));
        assertEquals(1000 - frames, metric(r, "pswpout"));
        assertEquals(List.of(), r.invariants().violations());
    }

    @Test
    void fallbackToTheOtherNodeCountsNumaMiss() {
        RunResult r = run(new ScenarioBuilder().cpus(2).node(8, List.of(0)).node(8, List.of(1))
                .policy("fixed", Map.of("node", 1L))
                .process("p", 12, thread("t", 0, "sequential", Map.of(), 12)).build(), 0);
        assertEquals(8, metric(r, "numa_hit"));
        assertEquals(4, metric(r, "numa_miss"));
        assertEquals(4, metric(r, "numa_local"), "the misses landed on the faulting CPU's node");
        assertEquals(8, metric(r, "numa_other"));
        assertEquals(0, metric(r, "node1.nr_free_pages"));
        assertEquals(4, metric(r, "node0.nr_free_pages"));
        assertEquals(4, metric(r, "node0.numa_miss"));
    }

    @Test
    void interleaveSpreadsPagesAndNoSwapMeansOom() {
        RunResult r = run(new ScenarioBuilder().cpus(2).node(8, List.of(0)).node(8, List.of(1))
                .policy("interleave", Map.of())
                .process("hog", 20, thread("t", 0, "sequential", Map.of(), 0))
                .duration(10_000_000).build(), 0);
        assertEquals(1, metric(r, "oom_kill"));
        assertEquals(16, metric(r, "pgalloc"));
        assertEquals(16, metric(r, "pgfree"));
        assertEquals(8, metric(r, "node0.nr_free_pages"));
        assertEquals(8, metric(r, "node0.numa_hit"));
        assertEquals(8, metric(r, "node1.numa_hit"));
        assertEquals(List.of(), r.invariants().violations());
        assertTrue(r.simulatedTimeNs() < 10_000_000, "the killed thread stopped early");
    }

    @Test
    void unboundedThreadsRunToTheDuration() {
        RunResult r = run(new ScenarioBuilder().node(16, List.of(0))
                .process("p", 8, thread("t", 0, "sequential", Map.of(), 0))
                .duration(1_000_000).sampleInterval(100_000).build(), 0);
        assertEquals(1_000_000, r.simulatedTimeNs());
        // 8 faults of 1100 ns, then hits of 100 ns each, until 1 ms
        assertEquals(8 + (1_000_000 - 8 * 1100) / 100, metric(r, "accesses"));
        TimeSeries free = r.series().get("node0.nr_free_pages");
        assertEquals(100_000, free.intervalNs());
        assertEquals(10, free.values().size(), "samples at 0, 100 us, ..., 900 us");
        assertEquals(16L, free.values().get(0));
        assertEquals(8L, free.values().get(9));
    }

    @Test
    void boundedThreadsEndTheRunEarly() {
        RunResult r = run(new ScenarioBuilder().node(16, List.of(0))
                .process("p", 4, thread("t", 0, "sequential", Map.of(), 10)).build(), 0);
        assertEquals(4 * 1100 + 6 * 100, r.simulatedTimeNs());
        assertEquals(10, metric(r, "accesses"));
    }

    @Test
    void kernelReclaimRunsKswapdAsAnEventSource() {
        ScenarioModel m = new ScenarioBuilder().node(4096, List.of(0)).swapPages(8192, 50_000, 60_000)
                .reclaim(dev.ksim.engine.model.ReclaimMode.LRU, dev.ksim.engine.model.VmSpec.DEFAULT)
                .process("p", 6000, thread("t", 0, "uniform", Map.of(), 100_000)).build();
        RunResult r = Simulation.run(m, 1, PLUGINS, new RunOptions(20_000));
        assertEquals(List.of(), r.invariants().violations());
        assertTrue(metric(r, "pageoutrun") > 0, "kswapd woke");
        assertTrue(metric(r, "pgsteal_kswapd") > 0, "and reclaimed");
        assertEquals(metric(r, "pgsteal_kswapd") + metric(r, "pgsteal_direct"), metric(r, "pswpout"));
        assertTrue(metric(r, "node0.nr_inactive_anon") + metric(r, "node0.nr_active_anon") > 0);
        assertEquals(0, metric(r, "oom_kill"));
    }

    @Test
    void periodicInvariantChecksCountEveryCheck() {
        ScenarioModel m = pressured().build();
        RunResult end = Simulation.run(m, 5, PLUGINS, RunOptions.DEFAULT);
        RunResult periodic = Simulation.run(m, 5, PLUGINS, new RunOptions(100));
        // 8 mm checks + 3 huge page checks + 3 page-cache checks + 4 zone checks per ZONE_NORMAL (2 nodes) + 4 TLB checks
        // + the strict-lru order of each node
        int perCheck = 8 + 3 + 3 + 2 * 4 + 4 + 2;
        assertEquals(perCheck, end.invariants().checked(), "the memory checks once at the end");
        assertTrue(periodic.invariants().checked() > perCheck * 10, "checked " + periodic.invariants().checked());
        assertEquals(0, periodic.invariants().checked() % perCheck);
        assertEquals(List.of(), periodic.invariants().violations());
        assertEquals(end.metrics(), periodic.metrics(), "checking does not change the run");
    }

    @Test
    void expectationsAreEvaluatedAgainstFinalMetrics() {
        RunResult r = run(new ScenarioBuilder().node(16, List.of(0))
                .process("p", 4, thread("t", 0, "sequential", Map.of(), 10))
                .expect("pgfault", Op.EQ, 4)
                .expect("pgmajfault", Op.GT, 0)
                .expect("fault_latency.p50", Op.GE, 1000)
                .expect("sequential.missing", Op.EQ, 0)
                .build(), 0);
        List<ExpectationResult> e = r.expectations();
        assertEquals(4, e.size());
        assertTrue(e.get(0).passed());
        assertEquals(4.0, e.get(0).actual());
        assertEquals(false, e.get(1).passed());
        assertTrue(e.get(2).passed(), e.get(2).toString());
        assertEquals(false, e.get(3).passed());
        assertTrue(Double.isNaN(e.get(3).actual()), "a metric the run did not produce is NaN");
        assertEquals("test.ksim.groovy:50", e.get(0).where());
    }

    @Test
    void hardeningCostIsChargedToTheThread() {
        ScenarioBuilder b = new ScenarioBuilder().node(16, List.of(0))
                .process("p", 4, thread("t", 0, "sequential", Map.of(), 4));
        long plain = run(b.build(), 0).simulatedTimeNs();
        long hardened = run(b.hardening("costly", Map.of("ns", 250L)).build(), 0).simulatedTimeNs();
        assertEquals(plain + 4 * 250, hardened);
    }

    @Test
    void costOverridesApply() {
        RunResult r = run(new ScenarioBuilder().node(16, List.of(0)).cost("fault.minor.anon", 5000)
                .process("p", 4, thread("t", 0, "sequential", Map.of(), 4)).build(), 0);
        assertEquals(4 * 5100, r.simulatedTimeNs());
    }

    private static void assertCrash(RunResult r, String prefix) {
        assertTrue(r.error() != null && r.error().startsWith(prefix), "error: " + r.error());
        assertEquals(List.of(), r.invariants().violations(), "state stays consistent after a crash");
    }

    @Test
    void crashingPolicyIsNamed() {
        RunResult r = run(new ScenarioBuilder().node(16, List.of(0)).policy("crash", Map.of())
                .process("p", 4, thread("t", 0, "sequential", Map.of(), 4)).build(), 0);
        assertCrash(r, "migration policy 'crash' crashed: placeFault");
        assertTrue(r.error().contains("policy bug"));
        assertEquals(1, metric(r, "pgfault"), "metrics collected up to the crash are kept");
    }

    @Test
    void outOfRangeNodeIsAPolicyCrash() {
        RunResult r = run(new ScenarioBuilder().node(16, List.of(0)).policy("bad-node", Map.of())
                .process("p", 4, thread("t", 0, "sequential", Map.of(), 4)).build(), 0);
        assertCrash(r, "migration policy 'bad-node' crashed: placeFault returned node 99");
    }

    @Test
    void crashingWorkloadIsNamed() {
        RunResult r = run(new ScenarioBuilder().node(16, List.of(0))
                .process("p", 4, thread("t", 0, "crash", Map.of("after", 3L), 10)).build(), 0);
        assertCrash(r, "workload generator 'crash' crashed: nextPage (thread p.t)");
        assertEquals(3, metric(r, "accesses"));
        assertEquals(List.of(), r.expectations());
    }

    @Test
    void workloadOutsideItsRangeIsACrash() {
        RunResult r = run(new ScenarioBuilder().node(16, List.of(0))
                .process("p", 4, thread("t", 0, "trace", Map.of("pages", new long[] {0, 4}), 10)).build(), 0);
        assertCrash(r, "workload generator 'trace' crashed: nextPage (thread p.t) returned page 4, outside [0, 4)");
    }

    @Test
    void crashingProviderAndHardeningAreNamed() {
        ScenarioModel providerCrash = new ScenarioBuilder().node(new dev.ksim.engine.model.NodeSpec(0, 4096 * 16,
                        ScenarioBuilder.ref(dev.ksim.spi.PluginKind.MEMORY_PROVIDER, "crash", Map.of()), List.of(0), List.of(),
                        ScenarioBuilder.at(3)))
                .process("p", 4, thread("t", 0, "sequential", Map.of(), 4)).build();
        assertCrash(run(providerCrash, 0), "memory provider 'crash' crashed: describe (node0)");
        RunResult h = run(new ScenarioBuilder().node(16, List.of(0)).hardening("crash", Map.of())
                .process("p", 4, thread("t", 0, "sequential", Map.of(), 4)).build(), 0);
        assertCrash(h, "security hardening 'crash' crashed: onUserPageAllocated");
    }

    @Test
    void invalidModelsAreRejectedBeforeRunning() {
        ScenarioModel bad = new ScenarioBuilder().node(16, List.of(0))
                .process("p", 4, thread("t", 3, "sequential", Map.of(), 4)).build();
        ScenarioException e = assertThrows(ScenarioException.class, () -> run(bad, 0));
        assertTrue(e.getMessage().contains("CPU 3"), e.getMessage());
    }

    @Test
    void resultMapsAreSortedAndCompleteForExpectations() {
        RunResult r = run(pressured().build(), 0);
        for (String name : dev.ksim.engine.model.ScenarioValidator.metricNames(pressured().build().machine())) {
            double v = SimulationRun.metricValue(name, r.metrics(), r.histograms());
            assertTrue(!Double.isNaN(v), "advertised metric not produced: " + name);
        }
        assertEquals(new java.util.TreeMap<>(r.metrics()), r.metrics());
    }
}

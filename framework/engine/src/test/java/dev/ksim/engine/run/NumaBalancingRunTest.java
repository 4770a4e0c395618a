package dev.ksim.engine.run;

import static dev.ksim.engine.testing.ScenarioBuilder.thread;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.engine.mm.MmMetrics;
import dev.ksim.engine.model.MappingSpec;
import dev.ksim.engine.model.NumaBalancingSpec;
import dev.ksim.engine.model.ProcessSpec;
import dev.ksim.engine.model.ReclaimMode;
import dev.ksim.engine.model.SourceRef;
import dev.ksim.engine.model.VmSpec;
import dev.ksim.engine.results.RunResult;
import dev.ksim.engine.testing.ScenarioBuilder;
import dev.ksim.engine.testing.TestPlugins;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * NUMA balancing through a whole run: a process whose 64 pages were all placed on node 0 while its
 * one thread runs on node 1's CPU. Scans every 1 ms (scanSize 1 MiB covers the whole mapping):
 * the first scan's faults record the CPU, the second scan's faults migrate every page, and from
 * then on the single-threaded process's pages sit on its node and are no longer marked.
 */
class NumaBalancingRunTest {
    private static final TestPlugins PLUGINS = new TestPlugins();
    private static final long MS = 1_000_000;

    private static RunResult run(NumaBalancingSpec.Mode mode, boolean explicitPolicy) {
        NumaBalancingSpec spec = new NumaBalancingSpec(mode, 1, 1, 100, 1, 1_000,
                NumaBalancingSpec.DEFAULT_PROMOTE_RATE_LIMIT_BYTES_PER_SEC, SourceRef.UNKNOWN);
        ScenarioBuilder b = new ScenarioBuilder().cpus(2)
                .node(1024, List.of(0)).node(1024, List.of(1))
                .reclaim(ReclaimMode.LRU, new VmSpec(0, VmSpec.DEFAULT_WATERMARK_SCALE_FACTOR, VmSpec.DEFAULT_SWAPPINESS,
                        false, spec))
                .policy("fixed", Map.of("node", 0L))
                .process(new ProcessSpec("app", List.of(new MappingSpec("heap", 64 * 4096, explicitPolicy, ScenarioBuilder.at(30))),
                        List.of(thread("t0", 1, "sequential", Map.of(), 0)), ScenarioBuilder.at(29)))
                .duration(20 * MS);
        RunResult r = Simulation.run(b.build(), 1, PLUGINS, RunOptions.DEFAULT);
        assertNull(r.error());
        assertEquals(List.of(), r.invariants().violations());
        return r;
    }

    private static long metric(RunResult r, String name) {
        return r.metrics().get(name).longValue();
    }

    @Test
    void everyPageFaultsTwiceAndMovesOnceThenStaysLocal() {
        RunResult r = run(NumaBalancingSpec.Mode.AUTONUMA, false);
        assertEquals(128, metric(r, MmMetrics.NUMA_PTE_UPDATES), "two scans mark all 64 pages; later ones find them local");
        assertEquals(128, metric(r, MmMetrics.NUMA_HINT_FAULTS));
        assertEquals(0, metric(r, MmMetrics.NUMA_HINT_FAULTS_LOCAL));
        assertEquals(64, metric(r, MmMetrics.NUMA_PAGES_MIGRATED));
        assertEquals(64, metric(r, MmMetrics.PGMIGRATE_SUCCESS));
        assertEquals(64, metric(r, "node1.nr_inactive_anon") + metric(r, "node1.nr_active_anon"));
        RunResult off = run(NumaBalancingSpec.Mode.OFF, false);
        assertEquals(metric(off, MmMetrics.ACCESSES), metric(off, MmMetrics.ACCESSES_REMOTE), "off: every reference is remote");
        assertTrue(metric(r, MmMetrics.ACCESSES_REMOTE) * 20 < metric(r, MmMetrics.ACCESSES),
                "autonuma: under 5 % remote; " + metric(r, MmMetrics.ACCESSES_REMOTE) + " of " + metric(r, MmMetrics.ACCESSES));
        assertTrue(metric(r, MmMetrics.ACCESSES) > metric(off, MmMetrics.ACCESSES), "local references are cheaper: more of them in 20 ms");
        assertEquals(r.metrics(), run(NumaBalancingSpec.Mode.AUTONUMA, false).metrics(), "deterministic");
    }

    @Test
    void aMappingWithAnExplicitPolicyIsLeftAlone() {
        RunResult r = run(NumaBalancingSpec.Mode.AUTONUMA, true);
        assertEquals(0, metric(r, MmMetrics.NUMA_PTE_UPDATES));
        assertEquals(0, metric(r, MmMetrics.NUMA_HINT_FAULTS));
        assertEquals(metric(r, MmMetrics.ACCESSES), metric(r, MmMetrics.ACCESSES_REMOTE));
    }

    @Test
    void tieringAloneIgnoresPagesOnTheTopTier() {
        RunResult r = run(NumaBalancingSpec.Mode.TIERING, false);
        assertEquals(0, metric(r, MmMetrics.NUMA_PTE_UPDATES), "both nodes are DRAM: nothing to promote");
    }
}

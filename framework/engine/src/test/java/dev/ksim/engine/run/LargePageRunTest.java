package dev.ksim.engine.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.engine.mm.LargePageMetrics;
import dev.ksim.engine.mm.MmMetrics;
import dev.ksim.engine.model.EventSpec;
import dev.ksim.engine.model.EventSpec.Action;
import dev.ksim.engine.model.HugePagesSpec;
import dev.ksim.engine.model.LargePageSpec;
import dev.ksim.engine.model.MachineSpec;
import dev.ksim.engine.model.Madvise;
import dev.ksim.engine.model.MappingKind;
import dev.ksim.engine.model.MappingSpec;
import dev.ksim.engine.model.NodeSpec;
import dev.ksim.engine.model.ProcessSpec;
import dev.ksim.engine.model.ReclaimMode;
import dev.ksim.engine.model.ScenarioModel;
import dev.ksim.engine.model.ThreadSpec;
import dev.ksim.engine.model.VmSpec;
import dev.ksim.engine.results.RunResult;
import dev.ksim.engine.testing.ScenarioBuilder;
import dev.ksim.engine.testing.TestPlugins;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A run wires THP settings, hugetlbfs pools, mapping advice, thread start times and the large-page actions. */
class LargePageRunTest {
    private static final TestPlugins PLUGINS = new TestPlugins();
    private static final long MS = 1_000_000;
    private static final long PAGE = 4096;

    private static long metric(RunResult r, String name) {
        Number n = r.metrics().get(name);
        if (n == null) {
            throw new AssertionError("no metric " + name + " in " + r.metrics().keySet());
        }
        return n.longValue();
    }

    /** One node of 8192 frames with {@code pool} huge pages, swap, lru mode, THP {@code thp}; the given processes. */
    private static ScenarioModel model(LargePageSpec thp, long pool, List<ProcessSpec> processes, List<EventSpec> events) {
        ScenarioModel base = new ScenarioBuilder().cpus(1).node(8192, List.of(0)).swapPages(8192, 1000, 1000)
                .reclaim(ReclaimMode.LRU, new VmSpec(0, VmSpec.DEFAULT_WATERMARK_SCALE_FACTOR, VmSpec.DEFAULT_SWAPPINESS, false))
                .duration(50 * MS).build();
        MachineSpec bm = base.machine();
        List<NodeSpec> nodes = new ArrayList<>();
        for (NodeSpec n : bm.nodes()) {
            nodes.add(new NodeSpec(n.id(), n.sizeBytes(), n.provider(), n.cpus(), n.distances(), n.movableBytes(), n.watermarks(),
                    n.where(), pool > 0 ? new HugePagesSpec(pool, ScenarioBuilder.at(8)) : null));
        }
        MachineSpec machine = new MachineSpec(bm.cpus(), nodes, bm.swap(), bm.reclaim(), bm.vm(), bm.where(), thp);
        return new ScenarioModel(base.name(), base.description(), base.variant(), base.params(), machine, processes,
                base.migrationPolicy(), base.hardening(), base.durationNs(), base.sampleIntervalNs(), base.costOverrides(),
                base.expectations(), base.source(), null, events);
    }

    private static ProcessSpec process(String name, long pages, MappingKind kind, Madvise advice, long startNs, long accesses) {
        ThreadSpec t = new ThreadSpec("t0", 0, "heap", ScenarioBuilder.ref(dev.ksim.spi.PluginKind.WORKLOAD_GENERATOR,
                "sequential", Map.of()), accesses, ScenarioBuilder.at(31), startNs);
        return new ProcessSpec(name, List.of(new MappingSpec("heap", pages * PAGE, kind, null, ScenarioBuilder.at(30), advice)),
                List.of(t), ScenarioBuilder.at(29));
    }

    private static LargePageSpec thp(LargePageSpec.Thp mode) {
        return LargePageSpec.DEFAULT.withThp(mode);
    }

    @Test
    void mappingAdviceAppliesFromTheStart() {
        RunResult none = Simulation.run(model(thp(LargePageSpec.Thp.ALWAYS), 0,
                List.of(process("app", 2048, MappingKind.ANON, Madvise.NOHUGEPAGE, 0, 2048)), List.of()), 1, PLUGINS, RunOptions.DEFAULT);
        assertNull(none.error());
        assertEquals(0, metric(none, LargePageMetrics.THP_FAULT_ALLOC));
        assertEquals(2048, metric(none, MmMetrics.PGFAULT));
        RunResult advised = Simulation.run(model(thp(LargePageSpec.Thp.MADVISE), 0,
                List.of(process("app", 2048, MappingKind.ANON, Madvise.HUGEPAGE, 0, 2048)), List.of()), 1, PLUGINS, RunOptions.DEFAULT);
        assertEquals(4, metric(advised, LargePageMetrics.THP_FAULT_ALLOC));
        assertEquals(4, metric(advised, MmMetrics.PGFAULT));
        assertEquals(1000, metric(advised, LargePageMetrics.THP_FAULT_SUCCESS_PERMILLE));
        assertEquals(List.of(), advised.invariants().violations());
    }

    @Test
    void aThreadStartsWhenItsSpecSays() {
        RunResult r = Simulation.run(model(thp(LargePageSpec.Thp.NEVER), 0,
                List.of(process("app", 16, MappingKind.ANON, null, 7 * MS, 16)), List.of()), 1, PLUGINS, RunOptions.DEFAULT);
        assertTrue(r.simulatedTimeNs() > 7 * MS && r.simulatedTimeNs() < 8 * MS, "ended at " + r.simulatedTimeNs());
    }

    @Test
    void hugetlbPoolsAndMappingsRun() {
        RunResult r = Simulation.run(model(thp(LargePageSpec.Thp.NEVER), 4,
                List.of(process("app", 1024, MappingKind.HUGETLB, null, 0, 1024)), List.of()), 1, PLUGINS, RunOptions.DEFAULT);
        assertNull(r.error());
        assertEquals(2, metric(r, MmMetrics.PGFAULT));
        assertEquals(4, metric(r, LargePageMetrics.HUGEPAGES_TOTAL));
        assertEquals(2, metric(r, LargePageMetrics.HUGEPAGES_FREE));
        assertEquals(0, metric(r, LargePageMetrics.HUGEPAGES_RSVD));
        assertEquals(4, metric(r, "node0." + LargePageMetrics.HUGEPAGES_TOTAL));
        assertEquals(List.of(), r.invariants().violations());
    }

    @Test
    void madviseCompactAndHugepagesActionsRun() {
        EventSpec pageout = new EventSpec(5 * MS, Action.MADVISE_PAGEOUT, "app", "heap", 0, 1000, -1, ScenarioBuilder.at(70));
        EventSpec compact = new EventSpec(6 * MS, Action.COMPACT, null, null, 0, 0, 0, ScenarioBuilder.at(71));
        EventSpec grow = new EventSpec(7 * MS, Action.NR_HUGEPAGES, null, null, 0, 3, 0, ScenarioBuilder.at(72));
        RunResult r = Simulation.run(model(thp(LargePageSpec.Thp.NEVER), 1,
                        List.of(process("app", 2048, MappingKind.ANON, null, 0, 2048)), List.of(pageout, compact, grow)),
                1, PLUGINS, RunOptions.DEFAULT);
        assertNull(r.error());
        assertEquals(1000, metric(r, MmMetrics.PSWPOUT));
        assertTrue(metric(r, LargePageMetrics.COMPACT_MIGRATE_SCANNED) > 0);
        assertEquals(3, metric(r, LargePageMetrics.HUGEPAGES_TOTAL));
        assertEquals(List.of(), r.invariants().violations());
    }
}

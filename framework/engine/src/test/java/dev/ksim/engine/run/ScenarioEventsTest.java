package dev.ksim.engine.run;

import static dev.ksim.engine.testing.ScenarioBuilder.thread;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.engine.mm.MmMetrics;
import dev.ksim.engine.model.EventSpec;
import dev.ksim.engine.model.EventSpec.Action;
import dev.ksim.engine.model.ExpectationSpec.Op;
import dev.ksim.engine.model.ReclaimMode;
import dev.ksim.engine.model.ScenarioModel;
import dev.ksim.engine.model.SourceRef;
import dev.ksim.engine.model.VmSpec;
import dev.ksim.engine.results.RunResult;
import dev.ksim.engine.testing.ScenarioBuilder;
import dev.ksim.engine.testing.TestPlugins;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Timed scenario events ({@link EventSpec}) run through the memory manager and show up in its counters. */
class ScenarioEventsTest {
    private static final TestPlugins PLUGINS = new TestPlugins();
    private static final long MS = 1_000_000;

    private static long metric(RunResult r, String name) {
        Number n = r.metrics().get(name);
        if (n == null) {
            throw new AssertionError("no metric " + name + " in " + r.metrics().keySet());
        }
        return n.longValue();
    }

    private static EventSpec ev(long atMs, Action a, long from, long pages, int node) {
        return new EventSpec(atMs * MS, a, a == Action.POISON_FREE ? null : "app", a == Action.POISON_FREE ? null : "heap",
                from, pages, node, new SourceRef(ScenarioBuilder.FILE, 70));
    }

    /** Two nodes of 1024 frames, kernel LRU mode; "app" has 64 pages, its one thread on CPU 0. */
    private static ScenarioBuilder machine(long accesses, String workload, Map<String, Object> options) {
        return new ScenarioBuilder().cpus(2)
                .node(1024, List.of(0)).node(1024, List.of(1))
                .reclaim(ReclaimMode.LRU, new VmSpec(0, VmSpec.DEFAULT_WATERMARK_SCALE_FACTOR, VmSpec.DEFAULT_SWAPPINESS, false))
                .process("app", 64, thread("t0", 0, workload, options, accesses))
                .duration(10 * MS);
    }

    private static long[] firstPages(int n) {
        long[] p = new long[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        return p;
    }

    @Test
    void aSequenceOfPinMlockMovePoisonAndSoftOfflineCountsEachOutcome() {
        // the thread touches every page once (64 accesses) and is done long before the first event
        ScenarioModel m = machine(64, "trace", Map.of("pages", firstPages(64))).build().withEvents(List.of(
                ev(1, Action.PIN, 0, 4, -1),
                ev(1, Action.MLOCK, 8, 8, -1),
                ev(2, Action.MOVE_PAGES, 0, 8, 1),             // 0..3 pinned: extra_ref; 4..7 move
                ev(3, Action.UNPIN, 0, EventSpec.WHOLE_MAPPING, -1),
                ev(3, Action.MOVE_PAGES, 0, 4, 1),             // now they move
                ev(4, Action.MUNLOCK, 8, 8, -1),
                ev(4, Action.POISON_FREE, 0, 1, 0),            // a free page of node 0
                ev(5, Action.SOFT_OFFLINE, 20, 1, -1),         // migrated away, old frame retired
                ev(5, Action.POISON, 21, 1, -1),               // unmapped: recovered
                ev(6, Action.PIN, 30, 1, -1),
                ev(6, Action.POISON, 30, 1, -1),               // pinned: failed
                ev(7, Action.POISON, 30, 1, -1)));             // already a hwpoison entry: nothing
        RunResult r = Simulation.run(m, 1, PLUGINS, RunOptions.DEFAULT);
        assertNull(r.error());
        assertEquals(List.of(), r.invariants().violations());
        assertEquals(8, metric(r, MmMetrics.UNEVICTABLE_PGS_MLOCKED));
        assertEquals(8, metric(r, MmMetrics.UNEVICTABLE_PGS_MUNLOCKED));
        assertEquals(4 + 4 + 1, metric(r, MmMetrics.PGMIGRATE_SUCCESS));
        assertEquals(4, metric(r, MmMetrics.PGMIGRATE_FAIL));
        assertEquals(4, metric(r, MmMetrics.PGMIGRATE_FAIL_EXTRA_REF));
        assertEquals(2, metric(r, MmMetrics.MEMORY_FAILURE_RECOVERED));
        assertEquals(1, metric(r, MmMetrics.MEMORY_FAILURE_FAILED));
        assertEquals(1, metric(r, MmMetrics.SOFT_OFFLINE_SUCCESS));
        assertEquals(0, metric(r, MmMetrics.SOFT_OFFLINE_FAIL));
        assertEquals(0, metric(r, MmMetrics.MEMORY_FAILURE_SIGBUS), "the thread had finished: nobody touched the bad pages");
        assertEquals(3, r.histograms().get(MmMetrics.MIGRATION_LATENCY).count(), "two move_pages calls and one soft offline");
        // node 0 held all 64 pages: 8 moved to node 1, one free frame poisoned, the soft-offlined page's
        // copy allocated on node 0 (its own node first); the retired mapped frames (20, 21, 30) were never free
        assertEquals(1024 - 64 + 8 - 1 - 1, metric(r, MmMetrics.nodeMetric(0, MmMetrics.NR_FREE_PAGES)));
        assertEquals(1024 - 8, metric(r, MmMetrics.nodeMetric(1, MmMetrics.NR_FREE_PAGES)));
    }

    @Test
    void aRunWithEventsReportsTheirCountersFromTheStartAndWithoutNone() {
        ScenarioBuilder b = machine(64, "trace", Map.of("pages", firstPages(64)));
        RunResult without = Simulation.run(b.build(), 1, PLUGINS, RunOptions.DEFAULT);
        b.expect(MmMetrics.MEMORY_FAILURE_SIGBUS, Op.EQ, 0); // a name the validator accepts only with events
        assertTrue(MmMetrics.ON_USE_COUNTERS.stream().noneMatch(without.metrics()::containsKey));
        RunResult with = Simulation.run(b.build().withEvents(List.of(ev(9, Action.MUNLOCK, 0, 1, -1))), 1, PLUGINS,
                RunOptions.DEFAULT);
        for (String c : MmMetrics.ON_USE_COUNTERS) {
            assertEquals(0, metric(with, c), c);
        }
        assertTrue(with.expectations().get(0).passed());
    }

    @Test
    void aPoisonedPageKillsItsProcessWithSigbusOnTheNextAccess() {
        ScenarioModel m = machine(0, "sequential", Map.of()).build()
                .withEvents(List.of(ev(1, Action.POISON, 5, 1, -1)));
        RunResult r = Simulation.run(m, 1, PLUGINS, RunOptions.DEFAULT);
        assertEquals(1, metric(r, MmMetrics.MEMORY_FAILURE_RECOVERED));
        assertEquals(1, metric(r, MmMetrics.MEMORY_FAILURE_SIGBUS));
        assertTrue(r.simulatedTimeNs() > MS && r.simulatedTimeNs() < 2 * MS, "killed soon after 1 ms: " + r.simulatedTimeNs());
        assertEquals(0, metric(r, MmMetrics.OOM_KILL));
        assertEquals(List.of(), r.invariants().violations());
    }

    @Test
    void movePagesCostIsChargedToTheProcesssFirstThread() {
        // pages already on node 0: move_pages moves nothing and costs its fixed part, set to 2 ms
        ScenarioBuilder b = machine(0, "sequential", Map.of()).cost("migrate.call", 2 * MS);
        RunResult quiet = Simulation.run(b.build(), 1, PLUGINS, RunOptions.DEFAULT);
        List<EventSpec> moves = new ArrayList<>();
        moves.add(ev(1, Action.MOVE_PAGES, 0, 64, 0));
        RunResult charged = Simulation.run(b.build().withEvents(moves), 1, PLUGINS, RunOptions.DEFAULT);
        assertEquals(0, metric(charged, MmMetrics.PGMIGRATE_SUCCESS));
        long perAccess = 10 * MS / metric(quiet, MmMetrics.ACCESSES);
        long lost = metric(quiet, MmMetrics.ACCESSES) - metric(charged, MmMetrics.ACCESSES);
        assertTrue(Math.abs(lost * perAccess - 2 * MS) < MS / 10, "2 ms of accesses lost, was " + lost + " x " + perAccess + " ns");
    }
}

package dev.ksim.engine.run;

import static dev.ksim.engine.testing.ScenarioBuilder.at;
import static dev.ksim.engine.testing.ScenarioBuilder.thread;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.engine.mm.MmMetrics;
import dev.ksim.engine.model.EventSpec;
import dev.ksim.engine.model.EventSpec.Action;
import dev.ksim.engine.model.FileSpec;
import dev.ksim.engine.model.MappingKind;
import dev.ksim.engine.model.MappingSpec;
import dev.ksim.engine.model.ProcessSpec;
import dev.ksim.engine.model.ReclaimMode;
import dev.ksim.engine.model.ScenarioModel;
import dev.ksim.engine.model.ScenarioValidator;
import dev.ksim.engine.model.SourceRef;
import dev.ksim.engine.model.ThreadSpec;
import dev.ksim.engine.model.VmSpec;
import dev.ksim.engine.model.WritebackSpec;
import dev.ksim.engine.results.RunResult;
import dev.ksim.engine.testing.ScenarioBuilder;
import dev.ksim.engine.testing.TestPlugins;
import dev.ksim.spi.workload.WorkloadGenerator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Whole runs with files, file I/O threads, stores, and the fork / munmap / madvise / mbind / fsync actions. */
class PageCacheRunTest {
    private static final TestPlugins PLUGINS = new TestPlugins();
    private static final long MS = 1_000_000;

    private static long metric(RunResult r, String name) {
        Number n = r.metrics().get(name);
        if (n == null) {
            throw new AssertionError("no metric " + name + " in " + r.metrics().keySet());
        }
        return n.longValue();
    }

    /** Pages 0..n-1 once each, as stores when {@code write}. */
    private static long[] pages(int n, boolean write) {
        long[] p = new long[n];
        for (int i = 0; i < n; i++) {
            p[i] = write ? WorkloadGenerator.write(i) : i;
        }
        return p;
    }

    private static ScenarioModel withFiles(ScenarioModel m, List<FileSpec> files, WritebackSpec wb, List<EventSpec> events) {
        return new ScenarioModel(m.name(), m.description(), m.variant(), m.params(), m.machine(), m.processes(), m.migrationPolicy(),
                m.hardening(), m.durationNs(), m.sampleIntervalNs(), m.costOverrides(), m.expectations(), m.source(), null, events,
                files, wb);
    }

    private static ScenarioBuilder lruMachine() {
        return new ScenarioBuilder().cpus(2)
                .node(1024, List.of(0)).node(1024, List.of(1))
                .reclaim(ReclaimMode.LRU, new VmSpec(0, VmSpec.DEFAULT_WATERMARK_SCALE_FACTOR, VmSpec.DEFAULT_SWAPPINESS, false))
                .duration(10 * MS);
    }

    private static EventSpec ev(long atMs, Action a, String process, String mapping, long from, long pages, String text, long mask,
                                boolean flag) {
        return new EventSpec(atMs * MS, a, process, mapping, from, pages, -1, at(70), text, mask, flag);
    }

    @Test
    void storesToASharedFileDirtyItAndFsyncWritesItBack() {
        ScenarioModel base = lruMachine()
                .process(new ProcessSpec("db", List.of(new MappingSpec("heap", 64 * 4096, MappingKind.FILE_SHARED, "db.dat", at(30))),
                        List.of(thread("t0", 0, "trace", Map.of("pages", pages(64, true)), 64)), at(29)))
                .build();
        ScenarioModel m = withFiles(base, List.of(new FileSpec("db.dat", 128 * 4096, 1_000, 1_000, at(5))), WritebackSpec.DEFAULT,
                List.of(ev(5, Action.FSYNC, "db", null, 0, 0, "db.dat", 0, false)));
        assertEquals(List.of(), ScenarioValidator.validate(m));
        RunResult r = Simulation.run(m, 1, PLUGINS, RunOptions.DEFAULT);
        assertNull(r.error());
        assertEquals(List.of(), r.invariants().violations());
        assertEquals(64, metric(r, MmMetrics.PGMAJFAULT));
        assertEquals(64 * 4, metric(r, MmMetrics.PGPGIN));
        assertEquals(64 * 4, metric(r, MmMetrics.PGPGOUT), "fsync wrote every dirty page");
        assertEquals(1, metric(r, MmMetrics.FSYNC));
        assertEquals(0, metric(r, MmMetrics.nodeMetric(0, MmMetrics.NR_DIRTY)));
        assertEquals(64, metric(r, MmMetrics.nodeMetric(0, MmMetrics.NR_FILE_PAGES)));
        assertEquals(64, metric(r, MmMetrics.nodeMetric(0, MmMetrics.NR_MAPPED)));
    }

    @Test
    void aFileIoThreadReadsAndWritesThroughThePageCache() {
        ThreadSpec io = new ThreadSpec("io", 0, null, ScenarioBuilder.ref(dev.ksim.spi.PluginKind.WORKLOAD_GENERATOR, "trace",
                Map.of("pages", new long[] {0, 1, 2, 0, WorkloadGenerator.write(3)})), 5, at(40), "log");
        ScenarioModel base = lruMachine().process(new ProcessSpec("logger", List.of(), List.of(io), at(29))).build();
        ScenarioModel m = withFiles(base, List.of(new FileSpec("log", 16 * 4096, 2_000_000, FileSpec.DEFAULT_LATENCY, at(5))),
                WritebackSpec.DEFAULT, List.of());
        assertEquals(List.of(), ScenarioValidator.validate(m));
        RunResult r = Simulation.run(m, 1, PLUGINS, RunOptions.DEFAULT);
        assertNull(r.error());
        assertEquals(List.of(), r.invariants().violations());
        assertEquals(4, metric(r, MmMetrics.FILE_READS));
        assertEquals(1, metric(r, MmMetrics.FILE_WRITES));
        assertEquals(3 * 4, metric(r, MmMetrics.PGPGIN), "three misses read, the re-read and the whole-page write do not");
        assertEquals(0, metric(r, MmMetrics.PGFAULT));
        assertTrue(r.simulatedTimeNs() >= 3 * 2_000_000, "each miss waits for the 2 ms disk");
        assertEquals(1, metric(r, MmMetrics.nodeMetric(0, MmMetrics.NR_DIRTY)));
    }

    @Test
    void forkThenStoresCopyMunmapMadviseAndMbindAtRunTime() {
        ScenarioModel base = lruMachine()
                .process(new ProcessSpec("app", List.of(new MappingSpec("heap", 64 * 4096, at(30))),
                        List.of(thread("t0", 0, "trace", Map.of("pages", pages(64, true)), 128)), at(29)))
                .build();
        ScenarioModel m = withFiles(base, List.of(), WritebackSpec.DEFAULT, List.of(
                new EventSpec(0, Action.FORK, "app", null, 0, 0, -1, at(70), "child", 0, false),
                ev(5, Action.MUNMAP, "child", "heap", 32, 32, null, 0, false),
                ev(5, Action.MADVISE_DONTNEED, "app", "heap", 0, 8, null, 0, false),
                ev(6, Action.MBIND, "app", "heap", 8, 56, "bind", 1L << 1, true),
                ev(7, Action.EXIT, "app", null, 0, 0, "child", 0, false)));
        assertEquals(List.of(), ScenarioValidator.validate(m));
        RunResult r = Simulation.run(m, 1, PLUGINS, RunOptions.DEFAULT);
        assertNull(r.error());
        assertEquals(List.of(), r.invariants().violations());
        assertEquals(1, metric(r, MmMetrics.FORK));
        assertEquals(0, metric(r, MmMetrics.FORK_PTE_COPIED), "forked at time 0, before the first touch: nothing to copy");
        assertEquals(0, metric(r, MmMetrics.COW_FAULT));
        assertEquals(56, metric(r, MmMetrics.PGMIGRATE_SUCCESS), "mbind bind + move took pages 8..63 to node 1");
        assertEquals(0, metric(r, MmMetrics.nodeMetric(0, MmMetrics.NR_INACTIVE_ANON))
                + metric(r, MmMetrics.nodeMetric(0, MmMetrics.NR_ACTIVE_ANON)), "pages 0..7 dropped by DONTNEED, the rest moved");
        assertEquals(56, metric(r, MmMetrics.nodeMetric(1, MmMetrics.NR_INACTIVE_ANON))
                + metric(r, MmMetrics.nodeMetric(1, MmMetrics.NR_ACTIVE_ANON)));
    }

    @Test
    void forkAfterTheFirstTouchSharesPagesAndTheParentsStoresCopyThem() {
        long[] trace = new long[64 + 4000 + 64];
        for (int i = 0; i < 64; i++) {
            trace[i] = i;                                     // loads that fault the heap in before the fork
            trace[64 + 4000 + i] = WorkloadGenerator.write(i); // stores after it
        }                                                     // in between, 4000 loads of page 0 (~0.1 us each)
        ScenarioModel base = lruMachine()
                .process(new ProcessSpec("app", List.of(new MappingSpec("heap", 64 * 4096, at(30))),
                        List.of(thread("t0", 0, "trace", Map.of("pages", trace), trace.length)), at(29)))
                .build();
        // the 64 faults take ~70 us, the loads of page 0 ~400 us: the fork at 100 us falls between them
        ScenarioModel m = withFiles(base, List.of(), WritebackSpec.DEFAULT, List.of(
                new EventSpec(MS / 10, Action.FORK, "app", null, 0, 0, -1, at(70), "child", 0, false)));
        RunResult r = Simulation.run(m, 1, PLUGINS, RunOptions.DEFAULT);
        assertNull(r.error());
        assertEquals(List.of(), r.invariants().violations());
        assertEquals(64, metric(r, MmMetrics.FORK_PTE_COPIED));
        assertEquals(64, metric(r, MmMetrics.COW_FAULT), "every store after the fork copied its page");
        assertEquals(64 + 64, metric(r, MmMetrics.PGALLOC));
        assertEquals(64, metric(r, MmMetrics.nodeMetric(0, MmMetrics.NR_INACTIVE_ANON))
                + metric(r, MmMetrics.nodeMetric(0, MmMetrics.NR_ACTIVE_ANON)) - 64, "the child keeps the 64 originals");
    }

    @Test
    void aHardwareErrorInAPageTheChildSharesKillsTheParentThatTouchesIt() {
        long[] trace = new long[64 + 4000 + 64];
        for (int i = 0; i < 64; i++) {
            trace[i] = i;
            trace[64 + 4000 + i] = WorkloadGenerator.write(i);
        }
        ScenarioModel base = lruMachine()
                .process(new ProcessSpec("app", List.of(new MappingSpec("heap", 64 * 4096, at(30))),
                        List.of(thread("t0", 0, "trace", Map.of("pages", trace), trace.length)), at(29)))
                .build();
        ScenarioModel m = withFiles(base, List.of(), WritebackSpec.DEFAULT, List.of(
                new EventSpec(MS / 10, Action.FORK, "app", null, 0, 0, -1, at(70), "child", 0, false),
                new EventSpec(MS / 5, Action.POISON, "child", "heap", 5, 1, -1, at(71))));
        assertEquals(List.of(), ScenarioValidator.validate(m));
        RunResult r = Simulation.run(m, 1, PLUGINS, RunOptions.DEFAULT);
        assertNull(r.error());
        assertEquals(List.of(), r.invariants().violations());
        assertEquals(1, metric(r, MmMetrics.MEMORY_FAILURE_RECOVERED));
        assertEquals(1, metric(r, MmMetrics.MEMORY_FAILURE_SIGBUS), "the parent's store to page 5 found the hwpoison entry");
        assertEquals(5, metric(r, MmMetrics.COW_FAULT), "pages 0..4 were copied before it died");
    }

    @Test
    void aDriversMovablePagesAreAllocatedAndSoftOfflinedThroughItsCallbacks() {
        ScenarioModel base = lruMachine().process("app", 8, thread("t0", 0, "sequential", Map.of(), 8)).build();
        ScenarioModel m = withFiles(base, List.of(), WritebackSpec.DEFAULT, List.of(
                new EventSpec(MS, Action.DRIVER_PAGES, null, null, 0, 16, 1, at(70), "balloon", 0, false),
                new EventSpec(2 * MS, Action.SOFT_OFFLINE_DRIVER, null, null, 3, 1, -1, at(71), "balloon", 0, false)));
        assertEquals(List.of(), ScenarioValidator.validate(m));
        RunResult r = Simulation.run(m, 1, PLUGINS, RunOptions.DEFAULT);
        assertNull(r.error());
        assertEquals(List.of(), r.invariants().violations());
        assertEquals(1, metric(r, MmMetrics.SOFT_OFFLINE_SUCCESS));
        assertEquals(1, metric(r, MmMetrics.PGMIGRATE_SUCCESS), "moved through isolate/migrate/putback");
        assertEquals(1024 - 16 - 1, metric(r, MmMetrics.nodeMetric(1, MmMetrics.NR_FREE_PAGES)),
                "16 driver pages on node 1, one of them retired after its content moved");
    }
}

package dev.ksim.dsl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ksim.engine.model.Diagnostic;
import dev.ksim.engine.model.EventSpec;
import dev.ksim.engine.model.EventSpec.Action;
import dev.ksim.engine.model.FileSpec;
import dev.ksim.engine.model.ScenarioException;
import dev.ksim.engine.model.ScenarioModel;
import dev.ksim.engine.model.ScenarioValidator;
import dev.ksim.engine.model.SourceRef;
import dev.ksim.engine.model.ThreadSpec;
import dev.ksim.engine.model.WritebackSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files ({@code file('x') { }}), {@code writeback { }}, file I/O threads and the timed actions fork,
 * exit, munmap, madvise, mbind and fsync: the model they build and their located errors, the DSL's
 * and the validator's.
 */
class PageCacheDslTest {
    @TempDir
    Path dir;

    private final ScenarioLoader loader = new ScenarioLoader(new TestCatalog());

    /**
     * Line 13 is the first line of {@code body} (inside process 'app'); {@code top} goes at line 4,
     * {@code machine} inside machine {} on line 9 (each a single line).
     */
    private Path write(String top, String machine, String body) throws IOException {
        Path p = dir.resolve("pc.ksim.groovy");
        Files.writeString(p, """
                scenario('pc') {
                    duration 10.ms
                    file('db.dat') { size 1.MiB; readLatency 5.ms }
                %s
                    machine {
                        cpus 2
                        node(0) { memory 64.MiB; cpus 0 }
                        node(1) { memory 64.MiB; cpus 1 }
                %s
                    }
                    process('app') {
                        mapping 'heap', 64.KiB
                %s
                        thread(cpu: 0, mapping: 'heap') { workload 'uniform' }
                    }
                }
                """.formatted(top, machine, body));
        return p;
    }

    private ScenarioModel load(Path p) {
        return loader.load(p, Map.of()).variants().get(0);
    }

    private static List<String> messages(ScenarioException e) {
        return e.diagnostics().stream().map(Object::toString).toList();
    }

    private static List<String> validate(ScenarioModel m) {
        return ScenarioValidator.validate(m).stream().map(Diagnostic::toString).toList();
    }

    @Test
    void filesWritebackAndFileThreadsBuildTheirModel() throws IOException {
        Path p = dir.resolve("f.ksim.groovy");
        Files.writeString(p, """
                scenario('f') {
                    duration 10.ms
                    file('db.dat') { size 1.MiB; readLatency 5.ms; writeLatency 2.ms }
                    file('log') { size 64.KiB }
                    machine {
                        node(0) { memory 64.MiB; cpus 0 }
                        writeback { dirtyBackgroundRatio 5; dirtyRatio 30; dirtyExpire 1.s; dirtyWritebackInterval 0.ms }
                    }
                    process('db') {
                        mapping 'data', 1.MiB, kind: 'file-shared', file: 'db.dat'
                        thread(cpu: 0) { workload 'uniform' }
                    }
                    process('logger') {
                        thread(cpu: 0, file: 'log') { workload 'sequential' }
                        thread(cpu: 0) { file 'log'; workload 'sequential' }
                    }
                }
                """);
        ScenarioModel m = load(p);
        String f = p.toString();
        assertEquals(List.of(new FileSpec("db.dat", 1L << 20, 5_000_000, 2_000_000, new SourceRef(f, 3)),
                new FileSpec("log", 64L << 10, FileSpec.DEFAULT_LATENCY, FileSpec.DEFAULT_LATENCY, new SourceRef(f, 4))), m.files());
        assertEquals(new WritebackSpec(5, 30, 1_000_000_000L, 0, new SourceRef(f, 7)), m.writeback());
        ThreadSpec io = m.processes().get(1).threads().get(0);
        assertEquals("log", io.file());
        assertNull(io.mapping());
        assertEquals("log", m.processes().get(1).threads().get(1).file());
        assertEquals(List.of(), m.processes().get(1).mappings(), "a process of file I/O threads needs no mapping");
        assertEquals(List.of(), validate(m));
    }

    @Test
    void theNewActionsBuildTheirEvents() throws IOException {
        Path p = write("", "", """
                        at(1.ms) { fork 'child'; munmap 'heap', from: 2, pages: 4 }
                        at(2.ms) { madvise 'heap', advice: 'dontneed', pages: 8 }
                        at(3.ms) { mbind 'heap', mode: 'interleave', nodes: '0-1', move: true; mbind 'heap', mode: 'bind', nodes: [1] }
                        at(4.ms) { fsync 'db.dat'; exit 'child'; exit() }""");
        ScenarioModel m = load(p);
        String f = p.toString();
        assertEquals(List.of(
                new EventSpec(1_000_000, Action.FORK, "app", null, 0, 0, -1, new SourceRef(f, 13), "child", 0, false),
                new EventSpec(1_000_000, Action.MUNMAP, "app", "heap", 2, 4, -1, new SourceRef(f, 13), null, 0, false),
                new EventSpec(2_000_000, Action.MADVISE_DONTNEED, "app", "heap", 0, 8, -1, new SourceRef(f, 14), null, 0, false),
                new EventSpec(3_000_000, Action.MBIND, "app", "heap", 0, EventSpec.WHOLE_MAPPING, -1, new SourceRef(f, 15),
                        "interleave", 0b11, true),
                new EventSpec(3_000_000, Action.MBIND, "app", "heap", 0, EventSpec.WHOLE_MAPPING, -1, new SourceRef(f, 15),
                        "bind", 0b10, false),
                new EventSpec(4_000_000, Action.FSYNC, "app", null, 0, 0, -1, new SourceRef(f, 16), "db.dat", 0, false),
                new EventSpec(4_000_000, Action.EXIT, "app", null, 0, 0, -1, new SourceRef(f, 16), "child", 0, false),
                new EventSpec(4_000_000, Action.EXIT, "app", null, 0, 0, -1, new SourceRef(f, 16), "app", 0, false)), m.events());
        assertEquals(List.of(), validate(m));
    }

    @Test
    void badWordsAndValuesAreLocatedWithSuggestions() throws IOException {
        Path p = write("    file('x') { sise 1.MiB }", "        writeback { dirtyRatio 150; dirtyExpir 1.s }", """
                        at(1.ms) { madvise 'heap', advice: 'dontned' }
                        at(2.ms) { mbind 'heap', nodes: '1' }
                        at(3.ms) { mbind 'heap', mode: 'bind', nodes: '1-x' }
                        thread(cpu: 1, mapping: 'heap', file: 'db.dat') { workload 'uniform' }""");
        ScenarioException e = assertThrows(ScenarioException.class, () -> loader.load(p, Map.of()));
        String f = p.toString();
        assertEquals(List.of(
                f + ":4: unknown setting 'sise' in file {}; did you mean 'size'?",
                f + ":9: 'dirtyRatio' in writeback {} is a percentage, at most 100, got 150",
                f + ":9: unknown setting 'dirtyExpir' in writeback {}; did you mean 'dirtyExpire'?",
                f + ":13: unknown madvise advice 'dontned'; did you mean 'dontneed'? available: hugepage, nohugepage, pageout, dontneed",
                f + ":14: mbind needs a mode (bind, preferred, interleave, default): mbind 'heap', mode: 'bind', nodes: '1', move: true",
                f + ":15: mbind nodes: '1-x' is not a node list such as '1' or '0,2-3'",
                f + ":16: thread 't0' of process 'app' names both mapping 'heap' and file 'db.dat'; a thread either references a"
                        + " mapping or reads and writes a file"), messages(e));
    }

    @Test
    void theValidatorChecksFilesForksModesAndNodes() throws IOException {
        Path p = write("""
                    process('other') {
                        mapping 'big', 2.MiB, kind: 'file-private', file: 'db.dat'
                        mapping 'dev', 64.KiB, kind: 'pfnmap'
                        thread(cpu: 1, file: 'db.dta') { workload 'uniform' }
                        at(1.ms) { madvise 'dev', advice: 'dontneed' }
                    }""", "", """
                        at(1.ms) { fork 'other'; fsync 'nope.dat' }
                        at(2.ms) { mbind 'heap', mode: 'bind', nodes: '3'; mbind 'heap', mode: 'bnd', nodes: '1'; exit 'kid' }
                        at(3.ms) { fork 'kid'; mlock 'heap' }""");
        ScenarioModel m = load(p);
        String f = p.toString();
        assertEquals(List.of(
                f + ":5: mapping 'big' (512 pages) is larger than file 'db.dat' (256 pages); a reference beyond the end of a file is SIGBUS",
                f + ":7: thread 't0' reads and writes unknown file 'db.dta'; did you mean 'db.dat'?; declare it: file('db.dta') { size 64.MiB }",
                f + ":18: fork names its child 'other', but a process of that name is declared; give the child its own name",
                f + ":8: madvise dontneed of pfnmap mapping 'dev' fails with EINVAL (VM_PFNMAP)",
                f + ":18: fsync of unknown file 'nope.dat'",
                f + ":19: mbind names node 3, but the machine has nodes 0..1",
                f + ":19: unknown mbind mode 'bnd'; did you mean 'bind'?; modes: bind, preferred, interleave, default",
                f + ":19: exit 'kid' comes before the fork that creates it"), validate(m));
    }

    @Test
    void pageCacheKindsAndFileThreadsNeedTheLruMode() throws IOException {
        Path p = dir.resolve("s.ksim.groovy");
        Files.writeString(p, """
                scenario('s') {
                    duration 10.ms
                    machine { node(0) { memory 64.MiB; cpus 0 }; reclaim 'strict-lru' }
                    process('p') {
                        mapping 'shm', 1.MiB, kind: 'shmem'
                        thread(cpu: 0, file: 'shm') { workload 'uniform' }
                    }
                }
                """);
        ScenarioModel m = load(p);
        assertEquals(List.of(
                p + ":5: mapping 'shm' of kind 'shmem' needs reclaim 'lru' (the machine uses 'strict-lru', which keeps one exact list of anonymous pages)",
                p + ":6: thread 't0' reads and writes unknown file 'shm'; declare it: file('shm') { size 64.MiB }",
                p + ":6: thread 't0' does file I/O, which needs reclaim 'lru' (the machine uses 'strict-lru')"), validate(m));
    }

    @Test
    void driverPagesAndTheirSoftOfflineAreMachineLevelActions() throws IOException {
        Path p = write("""
                    at(1.ms) { driverPages 'balloon', node: 1, pages: 8 }
                    at(2.ms) { softOffline driver: 'balloon', page: 3 }""", "", "");
        ScenarioModel m = load(p);
        String f = p.toString();
        assertEquals(List.of(
                new EventSpec(1_000_000, Action.DRIVER_PAGES, null, null, 0, 8, 1, new SourceRef(f, 4), "balloon", 0, false),
                new EventSpec(2_000_000, Action.SOFT_OFFLINE_DRIVER, null, null, 3, 1, -1, new SourceRef(f, 5), "balloon", 0, false)),
                m.events());
        assertEquals(List.of(), validate(m));

        Path q = write("""
                    at(1.ms) { softOffline driver: 'balon', page: 3; driverPages 'balloon', node: 2, pages: 8 }
                    at(2.ms) { softOffline driver: 'balloon', page: 8; driverPages 'balloon', node: 0, pages: 1 }""", "", "");
        ScenarioModel bad = load(q);
        String g = q.toString();
        assertEquals(List.of(
                g + ":4: softOffline names driver 'balon', which has no movable pages at that time; allocate them first:"
                        + " driverPages 'balon', node: 0, pages: 16",
                g + ":4: driverPages names node 2, but the machine has nodes 0..1",
                g + ":5: softOffline: page 8 of driver 'balloon' is outside its pages 0..7",
                g + ":5: driver 'balloon' allocates its movable pages twice; give each driver its own name"), validate(bad));

        Path r = write("", "", "        at(1.ms) { driverPages 'balloon', node: 0, pages: 8 }\n        at(1.ms) { softOffline driver: 'x' }");
        ScenarioException e = assertThrows(ScenarioException.class, () -> loader.load(r, Map.of()));
        assertEquals(List.of(
                r + ":13: 'driverPages' is a driver's allocation, not something process 'app' does: write it in scenario {} or"
                        + " machine {}: at(1ms) { driverPages 'balloon', node: 0, pages: 64 }",
                r + ":14: 'softOffline' is a hardware error, not something process 'app' does: write it in scenario {} or machine {}:"
                        + " at(1ms) { softOffline process: 'app', mapping: 'heap', page: 7  or  softOffline driver: 'balloon', page: 3 }"),
                messages(e));
    }
}

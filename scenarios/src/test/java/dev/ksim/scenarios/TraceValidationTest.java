package dev.ksim.scenarios;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ksim.engine.results.RunResult;
import dev.ksim.runtime.cli.Ksim;
import dev.ksim.runtime.run.ScenarioReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Validation against the outside world, through the real scenario path (Groovy DSL → engine →
 * the {@code trace} plugin): with {@code reclaim 'strict-lru'}, one node of N frames and every
 * reference one 4 KiB page, page faults equal an exact LRU's misses — both the figures libCacheSim
 * gives for its cloudPhysicsIO sample and a count computed here, independently of the engine.
 */
class TraceValidationTest {
    @TempDir
    Path tmp;

    /** libCacheSim's sample trace, in ../shared/data beside the repository (absent: tests skip). */
    static Path cloudPhysics() {
        return Scenarios.dir().getParent().getParent().resolve("shared/data/cloudPhysicsIO.oracleGeneral.bin");
    }

    /** Misses of a textbook LRU cache of {@code capacity} entries (cold misses counted). */
    static long lruMisses(List<Long> refs, int capacity) {
        LinkedHashSet<Long> cache = new LinkedHashSet<>();
        long misses = 0;
        for (Long r : refs) {
            if (cache.remove(r)) {
                cache.add(r);
                continue;
            }
            misses++;
            if (cache.size() == capacity) {
                Iterator<Long> oldest = cache.iterator();
                oldest.next();
                oldest.remove();
            }
            cache.add(r);
        }
        return misses;
    }

    /** A one-node strict-lru scenario replaying {@code trace}, one variant per frame count. */
    private Path scenario(String name, Path trace, String format, List<Integer> frames, long mappingPages, String extra)
            throws IOException {
        String s = """
                scenario('%s') {
                    duration 36000.s
                    sampleEvery 1.s
                    variants { param 'frames', %s }
                    machine {
                        cpus 1
                        node(0) { memory(param('frames') * 4.KiB); cpus 0; provider 'system-ram' }
                        swap { size %d.MiB; readLatency 80.us; writeLatency 100.us }
                        reclaim 'strict-lru'
                    }
                    policy 'first-touch'
                    process('replay') {
                        mapping 'data', %d.KiB
                        thread(cpu: 0) { workload 'trace', file: '%s', format: '%s'%s }
                    }
                }
                """.formatted(name, frames, mappingPages * 4 / 1024 + 64, mappingPages * 4,
                trace.toString().replace("\\", "/"), format, extra);
        Path f = tmp.resolve(name + ".ksim.groovy");
        Files.writeString(f, s);
        return f;
    }

    private static long counter(RunResult r, String name) {
        return r.metrics().get(name).longValue();
    }

    @Test
    void cloudPhysicsFaultsEqualLibCacheSimLruMisses() throws IOException {
        Path trace = cloudPhysics();
        assumeTrue(Files.isRegularFile(trace), "no " + trace);
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(trace)).order(ByteOrder.LITTLE_ENDIAN);
        List<Long> ids = new ArrayList<>();
        while (b.remaining() >= 24) {
            b.getInt();
            ids.add(b.getLong());
            b.getInt();
            b.getLong();
        }
        assertEquals(113_872, ids.size());
        // the figures of the issue (libCacheSim LRU, sizes ignored), checked against our own LRU
        assertEquals(95_420, lruMisses(ids, 489));
        assertEquals(91_657, lruMisses(ids, 4_897));

        Path file = scenario("cloudphysics", trace, "oracle-bin", List.of(489, 4_897), 49_152, "");
        ScenarioReport report = Scenarios.run(file, 1);
        assertEquals(2, report.runs().size());
        long[] expected = {95_420, 91_657};
        for (int i = 0; i < 2; i++) {
            RunResult r = report.runs().get(i);
            assertNull(r.error(), r.variant());
            assertEquals(113_872, counter(r, "accesses"), r.variant() + ": every record replayed once");
            assertEquals(expected[i], counter(r, "pgfault"), r.variant() + ": faults = exact LRU misses");
            assertEquals(0, counter(r, "oom_kill"), r.variant());
            assertEquals(List.of(), r.invariants().violations(), r.variant());
        }
    }

    private static final Pattern LACKEY = Pattern.compile("^(?:I |  ?[LSM]) +([0-9a-fA-F]+),([0-9]+)\\s*$");

    @Test
    void valgrindLackeyRecordingReplaysAsExactLru() throws Exception {
        assumeTrue(onPath("valgrind"), "valgrind is not installed");
        Path log = tmp.resolve("true.lackey");
        Process p = new ProcessBuilder("valgrind", "--tool=lackey", "--trace-mem=yes", "--log-file=" + log, "/bin/true")
                .redirectErrorStream(true).redirectOutput(tmp.resolve("valgrind.out").toFile()).start();
        assumeTrue(p.waitFor(120, TimeUnit.SECONDS), "valgrind took too long");
        assumeTrue(p.exitValue() == 0 && Files.size(log) > 0, "valgrind could not trace /bin/true: "
                + Files.readString(tmp.resolve("valgrind.out")));

        // independent reading of the log: data accesses only, every page in [addr, addr+size)
        List<Long> pages = new ArrayList<>();
        long skipped = 0;
        try (Stream<String> lines = Files.lines(log, StandardCharsets.ISO_8859_1)) {
            for (String line : (Iterable<String>) lines::iterator) {
                if (line.startsWith("==") || line.isBlank()) {
                    continue;
                }
                Matcher m = LACKEY.matcher(line);
                assertTrue(m.matches(), "unexpected lackey line: " + line);
                if (line.startsWith("I")) {
                    skipped++;
                    continue;
                }
                long addr = Long.parseUnsignedLong(m.group(1), 16);
                long size = Math.max(1, Long.parseLong(m.group(2)));
                for (long pg = addr >>> 12; pg <= (addr + size - 1) >>> 12; pg++) {
                    pages.add(pg);
                }
            }
        }
        assertTrue(pages.size() > 10_000 && skipped > 10_000, "a real program makes many references: " + pages.size());
        long distinct = pages.stream().distinct().count();
        List<Integer> frames = List.of(8, 32, 128);
        long[] expected = frames.stream().mapToLong(n -> lruMisses(pages, n)).toArray();
        assertTrue(expected[0] > expected[2] && expected[2] >= distinct, "memory size matters in this trace");

        Path file = scenario("lackey", log, "auto", frames, distinct, "");
        ScenarioReport report = Scenarios.run(file, 1);
        for (int i = 0; i < frames.size(); i++) {
            RunResult r = report.runs().get(i);
            assertNull(r.error(), r.variant());
            assertEquals(pages.size(), counter(r, "accesses"), r.variant());
            assertEquals(expected[i], counter(r, "pgfault"), r.variant() + ": faults = exact LRU misses");
        }
    }

    private static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String d : path.split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }

    private record Outcome(int code, String out, String err) {
    }

    private static Outcome ksim(String... args) {
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        int code = Ksim.execute(args, new PrintWriter(o, true), new PrintWriter(e, true));
        return new Outcome(code, o.toString(), e.toString());
    }

    @Test
    void truncatedTraceExits1NamingFileAndRecordAndWritesNoResults() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(3 * 24 + 10).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 3; i++) {
            b.putInt(i).putLong(100 + i).putInt(4096).putLong(-1);
        }
        Path trace = tmp.resolve("cut.oracleGeneral.bin");
        Files.write(trace, b.array());
        Path file = scenario("truncated", trace, "auto", List.of(2, 16), 16, "");
        Path out = tmp.resolve("out");
        Outcome o = ksim("run", file.toString(), "--out", out.toString());
        assertEquals(1, o.code(), o.err());
        assertTrue(o.err().contains("cut.oracleGeneral.bin' (oracle-bin), record 4: expected a record of 24 bytes"), o.err());
        assertTrue(o.err().contains("truncated"), o.err());
        assertFalse(o.err().contains("\tat "), o.err());
        assertFalse(Files.exists(out.resolve("results.json")), "no results for an invalid input");
    }

    @Test
    void missingAndTooLargeTracesAreInvalidInput() throws IOException {
        Path file = scenario("missing", tmp.resolve("nope.bin"), "auto", List.of(4), 16, "");
        Outcome o = ksim("run", file.toString(), "--out", tmp.resolve("o1").toString());
        assertEquals(1, o.code(), o.err());
        assertTrue(o.err().contains("nope.bin' does not exist"), o.err());

        Path ids = tmp.resolve("ids.txt");
        Files.writeString(ids, "1\n2\n3\n1\n4\n5\n");
        Path small = scenario("small", ids, "ids-txt", List.of(4), 3, "");
        o = ksim("run", small.toString(), "--out", tmp.resolve("o2").toString());
        assertEquals(1, o.code(), o.err());
        assertTrue(o.err().contains("'" + ids.toString().replace("\\", "/") + "' (ids-txt), line 5: page 4 is the trace's distinct"
                + " page number 4, but the mapping has only 3 pages"), o.err());
    }

    @Test
    void relativeTracePathIsResolvedAgainstTheScenarioDirectoryAndLoopReplays() throws IOException {
        Files.createDirectories(tmp.resolve("traces"));
        Files.writeString(tmp.resolve("traces/ids.txt"), "7\n8\n9\n7\n");
        Path once = scenario("once", Path.of("traces/ids.txt"), "auto", List.of(2), 3, "");
        RunResult r = Scenarios.run(once, 1).runs().get(0);
        assertNull(r.error());
        assertEquals(4, counter(r, "accesses"), "the thread stops when the trace ends");
        assertEquals(4, counter(r, "pgfault"), "7 8 9 7 in 2 frames: every reference misses");

        Path looped = scenario("looped", Path.of("traces/ids.txt"), "auto", List.of(3), 3, ", loop: true; accesses 40");
        r = Scenarios.run(looped, 1).runs().get(0);
        assertNull(r.error());
        assertEquals(40, counter(r, "accesses"));
        assertEquals(3, counter(r, "pgfault"), "looping keeps each trace page on the same mapping page");
    }
}

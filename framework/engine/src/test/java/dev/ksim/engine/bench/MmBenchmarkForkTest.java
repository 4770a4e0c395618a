package dev.ksim.engine.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.engine.model.ReclaimMode;
import org.junit.jupiter.api.Test;

/**
 * The fork protocol of {@code ksim bench mm} (not its speed: benchmarks are never timed in tests).
 * A tiny replay in a child JVM must come back as a figure without falling back to this JVM.
 */
class MmBenchmarkForkTest {

    @Test
    void aReplayRunsInAForkedJvmAndReportsItsFigure() {
        MmBenchmark b = new MmBenchmark();
        MmBenchmark.Replay r = b.replayForked(1024, 2048, 1 << 16, true, ReclaimMode.STRICT_LRU);
        assertEquals(java.util.List.of(), b.forkFailures, "the fork fell back to this JVM");
        assertTrue(r.medianRefsPerS() > 0 && r.best() >= r.medianRefsPerS() && Double.isFinite(r.best()), r.toString());
    }

    @Test
    void theChildEntryPointPrintsTheFigureAfterItsMarker() {
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        java.io.PrintStream old = System.out;
        System.setOut(new java.io.PrintStream(buf, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            MmBenchmark.main(new String[] {"replay", "1024", "512", "65536", "false", "LRU"});
        } finally {
            System.setOut(old);
        }
        String out = buf.toString(java.nio.charset.StandardCharsets.UTF_8).strip();
        assertTrue(out.startsWith(MmBenchmark.FORK_RESULT), out);
        MmBenchmark.Replay r = MmBenchmark.parseForked(out);
        assertTrue(r.best() >= r.medianRefsPerS() && r.medianRefsPerS() > 0, out);
    }

    @Test
    void forkedOutputWithoutTheFigureIsRefused() {
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> MmBenchmark.parseForked("Error: Could not find or load main class"));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> MmBenchmark.parseForked(MmBenchmark.FORK_RESULT + "123.0\n"));
    }
}

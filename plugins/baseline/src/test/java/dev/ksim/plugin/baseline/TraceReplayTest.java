package dev.ksim.plugin.baseline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.spi.InvalidInputException;
import dev.ksim.spi.workload.AccessRange;
import dev.ksim.spi.workload.PageTrace;
import dev.ksim.spi.workload.PageTraces;
import dev.ksim.spi.workload.WorkloadGenerator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The trace workload's placement (dense, first-seen), end of trace, looping and its errors. */
class TraceReplayTest {

    /** A trace over a fixed list of page ids, counting rewinds. */
    static final class ListTrace implements PageTrace {
        final long[] ids;
        int i = -1;
        int rewinds;
        boolean closed;

        ListTrace(long... ids) {
            this.ids = ids;
        }

        @Override
        public boolean next() {
            if (closed || i + 1 >= ids.length) {
                return false;
            }
            i++;
            return true;
        }

        @Override
        public long page() {
            return ids[i];
        }

        @Override
        public void rewind() {
            i = -1;
            rewinds++;
        }

        @Override
        public long record() {
            return i + 1;
        }

        @Override
        public String file() {
            return "t.txt";
        }

        @Override
        public String format() {
            return "ids-txt";
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    private static TraceReplay replay(ListTrace trace, long pages, boolean loop) {
        List<String> opened = new ArrayList<>();
        PageTraces traces = (file, format, instructions) -> {
            opened.add(file + "/" + format + "/" + instructions);
            return trace;
        };
        TraceReplay r = new TraceReplay(new AccessRange(pages, 0, 1), TestSupport.options(
                WorkloadProviders.TraceReplayProvider.DESCRIPTOR, Map.of("file", "t.txt", "loop", loop)), traces);
        assertEquals(List.of("t.txt/auto/false"), opened, "options reach the engine's reader");
        return r;
    }

    private static List<Long> drain(WorkloadGenerator g, int max) {
        List<Long> out = new ArrayList<>();
        for (int k = 0; k < max; k++) {
            long p = g.nextPage();
            if (p == WorkloadGenerator.END) {
                break;
            }
            out.add(p);
        }
        return out;
    }

    @Test
    void distinctPagesGetDenseIndicesInFirstSeenOrderAndTheThreadStopsAtTheEnd() {
        ListTrace t = new ListTrace(0x7fff_1234L, 42, 0x7fff_1234L, -1L, 42, 5);
        TraceReplay r = replay(t, 4, false);
        assertEquals(List.of(0L, 1L, 0L, 2L, 1L, 3L), drain(r, 100));
        assertEquals(WorkloadGenerator.END, r.nextPage(), "stays ended");
        assertTrue(t.closed, "the file is released when the trace ends");
    }

    @Test
    void loopStartsOverWithTheSamePlacement() {
        ListTrace t = new ListTrace(9, 8, 9, 7);
        TraceReplay r = replay(t, 3, true);
        assertEquals(List.of(0L, 1L, 0L, 2L, 0L, 1L, 0L, 2L, 0L, 1L), drain(r, 10));
        assertEquals(2, t.rewinds);
    }

    @Test
    void emptyTraceEndsEvenWhenLooping() {
        ListTrace t = new ListTrace();
        assertEquals(List.of(), drain(replay(t, 3, true), 10));
    }

    @Test
    void moreDistinctPagesThanTheMappingIsInvalidInputNamingTheRecord() {
        TraceReplay r = replay(new ListTrace(1, 2, 1, 3), 2, false);
        assertEquals(List.of(0L, 1L, 0L), drain(r, 3));
        InvalidInputException e = assertThrows(InvalidInputException.class, r::nextPage);
        assertTrue(e.getMessage().contains("'t.txt' (ids-txt), line 4: page 3 is the trace's distinct page number 3,"
                + " but the mapping has only 2 pages"), e.getMessage());
    }

    @Test
    void missingFileOptionIsInvalidInput() {
        PageTraces none = (f, fmt, i) -> {
            throw new AssertionError("must not open");
        };
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> new TraceReplay(new AccessRange(4, 0, 1),
                TestSupport.options(WorkloadProviders.TraceReplayProvider.DESCRIPTOR, Map.of()), none));
        assertTrue(e.getMessage().contains("needs the trace file"), e.getMessage());
    }

    @Test
    void pageIndexSurvivesGrowthWithManyKeys() {
        TraceReplay.PageIndex idx = new TraceReplay.PageIndex();
        SplittableRandom r = new SplittableRandom(5);
        long[] keys = new long[100_000];
        for (int i = 0; i < keys.length; i++) {
            long k;
            do {
                k = r.nextLong();
            } while (idx.get(k) >= 0);
            keys[i] = k;
            assertEquals(i, idx.put(k));
        }
        for (int i = 0; i < keys.length; i++) {
            assertEquals(i, idx.get(keys[i]));
        }
        assertEquals(keys.length, idx.size());
    }
}

package dev.ksim.engine.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ksim.engine.results.HistogramSummary;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** The front table of {@link LatencyHistogram} changes nothing a reader sees. */
class LatencyHistogramTest {

    /**
     * Values drawn from a few distinct ones (as simulated latencies are), so slots both hit and
     * collide; reads in the middle drain the table and recording goes on after them.
     */
    @Property(tries = 300)
    void sameDistributionAsAPlainHdrHistogram(@ForAll @Size(min = 1, max = 12) List<@LongRange(min = -5, max = 5_000_000) Long> distinct,
                                              @ForAll @Size(max = 2_000) List<@IntRange(max = 11) Integer> picks,
                                              @ForAll @IntRange(max = 2_000) int readAt) {
        LatencyHistogram h = new LatencyHistogram("t");
        Histogram plain = new Histogram(3);
        for (int i = 0; i < picks.size(); i++) {
            long v = distinct.get(picks.get(i) % distinct.size());
            h.record(v);
            plain.recordValue(Math.max(0, v));
            if (i == readAt) {
                assertEquals(summaryOf(plain), h.summary());
            }
        }
        assertEquals(plain.getTotalCount(), h.count());
        assertEquals(summaryOf(plain), h.summary());
    }

    @Test
    void zeroAndNegativeValuesCountAsZero() {
        LatencyHistogram h = new LatencyHistogram("z");
        h.record(0);
        h.record(-3);
        h.record(0);
        h.record(7);
        assertEquals(new HistogramSummary(4, 0, 7, 7, 7), h.summary());
    }

    private static HistogramSummary summaryOf(Histogram p) {
        if (p.getTotalCount() == 0) {
            return new HistogramSummary(0, 0, 0, 0, 0);
        }
        return new HistogramSummary(p.getTotalCount(), p.getValueAtPercentile(50), p.getValueAtPercentile(90),
                p.getValueAtPercentile(99), p.getMaxValue());
    }
}

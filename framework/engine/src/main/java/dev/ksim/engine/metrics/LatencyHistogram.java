package dev.ksim.engine.metrics;

import dev.ksim.engine.results.HistogramSummary;
import org.HdrHistogram.Histogram;

/**
 * A latency distribution in nanoseconds: an auto-resizing HdrHistogram with 3 significant digits,
 * so recording never allocates once the histogram covers the range seen. Values are
 * deterministic (no wall clock involved).
 *
 * <p>Simulated latencies repeat: a reference that hits the TLB, or misses it and walks, costs the
 * same few nanoseconds millions of times. {@link #record} therefore counts a value in a small
 * direct-mapped front table ({@value #SLOTS} slots of value and count) and hands the HdrHistogram
 * a value only with its whole count, when another value takes the slot or before any read
 * ({@link #count}, {@link #summary}). The distribution read is exactly the one recorded — only
 * the order in which counts reach the HdrHistogram changes, which a histogram does not see.
 * Not thread-safe, like the simulation that records into it.
 */
public final class LatencyHistogram {
    static final int SLOTS = 8;

    private final String name;
    private final Histogram histogram = new Histogram(3);
    private final long[] slotValue = new long[SLOTS];
    /** Recordings of {@code slotValue[s]} not yet in {@link #histogram}; 0 means the slot is free. */
    private final long[] slotCount = new long[SLOTS];

    public LatencyHistogram(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }

    /** Records one value (negative values count as 0). */
    public void record(long valueNs) {
        long v = valueNs < 0 ? 0 : valueNs;
        int s = (int) (v * 0x9E3779B97F4A7C15L >>> 61); // Fibonacci hashing: the top 3 bits
        if (slotValue[s] == v) {
            slotCount[s]++;
            return;
        }
        long c = slotCount[s];
        if (c != 0) {
            histogram.recordValueWithCount(slotValue[s], c);
        }
        slotValue[s] = v;
        slotCount[s] = 1;
    }

    /** Moves the front table's counts into the HdrHistogram. */
    private void drain() {
        for (int s = 0; s < SLOTS; s++) {
            if (slotCount[s] != 0) {
                histogram.recordValueWithCount(slotValue[s], slotCount[s]);
                slotCount[s] = 0;
            }
        }
    }

    public long count() {
        drain();
        return histogram.getTotalCount();
    }

    /** count, p50, p90, p99, max; all zero when nothing was recorded. */
    public HistogramSummary summary() {
        drain();
        if (histogram.getTotalCount() == 0) {
            return new HistogramSummary(0, 0, 0, 0, 0);
        }
        return new HistogramSummary(histogram.getTotalCount(),
                histogram.getValueAtPercentile(50),
                histogram.getValueAtPercentile(90),
                histogram.getValueAtPercentile(99),
                histogram.getMaxValue());
    }
}

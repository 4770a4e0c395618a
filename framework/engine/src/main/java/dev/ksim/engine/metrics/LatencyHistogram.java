package dev.ksim.engine.metrics;

import dev.ksim.engine.results.HistogramSummary;
import org.HdrHistogram.Histogram;

/**
 * A latency distribution in nanoseconds: an auto-resizing HdrHistogram with 3 significant digits,
 * so recording never allocates once the histogram covers the range seen. Values are
 * deterministic (no wall clock involved).
 */
public final class LatencyHistogram {
    private final String name;
    private final Histogram histogram = new Histogram(3);

    public LatencyHistogram(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }

    public void record(long valueNs) {
        histogram.recordValue(valueNs < 0 ? 0 : valueNs);
    }

    public long count() {
        return histogram.getTotalCount();
    }

    /** count, p50, p90, p99, max; all zero when nothing was recorded. */
    public HistogramSummary summary() {
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

package dev.ksim.engine.metrics;

import dev.ksim.engine.results.HistogramSummary;
import dev.ksim.engine.results.TimeSeries;
import dev.ksim.spi.Metrics;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * All metrics of one run: counters, latency histograms and gauges (sampled into time series on
 * {@link #sampleGauges()} and read once more at the end as final values). Counters and histograms
 * are created on first use. Mechanisms look their counters up once and keep the reference; the
 * name lookups of {@link #counter(String)} / {@link #recordLatency(String, long)} are for plugins.
 */
public final class MetricsRegistry implements Metrics {
    private final Map<String, LongCounter> counters = new LinkedHashMap<>();
    private final Map<String, LatencyHistogram> histograms = new LinkedHashMap<>();
    private final Map<String, Gauge> gauges = new LinkedHashMap<>();
    private final Map<String, long[]> samples = new LinkedHashMap<>();
    private int sampleCount;

    @Override
    public LongCounter counter(String name) {
        LongCounter c = counters.get(name);
        if (c == null) {
            checkFree(name, counters);
            c = new LongCounter(name);
            counters.put(name, c);
        }
        return c;
    }

    public LatencyHistogram histogram(String name) {
        LatencyHistogram h = histograms.get(name);
        if (h == null) {
            h = new LatencyHistogram(name);
            histograms.put(name, h);
        }
        return h;
    }

    @Override
    public void recordLatency(String histogram, long valueNs) {
        histogram(histogram).record(valueNs);
    }

    /** Registers a gauge; it is sampled at each {@link #sampleGauges()} and reported as a final metric. */
    public void gauge(String name, Gauge gauge) {
        checkFree(name, gauges);
        if (gauges.put(name, gauge) != null) {
            throw new IllegalArgumentException("gauge registered twice: " + name);
        }
        samples.put(name, new long[16]);
    }

    private void checkFree(String name, Map<String, ?> own) {
        if ((own != counters && counters.containsKey(name)) || (own != gauges && gauges.containsKey(name))) {
            throw new IllegalArgumentException("metric name used twice: " + name);
        }
    }

    /** Appends every gauge's current value to its series (one sampling point). */
    public void sampleGauges() {
        for (Map.Entry<String, Gauge> e : gauges.entrySet()) {
            long[] s = samples.get(e.getKey());
            if (sampleCount == s.length) {
                s = Arrays.copyOf(s, s.length * 2);
                samples.put(e.getKey(), s);
            }
            s[sampleCount] = e.getValue().read();
        }
        sampleCount++;
    }

    public int sampleCount() {
        return sampleCount;
    }

    /** Counters and gauges' current values, sorted by name. */
    public SortedMap<String, Number> finalValues() {
        SortedMap<String, Number> m = new TreeMap<>();
        for (LongCounter c : counters.values()) {
            m.put(c.name(), c.get());
        }
        for (Map.Entry<String, Gauge> e : gauges.entrySet()) {
            m.put(e.getKey(), e.getValue().read());
        }
        return m;
    }

    public SortedMap<String, HistogramSummary> histogramSummaries() {
        SortedMap<String, HistogramSummary> m = new TreeMap<>();
        for (LatencyHistogram h : histograms.values()) {
            m.put(h.name(), h.summary());
        }
        return m;
    }

    public SortedMap<String, TimeSeries> series(long intervalNs) {
        SortedMap<String, TimeSeries> m = new TreeMap<>();
        for (Map.Entry<String, long[]> e : samples.entrySet()) {
            long[] s = e.getValue();
            List<Long> values = new ArrayList<>(sampleCount);
            for (int i = 0; i < sampleCount; i++) {
                values.add(s[i]);
            }
            m.put(e.getKey(), new TimeSeries(intervalNs, values));
        }
        return m;
    }
}

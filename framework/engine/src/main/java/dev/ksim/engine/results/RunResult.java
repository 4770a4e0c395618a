package dev.ksim.engine.results;

import java.util.Map;
import java.util.SortedMap;

/**
 * What one variant's run produced. Everything a renderer shows comes from here. Maps are sorted
 * by name so that serialisations are stable. {@code error} is null for a run that completed; for
 * a run a plugin crashed it holds the message naming the plugin (metrics are then partial).
 */
public record RunResult(
        String variant,
        Map<String, Object> params,
        long simulatedTimeNs,
        SortedMap<String, Number> metrics,
        SortedMap<String, HistogramSummary> histograms,
        SortedMap<String, TimeSeries> series,
        java.util.List<ExpectationResult> expectations,
        InvariantReport invariants,
        String error) {
}

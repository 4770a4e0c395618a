package dev.ksim.engine.results;

/** Summary of a latency histogram, nanoseconds. */
public record HistogramSummary(long count, long p50, long p90, long p99, long max) {
}

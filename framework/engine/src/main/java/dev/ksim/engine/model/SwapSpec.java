package dev.ksim.engine.model;

/**
 * A swap device. {@code sizeBytes == 0} means no swap: eviction of anonymous pages is then
 * impossible and a full machine kills (OOM).
 */
public record SwapSpec(long sizeBytes, long readLatencyNs, long writeLatencyNs, SourceRef where) {
    public static final SwapSpec NONE = new SwapSpec(0, 0, 0, SourceRef.UNKNOWN);
}

package dev.ksim.engine.model;

/**
 * A file on storage ({@code file('db.dat') { size 64.MiB; readLatency 90.us; writeLatency 30.us }}):
 * its size and its storage's latencies for reading one 4 KiB page and completing the write of one
 * ({@link #DEFAULT_LATENCY}: the cost model's {@code file.read} / {@code file.write}). Files that
 * mappings or threads name without a declaration exist with the size of the largest mapping of them.
 */
public record FileSpec(String name, long sizeBytes, long readLatencyNs, long writeLatencyNs, SourceRef where) {
    /** A latency taken from the cost model. */
    public static final long DEFAULT_LATENCY = -1;
}

package dev.ksim.spi;

/**
 * The metrics of a run, as a plugin sees them. Names follow the kernel where one exists
 * ({@code pgmigrate_success}); a plugin's own metrics should be prefixed with its id.
 */
public interface Metrics {

    /** The counter with this name, created at zero on first use. */
    Counter counter(String name);

    /** Records one latency sample (nanoseconds) into the histogram with this name. */
    void recordLatency(String histogram, long valueNs);
}

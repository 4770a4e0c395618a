package dev.ksim.spi.workload;

/**
 * The stream of page references one simulated thread makes into one mapping. Instances are per
 * thread and per run; they may inject {@link AccessRange}, {@code RandomStream},
 * {@code PluginOptions} and {@link PageTraces} (to replay a trace file the user brings). Called
 * once per simulated access: no allocation.
 */
public interface WorkloadGenerator {
    /** Returned by {@link #nextPage()} when the workload has no more references: its thread exits. */
    long END = -1;

    /** The next page offset touched, in {@code [0, range.pages())}, or {@link #END} to stop. */
    long nextPage();
}

package dev.ksim.spi.workload;

/**
 * The stream of page references one simulated thread makes into one mapping. Instances are per
 * thread and per run; they may inject {@link AccessRange}, {@code RandomStream} and
 * {@code PluginOptions}. Called once per simulated access: no allocation.
 */
public interface WorkloadGenerator {

    /** The next page offset touched, in {@code [0, range.pages())}. */
    long nextPage();
}

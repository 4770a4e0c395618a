package dev.ksim.engine.bench;

import java.util.List;

/**
 * One throughput or footprint benchmark of an engine mechanism, run by {@code ksim bench}.
 * Benchmarks measure wall-clock speed and heap, so they never run in unit tests; their figures are
 * recorded in docs/performance.md with the machine and date.
 */
public interface Benchmark {

    /** Short name used on the command line: {@code ksim bench NAME}. */
    String name();

    /** One line saying what is measured and the target, if any. */
    String description();

    /**
     * Runs the benchmark (including its own warm-up) and returns its figures.
     *
     * @param scale 1.0 for the documented size; smaller for a quick smoke run
     */
    List<BenchResult> run(double scale);
}

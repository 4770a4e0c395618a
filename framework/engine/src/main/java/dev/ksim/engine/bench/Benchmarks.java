package dev.ksim.engine.bench;

import java.util.List;

/** The benchmarks {@code ksim bench} knows, in the order it runs them. Add new ones here. */
public final class Benchmarks {
    private Benchmarks() {
    }

    public static List<Benchmark> all() {
        return List.of(new MmBenchmark(), new BuddyBenchmark(), new IpcBenchmark());
    }
}

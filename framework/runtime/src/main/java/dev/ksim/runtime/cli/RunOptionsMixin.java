package dev.ksim.runtime.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options shared by {@code run} and {@code watch}. */
final class RunOptionsMixin {
    @Option(names = "--out", paramLabel = "DIR",
            description = "Directory for results.json (default: reports/<scenario>-<timestamp>/).")
    Path out;

    @Option(names = "--seed", paramLabel = "N", description = "Random seed (default: ksim.run.seed, 1).")
    Long seed;

    @Option(names = "--jobs", paramLabel = "N", description = "Variants run at once (default: ksim.run.jobs, all cores).")
    Integer jobs;

    @Option(names = "--check-invariants", paramLabel = "EVENTS",
            description = "Also check invariants every EVENTS events (default: only at the end of each run).")
    long checkInvariants;
}

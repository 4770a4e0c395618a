package dev.ksim.runtime.run;

import java.util.Map;

/**
 * How to run a scenario file: the seed, {@code --set} overrides, how many variants may run at once,
 * and how often (in events) to check invariants besides the end of every run (0 = end only).
 */
public record RunRequest(long seed, Map<String, String> sets, int jobs, long invariantCheckEvery) {
    public RunRequest {
        sets = Map.copyOf(sets);
        if (jobs < 1) {
            throw new IllegalArgumentException("jobs must be >= 1");
        }
    }
}

package dev.ksim.engine.results;

import java.util.List;

/** How many invariant checks ran (one per mechanism per check point) and what they found. */
public record InvariantReport(long checked, List<String> violations) {
    public InvariantReport {
        violations = List.copyOf(violations);
    }
}

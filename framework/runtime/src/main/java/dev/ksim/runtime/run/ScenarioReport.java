package dev.ksim.runtime.run;

import dev.ksim.dsl.LoadedScenario;
import dev.ksim.engine.results.RunResult;
import dev.ksim.runtime.registry.Provenance;
import java.util.List;

/**
 * Everything one {@code ksim run} of one scenario file produced: the scenario, the seed, the
 * plugins its runs bound, one result per variant (in variant order) and the wall-clock facts
 * (which are excluded from determinism comparisons).
 */
public record ScenarioReport(
        LoadedScenario scenario,
        long seed,
        List<Provenance> plugins,
        List<RunResult> runs,
        long startedAtEpochMs,
        long wallTimeMs) {

    public ScenarioReport {
        plugins = List.copyOf(plugins);
        runs = List.copyOf(runs);
    }

    /** True when some run was aborted by a crashing plugin. */
    public boolean anyCrashed() {
        return runs.stream().anyMatch(r -> r.error() != null);
    }

    /** True when some expectation of some completed run failed. */
    public boolean anyExpectationFailed() {
        return runs.stream().flatMap(r -> r.expectations().stream()).anyMatch(e -> !e.passed());
    }
}

package dev.ksim.engine.run;

import dev.ksim.engine.model.ScenarioModel;
import dev.ksim.engine.results.RunResult;

/**
 * Entry point of the engine: runs one scenario variant to completion and returns its results.
 * Deterministic: the same model, seed and plugins give identical results.
 */
public final class Simulation {
    private Simulation() {
    }

    /**
     * Runs {@code model} with {@code seed}. A plugin crash is caught and reported in
     * {@link RunResult#error()} naming the plugin; engine bugs propagate.
     */
    public static RunResult run(ScenarioModel model, long seed, PluginInstantiator plugins, RunOptions options) {
        throw new UnsupportedOperationException("implemented by the engine work");
    }
}

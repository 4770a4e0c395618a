package dev.ksim.engine.run;

import dev.ksim.engine.model.Diagnostic;
import dev.ksim.engine.model.ScenarioException;
import dev.ksim.engine.model.ScenarioModel;
import dev.ksim.engine.model.ScenarioValidator;
import dev.ksim.engine.model.SourceRef;
import dev.ksim.engine.results.RunResult;
import dev.ksim.spi.InvalidInputException;
import java.util.List;

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
     *
     * @throws ScenarioException when {@link ScenarioValidator} finds the model invalid (the
     *                           runtime normally validates before; this is the engine's own guard),
     *                           or when a plugin reports the user's input invalid with an
     *                           {@link InvalidInputException} (a malformed trace file): the run is
     *                           abandoned and the message, naming the file and record, becomes
     *                           the diagnostic (exit 1, no results)
     */
    public static RunResult run(ScenarioModel model, long seed, PluginInstantiator plugins, RunOptions options) {
        List<Diagnostic> problems = ScenarioValidator.validate(model);
        if (!problems.isEmpty()) {
            throw new ScenarioException(problems);
        }
        try {
            return new SimulationRun(model, seed, plugins, options == null ? RunOptions.DEFAULT : options).execute();
        } catch (InvalidInputException bad) {
            String variant = "default".equals(model.variant()) ? "" : "variant " + model.variant() + ": ";
            throw new ScenarioException(model.source() == null ? SourceRef.UNKNOWN : model.source(), variant + bad.getMessage());
        }
    }
}

package dev.ksim.dsl;

import dev.ksim.engine.model.ScenarioModel;
import java.util.List;

/**
 * A loaded scenario file: the scenario's name, the file as the user named it, the SHA-256 (hex)
 * of its bytes, and one {@link ScenarioModel} per variant in cartesian-product order.
 */
public record LoadedScenario(String name, String file, String sha256, List<ScenarioModel> variants) {
    public LoadedScenario {
        variants = List.copyOf(variants);
    }
}

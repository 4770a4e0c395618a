package dev.ksim.engine.model;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Invalid input: the scenario (or an argument) is wrong in ways the user can fix. Carries every
 * problem found, each located; the CLI prints them and exits 1.
 */
public final class ScenarioException extends RuntimeException {
    private final List<Diagnostic> diagnostics;

    public ScenarioException(List<Diagnostic> diagnostics) {
        super(diagnostics.stream().map(Diagnostic::toString).collect(Collectors.joining("\n")));
        if (diagnostics.isEmpty()) {
            throw new IllegalArgumentException("a ScenarioException needs at least one diagnostic");
        }
        this.diagnostics = List.copyOf(diagnostics);
    }

    public ScenarioException(SourceRef where, String message) {
        this(List.of(new Diagnostic(where, message)));
    }

    public List<Diagnostic> diagnostics() {
        return diagnostics;
    }
}

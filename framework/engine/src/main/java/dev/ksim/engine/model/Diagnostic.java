package dev.ksim.engine.model;

/** One located problem with a scenario: prints as {@code file:line: message}. */
public record Diagnostic(SourceRef where, String message) {
    @Override
    public String toString() {
        return where + ": " + message;
    }
}

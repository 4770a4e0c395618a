package dev.ksim.engine.model;

/**
 * Where in a scenario file something was declared, so errors can say {@code file:line}.
 * {@link #UNKNOWN} when it was not declared in a file (defaults, command-line overrides).
 */
public record SourceRef(String file, int line) {
    public static final SourceRef UNKNOWN = new SourceRef("<unknown>", 0);

    @Override
    public String toString() {
        return line > 0 ? file + ":" + line : file;
    }
}

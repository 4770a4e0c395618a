package dev.ksim.engine.model;

/**
 * A mapping of a process: its name, length, what it maps ({@link MappingKind}) and, for
 * file-backed kinds, the name of the file ({@code null} otherwise).
 */
public record MappingSpec(String name, long sizeBytes, MappingKind kind, String file, SourceRef where) {
    public MappingSpec {
        if (kind == null) {
            throw new IllegalArgumentException("mapping '" + name + "' has no kind");
        }
    }

    /** An anonymous private mapping ({@code mmap(MAP_ANONYMOUS|MAP_PRIVATE)}). */
    public MappingSpec(String name, long sizeBytes, SourceRef where) {
        this(name, sizeBytes, MappingKind.ANON, null, where);
    }
}

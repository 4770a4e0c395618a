package dev.ksim.engine.model;

/**
 * A mapping of a process: its name, length, what it maps ({@link MappingKind}) and, for
 * file-backed kinds, the name of the file ({@code null} otherwise), and the madvise(2) advice it
 * carries from its creation ({@link Madvise#HUGEPAGE} or {@link Madvise#NOHUGEPAGE}; null = none).
 */
public record MappingSpec(String name, long sizeBytes, MappingKind kind, String file, SourceRef where, Madvise advice) {
    public MappingSpec {
        if (kind == null) {
            throw new IllegalArgumentException("mapping '" + name + "' has no kind");
        }
    }

    /** A mapping without advice. */
    public MappingSpec(String name, long sizeBytes, MappingKind kind, String file, SourceRef where) {
        this(name, sizeBytes, kind, file, where, null);
    }

    /** An anonymous private mapping ({@code mmap(MAP_ANONYMOUS|MAP_PRIVATE)}). */
    public MappingSpec(String name, long sizeBytes, SourceRef where) {
        this(name, sizeBytes, MappingKind.ANON, null, where);
    }
}

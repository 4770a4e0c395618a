package dev.ksim.engine.model;

/**
 * A mapping of a process: its name, length, what it maps ({@link MappingKind}) and, for
 * file-backed kinds, the name of the file ({@code null} otherwise). {@code explicitPolicy}: the
 * mapping has an explicit memory policy (mbind(2) or set_mempolicy(2) without
 * MPOL_F_NUMA_BALANCING), which opts it out of automatic NUMA balancing; placement still comes
 * from the scenario's migration policy. {@code advice}: the madvise(2) advice it carries from its
 * creation ({@link Madvise#HUGEPAGE} or {@link Madvise#NOHUGEPAGE}; null = none).
 */
public record MappingSpec(String name, long sizeBytes, MappingKind kind, String file, boolean explicitPolicy, SourceRef where,
                          Madvise advice) {
    public MappingSpec {
        if (kind == null) {
            throw new IllegalArgumentException("mapping '" + name + "' has no kind");
        }
    }

    /** A mapping of {@code kind} with the default (task) memory policy and no advice. */
    public MappingSpec(String name, long sizeBytes, MappingKind kind, String file, SourceRef where) {
        this(name, sizeBytes, kind, file, false, where, null);
    }

    /** A mapping of {@code kind} with the default memory policy and madvise {@code advice}. */
    public MappingSpec(String name, long sizeBytes, MappingKind kind, String file, SourceRef where, Madvise advice) {
        this(name, sizeBytes, kind, file, false, where, advice);
    }

    /** A mapping of {@code kind} with or without an explicit policy, no advice. */
    public MappingSpec(String name, long sizeBytes, MappingKind kind, String file, boolean explicitPolicy, SourceRef where) {
        this(name, sizeBytes, kind, file, explicitPolicy, where, null);
    }

    /** An anonymous private mapping ({@code mmap(MAP_ANONYMOUS|MAP_PRIVATE)}). */
    public MappingSpec(String name, long sizeBytes, boolean explicitPolicy, SourceRef where) {
        this(name, sizeBytes, MappingKind.ANON, null, explicitPolicy, where, null);
    }

    /** An anonymous private mapping with the default (task) memory policy. */
    public MappingSpec(String name, long sizeBytes, SourceRef where) {
        this(name, sizeBytes, MappingKind.ANON, null, false, where, null);
    }
}

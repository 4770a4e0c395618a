package dev.ksim.engine.model;

/**
 * An anonymous private mapping of a process ({@code mmap(MAP_ANONYMOUS|MAP_PRIVATE)}).
 * {@code explicitPolicy}: the mapping has an explicit memory policy (mbind(2) or set_mempolicy(2)
 * without MPOL_F_NUMA_BALANCING), which opts it out of automatic NUMA balancing; placement still
 * comes from the scenario's migration policy.
 */
public record MappingSpec(String name, long sizeBytes, boolean explicitPolicy, SourceRef where) {
    /** A mapping with the default (task) memory policy. */
    public MappingSpec(String name, long sizeBytes, SourceRef where) {
        this(name, sizeBytes, false, where);
    }
}

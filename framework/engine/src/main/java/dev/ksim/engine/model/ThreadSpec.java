package dev.ksim.engine.model;

/**
 * A thread pinned to a CPU, touching one mapping of its process with a workload generator.
 * It makes {@code accesses} references (0 = unbounded, until the scenario's duration ends).
 */
public record ThreadSpec(String name, int cpu, String mapping, PluginRef workload, long accesses, SourceRef where) {
}

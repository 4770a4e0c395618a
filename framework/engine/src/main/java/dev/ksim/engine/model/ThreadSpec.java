package dev.ksim.engine.model;

/**
 * A thread pinned to a CPU, touching one mapping of its process with a workload generator.
 * It makes {@code accesses} references (0 = unbounded, until the scenario's duration ends),
 * starting at {@code startNs} of simulated time (0 = at the start of the run).
 */
public record ThreadSpec(String name, int cpu, String mapping, PluginRef workload, long accesses, SourceRef where, long startNs) {
    /** A thread that starts with the run. */
    public ThreadSpec(String name, int cpu, String mapping, PluginRef workload, long accesses, SourceRef where) {
        this(name, cpu, mapping, workload, accesses, where, 0);
    }
}

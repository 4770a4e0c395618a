package dev.ksim.engine.model;

/**
 * A thread pinned to a CPU, touching one mapping of its process with a workload generator — or,
 * with {@code file} set ({@code mapping} null), reading and writing that file with read(2) and
 * write(2) through the page cache. It makes {@code accesses} references (0 = unbounded, until the
 * scenario's duration ends), starting at {@code startNs} of simulated time (0 = at the start of the run).
 */
public record ThreadSpec(String name, int cpu, String mapping, PluginRef workload, long accesses, SourceRef where, long startNs,
                         String file) {
    /** A thread on a mapping that starts with the run. */
    public ThreadSpec(String name, int cpu, String mapping, PluginRef workload, long accesses, SourceRef where) {
        this(name, cpu, mapping, workload, accesses, where, 0, null);
    }

    /** A thread on a mapping that starts at {@code startNs}. */
    public ThreadSpec(String name, int cpu, String mapping, PluginRef workload, long accesses, SourceRef where, long startNs) {
        this(name, cpu, mapping, workload, accesses, where, startNs, null);
    }

    /** A thread that starts with the run, on a mapping or (with {@code file} set) doing file I/O. */
    public ThreadSpec(String name, int cpu, String mapping, PluginRef workload, long accesses, SourceRef where, String file) {
        this(name, cpu, mapping, workload, accesses, where, 0, file);
    }
}

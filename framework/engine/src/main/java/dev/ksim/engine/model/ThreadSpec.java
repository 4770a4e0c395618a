package dev.ksim.engine.model;

/**
 * A thread pinned to a CPU, touching one mapping of its process with a workload generator — or,
 * with {@code file} set ({@code mapping} null), reading and writing that file with read(2) and
 * write(2) through the page cache. It makes {@code accesses} references (0 = unbounded, until the
 * scenario's duration ends).
 */
public record ThreadSpec(String name, int cpu, String mapping, PluginRef workload, long accesses, SourceRef where, String file) {
    /** A thread on a mapping. */
    public ThreadSpec(String name, int cpu, String mapping, PluginRef workload, long accesses, SourceRef where) {
        this(name, cpu, mapping, workload, accesses, where, null);
    }
}

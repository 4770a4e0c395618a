package dev.ksim.spi.mm;

/** Read-only view of the machine's memory for policies. Cheap to query on the hot path. */
public interface MemoryView {
    int nodeCount();

    long totalPages(int node);

    long freePages(int node);

    boolean hasCpus(int node);

    /** ACPI SLIT-style distance: 10 for local, larger for remote. */
    int distance(int fromNode, int toNode);
}

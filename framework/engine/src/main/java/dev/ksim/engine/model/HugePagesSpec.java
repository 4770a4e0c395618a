package dev.ksim.engine.model;

/**
 * A node's hugetlbfs pool of 2 MiB pages ({@code node(0) { hugepages 64 }}), as
 * {@code /sys/devices/system/node/nodeN/hugepages/hugepages-2048kB/nr_hugepages} (or the
 * {@code hugepages=} boot parameter per node): {@code count} pages allocated from the node's buddy
 * allocator at boot.
 */
public record HugePagesSpec(long count, SourceRef where) {
    /** Bytes of one huge page (2 MiB, HPAGE_PMD_SIZE on x86-64). */
    public static final long HUGE_PAGE_BYTES = 2L << 20;
}

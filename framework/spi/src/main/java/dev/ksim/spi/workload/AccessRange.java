package dev.ksim.spi.workload;

/**
 * The range a workload generator draws from.
 *
 * @param pages  number of 4 KiB pages in the mapping
 * @param thread index of the thread within its process (0-based)
 * @param threads number of threads of the process sharing the mapping
 */
public record AccessRange(long pages, int thread, int threads) {
    public AccessRange {
        if (pages < 1) {
            throw new IllegalArgumentException("a mapping needs at least one page");
        }
    }
}

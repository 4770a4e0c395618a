package dev.ksim.spi.workload;

/**
 * The stream of page references one simulated thread makes into one mapping (or, for a file I/O
 * thread, one file). Instances are per thread and per run; they may inject {@link AccessRange},
 * {@code RandomStream}, {@code PluginOptions} and {@link PageTraces} (to replay a trace file the
 * user brings). Called once per simulated access: no allocation.
 *
 * <p>A reference is a load unless the returned value carries {@link #WRITE} (since 0.3.0): a
 * store to a mapping (it may dirty a shared file page or break copy-on-write), a write(2) for a
 * file I/O thread. Generators written before 0.3.0 never set the bit and make loads only.
 */
public interface WorkloadGenerator {
    /** Returned by {@link #nextPage()} when the workload has no more references: its thread exits. */
    long END = -1;

    /** Flag of a value {@link #nextPage()} returns for a store: {@code page | WRITE} (since 0.3.0). */
    long WRITE = 1L << 62;

    /** The next page offset touched, in {@code [0, range.pages())}, possibly {@code | WRITE}; or {@link #END} to stop. */
    long nextPage();

    /** {@code page} as a store (since 0.3.0). */
    static long write(long page) {
        return page | WRITE;
    }

    /** Whether a value {@link #nextPage()} returned (other than {@link #END}) is a store (since 0.3.0). */
    static boolean isWrite(long value) {
        return (value & WRITE) != 0;
    }

    /** The page of a value {@link #nextPage()} returned (other than {@link #END}), without the {@link #WRITE} flag (since 0.3.0). */
    static long page(long value) {
        return value & ~WRITE;
    }
}

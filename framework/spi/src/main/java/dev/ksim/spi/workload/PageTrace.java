package dev.ksim.spi.workload;

/**
 * A page-reference trace being read in order, in constant memory. {@link #next()} advances to
 * the next 4 KiB page reference and {@link #page()} reads it. One record of the trace becomes one
 * or more references: a valgrind lackey access that spans a page boundary touches every page in
 * {@code [addr, addr + size)}. Not thread-safe; one per simulated thread. Reading does not
 * allocate per reference.
 *
 * <p>A page number is the trace's own: for address traces (valgrind lackey) the virtual address
 * divided by 4096, for object traces (libCacheSim) the object id, an unsigned 64-bit value.
 * Mapping them onto a simulated mapping is the workload generator's business.
 */
public interface PageTrace extends AutoCloseable {

    /**
     * Advances to the next page reference; false after the last one.
     *
     * @throws dev.ksim.spi.InvalidInputException when the file is unreadable, truncated or not
     *                                            of the expected format; the message names the
     *                                            file, the record number and what was expected
     */
    boolean next();

    /** The current page reference (valid after {@link #next()} returned true): unsigned 64 bits. */
    long page();

    /**
     * Whether the current reference is a store (since 0.3.0): a valgrind lackey {@code S} or
     * {@code M} (modify: load then store) record; formats without the distinction never are.
     */
    default boolean write() {
        return false;
    }

    /** Starts again from the first reference (re-opens the file). */
    void rewind();

    /** Number of the record the current reference came from (1-based; lines for text formats). */
    long record();

    /** The file as the user named it, for messages. */
    String file();

    /** The format being read: {@code lackey}, {@code oracle-bin}, {@code oracle-csv} or {@code ids-txt}. */
    String format();

    /** Releases the file; idempotent. */
    @Override
    void close();
}

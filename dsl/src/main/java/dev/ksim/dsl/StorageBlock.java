package dev.ksim.dsl;

import dev.ksim.engine.model.SourceRef;

/**
 * The settings a storage device's block shares ({@link SwapBlock}, {@link FileBlock}): its size and
 * the latency of one 4 KiB page read and write. A subclass decides which are required and what
 * an unset latency means (null here).
 */
abstract class StorageBlock extends Block {
    Long bytes;
    Long readNs;
    Long writeNs;

    StorageBlock(Evaluation ev, SourceRef where) {
        super(ev, where);
    }

    /** The device's (or file's) size. */
    public void size(Object size) {
        Long b = sizeArg("size", size);
        if (b != null) {
            bytes = b;
        }
    }

    /** Time to read one 4 KiB page from the storage (a major fault's, or a read(2) miss's, device time). */
    public void readLatency(Object time) {
        Long ns = durationArg("readLatency", time);
        if (ns != null) {
            readNs = ns;
        }
    }

    /** Time for one 4 KiB page write to the storage to complete. */
    public void writeLatency(Object time) {
        Long ns = durationArg("writeLatency", time);
        if (ns != null) {
            writeNs = ns;
        }
    }
}

package dev.ksim.engine.trace;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * libCacheSim's oracleGeneral binary trace: little-endian 24-byte records
 * {@code u32 real_time, u64 obj_id, u32 obj_size, i64 next_access_vtime} (−1 = never again).
 * Each record is one reference to page {@code obj_id}; sizes and times are ignored (a request is
 * one page, as in the validation: "object id = page, sizes ignored").
 *
 * <p>The format has no magic number, so the reader checks what it can: a file whose length is
 * not a whole number of records is truncated (reported at the partial record, with its byte
 * offset), a record whose next-access field is below −1 is not oracleGeneral, and a first record
 * that is all printable text is a text file given as binary.
 */
final class OracleBinTrace extends AbstractPageTrace {
    static final int RECORD = 24;
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    OracleBinTrace(Path path, String name) {
        super(path, name, TraceFormat.ORACLE_BIN);
        checkHead();
    }

    /** Rejects a text file given as oracle-bin, before the run starts. */
    private void checkHead() {
        int n = ensure(RECORD);
        if (n == 0) {
            return;
        }
        for (int i = 0; i < n && i < RECORD; i++) {
            int b = buf[pos + i] & 0xff;
            if (b < 0x20 && b != '\n' && b != '\r' && b != '\t' || b >= 0x7f) {
                return;
            }
        }
        throw fail(1, "libCacheSim oracleGeneral binary records of " + RECORD + " bytes, but the file starts with text");
    }

    @Override
    public boolean next() {
        int n = ensure(RECORD);
        if (n < RECORD) {
            if (n == 0) {
                return false;
            }
            throw fail(record + 1, "a record of " + RECORD + " bytes at byte offset " + record * RECORD
                    + ", but the file ends after " + n + " bytes of it (truncated)");
        }
        long id = (long) LONG_LE.get(buf, pos + 4);
        long nextAccess = (long) LONG_LE.get(buf, pos + 16);
        pos += RECORD;
        record++;
        if (nextAccess < -1) {
            throw fail(record, "a next-access time >= -1 in bytes 16-23 of the record (byte offset "
                    + (record - 1) * RECORD + "), got " + nextAccess + ": not a libCacheSim oracleGeneral trace?");
        }
        page = id;
        return true;
    }
}

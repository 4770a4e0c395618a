package dev.ksim.engine.trace;

import java.nio.file.Path;

/**
 * The csv form of libCacheSim's oracleGeneral trace, one request per line:
 * {@code time,obj_id,obj_size,next_access_vtime} (only the first two fields are required; later
 * ones are ignored, blanks around fields allowed). A first line whose second field is not a
 * number is a header and is skipped, as are blank lines and {@code #} comments. Each line is one
 * reference to page {@code obj_id}.
 */
final class OracleCsvTrace extends AbstractPageTrace {
    private boolean first = true;

    OracleCsvTrace(Path path, String name) {
        super(path, name, TraceFormat.ORACLE_CSV);
    }

    @Override
    void resetState() {
        first = true;
    }

    @Override
    public boolean next() {
        while (nextLine()) {
            if (blankOrComment()) {
                continue;
            }
            int c1 = indexOf(',', lineStart, lineEnd);
            if (c1 < 0) {
                if (first) {
                    first = false;
                    continue; // a one-column header
                }
                throw fail(record, "'time,obj_id[,obj_size,next_access_vtime]', got " + lineText());
            }
            int c2 = indexOf(',', c1 + 1, lineEnd);
            int e = c2 < 0 ? lineEnd : c2;
            int s = c1 + 1;
            while (s < e && (buf[s] == ' ' || buf[s] == '\t')) {
                s++;
            }
            while (e > s && (buf[e - 1] == ' ' || buf[e - 1] == '\t')) {
                e--;
            }
            long id = parseUnsigned(s, e);
            if (!parsed) {
                if (first) {
                    first = false;
                    continue; // header: time,obj_id,...
                }
                throw fail(record, "an object id (unsigned decimal) in the second field of "
                        + "'time,obj_id,obj_size,next_access_vtime', got " + lineText());
            }
            first = false;
            page = id;
            return true;
        }
        return false;
    }

    private int indexOf(char c, int from, int to) {
        for (int i = from; i < to; i++) {
            if (buf[i] == c) {
                return i;
            }
        }
        return -1;
    }
}

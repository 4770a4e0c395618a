package dev.ksim.engine.trace;

import java.nio.file.Path;

/**
 * One object id per line (libCacheSim's plain text trace): an unsigned 64-bit decimal, optionally
 * surrounded by blanks. Blank lines and lines starting with {@code #} are skipped. Each id is one
 * reference to page {@code id}. Records are numbered by line.
 */
final class IdsTextTrace extends AbstractPageTrace {

    IdsTextTrace(Path path, String name) {
        super(path, name, TraceFormat.IDS_TXT);
    }

    @Override
    public boolean next() {
        while (nextLine()) {
            if (blankOrComment()) {
                continue;
            }
            int s = lineStart;
            int e = lineEnd;
            while (s < e && (buf[s] == ' ' || buf[s] == '\t')) {
                s++;
            }
            while (e > s && (buf[e - 1] == ' ' || buf[e - 1] == '\t')) {
                e--;
            }
            long id = parseUnsigned(s, e);
            if (!parsed) {
                throw fail(record, "one object id per line (an unsigned decimal below 2^64), got " + lineText());
            }
            page = id;
            return true;
        }
        return false;
    }
}

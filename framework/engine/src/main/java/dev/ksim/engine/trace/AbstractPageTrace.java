package dev.ksim.engine.trace;

import dev.ksim.spi.InvalidInputException;
import dev.ksim.spi.workload.PageTrace;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * Shared machinery of the trace readers: one fixed 64 KiB buffer over the decompressed stream
 * (so a trace of any length replays in constant heap), refills, line splitting for the text
 * formats without allocating, and errors that name the file, the record and what was expected.
 * Subclasses parse records in {@link #next()}; {@link #rewind()} re-opens the file.
 */
abstract class AbstractPageTrace implements PageTrace {
    static final int BUFFER = 1 << 16;

    private final Path path;
    private final String name;
    private final TraceFormat format;
    final byte[] buf = new byte[BUFFER];
    int pos;
    int limit;
    private InputStream in;
    private boolean eof;
    private boolean closed;
    /** 1-based number of the record (or line) the current reference came from. */
    long record;
    long page;

    /** Where the current line starts and ends (exclusive, without the line terminator). */
    int lineStart;
    int lineEnd;
    private int scan;

    AbstractPageTrace(Path path, String name, TraceFormat format) {
        this.path = path;
        this.name = name;
        this.format = format;
        this.in = TraceInput.open(path, name);
    }

    @Override
    public final long page() {
        return page;
    }

    @Override
    public final long record() {
        return record;
    }

    @Override
    public final String file() {
        return name;
    }

    @Override
    public final String format() {
        return format.key();
    }

    @Override
    public void rewind() {
        TraceInput.closeQuietly(in);
        in = TraceInput.open(path, name);
        pos = 0;
        limit = 0;
        scan = 0;
        eof = false;
        closed = false;
        record = 0;
        resetState();
    }

    /** Clears a subclass's per-pass state on {@link #rewind()}. */
    void resetState() {
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            eof = true;
            TraceInput.closeQuietly(in);
        }
    }

    /**
     * Makes at least {@code n} unread bytes available in {@code buf[pos..limit)} unless the
     * file ends first; returns how many are available.
     */
    final int ensure(int n) {
        int avail = limit - pos;
        if (avail >= n || eof) {
            return avail;
        }
        compact();
        while (limit - pos < n && !eof) {
            fill();
        }
        return limit - pos;
    }

    /** Moves the unread bytes to the front of the buffer. */
    private void compact() {
        if (pos > 0) {
            System.arraycopy(buf, pos, buf, 0, limit - pos);
            scan -= pos;
            limit -= pos;
            pos = 0;
        }
    }

    private void fill() {
        if (closed) {
            eof = true;
            return;
        }
        try {
            int r = in.read(buf, limit, buf.length - limit);
            if (r < 0) {
                eof = true;
            } else {
                limit += r;
            }
        } catch (IOException | RuntimeException e) {
            throw fail(record + 1, "readable data, but the "
                    + "stream is corrupt or truncated (" + TraceInput.describe(e) + ")");
        }
    }

    /**
     * Advances to the next line, setting {@link #lineStart}/{@link #lineEnd} (a trailing
     * {@code \r} excluded) and {@link #record} to its 1-based line number; false at the end.
     */
    final boolean nextLine() {
        if (scan < pos) {
            scan = pos;
        }
        while (true) {
            for (int i = scan; i < limit; i++) {
                if (buf[i] == '\n') {
                    setLine(pos, i);
                    pos = i + 1;
                    scan = pos;
                    return true;
                }
            }
            scan = limit;
            if (eof) {
                if (pos < limit) {
                    setLine(pos, limit);
                    pos = limit;
                    scan = limit;
                    return true;
                }
                return false;
            }
            if (pos == 0 && limit == buf.length) {
                throw fail(record + 1, "a line of at most " + BUFFER + " bytes");
            }
            compact();
            fill();
        }
    }

    private void setLine(int start, int end) {
        lineStart = start;
        lineEnd = end > start && buf[end - 1] == '\r' ? end - 1 : end;
        record++;
    }

    /** Whether the current line is empty, blank or a {@code #} comment. */
    final boolean blankOrComment() {
        int s = lineStart;
        while (s < lineEnd && (buf[s] == ' ' || buf[s] == '\t')) {
            s++;
        }
        return s == lineEnd || buf[s] == '#';
    }

    /** The current line as text, shortened, for messages (allocates: errors only). */
    final String lineText() {
        int len = Math.min(lineEnd - lineStart, 60);
        String s = new String(buf, lineStart, Math.max(0, len), java.nio.charset.StandardCharsets.ISO_8859_1);
        return "'" + s + (lineEnd - lineStart > 60 ? "…" : "") + "'";
    }

    /** An error at record (or line) {@code number}: "trace 'f' (format) record N: expected …". */
    final InvalidInputException fail(long number, String expected) {
        return new InvalidInputException("trace file '" + name + "' (" + format.key() + "), "
                + (format == TraceFormat.ORACLE_BIN ? "record " : "line ") + number + ": expected " + expected);
    }

    /** Whether the last {@link #parseUnsigned} call found a number. */
    boolean parsed;

    /**
     * Parses an unsigned 64-bit decimal in {@code buf[from, to)}; sets {@link #parsed} to whether
     * it was one (digits only, not empty, no overflow).
     */
    final long parseUnsigned(int from, int to) {
        parsed = false;
        if (from >= to) {
            return 0;
        }
        long v = 0;
        for (int i = from; i < to; i++) {
            int d = buf[i] - '0';
            if (d < 0 || d > 9 || Long.compareUnsigned(v, 0x1999_9999_9999_9999L) > 0) {
                return 0;
            }
            long nv = v * 10 + d;
            if (Long.compareUnsigned(nv, v * 10) < 0) {
                return 0;
            }
            v = nv;
        }
        parsed = true;
        return v;
    }
}

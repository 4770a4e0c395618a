package dev.ksim.engine.trace;

import java.nio.file.Path;

/**
 * valgrind lackey's memory trace ({@code valgrind --tool=lackey --trace-mem=yes}): one access per
 * line, {@code I  addr,size} (instruction fetch), {@code  L addr,size} (load),
 * {@code  S addr,size} (store), {@code  M addr,size} (modify: load and store of the same bytes),
 * the address in hex and the size in decimal bytes. Lines starting with {@code ==} (valgrind's
 * own messages) and blank lines are skipped.
 *
 * <p>A record touches every 4 KiB page in {@code [addr, addr + max(size, 1))}, each once, in
 * ascending order: an 8-byte load that straddles a page boundary is two references. A modify is
 * one reference per page (the store follows the load to the same page, so as far as page
 * replacement goes it is a hit on the page just touched). Instruction fetches are skipped unless
 * {@code instructions} is set. Page number = address {@code >>> 12}. Records are numbered by line.
 */
final class LackeyTrace extends AbstractPageTrace {
    private final boolean instructions;
    /** Pages of the current record still to return: {@code [pendingNext, pendingLast]}. */
    private long pendingNext = 1;
    private long pendingLast;

    LackeyTrace(Path path, String name, boolean instructions) {
        super(path, name, TraceFormat.LACKEY);
        this.instructions = instructions;
    }

    @Override
    void resetState() {
        pendingNext = 1;
        pendingLast = 0;
    }

    /** The current record is a store ('S') or a modify ('M'). */
    private boolean store;

    @Override
    public boolean write() {
        return store;
    }

    @Override
    public boolean next() {
        if (pendingNext <= pendingLast) {
            page = pendingNext++;
            return true;
        }
        while (nextLine()) {
            int s = lineStart;
            int e = lineEnd;
            if (e - s >= 2 && buf[s] == '=' && buf[s + 1] == '=') {
                continue;
            }
            if (blank(s, e)) {
                continue;
            }
            int kind = recordKind(buf, s, e);
            if (kind == 0) {
                throw fail(record, "a lackey record ('I  addr,size', ' L addr,size', ' S addr,size' or ' M addr,size')"
                        + " or a valgrind '==' line, got " + lineText());
            }
            int a = s + 2;
            while (a < e && buf[a] == ' ') {
                a++;
            }
            long addr = 0;
            int digits = 0;
            int i = a;
            for (; i < e; i++) {
                int h = hex(buf[i]);
                if (h < 0) {
                    break;
                }
                addr = (addr << 4) | h;
                digits++;
            }
            if (digits == 0 || digits > 16 || i >= e || buf[i] != ',') {
                throw fail(record, "a hex address followed by ',' and a size, got " + lineText());
            }
            int z = e;
            while (z > i + 1 && (buf[z - 1] == ' ' || buf[z - 1] == '\t')) {
                z--;
            }
            long size = parseUnsigned(i + 1, z);
            if (!parsed || size > Integer.MAX_VALUE) {
                throw fail(record, "a decimal size after the ',', got " + lineText());
            }
            if (kind == 'I' && !instructions) {
                continue;
            }
            long first = addr >>> 12;
            long end = addr + Math.max(size, 1) - 1;
            long last = Long.compareUnsigned(end, addr) < 0 ? first : end >>> 12; // wrapped past 2^64
            page = first;
            pendingNext = first + 1;
            pendingLast = last;
            store = kind == 'S' || kind == 'M';
            return true;
        }
        return false;
    }

    private boolean blank(int s, int e) {
        for (int i = s; i < e; i++) {
            if (buf[i] != ' ' && buf[i] != '\t') {
                return false;
            }
        }
        return true;
    }

    /** 'I', 'L', 'S' or 'M' when {@code b[s, e)} starts like a lackey record, 0 otherwise. */
    private static int recordKind(byte[] b, int s, int e) {
        if (e - s < 4) {
            return 0;
        }
        if (b[s] == 'I' && b[s + 1] == ' ') {
            return 'I';
        }
        if (b[s] == ' ' && (b[s + 1] == 'L' || b[s + 1] == 'S' || b[s + 1] == 'M') && b[s + 2] == ' ') {
            return b[s + 1];
        }
        return 0;
    }

    /** Whether {@code b[s, e)} is a lackey record (used by format detection). */
    static boolean looksLikeRecord(byte[] b, int s, int e) {
        if (recordKind(b, s, e) == 0) {
            return false;
        }
        int i = s + 2;
        while (i < e && b[i] == ' ') {
            i++;
        }
        int digits = 0;
        while (i < e && hex(b[i]) >= 0) {
            i++;
            digits++;
        }
        return digits > 0 && i < e && b[i] == ',';
    }

    private static int hex(byte c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }
}

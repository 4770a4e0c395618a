package dev.ksim.engine.trace;

import java.util.List;

/**
 * The trace formats ksim reads, by the name scenarios use ({@code format: 'lackey'}).
 * {@link #detect} chooses one from the first bytes of the (decompressed) file when the scenario
 * says {@code auto}: bytes that are not text mean libCacheSim oracleGeneral binary; a first
 * line that is a lackey record or a valgrind {@code ==pid==} line means lackey; a first data
 * line with a comma means oracleGeneral csv; anything else is read as one id per line.
 */
public enum TraceFormat {
    /** valgrind {@code --tool=lackey --trace-mem=yes} output. */
    LACKEY("lackey"),
    /** libCacheSim oracleGeneral: little-endian 24-byte records (u32 time, u64 id, u32 size, i64 next). */
    ORACLE_BIN("oracle-bin"),
    /** The csv form of oracleGeneral: {@code time,obj_id,obj_size,next_access_vtime}, optional header. */
    ORACLE_CSV("oracle-csv"),
    /** One object id (unsigned decimal) per line. */
    IDS_TXT("ids-txt");

    /** The option value that asks for detection. */
    public static final String AUTO = "auto";

    private final String key;

    TraceFormat(String key) {
        this.key = key;
    }

    public String key() {
        return key;
    }

    /** Every key, {@link #AUTO} first. */
    public static List<String> keys() {
        return List.of(AUTO, LACKEY.key, ORACLE_BIN.key, ORACLE_CSV.key, IDS_TXT.key);
    }

    /** The format named {@code key}, or null. */
    public static TraceFormat of(String key) {
        for (TraceFormat f : values()) {
            if (f.key.equals(key)) {
                return f;
            }
        }
        return null;
    }

    /** Guesses the format from the first {@code n} bytes of the decompressed content. */
    static TraceFormat detect(byte[] head, int n) {
        for (int i = 0; i < n; i++) {
            int b = head[i] & 0xff;
            if (b == 0 || (b < 0x20 && b != '\n' && b != '\r' && b != '\t') || b >= 0x7f) {
                return ORACLE_BIN;
            }
        }
        int i = 0;
        while (i < n) {
            int end = i;
            while (end < n && head[end] != '\n') {
                end++;
            }
            int s = i;
            while (s < end && (head[s] == ' ' || head[s] == '\t' || head[s] == '\r')) {
                s++;
            }
            boolean blank = s == end;
            if (!blank && head[s] != '#') {
                if (end - i >= 2 && head[i] == '=' && head[i + 1] == '=') {
                    return LACKEY;
                }
                if (LackeyTrace.looksLikeRecord(head, i, end)) {
                    return LACKEY;
                }
                for (int k = s; k < end; k++) {
                    if (head[k] == ',') {
                        return ORACLE_CSV;
                    }
                }
                return IDS_TXT;
            }
            i = end + 1;
        }
        return IDS_TXT;
    }
}

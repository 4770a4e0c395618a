package dev.ksim.plugin.baseline;

import dev.ksim.spi.InvalidInputException;
import dev.ksim.spi.PluginOptions;
import dev.ksim.spi.workload.AccessRange;
import dev.ksim.spi.workload.PageTrace;
import dev.ksim.spi.workload.PageTraces;
import dev.ksim.spi.workload.WorkloadGenerator;
import jakarta.inject.Inject;

/**
 * Replays a trace file the user brings (workload {@code trace}): every page reference of the
 * trace, in order, becomes one reference of the thread to its mapping. The engine reads the file
 * ({@link PageTraces}: valgrind lackey, libCacheSim oracleGeneral binary/csv, one id per line,
 * gzip or zstd compressed) in constant memory; this class decides where the references land.
 *
 * <p><b>Page placement: dense remapping.</b> The k-th distinct page the trace references becomes
 * page k of the mapping (first-seen order). This is a bijection between the trace's pages and
 * the first n pages of the mapping, so a reference hits a resident page exactly when the trace's
 * page is resident: exact-LRU results carry over unchanged (no two trace pages share a mapping
 * page, as a modulo placement would make them do). The cost is a hash table of one entry per
 * distinct page (16 bytes at most 50% load), bounded by the mapping's size; the trace itself is
 * never held in memory. A trace with more distinct pages than the mapping has is invalid input:
 * the error names the record where the mapping ran out and how large it must be at least.
 *
 * <p>A store of the trace (a lackey {@code S} or {@code M} record) is replayed as a store
 * ({@link WorkloadGenerator#WRITE}): it dirties a shared file page or copies a page shared
 * copy-on-write; loads and stores to a private anonymous page cost the same.
 *
 * <p>When the trace ends the thread stops, unless {@code loop} is set: then it starts over from
 * the first reference, with the same placement (a page keeps its mapping page across passes).
 * An empty trace ends the thread at once, looped or not. Each thread replays its own copy of the
 * file with its own placement.
 */
public final class TraceReplay implements WorkloadGenerator {
    static final String FILE = "file";
    static final String FORMAT = "format";
    static final String INSTRUCTIONS = "instructions";
    static final String LOOP = "loop";

    private final PageTrace trace;
    private final long pages;
    private final boolean loop;
    private final PageIndex index = new PageIndex();
    private long passRefs;
    private boolean ended;

    @Inject
    public TraceReplay(AccessRange range, PluginOptions options, PageTraces traces) {
        String file = options.getString(FILE);
        if (file == null || file.isBlank()) {
            throw new InvalidInputException("workload 'trace' needs the trace file: workload 'trace', file: 'traces/app.lackey.gz'");
        }
        this.pages = range.pages();
        this.loop = options.getBoolean(LOOP);
        this.trace = traces.open(file, options.getString(FORMAT), options.getBoolean(INSTRUCTIONS));
    }

    @Override
    public long nextPage() {
        if (ended) {
            return END;
        }
        if (!trace.next()) {
            if (!loop || passRefs == 0) {
                return end();
            }
            trace.rewind();
            passRefs = 0;
            if (!trace.next()) {
                return end();
            }
        }
        passRefs++;
        long id = trace.page();
        int p = index.get(id);
        if (p < 0) {
            if (index.size() >= pages) {
                throw new InvalidInputException("trace file '" + trace.file() + "' (" + trace.format() + "), "
                        + (trace.format().equals("oracle-bin") ? "record " : "line ") + trace.record()
                        + ": page " + Long.toUnsignedString(id) + " is the trace's distinct page number " + (index.size() + 1)
                        + ", but the mapping has only " + pages + " pages (" + pages * 4 + " KiB); it needs one 4 KiB page"
                        + " per distinct page of the trace");
            }
            p = index.put(id);
        }
        return trace.write() ? p | WRITE : p;
    }

    private long end() {
        ended = true;
        trace.close();
        return END;
    }

    /** Distinct pages seen so far (the mapping pages in use). */
    long distinctPages() {
        return index.size();
    }

    /**
     * Open-addressing hash map from a trace page (unsigned 64-bit) to its dense index, with
     * linear probing and power-of-two capacity kept at most half full. Grows by doubling, so it
     * allocates only when a new distinct page arrives and the table is full, never per reference.
     */
    static final class PageIndex {
        private long[] keys = new long[1 << 10];
        private int[] values = filled(1 << 10);
        private int size;

        int size() {
            return size;
        }

        /** The index of {@code key}, or -1 when it has none. */
        int get(long key) {
            int mask = keys.length - 1;
            int i = (int) mix(key) & mask;
            while (true) {
                int v = values[i];
                if (v < 0) {
                    return -1;
                }
                if (keys[i] == key) {
                    return v;
                }
                i = (i + 1) & mask;
            }
        }

        /** Gives {@code key} (absent) the next index and returns it. */
        int put(long key) {
            if (2 * (size + 1) > keys.length) {
                grow();
            }
            insert(keys, values, key, size);
            return size++;
        }

        private void grow() {
            long[] k2 = new long[keys.length * 2];
            int[] v2 = filled(keys.length * 2);
            for (int i = 0; i < keys.length; i++) {
                if (values[i] >= 0) {
                    insert(k2, v2, keys[i], values[i]);
                }
            }
            keys = k2;
            values = v2;
        }

        private static void insert(long[] ks, int[] vs, long key, int value) {
            int mask = ks.length - 1;
            int i = (int) mix(key) & mask;
            while (vs[i] >= 0) {
                i = (i + 1) & mask;
            }
            ks[i] = key;
            vs[i] = value;
        }

        private static int[] filled(int n) {
            int[] a = new int[n];
            java.util.Arrays.fill(a, -1);
            return a;
        }

        /** MurmurHash3's 64-bit finaliser: spreads sequential ids over the table. */
        private static long mix(long k) {
            k ^= k >>> 33;
            k *= 0xff51afd7ed558ccdL;
            k ^= k >>> 33;
            k *= 0xc4ceb9fe1a85ec53L;
            k ^= k >>> 33;
            return k;
        }
    }
}

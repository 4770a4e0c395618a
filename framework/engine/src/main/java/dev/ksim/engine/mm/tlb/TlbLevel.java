package dev.ksim.engine.mm.tlb;

import java.util.Arrays;

/**
 * One set-associative TLB level with exact LRU within each set, in primitive arrays. Way {@code w}
 * of set {@code s} is entry {@code s * ways + w}: its key ({@code mm << 40 | vpn}, {@link #EMPTY}
 * when the way is blank), frame, and the generation of its mm it was filled in.
 *
 * <p>Each set's recency order is one {@code long} ({@link #order}): nibble {@code i} (bits
 * {@code 4i..4i+3}) is the way at position {@code i}, position 0 the most recently used, position
 * {@code ways - 1} the least; nibbles at and above {@code ways} are 0. So {@value #MAX_WAYS} ways at
 * most. Touching a way, taking the LRU way and demoting a way to the tail are a few shifts and
 * masks (the way's position is found with a SWAR zero-nibble search), without branches on data.
 * Blank ways are always behind used ones in the order, so the tail is a blank way whenever the
 * set has one, else the LRU way: the fill's victim.
 *
 * <p>An entry is <em>valid</em> when its key is not {@link #EMPTY} and its generation is its mm's
 * current one ({@code gens[mm]}, kept by {@link Tlbs}): bumping an mm's generation invalidates all
 * its entries on every CPU in O(1), as retiring a PCID does. A lookup only hits valid entries.
 * Stale ways are blanked and demoted lazily: {@link Tlbs} counts generation bumps, each set records
 * the count it was last cleaned at ({@link #epoch}), and a fill into a set cleaned before the latest
 * bump first blanks that set's stale ways (O(ways), once per set and bump at most) — so freed ways
 * are taken before a valid entry is evicted, exactly as if the flush had cleared them. Lookup, fill
 * and single invalidation touch one set; nothing allocates after construction.
 */
final class TlbLevel {
    static final long EMPTY = -1L;
    static final int NIL = -1;
    /** Ways per set the order word can hold. */
    static final int MAX_WAYS = 16;
    private static final long NIBBLES_1 = 0x1111_1111_1111_1111L;
    private static final long NIBBLES_8 = 0x8888_8888_8888_8888L;

    final int sets;
    final int ways;
    final int capacity;
    final int setMask;
    /** Bit position of the tail nibble, 4 × (ways - 1). */
    final int tailShift;
    /** Mask of the used nibbles of an order word. */
    final long orderMask;
    final long[] key;
    final int[] frame;
    final int[] gen;
    /** Per set: ways from most to least recently used, one nibble each. */
    final long[] order;
    /** Per set: the generation-bump count at which its stale ways were last blanked (-1: never needed). */
    final long[] epoch;

    TlbLevel(int entries, int ways) {
        if (entries <= 0 || ways <= 0 || ways > MAX_WAYS || entries % ways != 0 || Integer.bitCount(entries / ways) != 1) {
            throw new IllegalArgumentException("bad TLB geometry: " + entries + " entries, " + ways + " ways");
        }
        this.ways = ways;
        this.sets = entries / ways;
        this.capacity = entries;
        this.setMask = sets - 1;
        this.tailShift = 4 * (ways - 1);
        this.orderMask = ways == MAX_WAYS ? -1L : (1L << 4 * ways) - 1;
        key = new long[entries];
        frame = new int[entries];
        gen = new int[entries];
        order = new long[sets];
        epoch = new long[sets];
        clear();
    }

    /** The order word listing ways 0, 1, …, ways - 1 from MRU to LRU. */
    long identityOrder() {
        long o = 0;
        for (int w = ways - 1; w >= 0; w--) {
            o = o << 4 | w;
        }
        return o;
    }

    void clear() {
        Arrays.fill(key, EMPTY);
        Arrays.fill(frame, 0);
        Arrays.fill(gen, 0);
        Arrays.fill(order, identityOrder());
        Arrays.fill(epoch, -1L);
    }

    /** The set that (mm salt {@code salt}, {@code vpn}) indexes. */
    int setOf(long vpn, int salt) {
        return ((int) vpn ^ salt) & setMask;
    }

    /** The valid entry of set {@code s} holding key {@code k} in generation {@code g}, or NIL. */
    int find(int s, long k, int g) {
        long[] ks = key;
        for (int e = s * ways, end = e + ways; e < end; e++) {
            if (ks[e] == k && gen[e] == g) {
                return e;
            }
        }
        return NIL;
    }

    /** Position (0 = MRU) of way {@code w} in order word {@code o}. */
    static int positionOf(long o, int w) {
        long x = o ^ (w * NIBBLES_1); // way w's nibble becomes 0
        long z = (x - NIBBLES_1) & ~x & NIBBLES_8; // lowest set bit: the lowest zero nibble (exact)
        return Long.numberOfTrailingZeros(z) >>> 2;
    }

    /** {@code o} with the way at position {@code p} moved to the front. */
    static long toFront(long o, int p) {
        long below = (1L << 4 * p) - 1; // positions < p
        long above = ~((2L << 4 * p + 3) - 1); // positions > p
        return (o & above) | (o & below) << 4 | (o >>> 4 * p & 15);
    }

    /** {@code o} with the way at position {@code p} moved to the tail. */
    long toTail(long o, int p) {
        long below = (1L << 4 * p) - 1;
        long above = ~((2L << 4 * p + 3) - 1);
        return (o & below) | (o & above) >>> 4 | (o >>> 4 * p & 15) << tailShift;
    }

    /** The frame cached for {@code k} (the entry becomes its set's most recently used), or -1. */
    int get(int s, long k, int g) {
        int e = find(s, k, g);
        if (e == NIL) {
            return -1;
        }
        long o = order[s];
        order[s] = toFront(o, positionOf(o, e - s * ways));
        return frame[e];
    }

    /** Caches {@code k -> f} as most recently used in its set, evicting the set's LRU entry if no way is free. */
    void put(int s, long k, int g, int f, int[] gens, long bumps) {
        int e = find(s, k, g);
        if (e != NIL) {
            frame[e] = f;
            long o = order[s];
            order[s] = toFront(o, positionOf(o, e - s * ways));
            return;
        }
        insertAbsent(s, k, g, f, gens, bumps);
    }

    /**
     * As {@link #put} for a key the caller knows is not validly cached (it just missed): skips the
     * lookup. Caching a key twice would break the level, so this is only for the miss path.
     */
    void insertAbsent(int s, long k, int g, int f, int[] gens, long bumps) {
        if (epoch[s] != bumps) {
            clean(s, gens, bumps);
        }
        long o = order[s];
        int w = (int) (o >>> tailShift) & 15; // a blank way, else the LRU one
        int e = s * ways + w;
        key[e] = k;
        gen[e] = g;
        frame[e] = f;
        order[s] = (o << 4 | w) & orderMask;
    }

    /** Blanks and demotes the stale ways of set {@code s} (generation bumps since it was last cleaned). */
    void clean(int s, int[] gens, long bumps) {
        int base = s * ways;
        long o = order[s];
        for (int w = 0; w < ways; w++) {
            long k = key[base + w];
            if (k != EMPTY && gen[base + w] != gens[Tlbs.mmOf(k)]) {
                blank(base + w);
                o = toTail(o, positionOf(o, w));
            }
        }
        order[s] = o;
        epoch[s] = bumps;
    }

    /** Drops {@code k} if validly cached; returns whether it was. */
    boolean invalidate(int s, long k, int g) {
        int e = find(s, k, g);
        if (e == NIL) {
            return false;
        }
        blank(e);
        long o = order[s];
        order[s] = toTail(o, positionOf(o, e - s * ways));
        return true;
    }

    /** Physically drops every entry of {@code mm}, whatever its generation; returns how many (generation wrap-around only). */
    int purgeMm(int mm) {
        int n = 0;
        for (int s = 0; s < sets; s++) {
            int base = s * ways;
            for (int w = 0; w < ways; w++) {
                long k = key[base + w];
                if (k != EMPTY && Tlbs.mmOf(k) == mm) {
                    blank(base + w);
                    order[s] = toTail(order[s], positionOf(order[s], w));
                    n++;
                }
            }
        }
        return n;
    }

    private void blank(int e) {
        key[e] = EMPTY;
        frame[e] = 0;
        gen[e] = 0;
    }

    /** Whether entry {@code e} is a live translation under the generations {@code gens}. */
    boolean valid(int e, int[] gens) {
        long k = key[e];
        if (k == EMPTY) {
            return false;
        }
        int mm = Tlbs.mmOf(k);
        return mm < gens.length && gen[e] == gens[mm];
    }

    /** Valid entries (O(capacity); tests and diagnostics). */
    int size(int[] gens) {
        int n = 0;
        for (int e = 0; e < capacity; e++) {
            if (valid(e, gens)) {
                n++;
            }
        }
        return n;
    }

    /**
     * Valid keys set by set, each set from most to least recently used (for a one-set level: the
     * exact LRU order; tests and diagnostics; allocates).
     */
    long[] keysMruFirst(int[] gens) {
        long[] out = new long[size(gens)];
        int i = 0;
        for (int s = 0; s < sets; s++) {
            for (int p = 0; p < ways; p++) {
                int e = s * ways + (int) (order[s] >>> 4 * p & 15);
                if (valid(e, gens) && i < out.length) {
                    out[i++] = key[e];
                }
            }
        }
        return out;
    }

    long heapBytes() {
        return (8L + 4 + 4) * capacity + (8L + 8) * sets;
    }
}

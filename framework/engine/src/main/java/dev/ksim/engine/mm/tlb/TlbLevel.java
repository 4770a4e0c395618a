package dev.ksim.engine.mm.tlb;

import java.util.Arrays;

/**
 * One fully associative TLB level with exact LRU replacement, in primitive arrays: entries
 * 0..capacity-1 hold a key ({@code mm << 40 | vpn}) and a frame; a chained hash table
 * ({@code bucket} heads, {@code chain} links) finds an entry by key; an intrusive doubly-linked
 * list ({@code lruNext}/{@code lruPrev}, sentinel index {@code capacity}) orders entries from most
 * (sentinel's next) to least recently used (sentinel's prev). Unused entries are chained through
 * {@code chain} from {@code freeHead}. Lookup, insert, evict and single invalidation are O(1)
 * expected; invalidating an mm is O(capacity). Nothing allocates after construction.
 */
final class TlbLevel {
    static final long EMPTY = -1L;
    static final int NIL = -1;

    final int capacity;
    final long[] key;
    final int[] frame;
    final int[] lruNext;
    final int[] lruPrev;
    final int[] chain;
    final int[] bucket;
    final int shift;
    final int head;
    int size;
    int freeHead;

    TlbLevel(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("TLB capacity must be > 0, got " + capacity);
        }
        this.capacity = capacity;
        key = new long[capacity];
        frame = new int[capacity];
        lruNext = new int[capacity + 1];
        lruPrev = new int[capacity + 1];
        chain = new int[capacity];
        int bits = 32 - Integer.numberOfLeadingZeros(Math.max(1, 2 * capacity - 1));
        bucket = new int[1 << bits];
        shift = 64 - bits;
        head = capacity;
        clear();
    }

    void clear() {
        Arrays.fill(key, EMPTY);
        Arrays.fill(bucket, NIL);
        lruNext[head] = head;
        lruPrev[head] = head;
        for (int i = 0; i < capacity; i++) {
            chain[i] = i + 1 < capacity ? i + 1 : NIL;
        }
        freeHead = 0;
        size = 0;
    }

    int bucketOf(long k) {
        return (int) ((k * 0x9E3779B97F4A7C15L) >>> shift);
    }

    /** The entry holding {@code k}, or NIL. */
    int find(long k) {
        for (int e = bucket[bucketOf(k)]; e != NIL; e = chain[e]) {
            if (key[e] == k) {
                return e;
            }
        }
        return NIL;
    }

    /** The frame cached for {@code k} (the entry becomes most recently used), or -1. */
    int get(long k) {
        int e = find(k);
        if (e == NIL) {
            return -1;
        }
        touch(e);
        return frame[e];
    }

    /** Caches {@code k -> f} as most recently used, evicting the least recently used entry if full. */
    void put(long k, int f) {
        int e = find(k);
        if (e != NIL) {
            frame[e] = f;
            touch(e);
            return;
        }
        insertAbsent(k, f);
    }

    /**
     * As {@link #put} for a key the caller knows is not cached (it just missed): skips the lookup.
     * Caching a key twice would break the level, so this is only for the miss path.
     */
    void insertAbsent(long k, int f) {
        int e;
        if (freeHead == NIL) {
            remove(lruPrev[head]);
        }
        e = freeHead;
        freeHead = chain[e];
        key[e] = k;
        frame[e] = f;
        int b = bucketOf(k);
        chain[e] = bucket[b];
        bucket[b] = e;
        linkFirst(e);
        size++;
    }

    /** Drops {@code k} if cached; returns whether it was. */
    boolean invalidate(long k) {
        int e = find(k);
        if (e == NIL) {
            return false;
        }
        remove(e);
        return true;
    }

    /** Drops every entry of address space {@code mm}; returns how many. */
    int invalidateMm(int mm) {
        int n = 0;
        for (int e = lruNext[head]; e != head; ) {
            int nx = lruNext[e];
            if (Tlbs.mmOf(key[e]) == mm) {
                remove(e);
                n++;
            }
            e = nx;
        }
        return n;
    }

    private void remove(int e) {
        int b = bucketOf(key[e]);
        if (bucket[b] == e) {
            bucket[b] = chain[e];
        } else {
            int p = bucket[b];
            while (chain[p] != e) {
                p = chain[p];
            }
            chain[p] = chain[e];
        }
        int pv = lruPrev[e];
        int nx = lruNext[e];
        lruNext[pv] = nx;
        lruPrev[nx] = pv;
        key[e] = EMPTY;
        chain[e] = freeHead;
        freeHead = e;
        size--;
    }

    private void touch(int e) {
        if (lruNext[head] == e) {
            return;
        }
        int pv = lruPrev[e];
        int nx = lruNext[e];
        lruNext[pv] = nx;
        lruPrev[nx] = pv;
        linkFirst(e);
    }

    private void linkFirst(int e) {
        int first = lruNext[head];
        lruNext[e] = first;
        lruPrev[e] = head;
        lruPrev[first] = e;
        lruNext[head] = e;
    }

    /** Keys from most to least recently used (tests and diagnostics; allocates). */
    long[] keysMruFirst() {
        long[] out = new long[size];
        int i = 0;
        for (int e = lruNext[head]; e != head && i < out.length; e = lruNext[e]) {
            out[i++] = key[e];
        }
        return out;
    }

    long heapBytes() {
        return 8L * capacity + 4L * capacity * 2 + 4L * (capacity + 1) * 2 + 4L * bucket.length;
    }
}

package dev.ksim.engine.mm;

import dev.ksim.engine.invariant.InvariantCheck;
import java.util.List;

/**
 * The exact recency order of one node's LRU frames in {@code strict-lru} mode, kept as an
 * append-only access log instead of moving list nodes: every reference appends the frame
 * ({@link #touch}), and a frame's latest entry is the only valid one ({@code pos[frame]} names
 * it). The least recently used frame is the frame of the oldest valid entry ({@link #oldest}).
 * This is the same order as "move to the head of one list on every reference" — an entry is valid
 * iff no later entry of its frame exists, so valid entries, oldest first, are the frames by their
 * last reference — but a reference costs one sequential store and one store to {@code pos}
 * instead of relinking four list neighbours scattered over the frame table.
 *
 * <p>The log holds {@code 1.5 ×} the node's frames; when it is full the valid entries (at most
 * one per frame) are compacted to its front, in order, which leaves at least half a node of
 * appends before the next compaction: O(1) amortized, no allocation after construction. Costs
 * 10 bytes per frame, in {@code strict-lru} runs only.
 *
 * <p>Invariant ({@link #invariant}): the valid entries are exactly the node's frames on the LRU,
 * each once, and the order's size equals the Lruvec's count.
 */
final class StrictLruOrder {
    private static final int NONE = -1;

    private final int startPfn;
    private final int[] pos;
    private final int[] log;
    /** First entry not yet known to be stale. */
    private int head;
    /** Next free entry. */
    private int tail;
    private long size;

    StrictLruOrder(int startPfn, int frames) {
        this.startPfn = startPfn;
        this.pos = new int[frames];
        java.util.Arrays.fill(pos, NONE);
        this.log = new int[Math.max(16, frames + (frames >>> 1) + 1)];
    }

    /** {@code f} joins the order as the most recent (lru_cache_add). */
    void add(int f) {
        size++;
        append(f);
    }

    /** {@code f} (in the order) was just referenced. */
    void touch(int f) {
        append(f);
    }

    /** {@code f} leaves the order (isolated, freed, swapped out). */
    void del(int f) {
        pos[f - startPfn] = NONE;
        size--;
    }

    private void append(int f) {
        if (tail == log.length) {
            compact();
        }
        pos[f - startPfn] = tail;
        log[tail++] = f;
    }

    /**
     * Moves the valid entries, in order, to the front of the log. Branch-free: whether an entry is
     * valid is a coin toss to the branch predictor, and without mispredictions the random reads
     * of {@code pos} overlap; a stale entry is copied too, then overwritten by the next valid one.
     */
    private void compact() {
        int[] lg = log;
        int[] ps = pos;
        int base = startPfn;
        int w = 0;
        for (int r = head; r < tail; r++) {
            int i = lg[r] - base;
            int p = ps[i];
            int valid = p == r ? 1 : 0;
            lg[w] = i + base;
            ps[i] = valid != 0 ? w : p;
            w += valid;
        }
        head = 0;
        tail = w;
    }

    /** The least recently used frame, or -1 when the order is empty. Drops stale entries it passes. */
    int oldest() {
        while (head < tail) {
            int f = log[head];
            if (pos[f - startPfn] == head) {
                return f;
            }
            head++;
        }
        return -1;
    }

    /** The next less recently used frame after {@code f} (in the order), or -1. */
    int newerThan(int f) {
        for (int r = pos[f - startPfn] + 1; r < tail; r++) {
            int g = log[r];
            if (pos[g - startPfn] == r) {
                return g;
            }
        }
        return -1;
    }

    long size() {
        return size;
    }

    /** The order holds exactly the frames {@code onLru} accepts among {@code [startPfn, startPfn + pos.length)}, each once. */
    InvariantCheck invariant(String name, java.util.function.IntPredicate onLru) {
        return InvariantCheck.of(name, v -> check(onLru, v));
    }

    private void check(java.util.function.IntPredicate onLru, List<String> v) {
        long valid = 0;
        for (int r = head; r < tail; r++) {
            int f = log[r];
            if (f < startPfn || f >= startPfn + pos.length) {
                v.add("strict-lru order: entry " + r + " names frame " + f + " of another node");
                return;
            }
            if (pos[f - startPfn] == r) {
                valid++;
            }
        }
        for (int i = 0; i < pos.length; i++) {
            int f = startPfn + i;
            int p = pos[i];
            boolean in = p != NONE;
            if (in && (p < head || p >= tail || log[p] != f)) {
                v.add("strict-lru order: frame " + f + " points at entry " + p + ", which does not name it");
            }
            if (in != onLru.test(f)) {
                v.add("strict-lru order: frame " + f + (in ? " is in the order but not on the LRU" : " is on the LRU but not in the order"));
            }
        }
        if (valid != size) {
            v.add("strict-lru order holds " + valid + " frames but counts " + size);
        }
    }
}

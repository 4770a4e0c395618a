package dev.ksim.engine.mm;

import java.util.Arrays;

/**
 * Every physical frame of the machine as struct-of-arrays, indexed by global frame number (pfn):
 * intrusive doubly-linked list links ({@code next}/{@code prev}, the {@code list_head} of
 * {@code struct page}), the reverse map (owning VMA id and page offset; {@code rmapVma == -1}
 * means the frame is not a user page), the page flags ({@link PageFlags}, one byte) and the pin
 * count ({@code pin_user_pages}, the kernel's GUP_PIN_COUNTING_BIAS share of the refcount, kept
 * apart: {@link #pins}). 21 bytes per frame, no per-page objects. Compound pages (THP, hugetlbfs)
 * take no extra per-frame storage: {@link PageFlags#PG_COMPOUND} is the flags byte's eighth bit and
 * the head is the aligned frame ({@link Thp}, {@link Hugetlb}).
 *
 * <p>An allocated user frame is on its node's LRU: circular lists with a sentinel head, sentinels
 * being extra indices after the last frame ({@link #sentinel(int)}), so insertion and removal are
 * branch-free O(1). A free frame is on no LRU, so the same {@code next}/{@code prev} arrays carry
 * the buddy allocator's free lists ({@link dev.ksim.engine.mm.zone.MemMap} shares them, link base
 * 0), as {@code page->lru} and {@code page->buddy_list} share storage in the kernel.
 */
public final class FrameTable {
    /** Value of {@link #rmapVma} for a free frame. */
    public static final int FREE = -1;

    final int frames;
    final int[] next;
    final int[] prev;
    /**
     * Owning VMA id of an anonymous frame, {@link #FREE} for a free one, and for a page-cache or
     * driver frame its owner's reference ({@code <= -2}); see {@link Rmap} for the encoding.
     */
    final int[] rmapVma;
    /** Page offset within the owning VMA of an anonymous frame; page index within its owner otherwise. */
    final int[] rmapIndex;
    /** Page flags ({@link PageFlags}). */
    final byte[] flags;
    /** FOLL_PIN references per frame ({@code folio_maybe_dma_pinned} is {@code pins[f] > 0}); never negative. */
    final int[] pins;

    FrameTable(int frames, int sentinels) {
        this.frames = frames;
        int n = frames + sentinels;
        next = new int[n];
        prev = new int[n];
        rmapVma = new int[frames];
        rmapIndex = new int[frames];
        flags = new byte[frames];
        pins = new int[frames];
        Arrays.fill(rmapVma, FREE);
        for (int s = 0; s < sentinels; s++) {
            listInit(sentinel(s));
        }
    }

    int sentinel(int k) {
        return frames + k;
    }

    void listInit(int head) {
        next[head] = head;
        prev[head] = head;
    }

    boolean listEmpty(int head) {
        return next[head] == head;
    }

    /** Inserts {@code f} right after {@code head} (the list's most recent end). */
    void listAdd(int head, int f) {
        int first = next[head];
        next[f] = first;
        prev[f] = head;
        prev[first] = f;
        next[head] = f;
    }

    void listDel(int f) {
        int p = prev[f];
        int n = next[f];
        next[p] = n;
        prev[n] = p;
        next[f] = f;
        prev[f] = f;
    }

    /** Moves {@code f} (on the list of {@code head}) to its head. */
    void listMoveToHead(int head, int f) {
        if (next[head] == f) {
            return;
        }
        int p = prev[f];
        int n = next[f];
        next[p] = n;
        prev[n] = p;
        listAdd(head, f);
    }

    /** The element just after the head, or -1 if empty. */
    int first(int head) {
        int f = next[head];
        return f == head ? -1 : f;
    }

    /** The element just before the head (the oldest), or -1 if empty. */
    int last(int head) {
        int f = prev[head];
        return f == head ? -1 : f;
    }

    /** Pins held on frame {@code f}. */
    public int pinCount(int f) {
        return pins[f];
    }

    public int frames() {
        return frames;
    }
}

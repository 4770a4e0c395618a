package dev.ksim.engine.mm;

import static dev.ksim.engine.mm.PageFlags.PG_ACTIVE;
import static dev.ksim.engine.mm.PageFlags.PG_LRU;
import static dev.ksim.engine.mm.PageFlags.PG_SWAPBACKED;
import static dev.ksim.engine.mm.PageFlags.PG_UNEVICTABLE;

/**
 * A node's LRU lists ({@code struct lruvec}, include/linux/mmzone.h): {@code enum lru_list}
 * inactive anon, active anon, inactive file, active file and unevictable, each an intrusive
 * circular list over the {@link FrameTable} links with its sentinel, most recently added at the
 * head, scanned from the tail; and their sizes ({@code NR_INACTIVE_ANON} …).
 *
 * <p>Contract: a frame is on a list iff it has {@link PageFlags#PG_LRU}, and the list is the one
 * its flags name ({@link #lruOf}): {@code PG_unevictable} → unevictable, else anon/file by
 * {@code PG_swapbacked} and active/inactive by {@code PG_active}. {@link #add} and {@link #del}
 * keep flags, lists and counts in step. A list entry is a folio: a base page, or the head of a
 * transparent huge page ({@link PageFlags#PG_COMPOUND}), whose tails are on no list; the counts
 * are base pages, as the kernel's {@code nr_*} are ({@link #folioNrPages}). In {@code strict-lru}
 * mode (4 KiB pages only) every user frame stays on {@link #LRU_INACTIVE_ANON} and the exact
 * recency order is kept beside the list by a {@link StrictLruOrder} ({@link #touch},
 * {@link #strictOrder}). All operations are O(1) (amortized for the strict order) and allocation-free.
 */
public final class Lruvec {
    public static final int LRU_INACTIVE_ANON = 0;
    public static final int LRU_ACTIVE_ANON = 1;
    public static final int LRU_INACTIVE_FILE = 2;
    public static final int LRU_ACTIVE_FILE = 3;
    public static final int LRU_UNEVICTABLE = 4;
    public static final int NR_LRU_LISTS = 5;
    /** Names as /proc/vmstat and the node's vmstat print them. */
    static final String[] NAMES = {"nr_inactive_anon", "nr_active_anon", "nr_inactive_file", "nr_active_file", "nr_unevictable"};

    private final FrameTable table;
    private final byte[] flags;
    /** Sentinel of list 0; list l's sentinel is base + l. */
    final int base;
    final long[] nr = new long[NR_LRU_LISTS];
    /** strict-lru: the exact recency order ({@link StrictLruOrder}); null in lru mode. */
    StrictLruOrder strictOrder;

    Lruvec(FrameTable table, int base) {
        this.table = table;
        this.flags = table.flags;
        this.base = base;
    }

    int head(int lru) {
        return base + lru;
    }

    /** The list a frame with {@code flags} belongs on (folio_lru_list). */
    static int lruOf(int flags) {
        if ((flags & PG_UNEVICTABLE) != 0) {
            return LRU_UNEVICTABLE;
        }
        return ((flags & PG_SWAPBACKED) != 0 ? LRU_INACTIVE_ANON : LRU_INACTIVE_FILE) + ((flags & PG_ACTIVE) != 0 ? 1 : 0);
    }

    /** Whether {@code lru} is an active list. */
    static boolean isActive(int lru) {
        return lru == LRU_ACTIVE_ANON || lru == LRU_ACTIVE_FILE;
    }

    /** Base pages of the folio whose head has {@code flags}: 512 for a compound head, else 1 (folio_nr_pages). */
    static int folioNrPages(int flags) {
        return flags < 0 ? Thp.HPAGE_PMD_NR : 1;
    }

    /** Puts an off-LRU frame at the head of {@code lru}, setting PG_lru and PG_active to match. */
    void add(int f, int lru) {
        int b = flags[f] & ~PG_ACTIVE;
        if (isActive(lru)) {
            b |= PG_ACTIVE;
        }
        flags[f] = (byte) (b | PG_LRU);
        table.listAdd(head(lru), f);
        nr[lru] += folioNrPages(b);
        if (strictOrder != null) {
            strictOrder.add(f);
        }
    }

    /** Takes {@code f} off its list (clears PG_lru and PG_active); returns the list it was on. */
    int del(int f) {
        int lru = lruOf(flags[f]);
        table.listDel(f);
        nr[lru] -= folioNrPages(flags[f]);
        flags[f] = (byte) (flags[f] & ~(PG_LRU | PG_ACTIVE));
        if (strictOrder != null) {
            strictOrder.del(f);
        }
        return lru;
    }

    /** Moves {@code f} from its list to the head of {@code lru}. */
    void move(int f, int lru) {
        del(f);
        add(f, lru);
    }

    /**
     * strict-lru: marks {@code f} (on a list) as just referenced, the most recent of its node
     * ({@link StrictLruOrder}; the list itself then holds membership, not order).
     */
    void touch(int f) {
        if ((flags[f] & PG_LRU) != 0) { // pages off the LRU (device, hugetlb, isolated) have no recency to keep
            strictOrder.touch(f);
        }
    }

    /** The tail (oldest) frame of {@code lru}, or -1 when it is empty. */
    int tail(int lru) {
        return table.last(head(lru));
    }

    /** Frames on {@code lru}. */
    public long nrPages(int lru) {
        return nr[lru];
    }

    /** Frames on all lists. */
    public long nrPages() {
        long n = 0;
        for (long x : nr) {
            n += x;
        }
        return n;
    }
}

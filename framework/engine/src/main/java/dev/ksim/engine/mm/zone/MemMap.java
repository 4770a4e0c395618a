package dev.ksim.engine.mm.zone;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The buddy allocator's per-frame state for a pfn range [basePfn, basePfn + nrPages) — the part of
 * the kernel's {@code mem_map} / {@code struct page} the page allocator reads — as struct of
 * arrays, shared by every {@link Zone} whose frames lie in the range:
 * <ul>
 * <li>{@code state}: one byte per frame. A free block's head holds FREE|order (PageBuddy +
 *     buddy_order), an allocated block's head ALLOC|migratetype|order, every other frame of a
 *     block 0 (TAIL); frames outside any zone are ABSENT (a hole, not hot-added) or OFFLINE
 *     (hot-added, not online); ZONE_DEVICE frames are DEVICE_FREE or DEVICE_ALLOC; a buddy
 *     zone's frame retired by memory failure is HWPOISON (off the free lists, never allocated
 *     again: {@link Zone#takePageOffBuddy}, {@link Zone#retirePage}). As in the
 *     kernel, only block heads are written, so splitting and merging cost O(order), not O(pages).</li>
 * <li>{@code next}/{@code prev}: intrusive free-list links holding pfns, {@link #NIL}-terminated.
 *     They may be the memory manager's own frame-list arrays (the {@code page->lru} a free page
 *     does not otherwise use): pass them with their index base to the sharing constructor.</li>
 * <li>per pageblock (pageblock_order 9 = 2 MiB): its migratetype and the id of the zone owning it
 *     (-1 none; zones own whole pageblocks, like a memory section belongs to one zone).</li>
 * </ul>
 * Cost: 1 byte per frame, plus 8 bytes per frame when the links are not shared, plus 2 bytes per
 * pageblock.
 *
 * <p>Hot-add ({@link #addMemory}) turns ABSENT frames into OFFLINE ones; {@link Zone#onlinePages}
 * and {@link Zone#memremapPages} take OFFLINE frames into a zone; {@link #removeMemory} is the
 * reverse of hot-add. Range boundaries must be pageblock-aligned or coincide with this map's
 * edges (ksim's hotplug granularity is a pageblock; the kernel's memory block is 128 MiB or more).
 */
public final class MemMap {
    /** MAX_PAGE_ORDER (include/linux/mmzone.h; "MAX_ORDER - 1" before Linux 6.4): 4 MiB blocks. */
    public static final int MAX_PAGE_ORDER = 10;
    /** NR_PAGE_ORDERS: orders 0..MAX_PAGE_ORDER. */
    public static final int NR_PAGE_ORDERS = MAX_PAGE_ORDER + 1;
    /** pageblock_order on x86-64 (HUGETLB_PAGE_ORDER, include/linux/pageblock-flags.h). */
    public static final int PAGEBLOCK_ORDER = 9;
    /** pageblock_nr_pages. */
    public static final int PAGEBLOCK_NR_PAGES = 1 << PAGEBLOCK_ORDER;
    /** End of an intrusive free list. */
    public static final int NIL = -1;

    static final int KIND_MASK = 0xC0;
    static final int ORDER_MASK = 0x0F;
    static final int MT_SHIFT = 4;
    static final int TAIL = 0x00;
    static final int FREE = 0x40;
    static final int ALLOC = 0x80;
    static final int SPECIAL = 0xC0;
    static final byte ABSENT = (byte) (SPECIAL | 0);
    static final byte OFFLINE = (byte) (SPECIAL | 1);
    static final byte DEVICE_FREE = (byte) (SPECIAL | 2);
    static final byte DEVICE_ALLOC = (byte) (SPECIAL | 3);
    static final byte HWPOISON = (byte) (SPECIAL | 4);

    final int basePfn;
    final int nrPages;
    final byte[] state;
    final int[] next;
    final int[] prev;
    /** Index of pfn p in next/prev is p - linkBase. */
    final int linkBase;
    private final boolean ownLinks;
    /** First pageblock number (basePfn >> PAGEBLOCK_ORDER). */
    final int baseBlock;
    final byte[] blockMt;
    final byte[] blockZone;
    final List<Zone> zones = new ArrayList<>();

    /** A memmap with its own free-list link arrays; every frame starts ABSENT. */
    public MemMap(int basePfn, int nrPages) {
        this(basePfn, nrPages, new int[nrPages], new int[nrPages], basePfn, true);
    }

    /**
     * A memmap whose free-list links live in caller-owned arrays (e.g. the frame table's list
     * links), pfn p at index p - linkBase; the arrays must cover the whole range.
     */
    public MemMap(int basePfn, int nrPages, int[] next, int[] prev, int linkBase) {
        this(basePfn, nrPages, next, prev, linkBase, false);
    }

    private MemMap(int basePfn, int nrPages, int[] next, int[] prev, int linkBase, boolean ownLinks) {
        if (basePfn < 0 || nrPages <= 0 || (long) basePfn + nrPages > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("bad pfn range " + basePfn + "+" + nrPages);
        }
        if (basePfn - linkBase < 0 || basePfn + nrPages - linkBase > Math.min(next.length, prev.length)) {
            throw new IllegalArgumentException("link arrays do not cover pfns " + basePfn + "+" + nrPages);
        }
        this.basePfn = basePfn;
        this.nrPages = nrPages;
        this.state = new byte[nrPages];
        Arrays.fill(state, ABSENT);
        this.next = next;
        this.prev = prev;
        this.linkBase = linkBase;
        this.ownLinks = ownLinks;
        this.baseBlock = basePfn >>> PAGEBLOCK_ORDER;
        int blocks = ((basePfn + nrPages - 1) >>> PAGEBLOCK_ORDER) - baseBlock + 1;
        this.blockMt = new byte[blocks];
        this.blockZone = new byte[blocks];
        Arrays.fill(blockMt, (byte) MigrateType.MIGRATE_MOVABLE);
        Arrays.fill(blockZone, (byte) -1);
    }

    public int basePfn() {
        return basePfn;
    }

    public int nrPages() {
        return nrPages;
    }

    public int endPfn() {
        return basePfn + nrPages;
    }

    /** Memory hot-add ({@code add_memory}): ABSENT frames become present but OFFLINE. */
    public void addMemory(int startPfn, int count) {
        checkRange(startPfn, count);
        for (int i = startPfn - basePfn, e = i + count; i < e; i++) {
            if (state[i] != ABSENT) {
                throw new IllegalStateException("pfn " + (basePfn + i) + " is already present");
            }
        }
        Arrays.fill(state, startPfn - basePfn, startPfn - basePfn + count, OFFLINE);
    }

    /** Hot-remove ({@code remove_memory}): OFFLINE frames become ABSENT. */
    public void removeMemory(int startPfn, int count) {
        checkRange(startPfn, count);
        for (int i = startPfn - basePfn, e = i + count; i < e; i++) {
            if (state[i] != OFFLINE) {
                throw new IllegalStateException("pfn " + (basePfn + i) + " is not offline");
            }
        }
        Arrays.fill(state, startPfn - basePfn, startPfn - basePfn + count, ABSENT);
    }

    /** Whether {@code pfn} is present (hot-added), online or not. */
    public boolean present(int pfn) {
        return contains(pfn) && state[pfn - basePfn] != ABSENT;
    }

    /** Whether {@code pfn} is hot-added but in no zone. */
    public boolean offline(int pfn) {
        return contains(pfn) && state[pfn - basePfn] == OFFLINE;
    }

    public boolean contains(int pfn) {
        return pfn >= basePfn && pfn - basePfn < nrPages;
    }

    /** The zone owning {@code pfn} ({@code page_zone}), or null. */
    public Zone zoneOf(int pfn) {
        if (!contains(pfn)) {
            return null;
        }
        int z = blockZone[(pfn >>> PAGEBLOCK_ORDER) - baseBlock];
        return z < 0 ? null : zones.get(z);
    }

    /** The migratetype of {@code pfn}'s pageblock ({@code get_pageblock_migratetype}). */
    public int pageblockMigratetype(int pfn) {
        return blockMt[(pfn >>> PAGEBLOCK_ORDER) - baseBlock];
    }

    /** The zones registered on this memmap, by id. */
    public List<Zone> zones() {
        return List.copyOf(zones);
    }

    /**
     * Heap bytes this memmap's arrays take (links counted only when owned), for footprint reports.
     */
    public long heapBytes() {
        long b = state.length + blockMt.length + blockZone.length;
        if (ownLinks) {
            b += 8L * nrPages;
        }
        return b;
    }

    int registerZone(Zone z) {
        if (zones.size() >= Byte.MAX_VALUE) {
            throw new IllegalStateException("too many zones on one memmap");
        }
        zones.add(z);
        return zones.size() - 1;
    }

    /** Checks [start, start + count) lies in the map with pageblock-aligned (or map-edge) ends. */
    void checkRange(int startPfn, int count) {
        if (count <= 0 || startPfn < basePfn || (long) startPfn + count > (long) basePfn + nrPages) {
            throw new IllegalArgumentException("pfn range " + startPfn + "+" + count + " is outside the memmap ["
                    + basePfn + ", " + endPfn() + ")");
        }
        int end = startPfn + count;
        if ((startPfn & (PAGEBLOCK_NR_PAGES - 1)) != 0 && startPfn != basePfn
                || (end & (PAGEBLOCK_NR_PAGES - 1)) != 0 && end != endPfn()) {
            throw new IllegalArgumentException("pfn range " + startPfn + "+" + count
                    + " must start and end on a pageblock boundary (" + PAGEBLOCK_NR_PAGES + " pages) or the memmap's edge");
        }
    }

    static int kind(byte s) {
        return s & KIND_MASK;
    }

    static int order(byte s) {
        return s & ORDER_MASK;
    }

    static byte freeState(int order) {
        return (byte) (FREE | order);
    }

    static byte allocState(int order, int mt) {
        return (byte) (ALLOC | mt << MT_SHIFT | order);
    }

    static int allocMt(byte s) {
        return (s >>> MT_SHIFT) & 3;
    }
}

package dev.ksim.engine.mm.zone;

import static dev.ksim.engine.mm.zone.MemMap.ALLOC;
import static dev.ksim.engine.mm.zone.MemMap.DEVICE_ALLOC;
import static dev.ksim.engine.mm.zone.MemMap.DEVICE_FREE;
import static dev.ksim.engine.mm.zone.MemMap.FREE;
import static dev.ksim.engine.mm.zone.MemMap.HWPOISON;
import static dev.ksim.engine.mm.zone.MemMap.MAX_PAGE_ORDER;
import static dev.ksim.engine.mm.zone.MemMap.NIL;
import static dev.ksim.engine.mm.zone.MemMap.NR_PAGE_ORDERS;
import static dev.ksim.engine.mm.zone.MemMap.OFFLINE;
import static dev.ksim.engine.mm.zone.MemMap.PAGEBLOCK_NR_PAGES;
import static dev.ksim.engine.mm.zone.MemMap.PAGEBLOCK_ORDER;
import static dev.ksim.engine.mm.zone.MemMap.TAIL;
import static dev.ksim.engine.mm.zone.MigrateType.MIGRATE_ISOLATE;
import static dev.ksim.engine.mm.zone.MigrateType.MIGRATE_MOVABLE;
import static dev.ksim.engine.mm.zone.MigrateType.MIGRATE_PCPTYPES;
import static dev.ksim.engine.mm.zone.MigrateType.MIGRATE_RECLAIMABLE;
import static dev.ksim.engine.mm.zone.MigrateType.MIGRATE_TYPES;
import static dev.ksim.engine.mm.zone.MigrateType.MIGRATE_UNMOVABLE;

import dev.ksim.engine.invariant.InvariantCheck;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * One zone ({@code struct zone}) of a node over pageblocks of a {@link MemMap}: ZONE_NORMAL and
 * ZONE_MOVABLE hold a binary buddy allocator, ZONE_DEVICE a driver-managed pool.
 *
 * <h2>Buddy allocator (mm/page_alloc.c, Linux 6.10+ semantics)</h2>
 * Orders 0..{@value MemMap#MAX_PAGE_ORDER}; a free block of order o is 2^o pages aligned on 2^o,
 * its buddy is {@code pfn ^ (1 << o)}. {@code free_area[order].free_list[migratetype]} are
 * intrusive LIFO lists over the memmap's link arrays. Pageblocks (order 9) carry a migratetype;
 * a free block always sits on the list of its pageblock's migratetype, and every pageblock a
 * free block of order 10 spans has that type.
 * <ul>
 * <li>{@link #allocPages}: {@code __rmqueue_smallest} (first non-empty list of the requested type
 *     from the requested order up, splitting with {@code expand}), else {@code __rmqueue_fallback}:
 *     from the largest order down, the first fallback type ({@link MigrateType}) with a free block;
 *     if {@code can_steal_fallback} (order >= pageblock_order/2, or an unmovable/reclaimable
 *     request) {@code try_to_steal_block}: a block of order >= pageblock_order is taken whole and
 *     its pageblocks retyped; a smaller one claims its pageblock (moves all its free pages) when
 *     free + compatible pages >= pageblock_nr_pages / 2, compatible being the block's movable
 *     allocated pages for a movable request and, for an unmovable/reclaimable request stealing
 *     from a movable block, its non-movable allocated pages. Failing that, the smallest fallback
 *     block is split without changing any pageblock. Per-CPU page lists, ALLOC_NOFRAGMENT,
 *     watermark boosting, HIGHATOMIC and CMA are not modelled.</li>
 * <li>{@link #freePages}: {@code __free_one_page} merges with free buddies up to MAX_PAGE_ORDER;
 *     at order >= pageblock_order an isolated pageblock never merges with a non-isolated one, and
 *     a merged buddy pageblock of another type takes the freed block's type. Frees go to the head
 *     of the list, except onlining's ({@code __free_pages_core} with FPI_TO_TAIL, Linux 5.10+), so
 *     a fresh zone hands out its lowest pfns first; buddy_merge_likely and page shuffling are not
 *     modelled.</li>
 * <li>Accounting: {@code nr_free} per order (blocks, all types, as {@code free_area[o].nr_free})
 *     and {@code NR_FREE_PAGES} (pages, excluding isolated pageblocks, as since Linux 6.10).</li>
 * </ul>
 * No operation allocates; allocation and free are O(MAX_PAGE_ORDER) except a fallback that
 * inspects one pageblock (O(pageblock_nr_pages)), as the kernel does.
 *
 * <h2>Memory failure</h2>
 * A frame with a memory error is retired ({@code HWPOISON} in the memmap, counted in
 * {@link #nrRetiredPages}): {@link #takePageOffBuddy} takes a free frame out of the free block
 * containing it, splitting the block and freeing the rest in maximal buddies (mm/page_alloc.c
 * {@code take_page_off_buddy} / {@code break_down_buddy_pages}); {@link #retirePage} retires an
 * allocated order-0 frame instead of freeing it (a hwpoisoned page's last put never reaches the
 * free lists). A retired frame is on no free list, is never handed out, and a free of it is a bad
 * free; offlining skips it (it goes offline with the range). Present and managed pages are
 * unchanged, as in the kernel (retired frames are counted by {@code num_poisoned_pages}).
 *
 * <h2>Hotplug</h2>
 * {@link #onlinePages} takes OFFLINE frames (see {@link MemMap#addMemory}) into the zone
 * ({@code online_pages}: pageblocks start MIGRATE_MOVABLE, pages are freed in maximal aligned
 * blocks). {@link #offlinePages} isolates the range ({@code start_isolate_page_range}), and then
 * either takes it offline, or reports the allocated blocks to migrate first, or fails because a
 * page is pinned — see {@link OfflineResult}. The zone's managed pages change; the caller then
 * recomputes watermarks ({@link Watermarks#setupPerZoneWmarks}).
 *
 * <h2>ZONE_DEVICE</h2>
 * Frames added with {@link #memremapPages} have a memmap but never enter the buddy allocator:
 * the owning driver takes and returns them with {@link #devicePageAlloc} / {@link #devicePageFree}
 * (a LIFO pool; the driver's own allocator is its business).
 *
 * <p>Invariants: {@link #invariants()} (see {@link ZoneInvariants}).
 */
public final class Zone {
    private static final int MT = MIGRATE_TYPES;

    final MemMap map;
    final byte[] state;
    final int[] next;
    final int[] prev;
    final int linkBase;
    final int base;
    final int baseBlock;
    final int id;
    final int nodeId;
    final ZoneType type;
    final DeviceKind deviceKind;
    final String name;

    /** free_area[order].free_list[mt] heads, index order * MIGRATE_TYPES + mt. */
    final int[] freeHead = new int[NR_PAGE_ORDERS * MT];
    /** Their tails (for FPI_TO_TAIL frees). */
    final int[] freeTail = new int[NR_PAGE_ORDERS * MT];
    /** free_area[order].nr_free: free blocks of that order, all types. */
    final long[] nrFree = new long[NR_PAGE_ORDERS];
    /** NR_FREE_PAGES: free pages outside isolated pageblocks. */
    long nrFreePages;
    /** Free pages in isolated pageblocks. */
    long nrIsolatedFree;
    long presentPages;
    long managedPages;
    int zoneStartPfn;
    int zoneEndPfn;
    final long[] nrPageblocks = new long[MT];
    Watermarks watermarks = Watermarks.NONE;
    int deviceHead = NIL;
    long deviceFree;
    long deviceAllocated;
    long fallbacks;
    long stolenPageblocks;
    /** Frames retired by memory failure (HWPOISON). */
    long nrRetired;
    private boolean canSteal;

    /**
     * A zone of {@code type} on node {@code nodeId}, initially without pages. {@code deviceKind}
     * is required for ZONE_DEVICE and must be null otherwise.
     */
    public Zone(MemMap map, int nodeId, ZoneType type, DeviceKind deviceKind) {
        if ((type == ZoneType.DEVICE) != (deviceKind != null)) {
            throw new IllegalArgumentException("a device kind is required for ZONE_DEVICE and only for it");
        }
        this.map = map;
        this.state = map.state;
        this.next = map.next;
        this.prev = map.prev;
        this.linkBase = map.linkBase;
        this.base = map.basePfn;
        this.baseBlock = map.baseBlock;
        this.nodeId = nodeId;
        this.type = type;
        this.deviceKind = deviceKind;
        this.name = "node" + nodeId + "/" + type.kernelName();
        Arrays.fill(freeHead, NIL);
        Arrays.fill(freeTail, NIL);
        this.id = map.registerZone(this);
    }

    public static Zone normal(MemMap map, int nodeId) {
        return new Zone(map, nodeId, ZoneType.NORMAL, null);
    }

    public static Zone movable(MemMap map, int nodeId) {
        return new Zone(map, nodeId, ZoneType.MOVABLE, null);
    }

    public static Zone device(MemMap map, int nodeId, DeviceKind kind) {
        return new Zone(map, nodeId, ZoneType.DEVICE, kind);
    }

    // ------------------------------------------------------------------ memory failure

    /**
     * take_page_off_buddy: if {@code pfn} lies in a free block of this zone, takes it out: the
     * block leaves its free list, the rest of it is freed back in halves (break_down_buddy_pages,
     * each half keeping the block's migratetype) and the frame becomes HWPOISON. Returns false,
     * changing nothing, when the frame is not free (allocated, retired, offline, not this zone's).
     * O(MAX_PAGE_ORDER).
     */
    public boolean takePageOffBuddy(int pfn) {
        if (!owns(pfn)) {
            return false;
        }
        for (int o = 0; o <= MAX_PAGE_ORDER; o++) {
            int head = pfn & ~((1 << o) - 1);
            if (head < base || state[head - base] != MemMap.freeState(o)) {
                continue;
            }
            int mt = blockMt(head);
            delFromFreeList(head, o, mt);
            int high = o;
            while (high > 0) {
                high--;
                int half = 1 << high;
                if (pfn >= head + half) {
                    addToFreeList(head, high, mt);
                    head += half;
                } else {
                    addToFreeList(head + half, high, mt);
                }
            }
            state[pfn - base] = HWPOISON;
            nrRetired++;
            return true;
        }
        return false;
    }

    /**
     * Retires the allocated order-0 block {@code pfn} (its owner dropped it after a memory
     * failure): it becomes HWPOISON instead of free.
     *
     * @throws IllegalStateException when {@code pfn} is not an allocated order-0 block of this zone
     */
    public void retirePage(int pfn) {
        if (!owns(pfn) || MemMap.kind(state[pfn - base]) != ALLOC || MemMap.order(state[pfn - base]) != 0) {
            throw new IllegalStateException(name + ": cannot retire pfn " + pfn
                    + (owns(pfn) ? " (" + describe(pfn) + ")" : " (not in this zone)"));
        }
        state[pfn - base] = HWPOISON;
        nrRetired++;
    }

    /** Whether {@code pfn} is a frame of this zone retired by memory failure. */
    public boolean isRetired(int pfn) {
        return owns(pfn) && state[pfn - base] == HWPOISON;
    }

    /** Frames of this zone retired by memory failure. */
    public long nrRetiredPages() {
        return nrRetired;
    }

    private boolean owns(int pfn) {
        int i = pfn - base;
        return i >= 0 && i < map.nrPages && map.blockZone[(pfn >>> PAGEBLOCK_ORDER) - baseBlock] == id;
    }

    // ------------------------------------------------------------------ allocation

    /**
     * Allocates a block of 2^{@code order} pages for an allocation of migratetype {@code mt}
     * ({@code __rmqueue}); returns its first pfn, or -1 when no block of that order can be had.
     * No watermark check: that is the caller's ({@link #watermarkOk}, {@link Zonelist}).
     *
     * @throws IllegalArgumentException for a bad order or type, a non-movable request on
     *                                  ZONE_MOVABLE, or a ZONE_DEVICE zone
     */
    public int allocPages(int order, int mt) {
        if (order < 0 || order > MAX_PAGE_ORDER) {
            throw new IllegalArgumentException("order " + order + " outside 0.." + MAX_PAGE_ORDER);
        }
        MigrateType.checkAllocatable(mt);
        if (type != ZoneType.NORMAL) {
            if (type == ZoneType.DEVICE) {
                throw new IllegalStateException(name + ": ZONE_DEVICE pages are never in the buddy allocator");
            }
            if (mt != MIGRATE_MOVABLE) {
                throw new IllegalArgumentException(name + ": only movable allocations may use ZONE_MOVABLE");
            }
        }
        if (nrFreePages < 1L << order) {
            return -1; // no block of this order can be free: skip the free-list and fallback scans
        }
        int pfn = rmqueueSmallest(order, mt);
        if (pfn < 0) {
            pfn = rmqueueFallback(order, mt);
            if (pfn < 0) {
                return -1;
            }
            fallbacks++;
        }
        state[pfn - base] = MemMap.allocState(order, mt);
        return pfn;
    }

    /**
     * Frees the block of 2^{@code order} pages at {@code pfn} allocated by {@link #allocPages}
     * ({@code __free_pages}), merging it with free buddies.
     *
     * @throws IllegalStateException when {@code pfn} is not the head of a block of this zone
     *                               allocated with that order (a double or mismatched free)
     */
    public void freePages(int pfn, int order) {
        int i = pfn - base;
        if (i < 0 || i >= map.nrPages || map.blockZone[(pfn >>> PAGEBLOCK_ORDER) - baseBlock] != id
                || MemMap.kind(state[i]) != ALLOC || MemMap.order(state[i]) != order) {
            throw new IllegalStateException(name + ": bad free of pfn " + pfn + " order " + order
                    + (i >= 0 && i < map.nrPages ? " (state " + describe(pfn) + ")" : " (outside the memmap)"));
        }
        state[i] = TAIL;
        freeOneBlock(pfn, order, blockMt(pfn), false);
    }

    /** The order of the allocated block whose head is {@code pfn}, or -1 when it is not one. */
    public int allocatedOrder(int pfn) {
        int i = pfn - base;
        if (i < 0 || i >= map.nrPages || MemMap.kind(state[i]) != ALLOC) {
            return -1;
        }
        return MemMap.order(state[i]);
    }

    /** The order of the free block whose head is {@code pfn} (PageBuddy), or -1 when it is not one. */
    public int freeBlockOrder(int pfn) {
        int i = pfn - base;
        if (i < 0 || i >= map.nrPages || MemMap.kind(state[i]) != FREE) {
            return -1;
        }
        return MemMap.order(state[i]);
    }

    // ------------------------------------------------------------------ compound pages and compaction

    /**
     * split_page: the allocated block of {@code order} at {@code pfn} becomes 2^order allocated
     * order-0 blocks of the same migratetype, each freed on its own later (a THP split, a hugetlb
     * page dissolved). O(2^order).
     *
     * @throws IllegalStateException when {@code pfn} does not head an allocated block of that order here
     */
    public void splitPage(int pfn, int order) {
        int i = pfn - base;
        if (!owns(pfn) || MemMap.kind(state[i]) != ALLOC || MemMap.order(state[i]) != order) {
            throw new IllegalStateException(name + ": cannot split pfn " + pfn + " as an order-" + order + " block"
                    + (owns(pfn) ? " (" + describe(pfn) + ")" : " (not in this zone)"));
        }
        byte s = MemMap.allocState(0, MemMap.allocMt(state[i]));
        Arrays.fill(state, i, i + (1 << order), s);
    }

    /**
     * __isolate_free_page + split_page, for compaction's free scanner: the free block headed by
     * {@code pfn} leaves the free lists and its pages become allocated order-0 movable pages
     * (migration targets; an unused one goes back with {@link #freePages}). Returns the pages
     * taken, 0 when {@code pfn} heads no free block of this zone or taking it would leave the zone
     * at or below its min watermark (the kernel's check for non-isolated pageblocks).
     */
    public int isolateFreePages(int pfn) {
        int i = pfn - base;
        if (!owns(pfn) || MemMap.kind(state[i]) != FREE) {
            return 0;
        }
        int order = MemMap.order(state[i]);
        int mt = blockMt(pfn);
        if (mt != MIGRATE_ISOLATE && !watermarkOk(0, watermarks.min() + (1L << order))) {
            return 0;
        }
        delFromFreeList(pfn, order, mt);
        Arrays.fill(state, i, i + (1 << order), MemMap.allocState(0, MIGRATE_MOVABLE));
        return 1 << order;
    }

    /** Whether free_area[order].free_list[mt] is non-empty. */
    public boolean hasFreeBlock(int order, int mt) {
        return freeHead[order * MT + mt] != NIL;
    }

    /** zone_end_pfn: one past the last frame of the zone's span. */
    public int zoneEndPfn() {
        return presentPages == 0 ? zoneStartPfn : zoneEndPfn;
    }

    private int rmqueueSmallest(int order, int mt) {
        for (int o = order; o < NR_PAGE_ORDERS; o++) {
            int pfn = freeHead[o * MT + mt];
            if (pfn != NIL) {
                delFromFreeList(pfn, o, mt);
                expand(pfn, order, o, mt);
                return pfn;
            }
        }
        return -1;
    }

    /** __rmqueue_fallback (mm/page_alloc.c, Linux 6.10+). */
    private int rmqueueFallback(int order, int startMt) {
        for (int co = MAX_PAGE_ORDER; co >= order; co--) {
            int fmt = findSuitableFallback(co, startMt);
            if (fmt < 0) {
                continue;
            }
            if (!canSteal) {
                break;
            }
            int pfn = tryToStealBlock(freeHead[co * MT + fmt], co, order, startMt, fmt);
            if (pfn >= 0) {
                return pfn;
            }
        }
        for (int co = order; co < NR_PAGE_ORDERS; co++) {
            int fmt = findSuitableFallback(co, startMt);
            if (fmt < 0) {
                continue;
            }
            int pfn = freeHead[co * MT + fmt];
            delFromFreeList(pfn, co, fmt);
            expand(pfn, order, co, fmt);
            return pfn;
        }
        return -1;
    }

    /** find_suitable_fallback: the first fallback type with a free block of {@code order}; sets canSteal. */
    private int findSuitableFallback(int order, int startMt) {
        int[] fb = MigrateType.FALLBACKS[startMt];
        for (int k = 0; k < fb.length; k++) {
            if (freeHead[order * MT + fb[k]] != NIL) {
                canSteal = canStealFallback(order, startMt);
                return fb[k];
            }
        }
        canSteal = false;
        return -1;
    }

    /** can_steal_fallback (mm/page_alloc.c). */
    static boolean canStealFallback(int order, int startMt) {
        return order >= PAGEBLOCK_ORDER || order >= PAGEBLOCK_ORDER / 2
                || startMt == MIGRATE_RECLAIMABLE || startMt == MIGRATE_UNMOVABLE;
    }

    /** try_to_steal_block (mm/page_alloc.c, Linux 6.10+; steal_suitable_fallback before). */
    private int tryToStealBlock(int pfn, int currentOrder, int order, int startMt, int blockType) {
        if (currentOrder >= PAGEBLOCK_ORDER) {
            delFromFreeList(pfn, currentOrder, blockType);
            changePageblockRange(pfn, currentOrder, startMt);
            stolenPageblocks += 1L << (currentOrder - PAGEBLOCK_ORDER);
            expand(pfn, order, currentOrder, startMt);
            return pfn;
        }
        int start = pfn & ~(PAGEBLOCK_NR_PAGES - 1);
        int end = start + PAGEBLOCK_NR_PAGES;
        if (start < base || end - base > map.nrPages) {
            return -1; // prep_move_freepages_block: the pageblock is not wholly in the zone
        }
        int free = 0;
        int movable = 0;
        for (int p = start; p < end; ) {
            byte s = state[p - base];
            int kind = MemMap.kind(s);
            if (kind == FREE) {
                free += 1 << MemMap.order(s);
                p += 1 << MemMap.order(s);
            } else if (kind == ALLOC) {
                int n = Math.min(1 << MemMap.order(s), end - p);
                if (MemMap.allocMt(s) == MIGRATE_MOVABLE) {
                    movable += n;
                }
                p += n;
            } else {
                p++;
            }
        }
        int alike;
        if (startMt == MIGRATE_MOVABLE) {
            alike = movable;
        } else {
            alike = blockType == MIGRATE_MOVABLE ? PAGEBLOCK_NR_PAGES - (free + movable) : 0;
        }
        if (free + alike >= PAGEBLOCK_NR_PAGES / 2) {
            moveFreepagesBlock(start, blockType, startMt);
            stolenPageblocks++;
            return rmqueueSmallest(order, startMt);
        }
        return -1;
    }

    /** expand(): splits the block [pfn, pfn + 2^high) down to order {@code low}, freeing upper halves. */
    private void expand(int pfn, int low, int high, int mt) {
        int size = 1 << high;
        while (high > low) {
            high--;
            size >>= 1;
            addToFreeList(pfn + size, high, mt);
        }
    }

    /** __free_one_page (mm/page_alloc.c); {@code toTail} is FPI_TO_TAIL. */
    private void freeOneBlock(int pfn, int order, int mt, boolean toTail) {
        while (order < MAX_PAGE_ORDER) {
            int buddy = pfn ^ (1 << order);
            int bi = buddy - base;
            if (bi < 0 || bi >= map.nrPages || state[bi] != MemMap.freeState(order)) {
                break;
            }
            if (order >= PAGEBLOCK_ORDER) {
                if (map.blockZone[(buddy >>> PAGEBLOCK_ORDER) - baseBlock] != id) {
                    break;
                }
                int bmt = blockMt(buddy);
                if (bmt != mt && (bmt == MIGRATE_ISOLATE || mt == MIGRATE_ISOLATE)) {
                    break;
                }
                delFromFreeList(buddy, order, bmt);
                if (bmt != mt) {
                    changePageblockRange(buddy, order, mt);
                }
            } else {
                delFromFreeList(buddy, order, mt);
            }
            pfn &= buddy;
            order++;
        }
        if (toTail) {
            addToFreeListTail(pfn, order, mt);
        } else {
            addToFreeList(pfn, order, mt);
        }
    }

    void addToFreeList(int pfn, int order, int mt) {
        state[pfn - base] = MemMap.freeState(order);
        int h = order * MT + mt;
        int first = freeHead[h];
        next[pfn - linkBase] = first;
        prev[pfn - linkBase] = NIL;
        if (first != NIL) {
            prev[first - linkBase] = pfn;
        } else {
            freeTail[h] = pfn;
        }
        freeHead[h] = pfn;
        account(order, mt, 1);
    }

    void addToFreeListTail(int pfn, int order, int mt) {
        state[pfn - base] = MemMap.freeState(order);
        int h = order * MT + mt;
        int last = freeTail[h];
        prev[pfn - linkBase] = last;
        next[pfn - linkBase] = NIL;
        if (last != NIL) {
            next[last - linkBase] = pfn;
        } else {
            freeHead[h] = pfn;
        }
        freeTail[h] = pfn;
        account(order, mt, 1);
    }

    private void account(int order, int mt, int sign) {
        nrFree[order] += sign;
        if (mt == MIGRATE_ISOLATE) {
            nrIsolatedFree += (long) sign << order;
        } else {
            nrFreePages += (long) sign << order;
        }
    }

    void delFromFreeList(int pfn, int order, int mt) {
        int li = pfn - linkBase;
        int p = prev[li];
        int n = next[li];
        if (p == NIL) {
            freeHead[order * MT + mt] = n;
        } else {
            next[p - linkBase] = n;
        }
        if (n != NIL) {
            prev[n - linkBase] = p;
        } else {
            freeTail[order * MT + mt] = p;
        }
        state[pfn - base] = TAIL;
        account(order, mt, -1);
    }

    int blockMt(int pfn) {
        return map.blockMt[(pfn >>> PAGEBLOCK_ORDER) - baseBlock];
    }

    private void setBlockMt(int pfn, int mt) {
        int b = (pfn >>> PAGEBLOCK_ORDER) - baseBlock;
        nrPageblocks[map.blockMt[b]]--;
        nrPageblocks[mt]++;
        map.blockMt[b] = (byte) mt;
    }

    /** change_pageblock_range: retypes every pageblock of the block [pfn, pfn + 2^order). */
    private void changePageblockRange(int pfn, int order, int mt) {
        int blocks = 1 << (order - PAGEBLOCK_ORDER);
        for (int k = 0; k < blocks; k++) {
            setBlockMt(pfn + k * PAGEBLOCK_NR_PAGES, mt);
        }
    }

    /** __move_freepages_block: moves the pageblock's free blocks to the lists of {@code newMt}, retypes it. */
    private void moveFreepagesBlock(int start, int oldMt, int newMt) {
        int end = Math.min(start + PAGEBLOCK_NR_PAGES, base + map.nrPages);
        for (int p = Math.max(start, base); p < end; ) {
            byte s = state[p - base];
            if (MemMap.kind(s) == FREE) {
                int o = MemMap.order(s);
                delFromFreeList(p, o, oldMt);
                addToFreeList(p, o, newMt);
                p += 1 << o;
            } else {
                p++;
            }
        }
        setBlockMt(start, newMt);
    }

    // ------------------------------------------------------------------ watermarks

    /**
     * __zone_watermark_ok without lowmem_reserve: free pages minus (2^order - 1) must exceed
     * {@code mark}, and for order > 0 a free block of at least that order must exist.
     */
    public boolean watermarkOk(int order, long mark) {
        long free = nrFreePages - ((1L << order) - 1);
        if (free <= mark) {
            return false;
        }
        if (order == 0) {
            return true;
        }
        for (int o = order; o < NR_PAGE_ORDERS; o++) {
            if (nrFree[o] == 0) {
                continue;
            }
            for (int mt = 0; mt < MIGRATE_PCPTYPES; mt++) {
                if (freeHead[o * MT + mt] != NIL) {
                    return true;
                }
            }
        }
        return false;
    }

    /** {@link #watermarkOk(int, long)} against mark {@code level}; true for ALLOC_NO_WATERMARKS. */
    public boolean watermarkOkAt(int order, int level) {
        return level == Watermarks.ALLOC_NO_WATERMARKS || watermarkOk(order, watermarks.get(level));
    }

    public Watermarks watermarks() {
        return watermarks;
    }

    public void setWatermarks(Watermarks w) {
        this.watermarks = w;
    }

    // ------------------------------------------------------------------ fragmentation (mm/vmstat.c)

    /**
     * unusable_free_index (mm/vmstat.c, /sys/kernel/debug/extfrag/unusable_index) in thousandths:
     * the share of free pages that cannot satisfy an allocation of {@code order},
     * {@code (free_pages - (free_blocks_suitable << order)) * 1000 / free_pages}, where
     * free_blocks_suitable counts free blocks of at least that order in units of 2^order pages;
     * 1000 when nothing is free.
     */
    public int unusableFreeIndex(int order) {
        long freePages = 0;
        long suitable = 0;
        for (int o = 0; o < NR_PAGE_ORDERS; o++) {
            freePages += nrFree[o] << o;
            if (o >= order) {
                suitable += nrFree[o] << (o - order);
            }
        }
        if (freePages == 0) {
            return 1000;
        }
        return (int) ((freePages - (suitable << order)) * 1000 / freePages);
    }

    /**
     * __fragmentation_index (mm/vmstat.c, /sys/kernel/debug/extfrag/extfrag_index) in thousandths:
     * -1000 when an allocation of {@code order} would succeed, 0 when nothing is free; otherwise
     * {@code 1000 - (1000 + free_pages * 1000 / 2^order) / free_blocks_total}, towards 0 when
     * it fails for lack of memory and towards 1000 when it fails for fragmentation.
     */
    public int fragmentationIndex(int order) {
        long freePages = 0;
        long blocks = 0;
        long suitable = 0;
        for (int o = 0; o < NR_PAGE_ORDERS; o++) {
            blocks += nrFree[o];
            freePages += nrFree[o] << o;
            if (o >= order) {
                suitable += nrFree[o] << (o - order);
            }
        }
        if (blocks == 0) {
            return 0;
        }
        if (suitable > 0) {
            return -1000;
        }
        return (int) (1000 - (1000 + freePages * 1000 / (1L << order)) / blocks);
    }

    // ------------------------------------------------------------------ hotplug

    /**
     * online_pages: takes the OFFLINE frames [startPfn, startPfn + count) into this buddy zone:
     * their pageblocks become this zone's, MIGRATE_MOVABLE, and their pages are freed into the
     * buddy in maximal aligned blocks. Present and managed pages grow by {@code count}.
     */
    public void onlinePages(int startPfn, int count) {
        if (!type.buddyManaged()) {
            throw new IllegalStateException(name + ": ZONE_DEVICE memory is added with memremapPages, not onlined");
        }
        takeOffline(startPfn, count);
        int end = startPfn + count;
        for (int p = startPfn; p < end; ) {
            int order = Math.min(MAX_PAGE_ORDER, Integer.numberOfTrailingZeros(p));
            while (p + (1 << order) > end) {
                order--;
            }
            freeOneBlock(p, order, blockMt(p), true);
            p += 1 << order;
        }
        managedPages += count;
    }

    /**
     * offline_pages: tries to take [startPfn, startPfn + count) of this zone offline; see
     * {@link OfflineResult} for the three outcomes. {@code pinned} tells, per allocated pfn,
     * whether it holds a reference migration cannot drop (GUP pin, DMA).
     */
    public OfflineResult offlinePages(int startPfn, int count, IntPredicate pinned) {
        if (!type.buddyManaged()) {
            throw new IllegalStateException(name + ": ZONE_DEVICE memory is removed with memunmapPages");
        }
        checkOwned(startPfn, count);
        int end = startPfn + count;
        int scanFrom = Math.max(base, startPfn & ~((1 << MAX_PAGE_ORDER) - 1));
        int nPinned = 0;
        int nAlloc = 0;
        for (int p = scanFrom; p < end; p++) {
            byte s = state[p - base];
            if (MemMap.kind(s) == ALLOC) {
                int last = Math.min(end, p + (1 << MemMap.order(s)));
                if (last <= startPfn) {
                    continue;
                }
                nAlloc++;
                for (int q = Math.max(p, startPfn); q < last; q++) {
                    if (pinned.test(q)) {
                        nPinned++;
                    }
                }
            }
        }
        if (nPinned > 0) {
            int[] pins = new int[nPinned];
            int k = 0;
            for (int p = scanFrom; p < end; p++) {
                byte s = state[p - base];
                if (MemMap.kind(s) == ALLOC) {
                    int last = Math.min(end, p + (1 << MemMap.order(s)));
                    for (int q = Math.max(p, startPfn); q < last; q++) {
                        if (pinned.test(q)) {
                            pins[k++] = q;
                        }
                    }
                }
            }
            return new OfflineResult(OfflineResult.Status.BUSY_PINNED, 0, pins, new int[0]);
        }
        isolatePageRange(startPfn, end);
        if (nAlloc > 0) {
            int[] heads = new int[nAlloc];
            int[] orders = new int[nAlloc];
            int k = 0;
            for (int p = scanFrom; p < end; p++) {
                byte s = state[p - base];
                if (MemMap.kind(s) == ALLOC && p + (1 << MemMap.order(s)) > startPfn) {
                    heads[k] = p;
                    orders[k++] = MemMap.order(s);
                }
            }
            return new OfflineResult(OfflineResult.Status.MIGRATE_FIRST, 0, heads, orders);
        }
        for (int p = startPfn; p < end; ) {
            byte s = state[p - base];
            if (s == HWPOISON) { // a retired frame goes offline with its range
                state[p - base] = OFFLINE;
                nrRetired--;
                p++;
                continue;
            }
            int o = MemMap.order(s);
            delFromFreeList(p, o, MIGRATE_ISOLATE); // all free or retired, all isolated: the rest is in free blocks
            Arrays.fill(state, p - base, p - base + (1 << o), OFFLINE);
            p += 1 << o;
        }
        releaseBlocks(startPfn, count);
        managedPages -= count;
        return OfflineResult.offlined(count);
    }

    /**
     * undo_isolate_page_range: gives up offlining [startPfn, startPfn + count): isolated
     * pageblocks become MIGRATE_MOVABLE again (as offline_pages restores them) and their free
     * blocks merge with buddies the isolation kept apart.
     */
    public void undoIsolatePageRange(int startPfn, int count) {
        checkOwned(startPfn, count);
        int end = startPfn + count;
        for (int b = startPfn & ~(PAGEBLOCK_NR_PAGES - 1); b < end; b += PAGEBLOCK_NR_PAGES) {
            if (blockMt(Math.max(b, base)) == MIGRATE_ISOLATE) {
                moveFreepagesBlock(b, MIGRATE_ISOLATE, MIGRATE_MOVABLE);
            }
        }
        for (int p = startPfn; p < end; ) {
            byte s = state[p - base];
            if (MemMap.kind(s) == FREE && MemMap.order(s) >= PAGEBLOCK_ORDER) {
                int o = MemMap.order(s);
                int mt = blockMt(p);
                delFromFreeList(p, o, mt);
                freeOneBlock(p, o, mt, false);
                p += 1 << o;
            } else {
                p++;
            }
        }
    }

    /** start_isolate_page_range: splits free blocks straddling the ends, then isolates every pageblock. */
    private void isolatePageRange(int startPfn, int end) {
        splitStraddling(startPfn);
        splitStraddling(end);
        for (int b = startPfn & ~(PAGEBLOCK_NR_PAGES - 1); b < end; b += PAGEBLOCK_NR_PAGES) {
            int mt = blockMt(Math.max(b, base));
            if (mt != MIGRATE_ISOLATE) {
                moveFreepagesBlock(b, mt, MIGRATE_ISOLATE);
            }
        }
    }

    /** Splits a free block of order > pageblock_order that contains {@code boundary} but does not start there. */
    private void splitStraddling(int boundary) {
        for (int o = PAGEBLOCK_ORDER + 1; o <= MAX_PAGE_ORDER; o++) {
            int head = boundary & ~((1 << o) - 1);
            if (head != boundary && head >= base && head - base < map.nrPages
                    && state[head - base] == MemMap.freeState(o)) {
                int mt = blockMt(head);
                delFromFreeList(head, o, mt);
                for (int p = head; p < head + (1 << o); p += PAGEBLOCK_NR_PAGES) {
                    addToFreeList(p, PAGEBLOCK_ORDER, mt);
                }
                return;
            }
        }
    }

    // ------------------------------------------------------------------ ZONE_DEVICE pool

    /**
     * memremap_pages: the OFFLINE frames [startPfn, startPfn + count) become this device zone's,
     * free in its driver pool (lowest pfn handed out first). Present pages grow; managed pages
     * stay 0 (ZONE_DEVICE pages are not managed by the buddy).
     */
    public void memremapPages(int startPfn, int count) {
        requireDevice();
        takeOffline(startPfn, count);
        for (int p = startPfn + count - 1; p >= startPfn; p--) {
            devicePush(p);
        }
    }

    /** memunmap_pages: every page of the range must be back in the pool; the frames become OFFLINE. */
    public void memunmapPages(int startPfn, int count) {
        requireDevice();
        checkOwned(startPfn, count);
        for (int p = startPfn; p < startPfn + count; p++) {
            if (state[p - base] != DEVICE_FREE) {
                throw new IllegalStateException(name + ": device pfn " + p + " is still in use");
            }
        }
        for (int p = startPfn; p < startPfn + count; p++) {
            devicePop(p);
            state[p - base] = OFFLINE;
        }
        releaseBlocks(startPfn, count);
    }

    /** The driver takes a free device page; -1 when its pool is empty. O(1). */
    public int devicePageAlloc() {
        requireDevice();
        int p = deviceHead;
        if (p == NIL) {
            return -1;
        }
        devicePop(p);
        state[p - base] = DEVICE_ALLOC;
        deviceAllocated++;
        return p;
    }

    /** The driver gets a device page back (the page's refcount dropped to one: page_free). O(1). */
    public void devicePageFree(int pfn) {
        requireDevice();
        int i = pfn - base;
        if (i < 0 || i >= map.nrPages || state[i] != DEVICE_ALLOC
                || map.blockZone[(pfn >>> PAGEBLOCK_ORDER) - baseBlock] != id) {
            throw new IllegalStateException(name + ": bad device page free of pfn " + pfn);
        }
        deviceAllocated--;
        devicePush(pfn);
    }

    private void devicePush(int p) {
        state[p - base] = DEVICE_FREE;
        next[p - linkBase] = deviceHead;
        prev[p - linkBase] = NIL;
        if (deviceHead != NIL) {
            prev[deviceHead - linkBase] = p;
        }
        deviceHead = p;
        deviceFree++;
    }

    private void devicePop(int p) {
        int li = p - linkBase;
        int pv = prev[li];
        int nx = next[li];
        if (pv == NIL) {
            deviceHead = nx;
        } else {
            next[pv - linkBase] = nx;
        }
        if (nx != NIL) {
            prev[nx - linkBase] = pv;
        }
        deviceFree--;
    }

    private void requireDevice() {
        if (type != ZoneType.DEVICE) {
            throw new IllegalStateException(name + ": not a ZONE_DEVICE zone");
        }
    }

    // ------------------------------------------------------------------ range ownership

    /** move_pfn_range_to_zone: OFFLINE frames and unowned pageblocks become this zone's (state TAIL). */
    private void takeOffline(int startPfn, int count) {
        map.checkRange(startPfn, count);
        int end = startPfn + count;
        for (int p = startPfn; p < end; p++) {
            if (state[p - base] != OFFLINE) {
                throw new IllegalStateException(name + ": pfn " + p + " is not offline (hot-add it first)");
            }
        }
        for (int b = startPfn & ~(PAGEBLOCK_NR_PAGES - 1); b < end; b += PAGEBLOCK_NR_PAGES) {
            int bi = (b >>> PAGEBLOCK_ORDER) - baseBlock;
            if (map.blockZone[bi] >= 0) {
                throw new IllegalStateException(name + ": pageblock at pfn " + b + " already belongs to "
                        + map.zones.get(map.blockZone[bi]).name);
            }
        }
        for (int b = startPfn & ~(PAGEBLOCK_NR_PAGES - 1); b < end; b += PAGEBLOCK_NR_PAGES) {
            int bi = (b >>> PAGEBLOCK_ORDER) - baseBlock;
            map.blockZone[bi] = (byte) id;
            map.blockMt[bi] = (byte) MIGRATE_MOVABLE;
            nrPageblocks[MIGRATE_MOVABLE]++;
        }
        Arrays.fill(state, startPfn - base, end - base, (byte) TAIL);
        if (presentPages == 0) {
            zoneStartPfn = startPfn;
            zoneEndPfn = end;
        } else {
            zoneStartPfn = Math.min(zoneStartPfn, startPfn);
            zoneEndPfn = Math.max(zoneEndPfn, end);
        }
        presentPages += count;
    }

    /** The pageblocks of an OFFLINE range leave the zone; the span shrinks to the blocks still owned. */
    private void releaseBlocks(int startPfn, int count) {
        int end = startPfn + count;
        for (int b = startPfn & ~(PAGEBLOCK_NR_PAGES - 1); b < end; b += PAGEBLOCK_NR_PAGES) {
            int bi = (b >>> PAGEBLOCK_ORDER) - baseBlock;
            nrPageblocks[map.blockMt[bi]]--;
            map.blockZone[bi] = -1;
            map.blockMt[bi] = (byte) MIGRATE_MOVABLE;
        }
        presentPages -= count;
        int lo = -1;
        int hi = -1;
        for (int bi = 0; bi < map.blockZone.length; bi++) {
            if (map.blockZone[bi] == id) {
                int bs = Math.max(base, (bi + baseBlock) << PAGEBLOCK_ORDER);
                int be = Math.min(map.endPfn(), (bi + baseBlock + 1) << PAGEBLOCK_ORDER);
                lo = lo < 0 ? bs : lo;
                hi = be;
            }
        }
        zoneStartPfn = lo < 0 ? 0 : lo;
        zoneEndPfn = hi < 0 ? 0 : hi;
    }

    private void checkOwned(int startPfn, int count) {
        map.checkRange(startPfn, count);
        for (int b = startPfn & ~(PAGEBLOCK_NR_PAGES - 1); b < startPfn + count; b += PAGEBLOCK_NR_PAGES) {
            if (map.blockZone[(b >>> PAGEBLOCK_ORDER) - baseBlock] != id) {
                throw new IllegalArgumentException(name + ": pageblock at pfn " + Math.max(b, base) + " is not in this zone");
            }
        }
    }

    // ------------------------------------------------------------------ views

    public int id() {
        return id;
    }

    public int nodeId() {
        return nodeId;
    }

    public ZoneType type() {
        return type;
    }

    /** The ZONE_DEVICE kind, null for buddy zones. */
    public DeviceKind deviceKind() {
        return deviceKind;
    }

    /** "node0/Normal". */
    public String name() {
        return name;
    }

    public MemMap memMap() {
        return map;
    }

    /** NR_FREE_PAGES: free buddy pages outside isolated pageblocks. */
    public long nrFreePages() {
        return nrFreePages;
    }

    /** Free pages in isolated pageblocks (being offlined). */
    public long nrIsolatedFreePages() {
        return nrIsolatedFree;
    }

    /** free_area[order].nr_free: free blocks of {@code order}, all migratetypes. */
    public long nrFree(int order) {
        return nrFree[order];
    }

    /** Pageblocks of migratetype {@code mt} in this zone (/proc/pagetypeinfo). */
    public long nrPageblocks(int mt) {
        return nrPageblocks[mt];
    }

    public long presentPages() {
        return presentPages;
    }

    /** Pages the buddy allocator manages (0 for ZONE_DEVICE; ksim reserves no memblock pages). */
    public long managedPages() {
        return managedPages;
    }

    /** zone_start_pfn; meaningful when the zone has pages. */
    public int zoneStartPfn() {
        return zoneStartPfn;
    }

    /** spanned_pages: end of the last owned pageblock minus zone_start_pfn (holes included). */
    public long spannedPages() {
        return presentPages == 0 ? 0 : zoneEndPfn - zoneStartPfn;
    }

    /** Whether {@code pfn} belongs to this zone. */
    public boolean contains(int pfn) {
        return map.contains(pfn) && map.blockZone[(pfn >>> PAGEBLOCK_ORDER) - baseBlock] == id;
    }

    /** Free pages in the driver pool of a device zone. */
    public long deviceFreePages() {
        return deviceFree;
    }

    /** Pages the driver handed out from a device zone. */
    public long deviceAllocatedPages() {
        return deviceAllocated;
    }

    /** Whether {@code pfn} is a page of this device zone that the driver handed out (not in its pool). */
    public boolean deviceAllocated(int pfn) {
        return contains(pfn) && state[pfn - base] == DEVICE_ALLOC;
    }

    /** Allocations served from a fallback migratetype (the mm_page_alloc_extfrag tracepoint's count). */
    public long fallbackAllocations() {
        return fallbacks;
    }

    /** Pageblocks whose migratetype a fallback claimed. */
    public long stolenPageblocks() {
        return stolenPageblocks;
    }

    /** This zone's invariant checks. */
    public List<InvariantCheck> invariants() {
        return ZoneInvariants.checks(this);
    }

    String describe(int pfn) {
        byte s = state[pfn - base];
        switch (MemMap.kind(s)) {
            case TAIL: return "tail";
            case FREE: return "free order " + MemMap.order(s);
            case ALLOC: return "allocated order " + MemMap.order(s) + " " + MigrateType.name(MemMap.allocMt(s));
            default:
                return s == MemMap.ABSENT ? "absent" : s == OFFLINE ? "offline" : s == DEVICE_FREE ? "device free"
                        : s == HWPOISON ? "retired (hwpoison)" : "device allocated";
        }
    }

    @Override
    public String toString() {
        return "Zone[" + name + ", present " + presentPages + ", free " + nrFreePages + "]";
    }
}

package dev.ksim.engine.mm.zone;

import static dev.ksim.engine.mm.zone.MemMap.ALLOC;
import static dev.ksim.engine.mm.zone.MemMap.DEVICE_ALLOC;
import static dev.ksim.engine.mm.zone.MemMap.DEVICE_FREE;
import static dev.ksim.engine.mm.zone.MemMap.FREE;
import static dev.ksim.engine.mm.zone.MemMap.MAX_PAGE_ORDER;
import static dev.ksim.engine.mm.zone.MemMap.NIL;
import static dev.ksim.engine.mm.zone.MemMap.NR_PAGE_ORDERS;
import static dev.ksim.engine.mm.zone.MemMap.PAGEBLOCK_NR_PAGES;
import static dev.ksim.engine.mm.zone.MemMap.PAGEBLOCK_ORDER;
import static dev.ksim.engine.mm.zone.MemMap.TAIL;
import static dev.ksim.engine.mm.zone.MigrateType.MIGRATE_ISOLATE;
import static dev.ksim.engine.mm.zone.MigrateType.MIGRATE_MOVABLE;
import static dev.ksim.engine.mm.zone.MigrateType.MIGRATE_TYPES;

import dev.ksim.engine.invariant.InvariantCheck;
import dev.ksim.engine.invariant.InvariantRegistry;
import java.util.List;

/**
 * A zone's executable invariants, one {@link InvariantCheck} each, named {@code zone.<check>}
 * with the zone in every message:
 * <ol>
 * <li>{@code zone.frames}: every frame of the zone's pageblocks is in exactly one place: inside
 *     exactly one free block (on the free list of exactly one order, aligned on its size, listed
 *     under its pageblock's migratetype, links consistent) or one allocated block, or retired
 *     (HWPOISON, buddy zones only), or — in a device zone — in the driver pool or handed out;
 *     non-head frames are plain tails;</li>
 * <li>{@code zone.nr_free}: free_area nr_free per order, NR_FREE_PAGES, isolated free pages,
 *     present/managed pages, retired pages and the device pool counters equal a recount;</li>
 * <li>{@code zone.buddies}: no free block has a free buddy of the same order it could merge with
 *     (same zone, and not an isolated/non-isolated pair at pageblock order);</li>
 * <li>{@code zone.pageblocks}: pageblock counts per migratetype equal a recount, and ZONE_MOVABLE
 *     holds only movable (or isolated) pageblocks.</li>
 * </ol>
 * Checks are O(zone frames) and allocate scratch arrays; they run at check points only.
 */
public final class ZoneInvariants {
    private ZoneInvariants() {
    }

    /** Registers the checks of every zone of {@code zones}. */
    public static void register(List<Zone> zones, InvariantRegistry registry) {
        for (Zone z : zones) {
            for (InvariantCheck c : checks(z)) {
                registry.register(c);
            }
        }
    }

    static List<InvariantCheck> checks(Zone z) {
        return List.of(InvariantCheck.of("zone.frames", v -> frames(z, v)), InvariantCheck.of("zone.nr_free", v -> nrFree(z, v)),
                InvariantCheck.of("zone.buddies", v -> buddies(z, v)), InvariantCheck.of("zone.pageblocks", v -> pageblocks(z, v)));
    }


    private static boolean owned(Zone z, int pfn) {
        MemMap m = z.map;
        return m.contains(pfn) && m.blockZone[(pfn >>> PAGEBLOCK_ORDER) - m.baseBlock] == z.id;
    }

    static void frames(Zone z, List<String> v) {
        MemMap m = z.map;
        int n = m.nrPages;
        byte[] cover = new byte[n];
        boolean[] listed = new boolean[n];
        for (int o = 0; o < NR_PAGE_ORDERS; o++) {
            for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
                int prev = NIL;
                int steps = 0;
                for (int p = z.freeHead[o * MIGRATE_TYPES + mt]; p != NIL; p = m.next[p - m.linkBase]) {
                    String where = z.name + " free_area[" + o + "]." + MigrateType.name(mt) + ": pfn " + p;
                    if (++steps > n || !owned(z, p)) {
                        v.add(where + " is not a frame of the zone (or the list is cyclic)");
                        break;
                    }
                    if (m.prev[p - m.linkBase] != prev) {
                        v.add(where + " has prev " + m.prev[p - m.linkBase] + ", expected " + prev);
                    }
                    prev = p;
                    if ((p & ((1 << o) - 1)) != 0) {
                        v.add(where + " is not aligned on its order");
                    }
                    if (m.state[p - m.basePfn] != MemMap.freeState(o)) {
                        v.add(where + " is marked " + z.describe(p));
                    }
                    if (listed[p - m.basePfn]) {
                        v.add(where + " is on free lists twice");
                    }
                    listed[p - m.basePfn] = true;
                    for (int q = p; q < p + (1 << o); q += PAGEBLOCK_NR_PAGES) {
                        if (!owned(z, q)) {
                            v.add(where + " extends beyond the zone at pfn " + q);
                            break;
                        }
                        if (m.blockMt[(q >>> PAGEBLOCK_ORDER) - m.baseBlock] != mt) {
                            v.add(where + " lies in a " + MigrateType.name(m.blockMt[(q >>> PAGEBLOCK_ORDER) - m.baseBlock])
                                    + " pageblock");
                        }
                    }
                    cover(cover, m, p, 1 << o);
                }
                if (z.freeTail[o * MIGRATE_TYPES + mt] != prev) {
                    v.add(z.name + " free_area[" + o + "]." + MigrateType.name(mt) + ": tail is "
                            + z.freeTail[o * MIGRATE_TYPES + mt] + " but the last element is " + prev);
                }
            }
        }
        int steps = 0;
        for (int p = z.deviceHead, prev = NIL; p != NIL; prev = p, p = m.next[p - m.linkBase]) {
            if (++steps > n || !owned(z, p)) {
                v.add(z.name + " device pool: pfn " + p + " is not a frame of the zone (or the list is cyclic)");
                break;
            }
            if (m.prev[p - m.linkBase] != prev || m.state[p - m.basePfn] != DEVICE_FREE || listed[p - m.basePfn]) {
                v.add(z.name + " device pool: pfn " + p + " is marked " + z.describe(p) + " with prev "
                        + m.prev[p - m.linkBase] + " (expected " + prev + ")" + (listed[p - m.basePfn] ? ", listed twice" : ""));
            }
            listed[p - m.basePfn] = true;
            cover(cover, m, p, 1);
        }
        boolean device = z.type == ZoneType.DEVICE;
        for (int i = 0; i < n; i++) {
            int p = m.basePfn + i;
            if (!owned(z, p)) {
                continue;
            }
            byte s = m.state[i];
            int kind = MemMap.kind(s);
            if (kind == FREE && !listed[i]) {
                v.add(z.name + ": pfn " + p + " is marked free order " + MemMap.order(s) + " but on no free list");
            } else if (kind == ALLOC) {
                int o = MemMap.order(s);
                if (device || (p & ((1 << o) - 1)) != 0 || !owned(z, p + (1 << o) - 1)) {
                    v.add(z.name + ": allocated block at pfn " + p + " order " + o + " is misplaced");
                }
                cover(cover, m, p, 1 << o);
            } else if (s == DEVICE_ALLOC && device) {
                cover(cover, m, p, 1);
            } else if (s == MemMap.HWPOISON && !device) {
                cover(cover, m, p, 1);
            } else if (s == DEVICE_FREE && !listed[i]) {
                v.add(z.name + ": device pfn " + p + " is marked free but not in the pool");
            } else if (kind != TAIL && kind != FREE && s != DEVICE_FREE) {
                v.add(z.name + ": pfn " + p + " is " + z.describe(p) + " inside the zone");
            }
            if (device && (kind == FREE || kind == ALLOC)) {
                v.add(z.name + ": ZONE_DEVICE pfn " + p + " is in the buddy allocator (" + z.describe(p) + ")");
            }
        }
        for (int i = 0; i < n; i++) {
            if (owned(z, m.basePfn + i) && cover[i] != 1) {
                v.add(z.name + ": pfn " + (m.basePfn + i) + " is in " + cover[i] + " places (" + z.describe(m.basePfn + i) + ")");
                if (v.size() > 50) {
                    return;
                }
            }
        }
    }

    private static void cover(byte[] cover, MemMap m, int p, int size) {
        for (int q = Math.max(p, m.basePfn); q < p + size && q - m.basePfn < cover.length; q++) {
            if (cover[q - m.basePfn] < Byte.MAX_VALUE) {
                cover[q - m.basePfn]++;
            }
        }
    }

    static void nrFree(Zone z, List<String> v) {
        MemMap m = z.map;
        long[] blocks = new long[NR_PAGE_ORDERS];
        long free = 0;
        long isolated = 0;
        long owned = 0;
        long devFree = 0;
        long devAlloc = 0;
        long retired = 0;
        for (int i = 0; i < m.nrPages; i++) {
            int p = m.basePfn + i;
            if (!owned(z, p)) {
                continue;
            }
            owned++;
            byte s = m.state[i];
            if (MemMap.kind(s) == FREE) {
                int o = MemMap.order(s);
                blocks[o]++;
                if (m.blockMt[(p >>> PAGEBLOCK_ORDER) - m.baseBlock] == MIGRATE_ISOLATE) {
                    isolated += 1L << o;
                } else {
                    free += 1L << o;
                }
            } else if (s == DEVICE_FREE) {
                devFree++;
            } else if (s == DEVICE_ALLOC) {
                devAlloc++;
            } else if (s == MemMap.HWPOISON) {
                retired++;
            }
        }
        if (retired != z.nrRetired) {
            v.add(z.name + ": " + z.nrRetired + " retired pages counted but " + retired + " found");
        }
        for (int o = 0; o < NR_PAGE_ORDERS; o++) {
            if (blocks[o] != z.nrFree[o]) {
                v.add(z.name + ": free_area[" + o + "].nr_free is " + z.nrFree[o] + " but " + blocks[o] + " blocks are free");
            }
        }
        if (free != z.nrFreePages) {
            v.add(z.name + ": nr_free_pages is " + z.nrFreePages + " but " + free + " pages are free");
        }
        if (isolated != z.nrIsolatedFree) {
            v.add(z.name + ": " + z.nrIsolatedFree + " isolated free pages counted but " + isolated + " found");
        }
        if (owned != z.presentPages) {
            v.add(z.name + ": present_pages is " + z.presentPages + " but the zone owns " + owned + " frames");
        }
        long managed = z.type == ZoneType.DEVICE ? 0 : owned;
        if (managed != z.managedPages) {
            v.add(z.name + ": managed_pages is " + z.managedPages + ", expected " + managed);
        }
        if (devFree != z.deviceFree || devAlloc != z.deviceAllocated) {
            v.add(z.name + ": device pool counts " + z.deviceFree + " free / " + z.deviceAllocated + " allocated but "
                    + devFree + " / " + devAlloc + " found");
        }
    }

    static void buddies(Zone z, List<String> v) {
        MemMap m = z.map;
        for (int i = 0; i < m.nrPages; i++) {
            int p = m.basePfn + i;
            byte s = m.state[i];
            if (MemMap.kind(s) != FREE || !owned(z, p)) {
                continue;
            }
            int o = MemMap.order(s);
            if (o >= MAX_PAGE_ORDER) {
                continue;
            }
            int b = p ^ (1 << o);
            if (b < p || !m.contains(b) || m.state[b - m.basePfn] != s || !owned(z, b)) {
                continue;
            }
            int mt = m.blockMt[(p >>> PAGEBLOCK_ORDER) - m.baseBlock];
            int bmt = m.blockMt[(b >>> PAGEBLOCK_ORDER) - m.baseBlock];
            if (o >= PAGEBLOCK_ORDER && mt != bmt && (mt == MIGRATE_ISOLATE || bmt == MIGRATE_ISOLATE)) {
                continue;
            }
            v.add(z.name + ": free buddies pfn " + p + " and " + b + " of order " + o + " were not merged");
        }
    }

    static void pageblocks(Zone z, List<String> v) {
        MemMap m = z.map;
        long[] count = new long[MIGRATE_TYPES];
        for (int bi = 0; bi < m.blockZone.length; bi++) {
            if (m.blockZone[bi] != z.id) {
                continue;
            }
            int mt = m.blockMt[bi];
            if (mt < 0 || mt >= MIGRATE_TYPES) {
                v.add(z.name + ": pageblock " + (bi + m.baseBlock) + " has migratetype " + mt);
                continue;
            }
            count[mt]++;
            if (z.type == ZoneType.MOVABLE && mt != MIGRATE_MOVABLE && mt != MIGRATE_ISOLATE) {
                v.add(z.name + ": ZONE_MOVABLE pageblock " + (bi + m.baseBlock) + " is " + MigrateType.name(mt));
            }
        }
        for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
            if (count[mt] != z.nrPageblocks[mt]) {
                v.add(z.name + ": " + z.nrPageblocks[mt] + " " + MigrateType.name(mt) + " pageblocks counted but "
                        + count[mt] + " found");
            }
        }
    }
}

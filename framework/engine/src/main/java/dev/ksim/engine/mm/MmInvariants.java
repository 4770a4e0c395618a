package dev.ksim.engine.mm;

import dev.ksim.engine.invariant.InvariantCheck;
import dev.ksim.engine.invariant.InvariantRegistry;
import java.util.List;

/**
 * The memory manager's executable invariants, one {@link InvariantCheck} each:
 * <ol>
 * <li>{@code mm.frames}: every frame of a node is absent or offline (memory hotplug: then it is
 *     nobody's) or belongs to one of its zones and is either free
 *     (not allocated in the buddy allocator, unmapped, no flags) or an allocated order-0 block
 *     that is an anonymous page (mapped by at least one PTE, or isolated by a migrate_vma in
 *     flight), a page-cache page (mapped by any number) or a driver's frame; the free lists themselves are checked by
 *     {@link dev.ksim.engine.mm.zone.ZoneInvariants};</li>
 * <li>{@code mm.rmap}: PTE → frame → reverse map agree both ways ({@link Rmap}): every present PTE
 *     maps a frame whose reverse map names that PTE's anon family (or file, or PFNMAP region) and
 *     page; every frame's reverse map resolves (an anonymous page is mapped by a member of its
 *     family, a page-cache page is its file's entry, a PFNMAP frame its region's); and the walk
 *     finds exactly the PTEs that map each frame; each process's rss and swapents equal its present
 *     (PFNMAP's special PTEs excepted) and swapped PTEs; a dead process or a detached mapping has no
 *     PTE, and a munmap hole holds none;</li>
 * <li>{@code mm.lru}: each node's LRU lists hold exactly that node's anonymous and page-cache
 *     frames (never a driver's frame), once, with consistent links; each frame's flags (PG_lru, PG_active, PG_swapbacked, PG_unevictable)
 *     name the list it is on, and each list's count ({@code nr_inactive_anon} …) equals its
 *     length; strict-lru uses one list;</li>
 * <li>{@code mm.nr_free}: each node's nr_free_pages (the sum of its zones') equals a recount of
 *     its free frames;</li>
 * <li>{@code mm.swap}: each used slot's reference count equals the swap PTEs and shmem page-cache
 *     entries that hold it, and every such reference names a used slot;</li>
 * <li>{@code mm.pins}: every pin count is >= 0; a pinned frame is a mapped user page or retired —
 *     never free (a pinned page is never reclaimed or migrated away, which would free it);
 *     PG_mlocked and PG_unevictable agree on every frame on an LRU;</li>
 * <li>{@code mm.migration}: no PTE holds a migration entry (migrations complete within their
 *     call) but those of migrate_vma calls in flight ({@code device.migrate_vma} checks them);</li>
 * <li>{@code mm.hwpoison}: a frame is PG_hwpoison iff its zone has it retired; a retired frame
 *     has no other flag, no reverse map, no PTE, and is on no list (so it is never allocated).</li>
 * </ol>
 * A retired frame is the third place a frame can be, besides free and user page ({@code mm.frames}
 * accepts it when {@code mm.hwpoison} does, and {@code mm.nr_free} does not count it). Device
 * memory ({@link DeviceMemory}) is {@code device.*}'s: ZONE_DEVICE frames are left out here, a
 * device-private entry and a migrate_vma's migration entry count in rss and stand for their frame
 * in the reverse-map check, and a page a migrate_vma in flight isolated is off its LRU, unmapped.
 * accepts it when {@code mm.hwpoison} does, and {@code mm.nr_free} does not count it). Frames of
 * compound pages (THP, hugetlbfs) are the fourth: {@code mm.frames} leaves them to
 * {@link LargePageInvariants}, {@code mm.nr_free} does not count free hugetlbfs pool pages, an LRU
 * entry of a THP counts 512 pages and its tails are on no list, and hugetlbfs pages are on no LRU
 * and not in rss.
 * Checks walk the whole state (O(frames + pages)) and may allocate; they run at check points,
 * never per access.
 */
final class MmInvariants {
    private MmInvariants() {
    }

    static void register(MemoryManager m, InvariantRegistry r) {
        r.register(InvariantCheck.of("mm.frames", v -> frames(m, v)));
        r.register(InvariantCheck.of("mm.rmap", v -> rmap(m, v)));
        r.register(InvariantCheck.of("mm.lru", v -> lru(m, v)));
        r.register(InvariantCheck.of("mm.nr_free", v -> nrFree(m, v)));
        r.register(InvariantCheck.of("mm.swap", v -> swap(m, v)));
        r.register(InvariantCheck.of("mm.pins", v -> pins(m, v)));
        r.register(InvariantCheck.of("mm.migration", v -> migration(m, v)));
        r.register(InvariantCheck.of("mm.hwpoison", v -> hwpoison(m, v)));
        PageCacheInvariants.register(m, r);
    }

    /** Whether {@code f} belongs to a buddy zone of {@code n} (not ZONE_DEVICE, not offline or absent). */
    private static boolean buddyFrame(PglistData n, int f) {
        dev.ksim.engine.mm.zone.Zone z = n.memMap.zoneOf(f);
        return z != null && z.type().buddyManaged();
    }

    static void pins(MemoryManager m, List<String> v) {
        FrameTable t = m.frames;
        for (int f = 0; f < t.frames; f++) {
            int pins = t.pins[f];
            int b = t.flags[f];
            if (pins < 0) {
                v.add("frame " + f + " has pin count " + pins);
            } else if (pins > 0 && t.rmapVma[f] == FrameTable.FREE && (b & PageFlags.PG_HWPOISON) == 0) {
                v.add("frame " + f + " is free but pinned " + pins + " times (reclaimed or migrated while pinned)");
            }
            if ((b & PageFlags.PG_LRU) != 0
                    && ((b & PageFlags.PG_MLOCKED) != 0) != ((b & PageFlags.PG_UNEVICTABLE) != 0)) {
                v.add("frame " + f + " on an LRU has flags " + b + ": PG_mlocked and PG_unevictable disagree");
            }
        }
    }

    static void migration(MemoryManager m, List<String> v) {
        for (VmArea vma : m.vmas) {
            for (int i = 0; i < vma.pte.length; i++) {
                if (Pte.isMigration(vma.pte[i]) && !m.device.inFlightEntry(vma, i)) {
                    v.add("pid " + vma.mm.pid + " " + vma.name + "[" + i + "] holds a migration entry outside a migration");
                }
            }
        }
    }

    static void hwpoison(MemoryManager m, List<String> v) {
        FrameTable t = m.frames;
        int[] refs = pteRefs(m, v);
        for (PglistData n : m.nodes) {
            for (int f = n.startPfn; f < n.startPfn + n.spannedPages; f++) {
                dev.ksim.engine.mm.zone.Zone z = n.memMap.zoneOf(f);
                boolean retired = z != null && z.isRetired(f);
                boolean poisoned = (t.flags[f] & PageFlags.PG_HWPOISON) != 0;
                if (retired != poisoned) {
                    v.add("frame " + f + (poisoned ? " is PG_hwpoison but not retired in its zone"
                            : " is retired in " + z.name() + " but not PG_hwpoison"));
                } else if (poisoned && (t.flags[f] != PageFlags.PG_HWPOISON || t.rmapVma[f] != FrameTable.FREE || refs[f] != 0)) {
                    v.add("retired frame " + f + " has flags " + t.flags[f] + ", reverse map " + t.rmapVma[f]
                            + " and " + refs[f] + " PTEs");
                }
            }
        }
    }


    /** Number of PTEs pointing at each frame. */
    private static int[] pteRefs(MemoryManager m, List<String> v) {
        int[] refs = new int[m.frames.frames];
        for (VmArea vma : m.vmas) {
            for (int i = 0; i < vma.pte.length; i++) {
                int e = vma.pte[i];
                if (Pte.isPresent(e)) {
                    int f = Pte.frame(e);
                    if (f >= refs.length) {
                        v.add("pid " + vma.mm.pid + " " + vma.name + "[" + i + "] maps frame " + f + " beyond the last frame");
                    } else {
                        refs[f]++;
                    }
                }
            }
        }
        return refs;
    }

    static void frames(MemoryManager m, List<String> v) {
        FrameTable t = m.frames;
        int[] refs = pteRefs(m, v);
        boolean[] isolated = m.device.isolatedSources(); // unmapped by a migrate_vma in flight (device.migrate_vma)
        for (PglistData n : m.nodes) {
            for (int f = n.startPfn; f < n.startPfn + n.spannedPages; f++) {
                dev.ksim.engine.mm.zone.Zone z = n.memMap.zoneOf(f);
                if (z == null) { // absent or offline (hot-pluggable memory not added, or offlined): nobody's
                    if (t.rmapVma[f] != FrameTable.FREE || t.flags[f] != 0 || refs[f] != 0 || t.pins[f] != 0) {
                        v.add("frame " + f + " of node" + n.nodeId + " belongs to no zone (" + (n.memMap.present(f) ? "offline"
                                : "absent") + ") but has reverse map " + t.rmapVma[f] + ", flags " + t.flags[f] + " and "
                                + refs[f] + " PTEs");
                    }
                    continue;
                }
                if (!z.type().buddyManaged()) {
                    continue; // a ZONE_DEVICE frame: device.frames checks it
                }
                if (LargePageInvariants.compoundFrame(m, f)) {
                    continue; // thp.compound and hugetlb.pool check it
                }
                boolean free = t.rmapVma[f] == FrameTable.FREE;
                if (free && (t.flags[f] & PageFlags.PG_HWPOISON) != 0 && z.isRetired(f)) {
                    continue; // retired: mm.hwpoison checks it
                }
                int order = z.allocatedOrder(f);
                if (free && (order >= 0 || refs[f] != 0 || t.flags[f] != 0)) {
                    v.add("free frame " + f + " is " + (order >= 0 ? "allocated (order " + order + ")" : "free")
                            + " in " + z.name() + ", mapped by " + refs[f] + " PTEs, flags " + t.flags[f]);
                } else if (!free && (order != 0 || Rmap.isAnon(t.rmapVma[f]) && refs[f] < 1)
                        && !(isolated != null && isolated[f] && refs[f] == 0 && order == 0)) {
                    v.add("user frame " + f + " is " + (order < 0 ? "not allocated" : "an order-" + order + " block")
                            + " in " + z.name() + " and mapped by " + refs[f] + " PTEs");
                }
            }
        }
    }

    static void rmap(MemoryManager m, List<String> v) {
        FrameTable t = m.frames;
        for (MmStruct mm : m.processes) {
            long present = 0;
            long swapped = 0;
            long ptes = 0;
            for (VmArea vma : mm.vmas) {
                boolean special = vma.kind == dev.ksim.engine.model.MappingKind.PFNMAP;
                for (int i = 0; i < vma.pte.length; i++) {
                    int e = vma.pte[i];
                    if (e != Pte.NONE) {
                        ptes++;
                        if (vma.detached || vma.isHole(i)) {
                            v.add("pid " + mm.pid + " " + vma.name + "[" + i + "] holds PTE " + e + " in an unmapped range");
                        }
                    }
                    if (Pte.isPresent(e)) {
                        if (!special && vma.kind != dev.ksim.engine.model.MappingKind.HUGETLB) {
                            present++; // PFNMAP driver frames and hugetlbfs pages are not in rss
                        }
                        int f = Pte.frame(e);
                        if (f < t.frames && !reverseMapNames(m, f, vma, i)) {
                            v.add("pid " + mm.pid + " " + vma.name + "[" + i + "] maps frame " + f
                                    + " whose reverse map says " + describe(m, f));
                        }
                    } else if (Pte.isSwap(e)) {
                        swapped++;
                    } else if (e != Pte.NONE) {
                        present += m.device.rssOf(vma, i); // a device-private page, a page under migrate_vma
                    }
                }
            }
            if (present != mm.rss) {
                v.add("pid " + mm.pid + " rss " + mm.rss + " but " + present + " present PTEs");
            }
            if (swapped != mm.swapents) {
                v.add("pid " + mm.pid + " swapents " + mm.swapents + " but " + swapped + " swap PTEs");
            }
            if (mm.killed() && ptes != 0) {
                v.add((mm.oomKilled ? "OOM-killed" : "dead") + " pid " + mm.pid + " still has " + ptes + " PTEs ("
                        + present + " present, " + swapped + " swapped)");
            }
        }
        int[] refs = pteRefs(m, v);
        for (int f = 0; f < t.frames; f++) {
            int id = t.rmapVma[f];
            if (id == FrameTable.FREE) {
                continue;
            }
            int idx = t.rmapIndex[f];
            if (id >= m.vmas.length || id < 0 && -2 - id >= m.rmap.owners.size()) {
                v.add("frame " + f + " reverse-maps to unknown " + (id >= 0 ? "vma " + id : "owner " + (-2 - id)));
                continue;
            }
            if (id >= 0) {
                if (m.rmap.mapcount(f) == 0 && !m.device.entryStandsFor(m.vmas[id], idx, f)) {
                    v.add("anonymous frame " + f + " reverse-maps to pid " + m.vmas[id].mm.pid + " " + m.vmas[id].name + "[" + idx
                            + "], but no mapping of its family maps it there");
                }
            } else {
                PageOwner o = m.rmap.owner(f);
                if (o instanceof AddressSpace as) {
                    if (idx < 0 || idx >= as.pages || as.entry(idx) != Pte.present(f)) {
                        v.add("page-cache frame " + f + " reverse-maps to '" + as.name + "' page " + idx + ", whose entry is "
                                + (idx >= 0 && idx < as.pages ? as.entry(idx) : "out of range"));
                    }
                } else if (o instanceof DriverPages.PfnRegion r) {
                    if (idx < 0 || idx >= r.pfns.length || r.pfns[idx] != f) {
                        v.add("driver frame " + f + " reverse-maps to region '" + r.name + "' page " + idx + ", which holds another frame");
                    }
                } else if (o instanceof DriverPages.MovableSet ms) {
                    if (idx < 0 || idx >= ms.pfns.length || ms.pfns[idx] != f) {
                        v.add("movable driver frame " + f + " reverse-maps to '" + ms.name + "' page " + idx + ", which holds another frame");
                    } else if (ms.isIsolated(idx)) {
                        v.add("movable driver frame " + f + " of '" + ms.name + "' is still isolated outside a migration");
                    }
                }
            }
            if (refs[f] != m.rmap.mapcount(f)) {
                v.add("frame " + f + " is mapped by " + refs[f] + " PTEs, but the reverse-map walk finds " + m.rmap.mapcount(f));
            }
        }
    }

    /** Whether frame {@code f}'s reverse map names page {@code i} of {@code vma}. */
    private static boolean reverseMapNames(MemoryManager m, int f, VmArea vma, int i) {
        FrameTable t = m.frames;
        int id = t.rmapVma[f];
        if (t.rmapIndex[f] != i || id == FrameTable.FREE) {
            return false;
        }
        if (id >= 0) {
            return id < m.vmas.length && m.vmas[id].anon == vma.anon;
        }
        return vma.owner != null && vma.owner.id == -2 - id;
    }

    private static String describe(MemoryManager m, int f) {
        int id = m.frames.rmapVma[f];
        int idx = m.frames.rmapIndex[f];
        if (id == FrameTable.FREE) {
            return "free";
        }
        if (id >= 0) {
            return id < m.vmas.length ? "vma " + id + " (family of pid " + m.vmas[id].mm.pid + " " + m.vmas[id].name + ") page " + idx
                    : "unknown vma " + id;
        }
        PageOwner o = -2 - id < m.rmap.owners.size() ? m.rmap.owners.get(-2 - id) : null;
        return (o == null ? "unknown owner " + (-2 - id) : "'" + o.name + "'") + " page " + idx;
    }

    static void lru(MemoryManager m, List<String> v) {
        FrameTable t = m.frames;
        boolean[] isolated = m.device.isolatedSources();
        boolean[] seen = new boolean[t.frames];
        for (PglistData n : m.nodes) {
            for (int lru = 0; lru < Lruvec.NR_LRU_LISTS; lru++) {
                int head = n.lruvec.head(lru);
                String list = "node" + n.nodeId + " " + Lruvec.NAMES[lru].substring(3) + " list";
                long count = 0;
                int prev = head;
                for (int f = t.next[head]; f != head; f = t.next[f]) {
                    if (count > t.frames || f < 0 || f >= t.frames) {
                        v.add(list + " is corrupt (cycle or bad link at " + f + ")");
                        break;
                    }
                    if (t.prev[f] != prev) {
                        v.add(list + ": frame " + f + " has prev " + t.prev[f] + ", expected " + prev);
                    }
                    if (!n.contains(f)) {
                        v.add("frame " + f + " is on the " + list + " but belongs to another node");
                    }
                    if (t.rmapVma[f] == FrameTable.FREE) {
                        v.add("free frame " + f + " is on the " + list);
                    } else if (Rmap.isOwned(t.rmapVma[f]) && !(m.rmap.owner(f) instanceof AddressSpace)) {
                        v.add("driver frame " + f + " (" + m.rmap.owner(f).name + ") is on the " + list);
                    }
                    int b = t.flags[f];
                    if ((b & PageFlags.PG_LRU) == 0 || Lruvec.lruOf(b) != lru) {
                        v.add("frame " + f + " is on the " + list + " but its flags (" + b + ") say "
                                + ((b & PageFlags.PG_LRU) == 0 ? "off-LRU" : Lruvec.NAMES[Lruvec.lruOf(b)].substring(3)));
                    }
                    if (m.strict && lru != Lruvec.LRU_INACTIVE_ANON) {
                        v.add("strict-lru keeps one list per node, but frame " + f + " is on the " + list);
                    }
                    if (seen[f]) {
                        v.add("frame " + f + " is on an LRU twice");
                    }
                    seen[f] = true;
                    count += Lruvec.folioNrPages(b);
                    prev = f;
                }
                if (count != n.lruvec.nr[lru]) {
                    v.add(list + " holds " + count + " frames but " + Lruvec.NAMES[lru] + " is " + n.lruvec.nr[lru]);
                }
            }
            for (int f = n.startPfn; f < n.startPfn + n.spannedPages; f++) {
                boolean lruPage = Rmap.isAnon(t.rmapVma[f]) || m.rmap.owner(f) instanceof AddressSpace;
                if (lruPage && !seen[f] && !(isolated != null && isolated[f]) && !m.device.isDeviceFrame(f)
                        && !LargePageInvariants.compoundFrame(m, f)) {
                    v.add("user frame " + f + " of node" + n.nodeId + " is on no LRU list");
                }
                if ((t.flags[f] & PageFlags.PG_LRU) != 0 && !seen[f]) {
                    v.add("frame " + f + " of node" + n.nodeId + " has PG_lru but is on no LRU list");
                }
            }
        }
    }

    static void nrFree(MemoryManager m, List<String> v) {
        FrameTable t = m.frames;
        for (PglistData n : m.nodes) {
            long recount = 0;
            for (int f = n.startPfn; f < n.startPfn + n.spannedPages; f++) {
                if (!buddyFrame(n, f)) {
                    continue; // ZONE_DEVICE (device.frames), offline or absent: not the buddy's
                }
                if (t.rmapVma[f] == FrameTable.FREE && (t.flags[f] & PageFlags.PG_HWPOISON) == 0 && !m.hugetlb.isHugetlb(f)) {
                    recount++;
                }
            }
            if (recount != n.nrFreePages()) {
                v.add("node" + n.nodeId + " nr_free_pages " + n.nrFreePages() + " but " + recount + " frames are free");
            }
        }
    }

    static void swap(MemoryManager m, List<String> v) {
        SwapDevice s = m.swap;
        int[] refs = new int[s.slots];
        long refsTotal = 0;
        for (VmArea vma : m.vmas) {
            for (int i = 0; i < vma.pte.length; i++) {
                int e = vma.pte[i];
                if (Pte.isSwap(e)) {
                    refsTotal += swapRef(s, refs, e, v, "pid " + vma.mm.pid + " " + vma.name + "[" + i + "]");
                }
            }
        }
        for (AddressSpace as : m.pageCache.spaces) {
            for (int i = 0; i < as.pages; i++) {
                int e = as.entry(i);
                if (Pte.isSwap(e)) {
                    refsTotal += swapRef(s, refs, e, v, "shmem '" + as.name + "' page " + i);
                }
            }
        }
        long marked = 0;
        long held = 0;
        for (int slot = 0; slot < s.slots; slot++) {
            if (s.used[slot]) {
                marked++;
                held += s.refs[slot];
                if (refs[slot] != s.refs[slot]) {
                    v.add("used swap slot " + slot + " has " + s.refs[slot] + " references but " + refs[slot] + " swap entries hold it");
                }
            } else if (s.refs[slot] != 0) {
                v.add("free swap slot " + slot + " has reference count " + s.refs[slot]);
            }
        }
        if (s.nrUsed != marked || held != refsTotal) {
            v.add("swap: " + s.nrUsed + " slots counted used, " + marked + " marked used holding " + held + " references, "
                    + refsTotal + " swap entries");
        }
    }

    private static int swapRef(SwapDevice s, int[] refs, int e, List<String> v, String where) {
        int slot = Pte.slot(e);
        if (slot >= s.slots) {
            v.add(where + " points at swap slot " + slot + " beyond the device");
            return 0;
        }
        if (!s.used[slot]) {
            v.add(where + " points at free swap slot " + slot);
        }
        refs[slot]++;
        return 1;
    }
}

package dev.ksim.engine.mm;

import dev.ksim.engine.invariant.InvariantCheck;
import dev.ksim.engine.invariant.InvariantRegistry;
import java.util.List;

/**
 * The memory manager's executable invariants, one {@link InvariantCheck} each:
 * <ol>
 * <li>{@code mm.frames}: every frame of a node is absent or offline (memory hotplug: then it is
 *     nobody's) or belongs to one of its zones and is either free
 *     (not allocated in the buddy allocator, unmapped, no flags) or a user page (an allocated
 *     order-0 block mapped by exactly one PTE); the free lists themselves are checked by
 *     {@link dev.ksim.engine.mm.zone.ZoneInvariants};</li>
 * <li>{@code mm.rmap}: PTE → frame → reverse map agree both ways, and each process's rss and
 *     swapents equal its present and swapped PTEs;</li>
 * <li>{@code mm.lru}: each node's LRU lists hold exactly that node's user frames, once, with
 *     consistent links; each frame's flags (PG_lru, PG_active, PG_swapbacked, PG_unevictable)
 *     name the list it is on, and each list's count ({@code nr_inactive_anon} …) equals its
 *     length; strict-lru uses one list;</li>
 * <li>{@code mm.nr_free}: each node's nr_free_pages (the sum of its zones') equals a recount of
 *     its free frames;</li>
 * <li>{@code mm.swap}: used swap slots equal swapped PTEs, one PTE per used slot;</li>
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
                } else if (!free && (order != 0 || refs[f] != 1) && !(isolated != null && isolated[f] && refs[f] == 0 && order == 0)) {
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
            for (VmArea vma : mm.vmas) {
                for (int i = 0; i < vma.pte.length; i++) {
                    int e = vma.pte[i];
                    if (Pte.isPresent(e)) {
                        if (vma.kind != dev.ksim.engine.model.MappingKind.HUGETLB) {
                            present++; // hugetlbfs pages are not in rss
                        }
                        int f = Pte.frame(e);
                        if (f < t.frames && (t.rmapVma[f] != vma.id || t.rmapIndex[f] != i)) {
                            v.add("pid " + mm.pid + " " + vma.name + "[" + i + "] maps frame " + f
                                    + " whose reverse map says vma " + t.rmapVma[f] + " page " + t.rmapIndex[f]);
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
            if (mm.oomKilled && (present != 0 || swapped != 0)) {
                v.add("OOM-killed pid " + mm.pid + " still has " + present + " present and " + swapped + " swapped pages");
            }
        }
        for (int f = 0; f < t.frames; f++) {
            int id = t.rmapVma[f];
            if (id == FrameTable.FREE) {
                continue;
            }
            if (id < 0 || id >= m.vmas.length) {
                v.add("frame " + f + " reverse-maps to unknown vma " + id);
                continue;
            }
            VmArea vma = m.vmas[id];
            int idx = t.rmapIndex[f];
            if (idx < 0 || idx >= vma.pte.length || vma.pte[idx] != Pte.present(f) && !m.device.entryStandsFor(vma, idx, f)) {
                v.add("frame " + f + " reverse-maps to pid " + vma.mm.pid + " " + vma.name + "[" + idx
                        + "] which does not map it");
            }
        }
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
                if (t.rmapVma[f] != FrameTable.FREE && !seen[f] && !(isolated != null && isolated[f]) && !m.device.isDeviceFrame(f)
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
        long swapPtes = 0;
        for (VmArea vma : m.vmas) {
            for (int i = 0; i < vma.pte.length; i++) {
                int e = vma.pte[i];
                if (Pte.isSwap(e)) {
                    swapPtes++;
                    int slot = Pte.slot(e);
                    if (slot >= s.slots) {
                        v.add("pid " + vma.mm.pid + " " + vma.name + "[" + i + "] points at swap slot " + slot + " beyond the device");
                        continue;
                    }
                    if (!s.used[slot]) {
                        v.add("pid " + vma.mm.pid + " " + vma.name + "[" + i + "] points at free swap slot " + slot);
                    }
                    refs[slot]++;
                }
            }
        }
        long marked = 0;
        for (int slot = 0; slot < s.slots; slot++) {
            if (s.used[slot]) {
                marked++;
                if (refs[slot] != 1) {
                    v.add("used swap slot " + slot + " is referenced by " + refs[slot] + " PTEs");
                }
            }
        }
        if (s.nrUsed != swapPtes || marked != s.nrUsed) {
            v.add("swap: " + s.nrUsed + " slots counted used, " + marked + " marked used, " + swapPtes + " swap PTEs");
        }
    }
}

package dev.ksim.engine.mm;

import dev.ksim.engine.invariant.InvariantCheck;
import dev.ksim.engine.invariant.InvariantRegistry;
import java.util.List;

/**
 * The memory manager's executable invariants, one {@link InvariantCheck} each:
 * <ol>
 * <li>{@code mm.frames}: every frame is either free (on its own node's free list, exactly once)
 *     or mapped by exactly one PTE;</li>
 * <li>{@code mm.rmap}: PTE → frame → reverse map agree both ways, and each process's rss and
 *     swapents equal its present and swapped PTEs;</li>
 * <li>{@code mm.lru}: each node's LRU holds exactly that node's allocated frames, once, with
 *     consistent links;</li>
 * <li>{@code mm.nr_free}: each node's free counter equals a recount;</li>
 * <li>{@code mm.swap}: used swap slots equal swapped PTEs, one PTE per used slot.</li>
 * </ol>
 * Checks walk the whole state (O(frames + pages)) and may allocate; they run at check points,
 * never per access.
 */
final class MmInvariants {
    private MmInvariants() {
    }

    static void register(MemoryManager m, InvariantRegistry r) {
        r.register(check("mm.frames", v -> frames(m, v)));
        r.register(check("mm.rmap", v -> rmap(m, v)));
        r.register(check("mm.lru", v -> lru(m, v)));
        r.register(check("mm.nr_free", v -> nrFree(m, v)));
        r.register(check("mm.swap", v -> swap(m, v)));
    }

    private interface Body {
        void run(List<String> v);
    }

    private static InvariantCheck check(String name, Body body) {
        return new InvariantCheck() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public void check(List<String> violations) {
                body.run(violations);
            }
        };
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
        int[] onFreeList = new int[t.frames];
        for (PglistData n : m.nodes) {
            int steps = 0;
            for (int f = t.next[n.freeArea.head]; f != n.freeArea.head; f = t.next[f]) {
                if (++steps > t.frames || f < 0 || f >= t.frames) {
                    v.add("node" + n.nodeId + " free list is corrupt (cycle or bad link at " + f + ")");
                    break;
                }
                if (!n.contains(f)) {
                    v.add("frame " + f + " is on node" + n.nodeId + "'s free list but belongs to another node");
                }
                onFreeList[f]++;
            }
        }
        int[] refs = pteRefs(m, v);
        for (int f = 0; f < t.frames; f++) {
            boolean free = t.rmapVma[f] == FrameTable.FREE;
            if (free && (onFreeList[f] != 1 || refs[f] != 0)) {
                v.add("free frame " + f + " is on free lists " + onFreeList[f] + " times and mapped by " + refs[f] + " PTEs");
            } else if (!free && (onFreeList[f] != 0 || refs[f] != 1)) {
                v.add("allocated frame " + f + " is on free lists " + onFreeList[f] + " times and mapped by " + refs[f] + " PTEs");
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
                        present++;
                        int f = Pte.frame(e);
                        if (f < t.frames && (t.rmapVma[f] != vma.id || t.rmapIndex[f] != i)) {
                            v.add("pid " + mm.pid + " " + vma.name + "[" + i + "] maps frame " + f
                                    + " whose reverse map says vma " + t.rmapVma[f] + " page " + t.rmapIndex[f]);
                        }
                    } else if (Pte.isSwap(e)) {
                        swapped++;
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
            if (idx < 0 || idx >= vma.pte.length || vma.pte[idx] != Pte.present(f)) {
                v.add("frame " + f + " reverse-maps to pid " + vma.mm.pid + " " + vma.name + "[" + idx
                        + "] which does not map it");
            }
        }
    }

    static void lru(MemoryManager m, List<String> v) {
        FrameTable t = m.frames;
        boolean[] seen = new boolean[t.frames];
        for (PglistData n : m.nodes) {
            int head = n.lruvec.head;
            long count = 0;
            int prev = head;
            for (int f = t.next[head]; f != head; f = t.next[f]) {
                if (count > t.frames || f < 0 || f >= t.frames) {
                    v.add("node" + n.nodeId + " LRU is corrupt (cycle or bad link at " + f + ")");
                    break;
                }
                if (t.prev[f] != prev) {
                    v.add("node" + n.nodeId + " LRU: frame " + f + " has prev " + t.prev[f] + ", expected " + prev);
                }
                if (!n.contains(f)) {
                    v.add("frame " + f + " is on node" + n.nodeId + "'s LRU but belongs to another node");
                }
                if (t.rmapVma[f] == FrameTable.FREE) {
                    v.add("free frame " + f + " is on node" + n.nodeId + "'s LRU");
                }
                if (seen[f]) {
                    v.add("frame " + f + " is on an LRU twice");
                }
                seen[f] = true;
                count++;
                prev = f;
            }
            if (count != n.lruvec.nrPages) {
                v.add("node" + n.nodeId + " LRU holds " + count + " frames but counts " + n.lruvec.nrPages);
            }
            for (int f = n.startPfn; f < n.startPfn + n.spannedPages; f++) {
                if (t.rmapVma[f] != FrameTable.FREE && !seen[f]) {
                    v.add("allocated frame " + f + " of node" + n.nodeId + " is not on its LRU");
                }
            }
        }
    }

    static void nrFree(MemoryManager m, List<String> v) {
        FrameTable t = m.frames;
        for (PglistData n : m.nodes) {
            long recount = 0;
            for (int f = n.startPfn; f < n.startPfn + n.spannedPages; f++) {
                if (t.rmapVma[f] == FrameTable.FREE) {
                    recount++;
                }
            }
            if (recount != n.freeArea.nrFree) {
                v.add("node" + n.nodeId + " nr_free_pages " + n.freeArea.nrFree + " but " + recount + " frames are free");
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

package dev.ksim.engine.mm;

import dev.ksim.engine.invariant.InvariantCheck;
import dev.ksim.engine.invariant.InvariantRegistry;
import dev.ksim.engine.model.MappingKind;
import java.util.List;

/**
 * The page cache's executable invariants (registered with {@link MmInvariants}), one
 * {@link InvariantCheck} each:
 * <ol>
 * <li>{@code mm.pagecache}: page cache ↔ frames — every cached entry's frame reverse-maps to that
 *     file and index and has PG_swapbacked exactly when the file is shmem; swap and poison entries
 *     only in shmem; each file's nrpages, nr_dirty and nr_writeback and the per-node
 *     {@code nr_file_pages}, {@code nr_shmem}, {@code nr_dirty}, {@code nr_writeback} and
 *     {@code nr_mapped} equal a recount; the dirty and writeback marks sit only on cached pages
 *     of files (never shmem); a file has a dirtied_when exactly when it has dirty pages;</li>
 * <li>{@code mm.writeback}: the pages under writeback are exactly the writes in flight on the
 *     files' devices, each once;</li>
 * <li>{@code mm.wrprotect}: write protection is what copy-on-write and dirty tracking need — a
 *     present PTE of a file-shared mapping is writable only if its page is dirty (so no store can
 *     dirty a clean page unnoticed); a page-cache page in a file-private mapping is mapped
 *     read-only; an anonymous page mapped by more than one PTE (shared after fork) is mapped
 *     read-only by all of them (so no process sees another's stores).</li>
 * </ol>
 * O(frames + pages of all mappings and files); run at check points.
 */
final class PageCacheInvariants {
    private PageCacheInvariants() {
    }

    static void register(MemoryManager m, InvariantRegistry r) {
        r.register(InvariantCheck.of("mm.pagecache", v -> pagecache(m, v)));
        r.register(InvariantCheck.of("mm.writeback", v -> writeback(m, v)));
        r.register(InvariantCheck.of("mm.wrprotect", v -> wrprotect(m, v)));
    }

    static void pagecache(MemoryManager m, List<String> v) {
        PageCache pc = m.pageCache;
        FrameTable t = m.frames;
        int nodes = m.nodes.length;
        long[] file = new long[nodes];
        long[] shmem = new long[nodes];
        long[] dirty = new long[nodes];
        long[] wb = new long[nodes];
        long[] mapped = new long[nodes];
        long totalDirty = 0;
        long totalWb = 0;
        for (AddressSpace as : pc.spaces) {
            long pages = 0;
            long d = 0;
            long w = 0;
            for (int i = 0; i < as.pages; i++) {
                int e = as.entry(i);
                String where = "'" + as.name + "' page " + i;
                if (Pte.isPresent(e)) {
                    int f = Pte.frame(e);
                    if (f >= t.frames) {
                        v.add(where + " caches frame " + f + " beyond the last frame");
                        continue;
                    }
                    pages++;
                    int node = m.nodeOf(f);
                    file[node]++;
                    if (as.shmem) {
                        shmem[node]++;
                    }
                    if (t.rmapVma[f] != Rmap.ownerRef(as.id) || t.rmapIndex[f] != i) {
                        v.add(where + " caches frame " + f + " whose reverse map says " + t.rmapVma[f] + " page " + t.rmapIndex[f]);
                    }
                    if (((t.flags[f] & PageFlags.PG_SWAPBACKED) != 0) != as.shmem) {
                        v.add(where + " caches frame " + f + " with flags " + t.flags[f] + ": PG_swapbacked must be "
                                + (as.shmem ? "set (shmem)" : "clear (a file page)"));
                    }
                    if (m.rmap.mapcount(f) > 0) {
                        mapped[node]++;
                    }
                    if (as.testDirty(i)) {
                        d++;
                        dirty[node]++;
                    }
                    if (as.testWriteback(i)) {
                        w++;
                        wb[node]++;
                    }
                } else {
                    if ((Pte.isSwap(e) || Pte.isHwpoison(e)) && !as.shmem) {
                        v.add(where + " holds entry " + e + ": swap and poison entries belong to shmem only");
                    } else if (e != Pte.NONE && !Pte.isSwap(e) && !Pte.isHwpoison(e)) {
                        v.add(where + " holds entry " + e + ", which is no page-cache entry");
                    }
                    if (as.testDirty(i) || as.testWriteback(i)) {
                        v.add(where + " is not cached but marked " + (as.testDirty(i) ? "dirty" : "under writeback"));
                    }
                }
                if (as.shmem && (as.testDirty(i) || as.testWriteback(i))) {
                    v.add(where + " of shmem is marked dirty or under writeback");
                }
            }
            if (pages != as.nrpages || d != as.nrDirty || w != as.nrWriteback) {
                v.add("'" + as.name + "' counts " + as.nrpages + " pages, " + as.nrDirty + " dirty, " + as.nrWriteback
                        + " under writeback; a recount finds " + pages + ", " + d + ", " + w);
            }
            if ((as.dirtiedWhen >= 0) != (as.nrDirty > 0)) {
                v.add("'" + as.name + "' has dirtied_when " + as.dirtiedWhen + " with " + as.nrDirty + " dirty pages");
            }
            totalDirty += d;
            totalWb += w;
        }
        for (int n = 0; n < nodes; n++) {
            check(v, n, MmMetrics.NR_FILE_PAGES, pc.nrFilePages[n], file[n]);
            check(v, n, MmMetrics.NR_SHMEM, pc.nrShmem[n], shmem[n]);
            check(v, n, MmMetrics.NR_DIRTY, pc.nrDirty[n], dirty[n]);
            check(v, n, MmMetrics.NR_WRITEBACK, pc.nrWriteback[n], wb[n]);
            check(v, n, MmMetrics.NR_MAPPED, pc.nrMapped[n], mapped[n]);
        }
        if (pc.totalDirty != totalDirty || pc.totalWriteback != totalWb) {
            v.add("machine-wide dirty " + pc.totalDirty + " and writeback " + pc.totalWriteback + ", recount " + totalDirty
                    + " and " + totalWb);
        }
    }

    private static void check(List<String> v, int node, String name, long counted, long recount) {
        if (counted != recount) {
            v.add("node" + node + " " + name + " is " + counted + " but a recount finds " + recount);
        }
    }

    static void writeback(MemoryManager m, List<String> v) {
        FrameTable t = m.frames;
        boolean[] inFlight = new boolean[t.frames];
        for (AddressSpace as : m.pageCache.spaces) {
            if (as.dev == null) {
                continue;
            }
            for (int f : as.dev.inFlightFrames()) {
                if (inFlight[f]) {
                    v.add("frame " + f + " is written twice at once on '" + as.dev.name + "'");
                }
                inFlight[f] = true;
                if (m.rmap.owner(f) != as || !as.testWriteback(t.rmapIndex[f])) {
                    v.add("'" + as.dev.name + "' writes frame " + f + ", which is not a page of '" + as.name + "' under writeback");
                }
            }
            for (int i = 0; i < as.pages; i++) {
                int f = as.find(i);
                if (f >= 0 && as.testWriteback(i) && !inFlight[f]) {
                    v.add("'" + as.name + "' page " + i + " (frame " + f + ") is under writeback but no write of it is in flight");
                }
            }
        }
    }

    static void wrprotect(MemoryManager m, List<String> v) {
        FrameTable t = m.frames;
        for (VmArea vma : m.vmas) {
            for (int i = 0; i < vma.pte.length; i++) {
                int e = vma.pte[i];
                if (!Pte.isPresent(e) || vma.isRdonly(i)) {
                    continue;
                }
                int f = Pte.frame(e);
                if (f >= t.frames) {
                    continue;
                }
                String where = "pid " + vma.mm.pid + " " + vma.name + "[" + i + "]";
                int r = t.rmapVma[f];
                if (r >= 0) {
                    if (m.rmap.mapcount(f) > 1) {
                        v.add(where + " maps anonymous frame " + f + " writable, but " + m.rmap.mapcount(f)
                                + " PTEs share it (copy-on-write broken)");
                    }
                } else if (m.rmap.owner(f) instanceof AddressSpace as && !as.shmem) {
                    if (vma.kind == MappingKind.FILE_PRIVATE) {
                        v.add(where + " maps page-cache frame " + f + " of '" + as.name + "' writable in a private mapping");
                    } else if (!as.testDirty(t.rmapIndex[f])) {
                        v.add(where + " maps clean page-cache frame " + f + " of '" + as.name + "' writable (a store would go unnoticed)");
                    }
                }
            }
        }
    }
}

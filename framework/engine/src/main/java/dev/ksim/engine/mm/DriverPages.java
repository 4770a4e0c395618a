package dev.ksim.engine.mm;

import dev.ksim.engine.metrics.MetricsRegistry;
import dev.ksim.engine.mm.zone.MigrateType;
import dev.ksim.engine.mm.zone.Watermarks;
import dev.ksim.engine.mm.zone.Zonelist;

/**
 * Frames a driver owns rather than the page cache or an anonymous mapping.
 *
 * <h2>PFNMAP regions</h2>
 * A {@code pfnmap} mapping is a driver's {@code remap_pfn_range} ({@code VM_PFNMAP | VM_IO}): at
 * mmap the driver allocates one frame per page (kernel allocations: MIGRATE_UNMOVABLE, from node
 * 0's zonelist, above the min watermark, no reclaim; {@code pgalloc}) and every PTE is populated at
 * once with a special PTE ({@code pte_special}), so references never fault. The frames are owned by
 * the region ({@link PfnRegion}, a {@link PageOwner}): not on any LRU (never reclaimed), not
 * counted in the process's rss, not migratable — move_pages reports -EFAULT for them
 * ({@code vma_migratable} is false for VM_PFNMAP), migrate_pages fails them as
 * {@code not_isolatable}, mbind skips them — and memory_failure treats them as kernel pages
 * (ignored). fork copies the special PTEs (the child maps the same frames); the frames go back to
 * the buddy allocator when the last VMA mapping the region is unmapped. If memory cannot hold the
 * region, mmap fails (an exception: the scenario's check is expected to have caught it).
 *
 * <h2>Non-LRU movable pages</h2>
 * A driver may make its own pages movable without putting them on an LRU (zsmalloc, the virtio
 * balloon, z3fold: {@code struct movable_operations}, include/linux/migrate.h). {@link MovableSet}
 * is such a driver's set of pages (allocated MIGRATE_MOVABLE with {@link #allocMovable}, off every
 * LRU, owned by the set) with the three callbacks: {@link MovableSet#isolate} ({@code isolate_page}:
 * the driver stops using the page), {@link MovableSet#migrate} ({@code migrate_page}: the driver
 * copies its data to the new frame and switches its reference) and {@link MovableSet#putback}
 * ({@code putback_page}). {@link Migrate} moves them through these callbacks — compaction is the
 * kernel user of this path (and soft offline) — and, since the non-LRU path never unmaps PTEs
 * (mm/migrate.c {@code migrate_folio_unmap} returns before {@code try_to_migrate} for a folio that
 * is not on the LRU), a page the driver mapped into a process ({@link #mapMovable}, vm_insert_page)
 * fails with {@code still_mapped} and is put back. Memory failure ignores them (me_unknown).
 */
final class DriverPages {
    private final PageCache pc;
    private final MemoryManager m;
    private final FrameTable frames;

    /** A PFNMAP region: the frames behind one pfnmap mapping (and its fork copies). */
    static final class PfnRegion extends PageOwner {
        final int[] pfns;

        PfnRegion(int id, String name, int pages) {
            super(id, name);
            this.pfns = new int[pages];
        }

        @Override
        void replaceFrame(int index, int from, int to) {
            throw new IllegalStateException("PFNMAP frame " + from + " of '" + name + "' cannot move");
        }
    }

    /** A driver's non-LRU movable pages (zsmalloc / balloon-like): frames indexed by the driver's own page number. */
    static final class MovableSet extends PageOwner {
        final int[] pfns;
        private final boolean[] isolated;
        /** Callbacks made, for tests and reports: isolate_page, migrate_page, putback_page. */
        long isolations;
        long migrations;
        long putbacks;

        MovableSet(int id, String name, int pages) {
            super(id, name);
            this.pfns = new int[pages];
            this.isolated = new boolean[pages];
        }

        /** isolate_page: false when the page is isolated already (another migration holds it). */
        boolean isolate(int index) {
            if (isolated[index]) {
                return false;
            }
            isolated[index] = true;
            isolations++;
            return true;
        }

        /** migrate_page: the driver's data and reference move from frame {@code src} to {@code dst}. */
        void migrate(int index, int src, int dst) {
            if (!isolated[index] || pfns[index] != src) {
                throw new IllegalStateException("migrate_page of '" + name + "' page " + index + " that is not isolated at " + src);
            }
            migrations++;
        }

        /** putback_page: the driver uses the page again (after a migration, or after a failed one). */
        void putback(int index) {
            isolated[index] = false;
            putbacks++;
        }

        boolean isIsolated(int index) {
            return isolated[index];
        }

        @Override
        void replaceFrame(int index, int from, int to) {
            pfns[index] = to;
        }
    }

    /** Movable sets by driver name, in allocation order. */
    private final java.util.Map<String, MovableSet> byName = new java.util.LinkedHashMap<>();

    DriverPages(PageCache pc, MetricsRegistry metrics) {
        this.pc = pc;
        this.m = pc.m;
        this.frames = pc.frames;
    }

    /** remap_pfn_range for the whole of {@code vma}: allocates its frames and populates its PTEs. */
    void mmapPfnRegion(VmArea vma) {
        if (m.strict) {
            throw new IllegalStateException("pfnmap mappings need reclaim 'lru' (strict-lru keeps one list of anonymous pages)");
        }
        int pages = vma.pte.length;
        PfnRegion r = pc.rmap.addOwner(new PfnRegion(pc.rmap.nextOwnerId(), vma.mm.name + ":" + vma.name, pages));
        for (int i = 0; i < pages; i++) {
            int f = m.zonelist.allocPages(0, 0, MigrateType.MIGRATE_UNMOVABLE, Zonelist.NO_NODEMASK, Watermarks.WMARK_MIN);
            if (f < 0) {
                for (int k = 0; k < i; k++) {
                    free(r.pfns[k]);
                    vma.pte[k] = Pte.NONE;
                }
                throw new IllegalStateException("pfnmap mapping '" + vma.name + "' of " + vma.mm.name + " needs " + pages
                        + " frames; memory ran out after " + i);
            }
            m.countAlloc(f, m.zonelist.lastNode(), -1, -1);
            frames.rmapVma[f] = Rmap.ownerRef(r.id);
            frames.rmapIndex[f] = i;
            frames.flags[f] = 0;
            r.pfns[i] = f;
            vma.pte[i] = Pte.present(f);
        }
        vma.owner = r;
        r.mmapAdd(vma);
    }

    /** The last VMA mapping {@code r} is gone: its frames go back to the buddy allocator. */
    void release(PfnRegion r) {
        if (r.nrMmap() > 0) {
            return;
        }
        for (int i = 0; i < r.pfns.length; i++) {
            if (r.pfns[i] >= 0) {
                free(r.pfns[i]);
                r.pfns[i] = -1;
            }
        }
    }

    private void free(int f) {
        frames.rmapVma[f] = FrameTable.FREE;
        frames.rmapIndex[f] = 0;
        frames.flags[f] = 0;
        m.nodes[m.nodeOf(f)].memMap.zoneOf(f).freePages(f, 0);
        m.pgfree.inc();
    }

    /**
     * A driver allocates {@code n} non-LRU movable pages on {@code node} (MIGRATE_MOVABLE, that node
     * only, above the min watermark, no reclaim); fewer when the node runs out (the set's unused
     * slots hold -1).
     */
    MovableSet allocMovable(String name, int node, int n) {
        if (byName.containsKey(name)) {
            throw new IllegalArgumentException("driver '" + name + "' has its movable pages already");
        }
        MovableSet set = pc.rmap.addOwner(new MovableSet(pc.rmap.nextOwnerId(), name, n));
        byName.put(name, set);
        for (int i = 0; i < n; i++) {
            int f = m.zonelist.allocPages(node, 0, MigrateType.MIGRATE_MOVABLE, 1L << node, Watermarks.WMARK_MIN);
            if (f < 0) {
                for (int k = i; k < n; k++) {
                    set.pfns[k] = -1;
                }
                break;
            }
            m.countAlloc(f, node, -1, -1);
            frames.rmapVma[f] = Rmap.ownerRef(set.id);
            frames.rmapIndex[f] = i;
            frames.flags[f] = 0;
            set.pfns[i] = f;
        }
        return set;
    }

    /**
     * The driver maps its page {@code index} at page {@code p} of {@code vma} (vm_insert_page into
     * a VM_MIXEDMAP mapping of its device file): {@code vma} must map nothing else.
     */
    void mapMovable(VmArea vma, int p, MovableSet set, int index) {
        if (vma.owner != null && vma.owner != set || vma.pte[p] != Pte.NONE || index != p) {
            throw new IllegalArgumentException("page " + p + " of '" + vma.name + "' cannot map driver page " + index
                    + " (the mapping maps the driver's page i at its page i, and nothing else)");
        }
        if (vma.owner == null) {
            vma.owner = set;
            set.mmapAdd(vma);
        }
        vma.pte[p] = Pte.present(set.pfns[index]);
        vma.mm.rss++;
    }

    /** The movable pages of driver {@code name}, or null. */
    MovableSet movable(String name) {
        return byName.get(name);
    }

    /** Whether frame {@code f} belongs to a PFNMAP region. */
    boolean isPfnmapFrame(int f) {
        return pc.rmap.owner(f) instanceof PfnRegion;
    }
}

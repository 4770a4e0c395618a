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

    /** Whether frame {@code f} belongs to a PFNMAP region. */
    boolean isPfnmapFrame(int f) {
        return pc.rmap.owner(f) instanceof PfnRegion;
    }
}

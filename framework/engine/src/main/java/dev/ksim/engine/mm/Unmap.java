package dev.ksim.engine.mm;

import dev.ksim.engine.model.MappingKind;

/**
 * Removing PTEs from a range of a mapping (mm/memory.c {@code zap_pte_range}) for exit_mmap,
 * munmap and madvise(MADV_DONTNEED), and detaching a VMA from the reverse map:
 * <ul>
 * <li>a present PTE is cleared (the mm's rss drops, except for a PFNMAP's special PTEs, which the
 *     kernel does not count); an anonymous page no other PTE maps is taken off its LRU and freed
 *     (its pins are dropped with it: the pin's owner is the process's driver file, closed with the
 *     mapping); a page-cache page stays cached, clean or dirty, and is no longer counted mapped
 *     when this was its last PTE; PFNMAP frames belong to their region until the last VMA mapping
 *     it goes ({@link DriverPages});</li>
 * <li>a swap PTE drops its slot reference ({@code swap_free}); a hwpoison entry is cleared.</li>
 * </ul>
 * {@link #munmap} then marks the range as a hole (a later reference is SIGSEGV) and, when the whole
 * mapping is gone, detaches the VMA; {@link #madviseDontneed} only zaps (the next reference faults
 * a fresh page in: zero-filled for anonymous memory, from the page cache for a file or shmem). Both
 * flush the range from the TLBs of the mm's cpumask ({@code flush_tlb_mm_range}: a full flush beyond
 * 33 pages) and cost {@code reclaim.unmap} per page zapped plus the flush.
 */
final class Unmap {
    private final PageCache pc;
    private final MemoryManager m;
    private final FrameTable frames;

    Unmap(PageCache pc) {
        this.pc = pc;
        this.m = pc.m;
        this.frames = pc.frames;
    }

    /** zap_pte_range over pages [from, to) of {@code vma}; returns the number of present PTEs cleared. */
    int zapRange(VmArea vma, int from, int to) {
        int[] pte = vma.pte;
        boolean special = vma.kind == MappingKind.PFNMAP;
        int zapped = 0;
        for (int p = from; p < to; p++) {
            int e = pte[p];
            if (m.device.zapDevicePage(vma, p)) {
                zapped++;
                continue;
            }
            if (Pte.isPresent(e) && frames.flags[Pte.frame(e)] < 0) {
                continue; // a THP page a pin kept whole (Thp.zapRange), or a hugetlb page: not zapped page by page
            }
            if (Pte.isPresent(e)) {
                int f = Pte.frame(e);
                pte[p] = Pte.NONE;
                vma.setRdonly(p, false);
                zapped++;
                if (special) {
                    continue;
                }
                vma.mm.rss--;
                int r = frames.rmapVma[f];
                if (r >= 0) {
                    if (pc.rmap.mapcount(f) == 0) {
                        PglistData n = m.nodes[m.nodeOf(f)];
                        n.lruvec.del(f);
                        frames.pins[f] = 0;
                        m.freeUserFrame(n, f);
                    }
                } else if (r <= -2 && pc.rmap.owner(f) instanceof AddressSpace && pc.rmap.mapcount(f) == 0) {
                    pc.unmappedAll(f);
                }
            } else if (Pte.isSwap(e)) {
                pte[p] = Pte.NONE;
                m.swap.free(Pte.slot(e));
                vma.mm.swapents--;
            } else if (e != Pte.NONE) {
                pte[p] = Pte.NONE; // a hwpoison entry
            }
        }
        return zapped;
    }

    /** The VMA is gone (exit, or munmap of all of it): out of its anon family and its owner's i_mmap. */
    void detach(VmArea vma) {
        if (vma.detached) {
            return;
        }
        vma.detached = true;
        vma.anon.remove(vma);
        if (vma.owner != null) {
            vma.owner.mmapRemove(vma);
            if (vma.owner instanceof DriverPages.PfnRegion region) {
                pc.drivers().release(region);
            }
        }
    }

    /**
     * munmap(2) of pages [from, from + n) of {@code vma} by a thread of its mm on {@code cpu};
     * returns the cost (ns). A THP the range covers whole is freed whole, one it cuts is split first
     * ({@link Thp#zapRange}); a THP a pinned subpage keeps whole stays mapped (its pages do not become a hole).
     */
    long munmap(VmArea vma, int from, int n, int cpu) {
        check(vma, from, n);
        int zapped = m.thp.zapRange(vma, from, from + n, cpu) + zapRange(vma, from, from + n);
        long cost = zapped * m.costReclaimUnmap + m.tlbs.flushTlbMmRange(cpu, vma.mm.pid, vma.startVpn + from, n);
        if (vma.holes == null) {
            vma.holes = new long[vma.rdonly.length];
        }
        for (int p = from; p < from + n; p++) {
            if (!Pte.isPresent(vma.pte[p])) { // a page a kept THP still maps is no hole
                vma.holes[p >>> 6] |= 1L << p;
            }
        }
        boolean all = true;
        for (int p = 0; p < vma.pte.length && all; p++) {
            all = vma.isHole(p);
        }
        if (all) {
            detach(vma);
        }
        return cost;
    }

    /**
     * madvise(MADV_DONTNEED) of pages [from, from + n) of {@code vma}; returns the cost (ns).
     *
     * @throws IllegalArgumentException on a PFNMAP mapping (-EINVAL: VM_PFNMAP ranges cannot be zapped by madvise)
     */
    long madviseDontneed(VmArea vma, int from, int n, int cpu) {
        check(vma, from, n);
        if (vma.kind == MappingKind.PFNMAP) {
            throw new IllegalArgumentException("madvise(MADV_DONTNEED) of PFNMAP mapping '" + vma.name + "': -EINVAL");
        }
        int zapped = m.thp.zapRange(vma, from, from + n, cpu) + zapRange(vma, from, from + n);
        return zapped * m.costReclaimUnmap + m.tlbs.flushTlbMmRange(cpu, vma.mm.pid, vma.startVpn + from, n);
    }

    private static void check(VmArea vma, int from, int n) {
        if (from < 0 || n < 1 || (long) from + n > vma.pte.length) {
            throw new IllegalArgumentException("pages [" + from + ", " + ((long) from + n) + ") outside mapping '" + vma.name
                    + "' of " + vma.pte.length + " pages");
        }
    }

}

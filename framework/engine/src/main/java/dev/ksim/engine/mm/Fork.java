package dev.ksim.engine.mm;

import dev.ksim.engine.cost.CostModel;
import dev.ksim.engine.metrics.LongCounter;
import dev.ksim.engine.metrics.MetricsRegistry;
import dev.ksim.engine.model.MappingKind;

/**
 * fork(2)'s copy of an address space (kernel/fork.c {@code dup_mmap}, mm/memory.c
 * {@code copy_page_range}). The child is a new process (next pid) with a copy of every mapping of
 * the parent at the same virtual addresses, of the same kind, with the same munmap holes and mbind
 * policies; it joins each mapping's reverse-map lists (the anon family, the file's i_mmap).
 * Page tables are copied only where a fault could not rebuild them ({@code vma_needs_copy}):
 * <ul>
 * <li>anonymous mappings, and file-private ones holding copy-on-write pages: every present PTE is
 *     shared — both parent and child map the frame write-protected, so the first store of either
 *     copies it ({@link WpFault}); the child's rss counts it. A page pinned for DMA is copied for
 *     the child at once instead (copy_present_page: a pinned page must stay the parent's exclusive
 *     page). Swap PTEs are shared too (one more slot reference, the child's swapents), hwpoison
 *     entries copied;</li>
 * <li>PFNMAP mappings: the special PTEs are copied (the child maps the same driver frames);</li>
 * <li>file-shared and shmem mappings, and file-private ones without copy-on-write pages: nothing
 *     is copied — the child faults pages in from the page cache.</li>
 * </ul>
 * Transparent huge pages are split first and their base pages shared as above (the kernel shares
 * the PMD instead); a THP a pin keeps whole, device pages (DEVICE_PRIVATE entries, coherent device
 * frames) and pages under migration are not shared: the child faults its own. hugetlbfs mappings
 * are not copied (the child faults pages from the pools).
 * The parent's TLBs are flushed once (flush_tlb_mm, a shootdown to its cpumask), since its
 * writable translations became read-only. mlock is not inherited (a VM_LOCKED flag ksim does not
 * keep per VMA; the pages stay locked for the parent). The child runs no threads: its memory exists,
 * is shared, and is counted (rss, OOM victim choice), and scenario actions may name it; it can exit.
 * Cost, charged to the forking thread: {@code fork.pte} per PTE copied, the copies of pinned pages
 * ({@code fault.cow} each), and the flush. Counters: {@code fork}, {@code fork_pte_copied}.
 */
final class Fork {
    private final PageCache pc;
    private final MemoryManager m;
    private final FrameTable frames;
    private final long costPte;
    final LongCounter forks;
    final LongCounter ptesCopied;

    Fork(PageCache pc, MetricsRegistry metrics) {
        this.pc = pc;
        this.m = pc.m;
        this.frames = pc.frames;
        this.costPte = m.costs.get(CostModel.FORK_PTE);
        this.forks = metrics.counter(MmMetrics.FORK);
        this.ptesCopied = metrics.counter(MmMetrics.FORK_PTE_COPIED);
    }

    /** Forks {@code parent} on {@code cpu} into a new process {@code name}; the cost is left in {@link #lastCost}. */
    MmStruct fork(MmStruct parent, String name, int cpu) {
        if (parent.killed()) {
            throw new IllegalStateException(parent.name + " is dead and cannot fork");
        }
        forks.inc();
        MmStruct child = new MmStruct(m.processes.size() + 1, name);
        VmArea[] own = new VmArea[parent.vmas.length];
        long cost = 0;
        int cpuNode = m.topology().cpuNode(cpu);
        for (int i = 0; i < parent.vmas.length; i++) {
            VmArea pv = parent.vmas[i];
            VmArea cv = new VmArea(m.vmas.length, child, i, pv.name, pv.pte.length, pv.startVpn, pv.kind);
            m.addVma(cv, pv.anon);
            own[i] = cv;
            if (pv.holes != null) {
                cv.holes = pv.holes.clone();
            }
            cv.detached = pv.detached;
            if (pv.policy != null) {
                cv.policy = pv.policy.copy();
            }
            if (pv.detached) {
                pv.anon.remove(cv);
                continue;
            }
            if (pv.owner != null) {
                cv.owner = pv.owner;
                pv.owner.mmapAdd(cv);
            }
            if (needsCopy(pv)) {
                cost += copyPageRange(pv, cv, child, cpu, cpuNode);
            }
        }
        child.vmas = own;
        m.processes.add(child);
        cost += m.tlbs.flushTlbMm(cpu, parent.pid);
        lastCost = cost;
        return child;
    }

    private long lastCost;

    /** The cost (ns) of the last {@link #fork}. */
    long lastCost() {
        return lastCost;
    }

    /** vma_needs_copy: anonymous and PFNMAP mappings always, file-private ones holding anonymous (COW) pages. */
    private boolean needsCopy(VmArea v) {
        if (v.kind == MappingKind.ANON || v.kind == MappingKind.PFNMAP) {
            return true;
        }
        if (v.kind != MappingKind.FILE_PRIVATE) {
            return false;
        }
        for (int e : v.pte) {
            if (Pte.isPresent(e) && Rmap.isAnon(frames.rmapVma[Pte.frame(e)]) || Pte.isSwap(e)) {
                return true;
            }
        }
        return false;
    }

    private long copyPageRange(VmArea pv, VmArea cv, MmStruct child, int cpu, int cpuNode) {
        long cost = 0;
        boolean special = pv.kind == MappingKind.PFNMAP;
        for (int p = 0; p < pv.pte.length; p++) {
            int e = pv.pte[p];
            if (e == Pte.NONE) {
                continue;
            }
            ptesCopied.inc();
            cost += costPte;
            if (Pte.isSwap(e)) {
                m.swap.dup(Pte.slot(e));
                cv.pte[p] = e;
                child.swapents++;
                cv.setRdonly(p, pv.isRdonly(p));
                continue;
            }
            if (Pte.isDevicePrivate(e) || Pte.isMigration(e)) {
                continue; // device memory is not shared with a child here: the child faults its own page (a deviation)
            }
            if (!Pte.isPresent(e)) {
                cv.pte[p] = e; // a hwpoison entry
                continue;
            }
            int f = Pte.frame(e);
            if (special) {
                cv.pte[p] = e;
                continue;
            }
            if (m.device.isDeviceFrame(f)) {
                continue; // a coherent device page: as above
            }
            if (frames.flags[f] < 0 && !m.hugetlb.isHugetlb(f)) {
                // a THP: ksim splits it and shares the base pages (the kernel's copy_huge_pmd shares the PMD)
                long split = m.thp.split(f, cpu);
                if (split < 0) {
                    continue; // a pinned subpage kept it whole: the child faults its own pages
                }
                cost += split;
            }
            if (Rmap.isAnon(frames.rmapVma[f]) && frames.pins[f] > 0) {
                // copy_present_page: the child gets its own copy now; the pinned page stays the parent's, writable
                int nf = m.allocFrameFor(child, m.nodeOf(f), 0, cpu, cpuNode);
                cost += m.pending;
                m.pending = 0;
                if (nf < 0) {
                    throw new IllegalStateException("fork of " + pv.mm.name + " ran out of memory copying a pinned page");
                }
                pc.faults.installAnon(cv, p, nf);
                child.rss++;
                cost += pc.costCow + m.hardeningAllocated(m.nodeOf(nf), nf);
                continue;
            }
            pv.setRdonly(p, true);
            cv.pte[p] = e;
            cv.setRdonly(p, true);
            child.rss++;
        }
        return cost;
    }
}

package dev.ksim.engine.mm;

import dev.ksim.engine.metrics.LongCounter;
import dev.ksim.engine.metrics.MetricsRegistry;
import dev.ksim.engine.model.MappingKind;

/**
 * A store to a present but write-protected PTE (mm/memory.c {@code do_wp_page}); counted as
 * {@code pgfault}, its cost in {@code fault_latency}:
 * <ul>
 * <li>an anonymous page mapped by this PTE only (the other mappers of its fork family exited or
 *     copied already): reused — the PTE just becomes writable ({@code pgreuse}, {@code fault.wp});</li>
 * <li>an anonymous page shared after fork, or a page-cache page in a {@code file-private}
 *     mapping: copied into a new anonymous page of this mapping, which the PTE then maps writable;
 *     the old translation is flushed from the mm's TLBs first ({@code ptep_clear_flush}) —
 *     copy-on-write ({@code cow_fault}, {@code fault.cow}). The copy is allocated like any fault
 *     (policy, reclaim, OOM); if reclaim took the old page meanwhile, the fault starts over;</li>
 * <li>a page-cache page in a {@code file-shared} mapping (clean, so write-protected for dirty
 *     tracking): dirtied and made writable ({@code wp_page_shared}: page_mkwrite, set_page_dirty,
 *     then balance_dirty_pages, which may pause the writer);</li>
 * <li>shmem and PFNMAP pages are always mapped writable; a stray write-protection is lifted.</li>
 * </ul>
 */
final class WpFault {
    private final PageCache pc;
    private final MemoryManager m;
    private final FrameTable frames;
    final LongCounter pgreuse;

    WpFault(PageCache pc, MetricsRegistry metrics) {
        this.pc = pc;
        this.m = pc.m;
        this.frames = pc.frames;
        this.pgreuse = metrics.counter(MmMetrics.PGREUSE);
    }

    /** A store by {@code mm} on {@code cpu} to page {@code p} of {@code vma}, which maps frame {@code f} write-protected. */
    long fault(MmStruct mm, VmArea vma, int p, int f, int cpu, int cpuNode) {
        pc.pgfault.inc();
        int r = frames.rmapVma[f];
        long cost;
        int now = f;
        if (r >= 0 && pc.rmap.mapcount(f) == 1) {
            vma.setRdonly(p, false); // wp_page_reuse
            pgreuse.inc();
            cost = pc.costWp;
        } else if (r >= 0 || vma.kind == MappingKind.FILE_PRIVATE) {
            cost = copy(mm, vma, p, f, cpu, cpuNode);
            if (cost < 0) {
                m.faultLatency.record(-cost);
                return Math.max(1, -cost);
            }
            int e = vma.pte[p];
            now = Pte.isPresent(e) ? Pte.frame(e) : -1;
        } else if (vma.kind == MappingKind.FILE_SHARED && pc.rmap.owner(f) instanceof AddressSpace as) {
            vma.setRdonly(p, false);
            pc.writeback.setDirty(as, frames.rmapIndex[f], f);
            cost = pc.costWp + pc.writeback.balanceDirtyPages(cpu);
        } else {
            vma.setRdonly(p, false);
            cost = pc.costWp;
        }
        if (now >= 0 && !mm.killed()) {
            int node = m.nodeOf(now);
            m.referencePage(now);
            cost += m.loadCost(cpuNode, node);
        }
        m.faultLatency.record(cost);
        return Math.max(1, cost);
    }

    /** wp_page_copy; returns the cost, or {@code -cost} when the OOM killer killed {@code mm}. */
    private long copy(MmStruct mm, VmArea vma, int p, int f, int cpu, int cpuNode) {
        int nf = m.allocFaultFrame(mm, vma, p, cpu, cpuNode);
        long cost = m.pending;
        if (nf < 0) {
            return -Math.max(1, cost);
        }
        if (vma.pte[p] != Pte.present(f)) {
            // the old page was reclaimed or migrated while we allocated: give the frame back and fault again
            m.pending = 0;
            m.freeUserFrame(m.nodes[m.nodeOf(nf)], nf);
            cost += m.pending;
            return cost + m.faultIn(mm, vma, p, cpu, true);
        }
        boolean owned = Rmap.isOwned(frames.rmapVma[f]);
        cost += m.tlbs.flushTlbMmRange(cpu, mm.pid, vma.startVpn + p, 1); // ptep_clear_flush
        pc.faults.installAnon(vma, p, nf);
        if (owned && pc.rmap.mapcount(f) == 0) {
            pc.unmappedAll(f);
        }
        pc.faults.cowFault.inc();
        cost += pc.costCow + m.hardeningAllocated(m.nodeOf(nf), nf);
        m.fillTlb(cpu, mm.pid, vma.startVpn + p, nf);
        return cost;
    }
}

package dev.ksim.engine.mm;

import dev.ksim.engine.metrics.LatencyHistogram;
import dev.ksim.engine.metrics.LongCounter;
import dev.ksim.engine.model.MappingKind;

/**
 * Page faults on mappings that are not anonymous (mm/memory.c {@code do_fault}, mm/filemap.c
 * {@code filemap_fault}, mm/shmem.c {@code shmem_fault}), on a PTE that is none:
 * <ul>
 * <li>the page is looked up in the page cache; a hit is a minor fault ({@code fault.minor.file});
 *     a file page that is not cached is allocated (the node as for an anonymous fault: the range's
 *     mbind policy, else the migration policy) and read from the file's device — a major fault
 *     ({@code pgmajfault}, {@code pgpgin} += 4 KiB, {@code fault.major.overhead} + the device's
 *     read latency); a shmem page that is not cached is a fresh zeroed page ({@code fault.minor.anon}),
 *     or is read back from swap when its cache entry is a swap entry ({@code pswpin}, major);</li>
 * <li>{@code file-shared}: the page is mapped; read-only after a read fault (clean pages are
 *     write-protected so the first store is noticed: writenotify), writable and dirtied after a
 *     write fault (do_shared_fault; {@link Writeback#setDirty}, then balance_dirty_pages);</li>
 * <li>{@code file-private}: a read fault maps the page-cache page read-only; a write fault copies
 *     it into a new anonymous page of the mapping and maps that writable (do_cow_fault,
 *     {@code cow_fault}, {@code fault.cow});</li>
 * <li>{@code shmem}: the page is mapped writable (shmem has no dirty tracking);</li>
 * <li>a page inside a range munmap removed: SIGSEGV, the process dies ({@code sigsegv});</li>
 * <li>{@code pfnmap}: its PTEs are populated at mmap, so a fault there (none is possible without a
 *     hole) is SIGBUS.</li>
 * </ul>
 * In every case {@code pgfault} was counted by the caller; the cost goes to {@code fault_latency}.
 * When the allocation's OOM kill chose the faulting process itself, the fault is abandoned.
 */
final class FileFaults {
    private final PageCache pc;
    private final MemoryManager m;
    private final FrameTable frames;
    private final LatencyHistogram faultLatency;
    final LongCounter cowFault;
    final LongCounter sigsegv;

    FileFaults(PageCache pc) {
        this.pc = pc;
        this.m = pc.m;
        this.frames = pc.frames;
        this.faultLatency = m.faultLatency;
        this.cowFault = pc.metrics.counter(MmMetrics.COW_FAULT);
        this.sigsegv = pc.metrics.counter(MmMetrics.SIGSEGV);
    }

    /** A fault on a none PTE at page {@code p} of a non-anonymous mapping (or a hole); see the class comment. */
    long fault(MmStruct mm, VmArea vma, int p, int cpu, int cpuNode, boolean write) {
        if (vma.isHole(p)) {
            return segv(mm);
        }
        if (vma.kind == MappingKind.PFNMAP || !(vma.owner instanceof AddressSpace as)) {
            return m.memoryFailure().sigbus(mm, vma, p); // VM_FAULT_SIGBUS: no page behind a special mapping
        }
        long cost = 0;
        boolean cow = write && vma.kind == MappingKind.FILE_PRIVATE;
        int nf = -1;
        if (cow) {
            nf = m.allocFaultFrame(mm, vma, p, cpu, cpuNode);
            cost += m.pending;
            if (nf < 0) {
                return abandoned(cost);
            }
        }
        if (Pte.isHwpoison(as.entry(p))) {
            if (nf >= 0) {
                m.freeUserFrame(m.nodes[m.nodeOf(nf)], nf);
            }
            return m.memoryFailure().sigbus(mm, vma, p); // a poisoned shmem page: VM_FAULT_HWPOISON
        }
        int f = as.find(p);
        if (f >= 0) {
            cost += pc.costMinorFile;
        } else {
            long c = Pte.isSwap(as.entry(p)) ? shmemSwapIn(mm, as, p, vma, cpu, cpuNode) : fill(mm, as, p, true, vma, cpu, cpuNode);
            if (c < 0) {
                if (nf >= 0) {
                    m.freeUserFrame(m.nodes[m.nodeOf(nf)], nf);
                }
                return abandoned(cost - c);
            }
            cost += c;
            f = as.find(p);
        }
        int mapped = f;
        if (cow) {
            m.referencePage(f); // the copy read the page-cache page
            installAnon(vma, p, nf);
            vma.mm.rss++;
            cowFault.inc();
            cost += pc.costCow + m.hardeningAllocated(m.nodeOf(nf), nf);
            mapped = nf;
        } else if (vma.kind == MappingKind.FILE_SHARED) {
            pc.mapPage(vma, p, f, !write);
            if (write) {
                pc.writeback.setDirty(as, p, f);
                cost += pc.writeback.balanceDirtyPages(cpu);
            }
        } else {
            pc.mapPage(vma, p, f, vma.kind == MappingKind.FILE_PRIVATE);
        }
        m.fillTlb(cpu, mm.pid, vma.startVpn + p, mapped);
        cost += m.loadCost(cpuNode, m.nodeOf(mapped));
        faultLatency.record(cost);
        return Math.max(1, cost);
    }

    private long abandoned(long cost) {
        faultLatency.record(cost);
        return Math.max(1, cost);
    }

    /** SIGSEGV: a reference to a range munmap removed kills the process; its memory is freed as at exit. */
    long segv(MmStruct mm) {
        sigsegv.inc();
        mm.sigsegvKilled = true;
        mm.ended = true;
        long before = m.pending;
        m.pending = 0;
        m.exitMmap(mm);
        long cost = m.pending;
        m.pending = before;
        return Math.max(1, cost);
    }

    /**
     * A frame for index {@code i} of {@code as}, not cached yet: allocated (through {@code vma}'s
     * fault placement, or on the CPU's node for read(2)/write(2) when {@code vma} is null), put in
     * the page cache and — for a file page that must be {@code read} — read from the device
     * ({@code pgpgin}; a major fault when {@code vma} is not null). Returns the cost (allocation,
     * reclaim, zeroing or reading), or {@code -cost} when the OOM killer killed {@code mm}.
     */
    long fill(MmStruct mm, AddressSpace as, int i, boolean read, VmArea vma, int cpu, int cpuNode) {
        int f = vma != null ? m.allocFaultFrame(mm, vma, i, cpu, cpuNode)
                : m.allocFrameFor(mm, cpuNode, 0, cpu, cpuNode);
        long cost = m.pending;
        if (f < 0) {
            return -Math.max(1, cost);
        }
        pc.addToPageCache(as, i, f);
        cost += m.hardeningAllocated(m.nodeOf(f), f);
        if (as.shmem) {
            cost += pc.costMinorAnon; // shmem_alloc_and_add_folio: a zeroed page
        } else if (read) {
            if (vma != null) {
                pc.pgmajfault.inc();
                cost += pc.costMajorOverhead;
            }
            pc.pgpgin.add(MemoryManager.PAGE_SIZE / 1024);
            cost += as.dev.readNs;
        }
        return cost;
    }

    /** shmem_swapin_folio for index {@code i} of shmem {@code as}, whose entry is a swap entry; as {@link #fill}. */
    long shmemSwapIn(MmStruct mm, AddressSpace as, int i, VmArea vma, int cpu, int cpuNode) {
        int slot = Pte.slot(as.entry(i));
        int f = vma != null ? m.allocFaultFrame(mm, vma, i, cpu, cpuNode)
                : m.allocFrameFor(mm, cpuNode, 0, cpu, cpuNode);
        long cost = m.pending;
        if (f < 0) {
            return -Math.max(1, cost);
        }
        m.swap.free(slot);
        pc.addToPageCache(as, i, f);
        pc.pgmajfault.inc();
        m.pswpinCounter().inc();
        return cost + m.hardeningAllocated(m.nodeOf(f), f) + pc.costMajorOverhead + m.costSwapReadNs();
    }

    /** Frame {@code nf} (fresh, off every list) becomes an anonymous page of {@code vma} at {@code p}, mapped writable. */
    void installAnon(VmArea vma, int p, int nf) {
        frames.rmapVma[nf] = vma.id;
        frames.rmapIndex[nf] = p;
        frames.flags[nf] = (byte) PageFlags.PG_SWAPBACKED;
        m.nodes[m.nodeOf(nf)].lruvec.add(nf, Lruvec.LRU_INACTIVE_ANON);
        vma.pte[p] = Pte.present(nf);
        vma.setRdonly(p, false);
    }
}

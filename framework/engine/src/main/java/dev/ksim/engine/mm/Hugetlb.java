package dev.ksim.engine.mm;

import dev.ksim.engine.cost.CostModel;
import dev.ksim.engine.metrics.LongCounter;
import dev.ksim.engine.metrics.MetricsRegistry;
import dev.ksim.engine.mm.zone.MigrateType;
import dev.ksim.engine.mm.zone.Watermarks;
import dev.ksim.engine.mm.zone.Zone;
import dev.ksim.engine.mm.zone.Zonelist;
import dev.ksim.engine.model.MappingKind;

/**
 * hugetlbfs pools of 2 MiB pages (mm/hugetlb.c), per node, and {@code hugetlb} mappings
 * ({@code MAP_HUGETLB}).
 *
 * <h2>Pools</h2>
 * A node's pool is filled at boot from its buddy allocator (order 9, __GFP_THISNODE, movable: 2 MiB
 * pages are migratable on x86-64, hugepage_movable_supported), one page at a time until the asked
 * count or the first failure: {@code HugePages_Total} says what it got. {@link #setNrHugepages}
 * resizes a pool at run time (writing the node's {@code nr_hugepages}): growing allocates with
 * direct compaction and reclaim (__GFP_RETRY_MAYFAIL) and may come up short on fragmented memory;
 * shrinking frees unused pages beyond the reservations back to the buddy. A pool page is an
 * order-9 buddy block whose 512 frames carry {@link PageFlags#PG_COMPOUND}, marked per pageblock
 * in {@link #hugeBlock} (one byte per 2 MiB), free pages on a per-node LIFO list. Pool pages are
 * never on an LRU, never reclaimed, never swapped, and count neither as free memory nor in rss.
 * Surplus pages (nr_overcommit_hugepages) are not modelled: {@code HugePages_Surp} is 0.
 *
 * <h2>Mappings</h2>
 * A hugetlb mapping's length is rounded up to 2 MiB and its start aligned. At creation it reserves
 * a page per 2 MiB ({@code HugePages_Rsvd}, global as in the kernel; hugetlb_reserve_pages): when
 * the pools' free pages minus the reservations cannot cover it, the kernel's mmap fails with ENOMEM
 * — ksim creates the mapping unreserved instead (as MAP_NORESERVE) and counts
 * {@code hugetlb_reserve_fail} (check time rejects mappings the pools can never hold). A fault
 * (hugetlb_no_page) takes a free page from the pool of the policy's node, else of the nearest node
 * with one (dequeue_hugetlb_folio_nodemask), maps its 512 PTEs and consumes a reservation; an
 * unreserved fault may not take a page reserved for others; without a page the process gets
 * SIGBUS ({@code hugetlb_fault_sigbus}). The fault costs {@code fault.huge_page}. At exit the pages
 * go back to their pools and unused reservations are released.
 *
 * <h2>Migration and memory failure</h2>
 * migrate_pages of a hugetlb page (x86-64 supports it, so {@code pgmigrate_fail_hugetlb_unsupported}
 * stays 0): the destination is a free pool page on the target (when free pages exceed the
 * reservations), else a fresh order-9 page from the target's buddy that joins the target's pool
 * while the source page leaves its pool for the buddy (alloc_migrate_hugetlb_folio's temporary
 * page); none: {@code dst_alloc_fail}. A pinned subpage fails it ({@code extra_ref}). Counters count
 * 512 base pages; the copy costs {@code migrate.copy_huge_page}. memory_failure of a free pool page
 * dissolves it (the pool shrinks, the bad frame is retired, the other 511 return to the buddy):
 * recovered. Of a page in use: every PTE of it becomes a hwpoison entry (the whole 2 MiB of the
 * mapping is lost; its mapper gets SIGBUS on its next access), the page leaves the pool and is
 * dissolved as above — recovered — unless a subpage is pinned: then all 512 frames are retired
 * (nothing can be freed under a pin), failed. Soft offline migrates a page in use to any node's
 * pool and dissolves the old page; a free one is dissolved.
 */
final class Hugetlb {
    static final int NR = Thp.HPAGE_PMD_NR;
    static final int ORDER = Thp.HPAGE_PMD_ORDER;
    /** fault() result: the process was killed (SIGBUS). */
    static final int KILLED = -2;

    private final MemoryManager m;
    private final FrameTable frames;
    /** Per global pageblock (pfn >> 9): 1 when it is a hugetlb page. */
    final byte[] hugeBlock;
    /** Per node: free pool pages (head pfns), a LIFO stack. */
    final int[][] freeList;
    final int[] nrFree;
    /** Per node: nr_hugepages. */
    final long[] nrHuge;
    /** HugePages_Rsvd: reserved, not yet faulted pages (global). */
    long resv;
    /** Per VMA id: its reserved, not yet faulted pages. */
    long[] vmaResv = new long[0];
    /** Per node: its zonelist's nodes, nearest first. */
    private final int[][] nodeOrder;
    private final long costFaultHuge;
    private final long costCopyHuge;
    final LongCounter faultSigbus;
    final LongCounter reserveFail;
    private final MetricsRegistry metrics;

    Hugetlb(MemoryManager m, MmSettings settings, MetricsRegistry metrics) {
        this.m = m;
        this.frames = m.frames;
        this.metrics = metrics;
        this.hugeBlock = new byte[(frames.frames + NR - 1) >>> ORDER];
        int n = m.nodes.length;
        freeList = new int[n][];
        nrFree = new int[n];
        nrHuge = new long[n];
        nodeOrder = new int[n][];
        for (PglistData node : m.nodes) {
            freeList[node.nodeId] = new int[Math.max(1, (node.spannedPages >>> ORDER) + 1)];
            nodeOrder[node.nodeId] = m.topology().zonelistOf(node.nodeId);
        }
        costFaultHuge = m.costs.get(CostModel.FAULT_HUGE_PAGE);
        costCopyHuge = m.costs.get(CostModel.MIGRATE_COPY_HUGE_PAGE);
        faultSigbus = metrics.counter(LargePageMetrics.HUGETLB_FAULT_SIGBUS);
        reserveFail = metrics.counter(LargePageMetrics.HUGETLB_RESERVE_FAIL);
        metrics.gauge(LargePageMetrics.HUGEPAGES_TOTAL, this::total);
        metrics.gauge(LargePageMetrics.HUGEPAGES_FREE, this::free);
        metrics.gauge(LargePageMetrics.HUGEPAGES_RSVD, () -> resv);
        metrics.gauge(LargePageMetrics.HUGEPAGES_SURP, () -> 0);
        for (PglistData node : m.nodes) {
            final int id = node.nodeId;
            metrics.gauge(MmMetrics.nodeMetric(id, LargePageMetrics.HUGEPAGES_TOTAL), () -> nrHuge[id]);
            metrics.gauge(MmMetrics.nodeMetric(id, LargePageMetrics.HUGEPAGES_FREE), () -> nrFree[id]);
            metrics.gauge(MmMetrics.nodeMetric(id, LargePageMetrics.HUGEPAGES_SURP), () -> 0);
        }
        for (PglistData node : m.nodes) {
            long want = settings.hugepages(node.nodeId);
            for (long i = 0; i < want; i++) {
                int f = m.zonelist.allocPages(node.nodeId, ORDER, MigrateType.MIGRATE_MOVABLE, 1L << node.nodeId,
                        Watermarks.WMARK_MIN);
                if (f < 0) {
                    break; // the pool comes up short: HugePages_Total says so
                }
                addToPool(f);
            }
        }
    }

    long total() {
        long t = 0;
        for (long x : nrHuge) {
            t += x;
        }
        return t;
    }

    long free() {
        long t = 0;
        for (int x : nrFree) {
            t += x;
        }
        return t;
    }

    /** Whether frame {@code f} belongs to a hugetlb page (free in a pool or in use). */
    boolean isHugetlb(int f) {
        return hugeBlock[f >>> ORDER] != 0;
    }

    /** A fresh order-9 block joins its node's pool (prep_new_hugetlb_folio), free. */
    private void addToPool(int f) {
        m.thp.countHugeAlloc(f, -1, -1);
        for (int i = 0; i < NR; i++) {
            frames.flags[f + i] = (byte) PageFlags.PG_COMPOUND;
        }
        hugeBlock[f >>> ORDER] = 1;
        int node = m.nodeOf(f);
        nrHuge[node]++;
        push(node, f);
    }

    private void push(int node, int f) {
        freeList[node][nrFree[node]++] = f;
    }

    /** Removes free page {@code f} from its node's free list. */
    private void unlinkFree(int node, int f) {
        int[] l = freeList[node];
        for (int i = nrFree[node] - 1; i >= 0; i--) {
            if (l[i] == f) {
                System.arraycopy(l, i + 1, l, i, nrFree[node] - i - 1);
                nrFree[node]--;
                return;
            }
        }
        throw new IllegalStateException("hugetlb page " + f + " is not free on node" + node);
    }

    /** A free page of {@code node}'s pool, taken; -1 when it has none. */
    private int dequeue(int node) {
        return nrFree[node] == 0 ? -1 : freeList[node][--nrFree[node]];
    }

    /**
     * The pool page (unmapped, off every list) at {@code head} leaves its pool and its block is
     * dissolved to order-0 pages: {@code bad} (or none when -1) is retired, the others freed to the
     * buddy (update_and_free_hugetlb_folio, or dissolve_free_hugetlb_folio for a poisoned one).
     */
    private void dissolve(int head, int bad) {
        int node = m.nodeOf(head);
        Zone z = m.nodes[node].memMap.zoneOf(head);
        nrHuge[node]--;
        hugeBlock[head >>> ORDER] = 0;
        for (int i = 0; i < NR; i++) {
            frames.flags[head + i] = 0;
            frames.rmapVma[head + i] = FrameTable.FREE;
            frames.rmapIndex[head + i] = 0;
        }
        if (bad < 0) {
            z.freePages(head, ORDER);
            m.pgfree.add(NR);
            return;
        }
        z.splitPage(head, ORDER);
        for (int i = 0; i < NR; i++) {
            int f = head + i;
            if (f == bad) {
                frames.flags[f] = (byte) PageFlags.PG_HWPOISON;
                z.retirePage(f);
            } else {
                z.freePages(f, 0);
                m.pgfree.inc();
            }
        }
    }

    // ------------------------------------------------------------------ pool size

    /**
     * Writes {@code count} to node {@code node}'s nr_hugepages (set_max_huge_pages): grows the pool
     * with fresh pages (direct compaction and reclaim allowed; it stops at the first failure) or
     * shrinks it by freeing unused pages, never below the pages in use plus the reservations.
     * Returns the cost (ns).
     */
    long setNrHugepages(int node, long count) {
        long before = m.pending;
        m.pending = 0;
        while (nrHuge[node] < count) {
            int f = m.thp.allocHugePage(node, Thp.GFP_DIRECT_RECLAIM | Thp.GFP_THISNODE_ONLY, 0);
            if (f < 0) {
                break;
            }
            addToPool(f);
        }
        long inUseAndResv = (total() - free()) + resv;
        while (nrHuge[node] > count && nrFree[node] > 0 && total() - 1 >= inUseAndResv) {
            dissolve(dequeue(node), -1);
        }
        long cost = m.pending;
        m.pending = before;
        return cost;
    }

    // ------------------------------------------------------------------ mappings

    /** hugetlb_reserve_pages for a new hugetlb mapping. */
    void reserve(VmArea vma) {
        if (vma.id >= vmaResv.length) {
            vmaResv = java.util.Arrays.copyOf(vmaResv, Math.max(vma.id + 1, vmaResv.length * 2));
        }
        long need = vma.pte.length / NR;
        if (free() - resv >= need) {
            resv += need;
            vmaResv[vma.id] = need;
        } else {
            reserveFail.inc();
        }
    }

    /**
     * hugetlb_no_page for page {@code p} of hugetlb mapping {@code vma}, the policy having named
     * {@code preferred}: returns the frame mapping {@code p}, or {@link #KILLED}. Cost in {@code m.pending}.
     */
    int fault(MmStruct mm, VmArea vma, int p, int preferred) {
        int p0 = p & ~(NR - 1);
        boolean reserved = vma.id < vmaResv.length && vmaResv[vma.id] > 0;
        int head = -1;
        if (reserved || free() - resv > 0) {
            for (int node : nodeOrder[preferred]) {
                if (!m.zonelist.isolated(node) || node == preferred) {
                    head = dequeue(node);
                    if (head >= 0) {
                        break;
                    }
                }
            }
        }
        if (head < 0) {
            faultSigbus.inc();
            mm.sigbusKilled = true;
            m.exitMmap(mm);
            return KILLED;
        }
        if (reserved) {
            vmaResv[vma.id]--;
            resv--;
        }
        int node = m.nodeOf(head);
        for (int i = 0; i < NR; i++) {
            vma.pte[p0 + i] = Pte.present(head + i);
            frames.rmapVma[head + i] = vma.id;
            frames.rmapIndex[head + i] = p0 + i;
            m.pending += m.hardeningAllocated(node, head + i);
        }
        m.pending += costFaultHuge;
        return head + (p - p0);
    }

    /** exit_mmap of hugetlb mapping {@code vma}: its pages go back to their pools, its reservations are released. */
    void exitVma(VmArea vma) {
        int[] pte = vma.pte;
        for (int p0 = 0; p0 < pte.length; p0 += NR) {
            int e = pte[p0];
            if (Pte.isPresent(e)) {
                int head = Pte.frame(e);
                unmap(vma, p0, head, Pte.NONE);
                push(m.nodeOf(head), head);
            }
            for (int i = 0; i < NR; i++) {
                pte[p0 + i] = Pte.NONE;
            }
        }
        if (vma.id < vmaResv.length) {
            resv -= vmaResv[vma.id];
            vmaResv[vma.id] = 0;
        }
    }

    /** Clears the 512 PTEs of the page at {@code head} to {@code entry}, its reverse map, pins and flags but PG_compound. */
    private void unmap(VmArea vma, int p0, int head, int entry) {
        int node = m.nodeOf(head);
        for (int i = 0; i < NR; i++) {
            vma.pte[p0 + i] = entry;
            frames.rmapVma[head + i] = FrameTable.FREE;
            frames.rmapIndex[head + i] = 0;
            frames.flags[head + i] = (byte) PageFlags.PG_COMPOUND;
            frames.pins[head + i] = 0;
            m.pending += m.hardeningFreed(node, head + i);
        }
    }

    private boolean anyPinned(int head) {
        for (int i = 0; i < NR; i++) {
            if (frames.pins[head + i] > 0) {
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ migration

    /**
     * migrate_pages of the hugetlb page holding frame {@code f} towards {@code target} (any node
     * when {@code anyNode}); returns the node it ends on or -errno. Costs go to the current
     * {@link Migrate} call.
     */
    int migrate(int f, int target, boolean anyNode, int cpu) {
        Migrate mig = m.migrate();
        int head = f & ~(NR - 1);
        int src = m.nodeOf(head);
        if (frames.rmapVma[head] == FrameTable.FREE) {
            return -Migrate.ENOENT;
        }
        boolean fresh = false;
        int nf = -1;
        if (free() - resv > 0) {
            if (anyNode) {
                for (int node : nodeOrder[target]) {
                    if ((nf = dequeue(node)) >= 0) {
                        break;
                    }
                }
            } else {
                nf = dequeue(target);
            }
        }
        if (nf < 0) {
            long mask = anyNode ? Zonelist.NO_NODEMASK : 1L << target;
            nf = m.zonelist.allocPages(target, ORDER, MigrateType.MIGRATE_MOVABLE, mask, Watermarks.WMARK_MIN);
            fresh = nf >= 0;
        }
        if (nf < 0) {
            count(MmMetrics.PGMIGRATE_FAIL_DST_ALLOC_FAIL, NR);
            count(MmMetrics.PGMIGRATE_FAIL, NR);
            return -Migrate.ENOMEM;
        }
        int got = m.nodeOf(nf);
        if (fresh) {
            addToPool(nf);
            unlinkFree(got, nf);
        }
        VmArea vma = m.vmas[frames.rmapVma[head]];
        int p0 = frames.rmapIndex[head];
        long before = m.pending;
        for (int pass = 0; pass < Migrate.NR_MAX_MIGRATE_PAGES_RETRY; pass++) {
            for (int i = 0; i < NR; i++) {
                vma.pte[p0 + i] = Pte.MIGRATION;
            }
            mig.addCost(m.tlbs.flushTlbMmRange(cpu, vma.mm.pid, vma.startVpn + p0, NR));
            if (anyPinned(head)) {
                for (int i = 0; i < NR; i++) {
                    vma.pte[p0 + i] = Pte.present(head + i);
                }
                continue;
            }
            mig.addCost(costCopyHuge);
            int keep = frames.flags[head] & PageFlags.PG_REFERENCED;
            unmap(vma, p0, head, Pte.NONE);
            for (int i = 0; i < NR; i++) {
                vma.pte[p0 + i] = Pte.present(nf + i);
                frames.rmapVma[nf + i] = vma.id;
                frames.rmapIndex[nf + i] = p0 + i;
                m.pending += m.hardeningAllocated(got, nf + i);
            }
            frames.flags[nf] |= (byte) keep;
            if (fresh) {
                dissolve(head, -1); // the old page was the temporary one now: back to the buddy
            } else {
                push(src, head);
            }
            count(MmMetrics.PGMIGRATE_SUCCESS, NR);
            mig.addCost(m.pending - before);
            m.pending = before;
            return got;
        }
        push(got, nf); // the destination back to its pool
        count(MmMetrics.PGMIGRATE_FAIL_EXTRA_REF, NR);
        count(MmMetrics.PGMIGRATE_FAIL, NR);
        return -Migrate.EBUSY;
    }

    private void count(String name, long n) {
        metrics.counter(name).add(n);
    }

    // ------------------------------------------------------------------ memory failure

    /** memory_failure of frame {@code pfn} of a hugetlb page; see the class comment. */
    MemoryFailure.Result memoryFailure(int pfn, int cpu) {
        int head = pfn & ~(NR - 1);
        int node = m.nodeOf(head);
        if (frames.rmapVma[head] == FrameTable.FREE) {
            unlinkFree(node, head);
            dissolve(head, pfn);
            metrics.counter(MmMetrics.MEMORY_FAILURE_RECOVERED).inc();
            return MemoryFailure.Result.RECOVERED;
        }
        VmArea vma = m.vmas[frames.rmapVma[head]];
        int p0 = frames.rmapIndex[head];
        boolean pinned = anyPinned(head);
        long before = m.pending;
        int[] pins = new int[NR];
        System.arraycopy(frames.pins, head, pins, 0, NR);
        unmap(vma, p0, head, Pte.HWPOISON);
        m.pending = before;
        m.tlbs.flushTlbMmRange(cpu, vma.mm.pid, vma.startVpn + p0, NR);
        if (pinned) {
            // a pin holds the page: nothing can be freed; the whole huge page is retired
            Zone z = m.nodes[node].memMap.zoneOf(head);
            nrHuge[node]--;
            hugeBlock[head >>> ORDER] = 0;
            z.splitPage(head, ORDER);
            for (int i = 0; i < NR; i++) {
                frames.flags[head + i] = (byte) PageFlags.PG_HWPOISON;
                frames.pins[head + i] = pins[i];
                z.retirePage(head + i);
            }
            metrics.counter(MmMetrics.MEMORY_FAILURE_FAILED).inc();
            return MemoryFailure.Result.FAILED;
        }
        dissolve(head, pfn);
        metrics.counter(MmMetrics.MEMORY_FAILURE_RECOVERED).inc();
        return MemoryFailure.Result.RECOVERED;
    }

    /** soft_offline_page of frame {@code pfn} of a hugetlb page: true when it is retired. */
    boolean softOffline(int pfn, int cpu) {
        int head = pfn & ~(NR - 1);
        int node = m.nodeOf(head);
        if (frames.rmapVma[head] != FrameTable.FREE) {
            if (m.migrate().migrateHugetlbForMemoryFailure(head, cpu) < 0) {
                return false;
            }
            // the old page is free in its pool now (or already dissolved when the new one was fresh)
            if (!isHugetlb(head)) {
                Zone z = m.nodes[node].memMap.zoneOf(pfn);
                if (z.takePageOffBuddy(pfn)) {
                    frames.flags[pfn] = (byte) PageFlags.PG_HWPOISON;
                }
                return true;
            }
        }
        unlinkFree(node, head);
        dissolve(head, pfn);
        return true;
    }

    /** Whether mapping kind {@code k} is hugetlb. */
    static boolean isHugetlbKind(MappingKind k) {
        return k == MappingKind.HUGETLB;
    }
}

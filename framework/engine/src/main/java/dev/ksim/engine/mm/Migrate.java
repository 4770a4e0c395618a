package dev.ksim.engine.mm;

import dev.ksim.engine.cost.CostModel;
import dev.ksim.engine.metrics.LatencyHistogram;
import dev.ksim.engine.metrics.LongCounter;
import dev.ksim.engine.metrics.MetricsRegistry;
import dev.ksim.engine.mm.zone.MigrateType;
import dev.ksim.engine.mm.zone.Watermarks;
import dev.ksim.engine.mm.zone.Zonelist;

/**
 * migrate_pages for anonymous LRU pages (mm/migrate.c), and move_pages(2) on top of it.
 *
 * <p>Per page, {@link #migratePage} takes the kernel's steps:
 * <ol>
 * <li>isolate the folio from its LRU list (not on an LRU: {@code not_isolatable});</li>
 * <li>allocate the destination through the target node's zonelist
 *     ({@code alloc_migration_target}: move_pages with __GFP_THISNODE, soft offline anywhere,
 *     above the min watermark, no reclaim; none: {@code dst_alloc_fail}, -ENOMEM);</li>
 * <li>lock both and wait for writeback: a page-cache page under writeback
 *     ({@link Writeback}) is waited for in {@link Mode#SYNC} (move_pages, mbind, soft offline: the
 *     wait is added to the call's cost) and fails at once with -EBUSY, reason {@code writeback},
 *     in {@link Mode#ASYNC} (compaction, NUMA balancing);</li>
 * <li>unmap: the reverse-map walk ({@link Rmap}) replaces every PTE that maps the page — one, or
 *     several for a page shared after fork or a page-cache page — with a migration entry
 *     ({@link Pte#MIGRATION}) and shoots each translation down from its mm's TLBs
 *     ({@link dev.ksim.engine.mm.tlb.Tlbs#flushTlbMmRange}); a mapping the walk cannot replace
 *     leaves the page mapped: {@code still_mapped};</li>
 * <li>check the reference count: a pin ({@link Gup}) is a reference no mapping explains: the
 *     migration entry is removed again ({@code remove_migration_ptes} on the source) and the pass
 *     fails with -EAGAIN; after {@value #NR_MAX_MIGRATE_PAGES_RETRY} passes the page fails with
 *     {@code extra_ref}, -EBUSY;</li>
 * <li>copy contents and flags (referenced, swapbacked, mlocked, unevictable), switch the reverse
 *     map (and a page-cache page's slot in its file; its dirty/writeback marks are per index and
 *     stay), restore the PTEs to the new frame, put the new frame on the target node's list of the
 *     same kind; the old frame is freed ({@code pgfree}) or, for a memory failure, retired.</li>
 * </ol>
 * A failed page goes back to the list it came from and its destination is freed. Counters count
 * base pages: {@code pgmigrate_success}, {@code pgmigrate_fail} and one failure reason each.
 * A compound page is moved whole by its own code: a THP by {@link Thp#migrate} (split and migrated
 * page by page when no order-9 destination exists: {@code thp_split} counts its 512 pages, whose
 * own outcomes are counted as usual), a hugetlbfs page by {@link Hugetlb#migrate};
 * {@code hugetlb_unsupported} stays 0 (x86-64 migrates hugetlb pages). MR_COMPACTION
 * ({@link #migrateForCompaction}) takes a destination compaction isolated, with no per-call cost.
 *
 * <p>Cost of a call: {@code migrate.call} + {@code migrate.copy_page} per page moved + the
 * shootdowns of every unmap; recorded in the {@code migration_latency} histogram. A call runs to
 * completion at one simulated instant, so a migration entry never outlives it (invariant
 * {@code mm.migration}). Counters are registered on first use. Never on the access path.
 */
final class Migrate {
    /** NR_MAX_MIGRATE_PAGES_RETRY (mm/migrate.c): passes over pages that failed with -EAGAIN. */
    static final int NR_MAX_MIGRATE_PAGES_RETRY = 10;

    static final int ENOENT = 2;
    static final int ENOMEM = 12;
    static final int EFAULT = 14;
    static final int EBUSY = 16;
    static final int ENODEV = 19;
    private static final int EAGAIN = 11;

    /** enum migrate_mode: whether the migration may wait (for writeback). */
    enum Mode {
        /** MIGRATE_ASYNC (compaction, NUMA balancing): never waits; a page under writeback fails. */
        ASYNC,
        /** MIGRATE_SYNC (move_pages, mbind, soft offline): waits for writeback. */
        SYNC
    }

    /** Why a page is migrated (enum migrate_reason): decides the destination search and the old frame's fate. */
    enum Reason {
        /** MR_SYSCALL: move_pages / mbind; the destination must be on the target node. */
        SYSCALL,
        /** MR_MEMORY_FAILURE: soft offline; any node, the source frame is retired. */
        MEMORY_FAILURE,
        /**
         * MR_MEMORY_HOTPLUG: offline_pages' do_migrate_range; another node with memory if there is
         * one, else the same node (never the range being offlined: it is isolated).
         */
        MEMORY_HOTPLUG,
        /**
         * MR_NUMA_MISPLACED: NUMA balancing's migrate_misplaced_folio; the destination must be on the
         * target node (__GFP_THISNODE, no reclaim).
         */
        NUMA_MISPLACED,
        /** MR_COMPACTION: the destination is a free page compaction isolated ({@link #migrateForCompaction}). */
        COMPACTION
    }

    private final MemoryManager m;
    private final FrameTable frames;
    private final long costCall;
    private final long costCopyPage;
    private final long costMisplacedCall;
    private final LongCounter success;
    private final LongCounter fail;
    private final LongCounter notIsolatable;
    private final LongCounter extraRef;
    private final LongCounter stillMapped;
    private final LongCounter writeback;
    private final LongCounter dstAllocFail;
    private final LatencyHistogram latency;
    /** Cost accumulated by the current call. */
    private long cost;
    /**
     * Test seam, null in every run: when it accepts a frame, the rmap walk leaves that frame's PTE
     * in place as the kernel's try_to_migrate_one does when it cannot take a mapping (a case ksim's
     * mechanisms never produce: see {@code pgmigrate_fail_still_mapped} in docs/metrics.md). It
     * changes no state; the failure handling that follows is the real one.
     */
    java.util.function.IntPredicate unmapRefusal;
    /** The destination of the current MR_COMPACTION migration. */
    private int compactionDst = -1;

    Migrate(MemoryManager m, MetricsRegistry metrics) {
        this.m = m;
        this.frames = m.frames;
        this.costCall = m.costs.get(CostModel.MIGRATE_CALL);
        this.costCopyPage = m.costs.get(CostModel.MIGRATE_COPY_PAGE);
        this.costMisplacedCall = m.costs.get(CostModel.NUMA_MIGRATE_CALL);
        success = metrics.counter(MmMetrics.PGMIGRATE_SUCCESS);
        fail = metrics.counter(MmMetrics.PGMIGRATE_FAIL);
        notIsolatable = metrics.counter(MmMetrics.PGMIGRATE_FAIL_NOT_ISOLATABLE);
        extraRef = metrics.counter(MmMetrics.PGMIGRATE_FAIL_EXTRA_REF);
        stillMapped = metrics.counter(MmMetrics.PGMIGRATE_FAIL_STILL_MAPPED);
        writeback = metrics.counter(MmMetrics.PGMIGRATE_FAIL_WRITEBACK);
        dstAllocFail = metrics.counter(MmMetrics.PGMIGRATE_FAIL_DST_ALLOC_FAIL);
        metrics.counter(MmMetrics.PGMIGRATE_FAIL_THP_SPLIT);
        metrics.counter(MmMetrics.PGMIGRATE_FAIL_HUGETLB_UNSUPPORTED);
        latency = metrics.histogram(MmMetrics.MIGRATION_LATENCY);
    }

    /**
     * move_pages(2) by a thread of {@code pid} running on {@code cpu}. {@code pages[i]} is a virtual
     * page number of the process. With {@code toNodes == null} nothing moves and {@code status[i]}
     * is the node the page is on (the query form). Otherwise page i goes to node {@code toNodes[i]}
     * and {@code status[i]} becomes, as move_pages(2) reports it: the node the page is on afterwards
     * (already there counts), or -ENOENT (not present: never touched, or swapped out), -EFAULT (no
     * mapping at that address, or a poisoned page), -ENODEV (no such node), -EBUSY (pinned or not
     * isolatable, after every pass), -ENOMEM (no free page on the target). Returns the call's
     * simulated cost (ns), also recorded in {@code migration_latency}.
     */
    long movePages(int pid, long[] pages, int[] toNodes, int[] status, int cpu) {
        if (pid < 1 || pid > m.processes.size()) {
            throw new IllegalArgumentException("no process " + pid);
        }
        if (status.length < pages.length || toNodes != null && toNodes.length < pages.length) {
            throw new IllegalArgumentException("status[] and nodes[] must hold one entry per page");
        }
        MmStruct mm = m.processes.get(pid - 1);
        cost = costCall;
        for (int i = 0; i < pages.length; i++) {
            int f = frameAt(mm, pages[i]);
            if (f >= 0 && m.rmap.owner(f) instanceof DriverPages.PfnRegion) {
                f = -EFAULT; // vma_migratable: a VM_PFNMAP | VM_IO mapping is never migrated
            }
            if (f < 0) {
                status[i] = f;
                continue;
            }
            int from = m.nodeOf(f);
            if (toNodes == null) {
                status[i] = from;
                continue;
            }
            int to = toNodes[i];
            if (to < 0 || to >= m.nodes.length) {
                status[i] = -ENODEV;
            } else if (to == from) {
                status[i] = to;
            } else {
                status[i] = migratePage(f, to, Reason.SYSCALL, cpu);
            }
        }
        long c = cost;
        latency.record(c);
        return c;
    }

    /** The frame mapped at {@code vpn} of {@code mm}, or -ENOENT / -EFAULT. */
    private static int frameAt(MmStruct mm, long vpn) {
        for (VmArea vma : mm.vmas) {
            long i = vpn - vma.startVpn;
            if (i >= 0 && i < vma.pte.length) {
                int e = vma.pte[(int) i];
                if (Pte.isPresent(e)) {
                    return Pte.frame(e);
                }
                return Pte.isHwpoison(e) ? -EFAULT : -ENOENT;
            }
        }
        return -EFAULT;
    }

    /**
     * The non-LRU movable path (mm/migrate.c with {@code movable_operations}): the driver's
     * isolate_page, a destination, then — the path never unmaps PTEs (migrate_folio_unmap returns
     * before try_to_migrate for a folio not on the LRU) — a page the driver mapped into a process
     * cannot move: {@code still_mapped}; otherwise the driver's migrate_page copies it and takes the
     * new frame, and putback_page ends the isolation either way.
     */
    private int migrateMovable(DriverPages.MovableSet set, int f, int target, Reason reason, int cpu) {
        int index = frames.rmapIndex[f];
        if (!set.isolate(index)) {
            notIsolatable.inc();
            fail.inc();
            return -EBUSY;
        }
        PglistData src = m.nodes[m.nodeOf(f)];
        long nodemask = reason == Reason.SYSCALL ? 1L << target : Zonelist.NO_NODEMASK;
        int nf = reason == Reason.COMPACTION ? compactionDst
                : m.zonelist.allocPages(target, 0, MigrateType.MIGRATE_MOVABLE, nodemask, Watermarks.WMARK_MIN);
        if (nf < 0) {
            set.putback(index);
            dstAllocFail.inc();
            fail.inc();
            return -ENOMEM;
        }
        int got = reason == Reason.COMPACTION ? m.nodeOf(nf) : m.zonelist.lastNode();
        m.countAlloc(nf, got, -1, -1);
        if (m.rmap.mapcount(f) > 0) {
            set.putback(index);
            m.freeUserFrame(m.nodes[got], nf);
            stillMapped.inc();
            fail.inc();
            return -EBUSY;
        }
        set.migrate(index, f, nf);
        cost += costCopyPage;
        m.rmap.move(f, nf);
        frames.flags[nf] = 0;
        if (reason == Reason.MEMORY_FAILURE) {
            frames.flags[f] = (byte) PageFlags.PG_HWPOISON;
            src.memMap.zoneOf(f).retirePage(f);
        } else {
            long before = m.pending;
            m.freeUserFrame(src, f);
            m.pending = before;
        }
        set.putback(index);
        success.inc();
        return got;
    }

    /**
     * Soft offline's migration of user frame {@code f} ({@code MR_MEMORY_FAILURE}): to any node
     * along the zonelist of its own, the old frame retired. Returns the node or -errno as
     * {@link #migratePage}; the call's cost is recorded in {@code migration_latency} and returned
     * through {@link #lastCallCost}.
     */
    int migrateForMemoryFailure(int f, int cpu) {
        cost = costCall;
        int rc = migratePage(f, m.nodeOf(f), Reason.MEMORY_FAILURE, cpu);
        latency.record(cost);
        return rc;
    }

    /**
     * offline_pages' migration of user frame {@code f} out of a range being offlined
     * ({@code MR_MEMORY_HOTPLUG}). Returns the node it ends on or -errno as {@link #migratePage};
     * the call's cost is recorded in {@code migration_latency}.
     */
    int migrateForHotplug(int f, int cpu) {
        cost = costCall;
        int rc = migratePage(f, m.nodeOf(f), Reason.MEMORY_HOTPLUG, cpu);
        latency.record(cost);
        return rc;
    }

    /**
     * migrate_misplaced_folio of user frame {@code f} to node {@code target}, for a NUMA hinting
     * fault on {@code cpu} ({@code NUMA_MISPLACED}): the node it ends on or -errno as
     * {@link #migratePage}; the call's cost ({@code numa.migrate_call} + the page's) is recorded in
     * {@code migration_latency} and returned through {@link #lastCallCost}.
     */
    int migrateMisplaced(int f, int target, int cpu) {
        cost = costMisplacedCall;
        int rc = migratePage(f, target, Reason.NUMA_MISPLACED, cpu);
        latency.record(cost);
        return rc;
    }

    /** do_migrate_range's nodemask: every node with memory but {@code node}; {@code node} alone when it is the only one. */
    private long otherNodesWithMemory(int node) {
        long mask = 0;
        for (PglistData n : m.nodes) {
            if (n.nodeId != node && n.nodeId < 64 && n.managedPages() > 0) {
                mask |= 1L << n.nodeId;
            }
        }
        return mask == 0 ? 1L << node : mask;
    }

    /** The cost of the last call (ns). */
    long lastCallCost() {
        return cost;
    }

    /**
     * Migrates user frame {@code f} (on an LRU, mapped once) towards node {@code target}; returns
     * the node it ends on or -errno. Adds the cost to the current call's.
     */
    int migratePage(int f, int target, Reason reason, int cpu) {
        return migratePage(f, target, reason, Mode.SYNC, cpu);
    }

    /** As {@link #migratePage(int, int, Reason, int)} in migrate mode {@code mode}. */
    int migratePage(int f, int target, Reason reason, Mode mode, int cpu) {
        byte[] flags = frames.flags;
        if (flags[f] < 0) { // a compound page: hugetlbfs or THP, moved whole (see Hugetlb, Thp)
            return m.hugetlb.isHugetlb(f) ? m.hugetlb.migrate(f, target, reason != Reason.SYSCALL, cpu)
                    : m.thp.migrate(f, target, reason, cpu);
        }
        PglistData src = m.nodes[m.nodeOf(f)];
        // 1. isolate_lru_page, or isolate_movable_page for a driver's non-LRU movable page
        if ((flags[f] & PageFlags.PG_LRU) == 0) {
            if (m.rmap.owner(f) instanceof DriverPages.MovableSet set) {
                return migrateMovable(set, f, target, reason, cpu);
            }
            notIsolatable.inc();
            fail.inc();
            return -EBUSY;
        }
        int lru = src.lruvec.del(f);
        // 2. alloc_migration_target
        long nodemask = reason == Reason.SYSCALL || reason == Reason.NUMA_MISPLACED ? 1L << target
                : reason == Reason.MEMORY_HOTPLUG ? otherNodesWithMemory(target) : Zonelist.NO_NODEMASK;
        int nf = reason == Reason.COMPACTION ? compactionDst
                : m.zonelist.allocPages(target, 0, MigrateType.MIGRATE_MOVABLE, nodemask, Watermarks.WMARK_MIN);
        if (nf < 0) {
            src.lruvec.add(f, lru);
            dstAllocFail.inc();
            fail.inc();
            return -ENOMEM;
        }
        int got = reason == Reason.COMPACTION ? m.nodeOf(nf) : m.zonelist.lastNode();
        m.countAlloc(nf, got, -1, -1);
        long pendingBefore = m.pending;
        cost += m.hardeningAllocated(got, nf);
        // 3. folio_lock both, folio_wait_writeback
        int rc = -EAGAIN;
        boolean pinned = false;
        boolean underWriteback = m.pageCache.writeback.isUnderWriteback(f);
        if (underWriteback && mode == Mode.ASYNC) {
            rc = -EBUSY;
        } else if (underWriteback) {
            cost += m.pageCache.writeback.waitOn(f);
        }
        for (int pass = 0; pass < NR_MAX_MIGRATE_PAGES_RETRY && rc == -EAGAIN; pass++) {
            // 4. try_to_migrate: the rmap walk replaces every mapping PTE with a migration entry
            if (unmapRefusal != null && unmapRefusal.test(f)) {
                rc = -EBUSY; // the walk could not unmap it: folio_mapped() still
                break;
            }
            cost += m.rmap.unmap(f, Pte.MIGRATION, cpu);
            if (m.rmap.mapcount(f) > 0) {
                m.rmap.restore(f);
                rc = -EBUSY; // the walk could not unmap it: folio_mapped() still
                break;
            }
            m.numaMovedMappers(src.nodeId, src.nodeId); // the restored PTEs are not PROT_NONE
            // 5. folio_migrate_mapping: the refcount must be what the mappings explain
            if (frames.pins[f] > 0) {
                m.rmap.restore(f); // remove_migration_ptes(src, src)
                pinned = true;
                continue;
            }
            // 6. copy contents and flags; 7. switch the mapping and restore the PTEs
            cost += costCopyPage;
            frames.flags[nf] = (byte) (flags[f] & (PageFlags.PG_SWAPBACKED | PageFlags.PG_REFERENCED
                    | PageFlags.PG_MLOCKED | PageFlags.PG_UNEVICTABLE));
            m.rmap.move(f, nf);
            m.rmap.restore(nf);
            m.nodes[got].lruvec.add(nf, lru);
            m.numaMovedMappers(src.nodeId, got);
            if (reason == Reason.MEMORY_FAILURE) {
                frames.flags[f] = (byte) PageFlags.PG_HWPOISON; // page_handle_poison: never back to the buddy
                src.memMap.zoneOf(f).retirePage(f);
            } else {
                m.freeUserFrame(src, f);
            }
            rc = got;
        }
        if (rc < 0) {
            src.lruvec.add(f, lru); // putback_movable_pages
            m.freeUserFrame(m.nodes[got], nf);
            if (rc == -EAGAIN && pinned) {
                extraRef.inc();
                rc = -EBUSY;
            } else if (underWriteback && mode == Mode.ASYNC) {
                writeback.inc();
            } else {
                stillMapped.inc();
            }
            fail.inc();
        } else {
            success.inc();
        }
        cost += m.pending - pendingBefore;
        m.pending = pendingBefore;
        return rc;
    }

    /** Adds {@code ns} to the current call's cost (the compound-page migrations of {@link Thp} and {@link Hugetlb}). */
    void addCost(long ns) {
        cost += ns;
    }

    /**
     * Compaction's migration of the movable LRU page {@code f} to {@code dst}, a free page the free
     * scanner isolated (allocated order 0, unused): MR_COMPACTION, no per-call cost. Returns the
     * node or -errno as {@link #migratePage}; its cost is {@link #lastCallCost}.
     */
    int migrateForCompaction(int f, int dst, int cpu) {
        cost = 0;
        compactionDst = dst;
        int rc = migratePage(f, m.nodeOf(dst), Reason.COMPACTION, cpu);
        compactionDst = -1;
        return rc;
    }

    /** Soft offline's migration of the hugetlb page at {@code head} to any node's pool; as {@link #migrateForMemoryFailure}. */
    int migrateHugetlbForMemoryFailure(int head, int cpu) {
        cost = costCall;
        int rc = m.hugetlb.migrate(head, m.nodeOf(head), true, cpu);
        latency.record(cost);
        return rc;
    }
}

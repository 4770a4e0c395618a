package dev.ksim.engine.mm;

import dev.ksim.engine.metrics.LongCounter;
import dev.ksim.engine.metrics.MetricsRegistry;
import dev.ksim.engine.mm.zone.Zone;
import dev.ksim.engine.sim.EventHandler;
import dev.ksim.engine.sim.EventQueue;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Dirty page-cache pages and their writeback (mm/page-writeback.c, fs/fs-writeback.c).
 *
 * <h2>Dirtying</h2>
 * {@link #setDirty} ({@code folio_mark_dirty}) marks a file page dirty ({@code nr_dirty}), clears
 * its PG_reclaim, and stamps the inode's {@code dirtied_when} if it was clean; the periodic
 * flusher is armed {@code dirty_writeback_interval} later if it was idle. The task that dirtied
 * it then calls {@link #balanceDirtyPages}: with {@code dirty} = nr_dirty + nr_writeback and the
 * thresholds of {@code global_dirtyable_memory} (free pages + file LRU pages − the zones' high
 * watermarks) × {@code dirty_background_ratio} / {@code dirty_ratio} percent (a background
 * threshold at or above the limit is halved, as domain_dirty_limits does):
 * <ul>
 * <li>nr_dirty above the background threshold wakes the flusher for background writeback;</li>
 * <li>dirty above the limit throttles the writer: writeback is started at once (as the flusher
 *     would) and the writer waits for writes to complete, oldest first, until dirty is at the limit
 *     again — at most {@code MAX_PAUSE} (200 ms) per call; counted as {@code dirty_throttle} and
 *     {@code dirty_throttle_ns}. Deviation: the kernel paces writers proportionally between the
 *     freerun ceiling and the limit (its dirty ratelimit feedback); ksim lets them run free up to
 *     the limit and then waits for completions.</li>
 * </ul>
 *
 * <h2>Writeback</h2>
 * {@link #startWriteback} ({@code folio_clear_dirty_for_io} + {@code folio_start_writeback}): the
 * dirty mark is cleared, every PTE mapping the page is write-protected again (folio_mkclean, with
 * a TLB flush per mapper, so the next store is a write-protect fault that dirties it again), the
 * writeback mark is set ({@code nr_writeback}) and the write queued on the file's
 * {@link BackingDev}. When it completes ({@link #endWriteback}), the mark is cleared,
 * {@code pgpgout} grows by 4 KiB and, if reclaim asked for the page (PG_reclaim), the page moves
 * to the tail of its inactive list (folio_rotate_reclaimable, {@code pgrotated}) so reclaim frees
 * it next.
 *
 * <h2>The flusher</h2>
 * One flusher thread (a kworker on CPU 0; its time is its own) works for every file:
 * <ul>
 * <li>periodic (wb_workfn's kupdate work) every {@code dirty_writeback_interval} while some inode is
 *     dirty: writes every inode whose dirtied_when is at least {@code dirty_expire} old, then
 *     background writeback if nr_dirty is above the background threshold; re-armed only while
 *     dirty inodes remain (an interval of 0 disables it);</li>
 * <li>background (woken by balance_dirty_pages): writes inodes oldest first, up to
 *     {@value #MAX_WRITEBACK_PAGES} pages of one inode per round, until nr_dirty is at or below the
 *     background threshold;</li>
 * <li>vmscan (woken by reclaim that met dirty pages, WB_REASON_VMSCAN): writes every dirty page.</li>
 * </ul>
 * {@link #fsync} writes a file's dirty pages and waits for all of its writes; it returns -EIO once
 * after a write error was recorded on the file (a memory error in a dirty page: errseq).
 */
final class Writeback {
    /** MAX_WRITEBACK_PAGES (fs/fs-writeback.c): pages of one inode per round. */
    static final int MAX_WRITEBACK_PAGES = 1024;
    /** MAX_PAUSE (mm/page-writeback.c): the longest a writer is paused per balance_dirty_pages call, HZ/5. */
    static final long MAX_PAUSE_NS = 200_000_000L;
    /** The CPU the flusher runs on (initiator of its TLB shootdowns). */
    static final int FLUSHER_CPU = 0;
    /** Event priority of the flusher: with the other kernel daemons. */
    static final int PRIORITY = 6;
    static final int EIO = 5;

    /** The writeback sysctls ({@code vm.dirty_*}). */
    record Settings(int dirtyBackgroundRatio, int dirtyRatio, long dirtyExpireNs, long dirtyWritebackIntervalNs) {
        /** The kernel's defaults: 10 %, 20 %, 30 s, 5 s. */
        static final Settings DEFAULT = new Settings(10, 20, 30_000_000_000L, 5_000_000_000L);
    }

    private final PageCache pc;
    private final MemoryManager m;
    private final FrameTable frames;
    Settings settings = Settings.DEFAULT;
    private final EventHandler periodic = this::periodicWork;
    private final EventHandler background = this::backgroundWork;
    private boolean periodicArmed;
    private boolean backgroundQueued;
    private boolean vmscanAll;
    final LongCounter dirtyThrottle;
    final LongCounter dirtyThrottleNs;
    final LongCounter fsyncs;
    final LongCounter fsyncEio;
    final LongCounter pgrotated;

    Writeback(PageCache pc, MetricsRegistry metrics) {
        this.pc = pc;
        this.m = pc.m;
        this.frames = pc.frames;
        dirtyThrottle = metrics.counter(MmMetrics.DIRTY_THROTTLE);
        dirtyThrottleNs = metrics.counter(MmMetrics.DIRTY_THROTTLE_NS);
        fsyncs = metrics.counter(MmMetrics.FSYNC);
        fsyncEio = metrics.counter(MmMetrics.FSYNC_EIO);
        pgrotated = metrics.counter(MmMetrics.PGROTATED);
    }

    EventQueue queue() {
        return m.queue;
    }

    long now() {
        return m.clock == null ? 0 : m.clock.nowNs();
    }

    // ------------------------------------------------------------------ dirtying

    /** folio_mark_dirty of page {@code i} of file {@code as} (frame {@code f}); nothing for shmem or an already dirty page. */
    void setDirty(AddressSpace as, int i, int f) {
        if (as.shmem || as.testDirty(i)) {
            return;
        }
        as.markDirty(i, true);
        as.markReclaim(i, false);
        as.nrDirty++;
        pc.nrDirty[m.nodeOf(f)]++;
        pc.totalDirty++;
        if (as.dirtiedWhen < 0) {
            as.dirtiedWhen = now();
        }
        armPeriodic();
    }

    /** folio_cancel_dirty: page {@code i} of {@code as} (frame {@code f}) is dirty no more, its data not written. */
    void cancelDirty(AddressSpace as, int i, int f) {
        if (!as.testDirty(i)) {
            return;
        }
        as.markDirty(i, false);
        as.nrDirty--;
        pc.nrDirty[m.nodeOf(f)]--;
        pc.totalDirty--;
        if (as.nrDirty == 0) {
            as.dirtiedWhen = -1;
        }
    }

    /** global_dirtyable_memory: free pages and file LRU pages, less the zones' reserves (high watermarks); at least 1. */
    long dirtyable() {
        long n = 0;
        for (PglistData node : m.nodes) {
            n += node.nrFreePages() + node.lruvec.nr[Lruvec.LRU_INACTIVE_FILE] + node.lruvec.nr[Lruvec.LRU_ACTIVE_FILE];
            for (Zone z : node.zones) {
                n -= z.watermarks().high();
            }
        }
        return Math.max(1, n);
    }

    long limit() {
        return dirtyable() * settings.dirtyRatio() / 100;
    }

    long backgroundThresh() {
        long thresh = limit();
        long bg = dirtyable() * settings.dirtyBackgroundRatio() / 100;
        return bg >= thresh ? thresh / 2 : bg;
    }

    /**
     * balance_dirty_pages after a task on {@code cpu} dirtied a page; returns the pause (ns) the
     * task is charged. See the class comment.
     */
    long balanceDirtyPages(int cpu) {
        long bg = backgroundThresh();
        if (pc.totalDirty > bg) {
            wakeBackground(false);
        }
        long limit = limit();
        if (pc.totalDirty + pc.totalWriteback <= limit) {
            return 0;
        }
        long now = now();
        writeBackground(bg); // the flusher's work, started now so the writer has something to wait for
        long until = now;
        while (pc.totalDirty + pc.totalWriteback > limit && until - now < MAX_PAUSE_NS) {
            long t = completeOldest();
            if (t < 0) {
                break;
            }
            until = Math.max(until, t);
        }
        long pause = Math.min(MAX_PAUSE_NS, until - now);
        dirtyThrottle.inc();
        dirtyThrottleNs.add(pause);
        return pause;
    }

    /** Ends the earliest in-flight write of any device (at its own time); -1 when nothing is in flight. */
    private long completeOldest() {
        BackingDev best = null;
        long bestT = Long.MAX_VALUE;
        for (AddressSpace as : pc.spaces) {
            BackingDev d = as.dev;
            if (d != null && d.inFlight() > 0) {
                long t = d.peekDone();
                if (t < bestT) {
                    bestT = t;
                    best = d;
                }
            }
        }
        return best == null ? -1 : best.completeOldest();
    }

    /**
     * Direct reclaim that made no progress while pages are dirty or under writeback waits for the
     * oldest write (reclaim_throttle(VMSCAN_THROTTLE_WRITEBACK)) instead of counting a failed round
     * toward the OOM killer — starting the writeback of every dirty page first if nothing is in
     * flight yet (the flusher that reclaim woke, whose event has not run); the wait is charged to
     * the reclaiming task. False when nothing is dirty or in flight.
     */
    boolean throttleReclaim() {
        if (pc.totalWriteback == 0 && pc.totalDirty > 0) {
            writeBackground(0); // the flusher reclaim woke (WB_REASON_VMSCAN) has not run yet: its work starts now
        }
        if (pc.totalWriteback == 0) {
            return false;
        }
        long now = now();
        long t = completeOldest();
        if (t < 0) {
            return false;
        }
        m.pending += Math.max(0, t - now);
        return true;
    }

    // ------------------------------------------------------------------ writeback

    /**
     * Starts writeback of dirty page {@code i} of {@code as}: clean it for I/O (write-protecting
     * its mappers), mark it under writeback and queue its write. {@code reclaim}: pageout from
     * reclaim (PG_reclaim: rotate to the inactive tail when done). Returns the initiator's TLB
     * flush cost (ns).
     */
    long startWriteback(AddressSpace as, int i, int f, boolean reclaim, int cpu) {
        long cost = mkclean(f, cpu);
        as.markDirty(i, false);
        as.nrDirty--;
        int node = m.nodeOf(f);
        pc.nrDirty[node]--;
        pc.totalDirty--;
        if (as.nrDirty == 0) {
            as.dirtiedWhen = -1;
        }
        as.markWriteback(i, true);
        as.nrWriteback++;
        pc.nrWriteback[node]++;
        pc.totalWriteback++;
        if (reclaim) {
            as.markReclaim(i, true);
        }
        as.dev.submit(f, now(), reclaim);
        return cost;
    }

    /** folio_mkclean: every PTE mapping {@code f} becomes read-only again, its translation flushed. */
    private long mkclean(int f, int cpu) {
        Rmap r = pc.rmap;
        int n = r.collect(f);
        long cost = 0;
        for (int k = 0; k < n; k++) {
            VmArea v = r.vma(k);
            int p = r.index(k);
            if (!v.isRdonly(p)) {
                v.setRdonly(p, true);
                cost += m.tlbs.flushTlbMmRange(cpu, v.mm.pid, v.startVpn + p, 1);
            }
        }
        return cost;
    }

    /** folio_end_writeback of frame {@code f}; see the class comment. */
    void endWriteback(int f, boolean byReclaim) {
        AddressSpace as = pc.rmap.addressSpace(f);
        int i = frames.rmapIndex[f];
        if (as == null || !as.testWriteback(i)) {
            throw new IllegalStateException("writeback of frame " + f + " ended, but it is not under writeback");
        }
        as.markWriteback(i, false);
        as.nrWriteback--;
        int node = m.nodeOf(f);
        pc.nrWriteback[node]--;
        pc.totalWriteback--;
        pc.pgpgout.add(MemoryManager.PAGE_SIZE / 1024);
        if ((byReclaim || as.testReclaim(i)) && !as.testDirty(i)) {
            as.markReclaim(i, false);
            int b = frames.flags[f];
            if ((b & (PageFlags.PG_LRU | PageFlags.PG_ACTIVE | PageFlags.PG_UNEVICTABLE)) == PageFlags.PG_LRU) {
                // folio_rotate_reclaimable: to the tail of its inactive list
                int head = m.nodes[node].lruvec.head(Lruvec.lruOf(b));
                frames.listDel(f);
                frames.listAdd(frames.prev[head], f);
                pgrotated.inc();
            }
        }
    }

    /** folio_test_writeback of frame {@code f} (the writeback mark of its page-cache index). */
    boolean isUnderWriteback(int f) {
        AddressSpace as = pc.rmap.addressSpace(f);
        return as != null && as.testWriteback(frames.rmapIndex[f]);
    }

    /** folio_test_dirty of frame {@code f} (the dirty mark of its page-cache index); anonymous pages: false. */
    boolean isDirty(int f) {
        AddressSpace as = pc.rmap.addressSpace(f);
        return as != null && as.testDirty(frames.rmapIndex[f]);
    }

    /**
     * folio_wait_writeback: if {@code f} is under writeback, ends its write (and every earlier one
     * on its device) now; returns the wait (ns from now), 0 when it was not under writeback.
     */
    long waitOn(int f) {
        AddressSpace as = pc.rmap.addressSpace(f);
        if (as == null || as.dev == null || !as.testWriteback(frames.rmapIndex[f])) {
            return 0;
        }
        long now = now();
        long t = as.dev.completeThrough(f);
        return Math.max(0, t - now);
    }

    /** Writes every dirty page of {@code as} (write_cache_pages); returns the TLB flush cost. */
    long writeInode(AddressSpace as, int max, int cpu) {
        long cost = 0;
        int written = 0;
        for (int i = as.nextDirty(0); i >= 0 && written < max; i = as.nextDirty(i + 1)) {
            int f = as.find(i);
            if (f < 0) {
                throw new IllegalStateException("file '" + as.name + "' page " + i + " is dirty but not cached");
            }
            if (as.testWriteback(i)) {
                continue; // redirtied while its previous write is in flight: written on a later round
            }
            cost += startWriteback(as, i, f, false, cpu);
            written++;
        }
        return cost;
    }

    /**
     * fsync(2) of {@code as} by a task on {@code cpu}: writes its dirty pages and waits for all of
     * its writes. Returns the time (ns) and whether an error was reported through {@link #lastFsyncError}.
     */
    long fsync(AddressSpace as, int cpu) {
        fsyncs.inc();
        lastError = 0;
        if (as.shmem) {
            return 0;
        }
        long now = now();
        long cost = writeInode(as, Integer.MAX_VALUE, cpu);
        long until = now;
        while (as.nrWriteback > 0) {
            long t = as.dev.completeOldest();
            if (t < 0) {
                break;
            }
            until = Math.max(until, t);
        }
        if (as.wbErr > as.fsyncSeen) {
            as.fsyncSeen = as.wbErr; // errseq_check_and_advance: reported once per opener
            fsyncEio.inc();
            lastError = -EIO;
        }
        return cost + (until - now);
    }

    private int lastError;

    /** What the last {@link #fsync} returned: 0 or -EIO. */
    int lastFsyncError() {
        return lastError;
    }

    // ------------------------------------------------------------------ the flusher

    private void armPeriodic() {
        if (periodicArmed || settings.dirtyWritebackIntervalNs() <= 0 || m.queue == null) {
            return;
        }
        periodicArmed = true;
        m.queue.schedule(now() + settings.dirtyWritebackIntervalNs(), PRIORITY, periodic);
    }

    /** Wakes the flusher now: background writeback, or ({@code all}) writeback of every dirty page (WB_REASON_VMSCAN). */
    void wakeBackground(boolean all) {
        vmscanAll |= all;
        if (backgroundQueued || m.queue == null) {
            return;
        }
        backgroundQueued = true;
        m.queue.schedule(now(), PRIORITY, background);
    }

    private void backgroundWork(long now) {
        backgroundQueued = false;
        if (vmscanAll) {
            vmscanAll = false;
            writeBackground(0);
        } else {
            writeBackground(backgroundThresh());
        }
    }

    private void periodicWork(long now) {
        periodicArmed = false;
        for (AddressSpace as : dirtyInodesOldestFirst()) {
            if (now - as.dirtiedWhen >= settings.dirtyExpireNs()) {
                writeInode(as, Integer.MAX_VALUE, FLUSHER_CPU);
            }
        }
        if (pc.totalDirty > backgroundThresh()) {
            writeBackground(backgroundThresh());
        }
        if (pc.totalDirty > 0) {
            armPeriodic();
        }
    }

    /** Background writeback until nr_dirty is at or below {@code thresh}: inodes oldest first, a chunk each per round. */
    private void writeBackground(long thresh) {
        while (pc.totalDirty > thresh) {
            long before = pc.totalDirty;
            for (AddressSpace as : dirtyInodesOldestFirst()) {
                if (pc.totalDirty <= thresh) {
                    break;
                }
                writeInode(as, (int) Math.min(MAX_WRITEBACK_PAGES, pc.totalDirty - thresh), FLUSHER_CPU);
            }
            if (pc.totalDirty == before) {
                return; // only pages whose previous write is in flight are dirty
            }
        }
    }

    private List<AddressSpace> dirtyInodesOldestFirst() {
        List<AddressSpace> out = new ArrayList<>();
        for (AddressSpace as : pc.spaces) {
            if (as.nrDirty > 0) {
                out.add(as);
            }
        }
        out.sort(Comparator.comparingLong((AddressSpace a) -> a.dirtiedWhen).thenComparingInt(a -> a.id));
        return out;
    }

    /** A new event loop ({@link MemoryManager#attach}): the flusher and the devices start idle, re-armed if work is pending. */
    void attach() {
        periodicArmed = false;
        backgroundQueued = false;
        for (AddressSpace as : pc.spaces) {
            if (as.dev != null) {
                as.dev.reset();
            }
        }
        if (pc.totalDirty > 0) {
            armPeriodic();
        }
    }
}

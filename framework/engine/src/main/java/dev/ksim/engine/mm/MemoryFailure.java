package dev.ksim.engine.mm;

import dev.ksim.engine.metrics.LongCounter;
import dev.ksim.engine.metrics.MetricsRegistry;
import dev.ksim.engine.mm.zone.Zone;

/**
 * Hardware memory errors (mm/memory-failure.c) for the page kinds the engine has, per the memory
 * spec §7:
 * <ul>
 * <li>{@link #memoryFailure} (uncorrected error, {@code memory_failure(pfn)}):
 *   <ul>
 *   <li>a free buddy page is taken off the free lists ({@link Zone#takePageOffBuddy}):
 *       {@code memory_failure_recovered};</li>
 *   <li>an anonymous page on an LRU is unmapped with a hwpoison entry ({@link Pte#HWPOISON},
 *       its translation shot down), deleted from its LRU and its frame retired
 *       ({@link Zone#retirePage}); with the default {@code vm.memory_failure_early_kill = 0} the
 *       mapping process is not signalled now but gets SIGBUS on its next access to the page and
 *       is killed ({@link #sigbus}, {@code memory_failure_sigbus}). No reference left:
 *       {@code memory_failure_recovered} (me_pagecache_clean on an anon page); a pin still holds
 *       the page: {@code memory_failure_failed} ("still referenced by N users") — the frame is
 *       retired all the same and keeps its pins until the driver drops them;</li>
 *   <li>a page shared after fork is unmapped from every mapper ({@link Rmap}: collect_procs), each
 *       of which gets SIGBUS on its next access;</li>
 *   <li>a clean page of a file's page cache (hwpoison_user_mappings: "corrupted page was clean:
 *       dropped without side effects"): its PTEs are cleared without hwpoison entries — nobody is
 *       killed — and it is truncated from the page cache (me_pagecache_clean); the next reference
 *       or read re-reads it from the file: {@code memory_failure_recovered};</li>
 *   <li>a dirty page of a file's page cache (me_pagecache_dirty): the error is recorded on the
 *       file (mapping_set_error: the next fsync returns -EIO, {@code fsync_eio}), the dirty data is
 *       lost (the page is truncated; a later read gets the file's old contents), its mappers get
 *       hwpoison entries (SIGBUS on access): {@code memory_failure_recovered};</li>
 *   <li>a shmem page: shmem cannot re-read it, so its mappers get hwpoison entries and the page
 *       cache keeps a poison marker at its index (shmem_error_remove_folio keeps the page): any
 *       later fault there is SIGBUS, a read(2) fails: {@code memory_failure_recovered};</li>
 *   <li>a page under writeback is waited for first (folio_wait_writeback);</li>
 *   <li>a frame allocated to no user mapping (a kernel allocation) or owned by a driver (a PFNMAP
 *       region's frame) is left alone: {@code memory_failure_ignored} (me_kernel / unhandlable
 *       page);</li>
 *   <li>an already poisoned frame: nothing ({@link Result#ALREADY_POISONED}); a pfn in no zone
 *       (offline memory): -ENXIO, nothing counted ({@link Result#NOT_HANDLED}).</li>
 *   <li>a ZONE_DEVICE frame (DEVICE_PRIVATE, DEVICE_COHERENT, and DEVICE_PUBLIC alike): not handled
 *       (memory_failure_dev_pagemap returns -ENXIO: "TODO: Handle device pages which may need
 *       coordination with device-side memory"), {@code memory_failure_unhandled}; the kernel
 *       changes nothing — the page stays mapped, in the pool or wherever it was. The device's
 *       memory is bad all the same ({@link DeviceMemory#markBad}): the driver's next copy of a
 *       DEVICE_PRIVATE page back to RAM fails and the process gets SIGBUS; a CPU load of a bad
 *       coherent page (a machine check, then -ENXIO again, then SIGBUS in Linux) is not modelled:
 *       the access path checks no frame.</li>
 *   </ul>
 *   {@code memory_failure_delayed} exists and stays 0: MF_DELAYED is the dirty swap cache's
 *   result, and there is no swap cache yet.</li>
 * <li>{@link #softOfflinePage} (corrected errors past a threshold, {@code soft_offline_page}): a
 *     free page is taken off the buddy; an anonymous page's content is migrated away with
 *     {@link Migrate} (reason MR_MEMORY_FAILURE) and the old frame retired; nobody is killed.
 *     A pinned page cannot be migrated: {@code soft_offline_fail}, the page untouched.</li>
 * </ul>
 * A compound page is handled first by its own code: a transparent huge page is split and the 4 KiB
 * page then handled as above, or its mapper killed when the split fails ({@link Thp#memoryFailure});
 * a hugetlbfs page is dissolved or lost whole ({@link Hugetlb#memoryFailure}); soft offline splits a
 * THP first and moves a hugetlbfs page to another pool page ({@link Hugetlb#softOffline}).
 * A retired frame carries only {@link PageFlags#PG_HWPOISON}, is HWPOISON in its zone and mapped
 * by nobody (invariant {@code mm.hwpoison}). The handler runs in kernel context (the machine-check
 * handler's work item): its TLB shootdowns are counted but charged to no simulated thread.
 * Counters are registered on first use.
 */
public final class MemoryFailure {
    /** Outcome of {@link #memoryFailure}: the kernel's action results, plus the two early returns. */
    public enum Result {
        RECOVERED, FAILED, IGNORED, DELAYED, ALREADY_POISONED, NOT_HANDLED
    }

    private final MemoryManager m;
    private final LongCounter recovered;
    private final LongCounter failed;
    private final LongCounter ignored;
    private final LongCounter sigbus;
    private final LongCounter softSuccess;
    private final LongCounter softFail;
    private final LongCounter unhandled;

    MemoryFailure(MemoryManager m, MetricsRegistry metrics) {
        this.m = m;
        recovered = metrics.counter(MmMetrics.MEMORY_FAILURE_RECOVERED);
        failed = metrics.counter(MmMetrics.MEMORY_FAILURE_FAILED);
        ignored = metrics.counter(MmMetrics.MEMORY_FAILURE_IGNORED);
        metrics.counter(MmMetrics.MEMORY_FAILURE_DELAYED);
        sigbus = metrics.counter(MmMetrics.MEMORY_FAILURE_SIGBUS);
        softSuccess = metrics.counter(MmMetrics.SOFT_OFFLINE_SUCCESS);
        softFail = metrics.counter(MmMetrics.SOFT_OFFLINE_FAIL);
        unhandled = metrics.counter(MmMetrics.MEMORY_FAILURE_UNHANDLED);
    }

    private PglistData nodeOfPfn(int pfn) {
        for (PglistData n : m.nodes) {
            if (n.contains(pfn)) {
                return n;
            }
        }
        throw new IllegalArgumentException("pfn " + pfn + " is not a frame of the machine (0.." + (m.frames.frames - 1) + ")");
    }

    /** memory_failure(pfn) handled on {@code cpu}; see the class comment. */
    Result memoryFailure(int pfn, int cpu) {
        PglistData n = nodeOfPfn(pfn);
        Zone z = n.memMap.zoneOf(pfn);
        FrameTable t = m.frames;
        if (z != null && !z.type().buddyManaged()) {
            unhandled.inc(); // memory_failure_dev_pagemap: -ENXIO for device-private and device-coherent pages
            m.device.markBad(pfn);
            return Result.NOT_HANDLED;
        }
        if (z == null) {
            return Result.NOT_HANDLED;
        }
        if ((t.flags[pfn] & PageFlags.PG_HWPOISON) != 0) {
            return Result.ALREADY_POISONED;
        }
        if (t.flags[pfn] < 0) { // a compound page: hugetlbfs (handled whole) or THP (split first)
            Result r = m.hugetlb.isHugetlb(pfn) ? m.hugetlb.memoryFailure(pfn, cpu) : m.thp.memoryFailure(pfn, cpu);
            if (r != null) {
                return r;
            }
        }
        if (z.takePageOffBuddy(pfn)) {
            t.flags[pfn] = (byte) PageFlags.PG_HWPOISON;
            recovered.inc();
            return Result.RECOVERED;
        }
        PageOwner owner = m.rmap.owner(pfn);
        if (t.rmapVma[pfn] == FrameTable.FREE || owner != null && !(owner instanceof AddressSpace)) {
            ignored.inc();
            return Result.IGNORED;
        }
        if (owner instanceof AddressSpace as) {
            pageCache(as, pfn, cpu);
        } else {
            // hwpoison_user_mappings: try_to_unmap(TTU_HWPOISON) installs a hwpoison entry in every mapper
            m.rmap.unmap(pfn, Pte.HWPOISON, cpu);
            // identify_page_state → me_pagecache_clean: delete_from_lru_cache, the page is not freed
            n.lruvec.del(pfn);
            t.rmapVma[pfn] = FrameTable.FREE;
            t.rmapIndex[pfn] = 0;
        }
        t.flags[pfn] = (byte) PageFlags.PG_HWPOISON;
        z.retirePage(pfn);
        if (t.pins[pfn] > 0) { // has_extra_refcount
            failed.inc();
            return Result.FAILED;
        }
        recovered.inc();
        return Result.RECOVERED;
    }

    /** The page-cache rows of memory_failure for frame {@code pfn} of {@code as}; leaves the frame off every list, unowned. */
    private void pageCache(AddressSpace as, int pfn, int cpu) {
        PageCache pc = m.pageCache;
        pc.writeback.waitOn(pfn); // folio_wait_writeback
        int i = m.frames.rmapIndex[pfn];
        int entry = Pte.NONE;
        if (as.shmem) {
            m.rmap.unmap(pfn, Pte.HWPOISON, cpu); // shmem cannot write back: mappers must be killed
            entry = Pte.HWPOISON;                 // the page cache keeps the poisoned page's place
        } else if (as.testDirty(i)) {
            as.wbErr++;                           // me_pagecache_dirty: mapping_set_error(-EIO)
            pc.writeback.cancelDirty(as, i, pfn);
            m.rmap.unmap(pfn, Pte.HWPOISON, cpu);
        } else {
            m.rmap.unmap(pfn, Pte.NONE, cpu);     // clean: dropped without side effects (TTU_IGNORE_HWPOISON)
        }
        pc.deleteFromPageCache(as, i, pfn, entry); // truncate_error_folio
    }

    /**
     * A thread of {@code mm} touched page {@code p} of {@code vma}, which holds a hwpoison entry:
     * SIGBUS (BUS_MCEERR_AR), which kills the process; its memory is freed as at exit. Returns the
     * time the fault costs the thread (ns, at least 1).
     */
    long sigbus(MmStruct mm, VmArea vma, int p) {
        sigbus.inc();
        mm.sigbusKilled = true;
        long before = m.pending;
        m.pending = 0;
        m.exitMmap(mm);
        long cost = m.pending;
        m.pending = before;
        return Math.max(1, cost);
    }

    /** soft_offline_page(pfn) handled on {@code cpu}; true when the frame is retired (or already was). */
    boolean softOfflinePage(int pfn, int cpu) {
        PglistData n = nodeOfPfn(pfn);
        Zone z = n.memMap.zoneOf(pfn);
        FrameTable t = m.frames;
        if (z == null || !z.type().buddyManaged()) {
            softFail.inc();
            return false;
        }
        if ((t.flags[pfn] & PageFlags.PG_HWPOISON) != 0) {
            return true; // "page already poisoned"
        }
        if (m.hugetlb.isHugetlb(pfn) || t.flags[pfn] < 0 && m.thp.split(pfn, cpu) < 0) {
            // a hugetlb page migrates whole and is dissolved; a THP that cannot split: "thp split failed", -EBUSY
            boolean ok = m.hugetlb.isHugetlb(pfn) && m.hugetlb.softOffline(pfn, cpu);
            (ok ? softSuccess : softFail).inc();
            return ok;
        }
        if (z.takePageOffBuddy(pfn)) {
            t.flags[pfn] = (byte) PageFlags.PG_HWPOISON;
            softSuccess.inc();
            return true;
        }
        if (t.rmapVma[pfn] == FrameTable.FREE) {
            softFail.inc(); // a kernel page: "unknown page type", -EIO
            return false;
        }
        if (m.migrate().migrateForMemoryFailure(pfn, cpu) < 0) {
            softFail.inc();
            return false;
        }
        softSuccess.inc();
        return true;
    }
}

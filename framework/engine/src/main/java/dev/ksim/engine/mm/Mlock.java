package dev.ksim.engine.mm;

import dev.ksim.engine.metrics.LongCounter;
import dev.ksim.engine.metrics.MetricsRegistry;

/**
 * mlock / munlock of a range of a mapping (mm/mlock.c): locked pages carry
 * {@link PageFlags#PG_MLOCKED} and sit on their node's unevictable list, which reclaim never
 * scans, so they are never swapped or demoted.
 *
 * <p>Contract: {@link #mlock} populates the range first ({@code __mm_populate}: absent pages are
 * faulted in, charged to the caller), then moves each page not yet locked from its evictable list
 * to the unevictable one ({@code unevictable_pgs_mlocked}). {@link #munlock} puts each locked page
 * back on the inactive list of its kind ({@code unevictable_pgs_munlocked}). A page is locked at
 * most once: ksim keeps no per-VMA VM_LOCKED nor the kernel's mlock_count, so munlock through one
 * mapper of a shared page unlocks it for all, and a copy-on-write copy is not locked. A transparent
 * huge page the range covers whole is locked as one folio (the counters count its 512 pages); one
 * it covers in part is split first; hugetlbfs pages are on no LRU and are left as they are. Locked pages stay
 * migratable ({@link Migrate} keeps the flag and the list). RLIMIT_MEMLOCK is not modelled.
 * Only in the {@code lru} reclaim mode: strict-lru keeps one exact list per node.
 * Counters are registered on first use, so runs that never mlock report none of them.
 */
final class Mlock {
    private final MemoryManager m;
    private final LongCounter mlocked;
    private final LongCounter munlocked;

    Mlock(MemoryManager m, MetricsRegistry metrics) {
        this.m = m;
        mlocked = metrics.counter(MmMetrics.UNEVICTABLE_PGS_MLOCKED);
        munlocked = metrics.counter(MmMetrics.UNEVICTABLE_PGS_MUNLOCKED);
    }

    /** The mapping, after checking that [from, from + n) lies inside it. */
    static VmArea range(MmStruct mm, int vmaIndex, long from, long n) {
        if (vmaIndex < 0 || vmaIndex >= mm.vmas.length) {
            throw new IllegalArgumentException(mm.name + " has no mapping " + vmaIndex);
        }
        VmArea vma = mm.vmas[vmaIndex];
        if (from < 0 || n < 0 || from + n > vma.pte.length) {
            throw new IllegalArgumentException("pages [" + from + ", " + (from + n) + ") outside mapping '" + vma.name
                    + "' of " + vma.pte.length + " pages");
        }
        return vma;
    }

    /** Locks pages [from, from + n); returns the cost of populating them (ns). Stops if the process is killed. */
    long mlock(MmStruct mm, int vmaIndex, long from, long n, int cpu) {
        if (m.strict) {
            throw new IllegalStateException("mlock needs the lru reclaim mode (strict-lru keeps one list per node)");
        }
        VmArea vma = range(mm, vmaIndex, from, n);
        long cost = 0;
        byte[] flags = m.frames.flags;
        for (long i = from; i < from + n; i++) {
            int p = (int) i;
            cost += m.faultIn(mm, vma, p, cpu);
            int e = vma.pte[p];
            if (!Pte.isPresent(e)) {
                if (mm.killed()) {
                    break; // killed while populating
                }
                continue; // under a migrate_vma in flight: populate could not wait for it here
            }
            if (m.device.isDeviceFrame(Pte.frame(e))) {
                continue; // mlock_pte_range skips zone-device folios
            }
            int f = m.thp.lruFolio(Pte.frame(e), from, n, cpu); // a THP's head, or -1 for hugetlbfs
            if (f < 0 || (flags[f] & PageFlags.PG_MLOCKED) != 0 || (flags[f] & PageFlags.PG_LRU) == 0) {
                continue; // locked already, or not an LRU page (a PFNMAP driver frame: VM_SPECIAL is never locked)
            }
            Lruvec lv = m.nodes[m.nodeOf(f)].lruvec;
            lv.del(f);
            flags[f] = (byte) (flags[f] | PageFlags.PG_MLOCKED | PageFlags.PG_UNEVICTABLE);
            lv.add(f, Lruvec.LRU_UNEVICTABLE);
            mlocked.add(Lruvec.folioNrPages(flags[f]));
        }
        return cost;
    }

    /** Unlocks the locked pages of [from, from + n): they return to the inactive anon list. */
    void munlock(MmStruct mm, int vmaIndex, long from, long n) {
        VmArea vma = range(mm, vmaIndex, from, n);
        byte[] flags = m.frames.flags;
        for (long i = from; i < from + n; i++) {
            int e = vma.pte[(int) i];
            if (!Pte.isPresent(e)) {
                continue;
            }
            if (m.device.isDeviceFrame(Pte.frame(e))) {
                continue;
            }
            int f = m.thp.lruFolio(Pte.frame(e), from, n, 0);
            if (f < 0 || (flags[f] & PageFlags.PG_MLOCKED) == 0 || (flags[f] & PageFlags.PG_LRU) == 0) {
                continue;
            }
            Lruvec lv = m.nodes[m.nodeOf(f)].lruvec;
            lv.del(f);
            flags[f] = (byte) (flags[f] & ~(PageFlags.PG_MLOCKED | PageFlags.PG_UNEVICTABLE));
            lv.add(f, Lruvec.lruOf(flags[f])); // the inactive list of its kind (anon, or file for a page-cache page)
            munlocked.add(Lruvec.folioNrPages(flags[f]));
        }
    }
}

package dev.ksim.engine.mm;

import dev.ksim.engine.cost.CostModel;
import dev.ksim.engine.metrics.LongCounter;
import dev.ksim.engine.metrics.MetricsRegistry;
import dev.ksim.engine.model.MappingKind;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The page cache (mm/filemap.c) and everything built on shared pages: files with a backing device,
 * shmem objects, file-backed and shared mappings, read(2)/write(2), dirty pages and their
 * writeback, fork with copy-on-write, munmap / madvise(MADV_DONTNEED), mbind, PFNMAP driver
 * regions. The pieces live in their own classes and hang off this one:
 * <ul>
 * <li>{@link FileFaults}: faults on file, shmem and PFNMAP mappings (filemap_fault, do_read_fault,
 *     do_cow_fault, do_shared_fault, shmem_fault), and munmap holes (SIGSEGV);</li>
 * <li>{@link WpFault}: write-protect faults (do_wp_page): copy-on-write, page reuse, dirtying a
 *     shared file page;</li>
 * <li>{@link Writeback}: dirty accounting, balance_dirty_pages, the flusher, writeback to the
 *     {@link BackingDev} and its completion, fsync;</li>
 * <li>{@link PageCacheReclaim}: what reclaim does with a page-cache page at the inactive tail;</li>
 * <li>{@link Unmap}: zap_pte_range for exit, munmap and MADV_DONTNEED;</li>
 * <li>{@link Fork}, {@link Mempolicy}, {@link DriverPages}.</li>
 * </ul>
 *
 * <p><b>Pages.</b> A page-cache page is a frame owned by an {@link AddressSpace} ({@link Rmap}
 * encoding), on its node's file LRU lists ({@code PG_swapbacked} clear) or, for shmem, on the anon
 * lists ({@code PG_swapbacked} set). It stays cached when no PTE maps it; it leaves the cache by
 * reclaim (clean file page dropped, shmem page swapped), by truncation on a memory error, or never.
 * Every file mapping maps file page i at its page i.
 *
 * <p><b>Per-node counts</b>, sampled as gauges {@code node<N>.nr_file_pages} (file and shmem pages
 * cached, as the kernel's NR_FILE_PAGES), {@code nr_shmem}, {@code nr_dirty}, {@code nr_writeback},
 * {@code nr_mapped} (page-cache pages mapped by at least one PTE, NR_FILE_MAPPED); each equals a
 * recount (invariant {@code mm.pagecache}).
 *
 * <p>The page cache needs the {@code lru} reclaim mode (strict-lru keeps one list of anonymous
 * pages); creating a file or shmem page in strict-lru mode throws.
 */
final class PageCache {
    final MemoryManager m;
    final FrameTable frames;
    final Rmap rmap;
    final MetricsRegistry metrics;
    /** Files and named shmem objects by name; anonymous shmem objects by a generated key; declaration order. */
    private final Map<String, AddressSpace> byName = new LinkedHashMap<>();
    /** Every address space, by creation order. */
    final List<AddressSpace> spaces = new ArrayList<>();

    final long[] nrFilePages;
    final long[] nrShmem;
    final long[] nrDirty;
    final long[] nrWriteback;
    final long[] nrMapped;
    long totalDirty;
    long totalWriteback;

    final FileFaults faults;
    final WpFault wp;
    final Writeback writeback;
    final PageCacheReclaim reclaim;
    final Unmap unmap;
    private Fork fork;
    private Mempolicy mempolicy;
    private DriverPages drivers;

    final long costMinorFile;
    final long costMinorAnon;
    final long costMajorOverhead;
    final long costCow;
    final long costWp;
    final long costSyscallPage;
    final long defaultReadNs;
    final long defaultWriteNs;
    final long writeXferNs;

    final LongCounter pgfault;
    final LongCounter pgmajfault;
    /** KiB read from files and swap... as /proc/vmstat: kilobytes read from storage by the page cache. */
    final LongCounter pgpgin;
    /** KiB written back to files. */
    final LongCounter pgpgout;
    final LongCounter fileReads;
    final LongCounter fileWrites;

    PageCache(MemoryManager m, MetricsRegistry metrics, CostModel costs) {
        this.m = m;
        this.frames = m.frames;
        this.rmap = m.rmap;
        this.metrics = metrics;
        int n = m.nodes.length;
        nrFilePages = new long[n];
        nrShmem = new long[n];
        nrDirty = new long[n];
        nrWriteback = new long[n];
        nrMapped = new long[n];
        costMinorFile = costs.get(CostModel.FAULT_MINOR_FILE);
        costMinorAnon = costs.get(CostModel.FAULT_MINOR_ANON);
        costMajorOverhead = costs.get(CostModel.FAULT_MAJOR_OVERHEAD);
        costCow = costs.get(CostModel.FAULT_COW);
        costWp = costs.get(CostModel.FAULT_WP);
        costSyscallPage = costs.get(CostModel.FILE_SYSCALL_PAGE);
        defaultReadNs = costs.get(CostModel.FILE_READ);
        defaultWriteNs = costs.get(CostModel.FILE_WRITE);
        writeXferNs = costs.get(CostModel.FILE_WRITE_XFER);
        pgfault = metrics.counter(MmMetrics.PGFAULT);
        pgmajfault = metrics.counter(MmMetrics.PGMAJFAULT);
        pgpgin = metrics.counter(MmMetrics.PGPGIN);
        pgpgout = metrics.counter(MmMetrics.PGPGOUT);
        fileReads = metrics.counter(MmMetrics.FILE_READS);
        fileWrites = metrics.counter(MmMetrics.FILE_WRITES);
        this.faults = new FileFaults(this);
        this.wp = new WpFault(this, metrics);
        this.writeback = new Writeback(this, metrics);
        this.reclaim = new PageCacheReclaim(this, metrics);
        this.unmap = new Unmap(this);
        for (PglistData node : m.nodes) {
            int id = node.nodeId;
            metrics.gauge(MmMetrics.nodeMetric(id, MmMetrics.NR_FILE_PAGES), () -> nrFilePages[id]);
            metrics.gauge(MmMetrics.nodeMetric(id, MmMetrics.NR_SHMEM), () -> nrShmem[id]);
            metrics.gauge(MmMetrics.nodeMetric(id, MmMetrics.NR_DIRTY), () -> nrDirty[id]);
            metrics.gauge(MmMetrics.nodeMetric(id, MmMetrics.NR_WRITEBACK), () -> nrWriteback[id]);
            metrics.gauge(MmMetrics.nodeMetric(id, MmMetrics.NR_MAPPED), () -> nrMapped[id]);
        }
    }

    Fork fork() {
        if (fork == null) {
            fork = new Fork(this, metrics);
        }
        return fork;
    }

    Mempolicy mempolicy() {
        if (mempolicy == null) {
            mempolicy = new Mempolicy(this);
        }
        return mempolicy;
    }

    DriverPages drivers() {
        if (drivers == null) {
            drivers = new DriverPages(this, metrics);
        }
        return drivers;
    }

    /** Whether {@link #drivers()} was ever built (its invariants need checking). */
    DriverPages driversOrNull() {
        return drivers;
    }

    // ------------------------------------------------------------------ files

    /**
     * Declares file {@code name} of {@code pages} pages on a device with the given latencies
     * ({@code < 0}: the cost model's {@code file.read} / {@code file.write}).
     */
    AddressSpace addFile(String name, long pages, long readNs, long writeNs) {
        if (byName.containsKey(name)) {
            throw new IllegalArgumentException("file '" + name + "' declared twice");
        }
        if (pages < 1 || pages > MemoryManager.MAX_FRAMES) {
            throw new IllegalArgumentException("file '" + name + "' has " + pages + " pages");
        }
        BackingDev dev = new BackingDev(name, readNs < 0 ? defaultReadNs : readNs, writeNs < 0 ? defaultWriteNs : writeNs,
                writeXferNs, writeback);
        return register(new AddressSpace(this, rmap.nextOwnerId(), name, false, (int) pages, dev), name);
    }

    /** A shmem object of {@code pages} pages (tmpfs file, SysV segment or MAP_SHARED|MAP_ANONYMOUS). */
    AddressSpace addShmem(String key, String name, long pages) {
        if (byName.containsKey(key)) {
            throw new IllegalArgumentException("shmem object '" + name + "' declared twice");
        }
        return register(new AddressSpace(this, rmap.nextOwnerId(), name, true, (int) pages, null), key);
    }

    private AddressSpace register(AddressSpace as, String key) {
        requireLru();
        rmap.addOwner(as);
        byName.put(key, as);
        spaces.add(as);
        return as;
    }

    private void requireLru() {
        if (m.strict) {
            throw new IllegalStateException("files, shmem and the page cache need reclaim 'lru' (strict-lru keeps one list of anonymous pages)");
        }
    }

    /** The file or named shmem object {@code name}, or null. */
    AddressSpace file(String name) {
        AddressSpace as = byName.get(name);
        return as != null ? as : byName.get("shmem:" + name);
    }

    /**
     * mmap of {@code vma} (created by {@link MemoryManager#createProcess}): a file-backed mapping
     * joins the file's i_mmap (the file is created with the mapping's size if it was not declared);
     * a shmem mapping joins the named shmem object {@code file} (created at first use) or gets an
     * anonymous one of its own; a PFNMAP mapping gets its driver frames now ({@link DriverPages}).
     */
    void mmap(VmArea vma, String file) {
        MappingKind k = vma.kind;
        if (k == MappingKind.ANON || k == MappingKind.HUGETLB) {
            return; // anonymous memory, or hugetlbfs pages from the pools (Hugetlb)
        }
        if (k == MappingKind.PFNMAP) {
            drivers().mmapPfnRegion(vma);
            return;
        }
        AddressSpace as;
        if (k == MappingKind.SHMEM) {
            String key = file == null ? "shmem:" + vma.mm.pid + ":" + vma.name : "shmem:" + file;
            as = byName.get(key);
            if (as == null) {
                as = addShmem(key, file == null ? vma.mm.name + ":" + vma.name : file, vma.pte.length);
            }
        } else if (k == MappingKind.FILE_PRIVATE || k == MappingKind.FILE_SHARED) {
            if (file == null) {
                throw new IllegalArgumentException("mapping '" + vma.name + "' of kind " + k.key() + " names no file");
            }
            as = byName.get(file);
            if (as == null) {
                as = addFile(file, vma.pte.length, -1, -1);
            } else if (as.shmem) {
                throw new IllegalArgumentException("'" + file + "' is a shmem object, mapped as " + k.key());
            }
        } else {
            throw new IllegalArgumentException("mapping kind " + k.key() + " is not simulated");
        }
        if (vma.pte.length > as.pages) {
            throw new IllegalArgumentException("mapping '" + vma.name + "' of " + vma.pte.length + " pages maps '" + as.name
                    + "', which has " + as.pages + " pages (a reference beyond the end would be SIGBUS)");
        }
        vma.owner = as;
        as.mmapAdd(vma);
    }

    // ------------------------------------------------------------------ cache membership

    /**
     * add_to_page_cache_lru: frame {@code f} (fresh, off every list) caches index {@code i} of
     * {@code as}: reverse map, flags, the inactive file list (shmem: inactive anon), counts.
     */
    void addToPageCache(AddressSpace as, int i, int f) {
        int node = m.nodeOf(f);
        as.setEntry(i, Pte.present(f));
        frames.rmapVma[f] = Rmap.ownerRef(as.id);
        frames.rmapIndex[f] = i;
        frames.flags[f] = (byte) (as.shmem ? PageFlags.PG_SWAPBACKED : 0);
        m.nodes[node].lruvec.add(f, as.shmem ? Lruvec.LRU_INACTIVE_ANON : Lruvec.LRU_INACTIVE_FILE);
        as.nrpages++;
        nrFilePages[node]++;
        if (as.shmem) {
            nrShmem[node]++;
        }
    }

    /**
     * __filemap_remove_folio: {@code f} (unmapped, clean, not under writeback) leaves the cache of
     * {@code as}; the entry becomes {@code entry} (NONE, or a swap entry for shmem). The frame is
     * taken off its LRU and its reverse map cleared; freeing it is the caller's business.
     */
    void deleteFromPageCache(AddressSpace as, int i, int f, int entry) {
        int node = m.nodeOf(f);
        as.setEntry(i, entry);
        if ((frames.flags[f] & PageFlags.PG_LRU) != 0) {
            m.nodes[node].lruvec.del(f);
        }
        frames.rmapVma[f] = FrameTable.FREE;
        frames.rmapIndex[f] = 0;
        as.nrpages--;
        nrFilePages[node]--;
        if (as.shmem) {
            nrShmem[node]--;
        }
        as.markReclaim(i, false);
    }

    /** A page of {@code as} at {@code i} moved from frame {@code from} to {@code to} (migration, demotion): counts follow it. */
    void moved(AddressSpace as, int i, int from, int to) {
        int a = m.nodeOf(from);
        int b = m.nodeOf(to);
        if (a == b) {
            return;
        }
        nrFilePages[a]--;
        nrFilePages[b]++;
        if (as.shmem) {
            nrShmem[a]--;
            nrShmem[b]++;
        }
        if (as.testDirty(i)) {
            nrDirty[a]--;
            nrDirty[b]++;
        }
        if (as.testWriteback(i)) {
            nrWriteback[a]--;
            nrWriteback[b]++;
        }
        if (rmap.count() > 0) { // the mappers the migration unmapped (Rmap#move follows Rmap#unmap)
            nrMapped[a]--;
            nrMapped[b]++;
        }
    }

    /** The last PTE mapping page-cache frame {@code f} went away. */
    void unmappedAll(int f) {
        nrMapped[m.nodeOf(f)]--;
    }

    /**
     * Maps page-cache frame {@code f} at page {@code p} of {@code vma} (read-only when
     * {@code rdonly}), counting nr_mapped when it is the page's first mapping and the mm's rss.
     */
    void mapPage(VmArea vma, int p, int f, boolean rdonly) {
        if (rmap.mapcount(f) == 0) {
            nrMapped[m.nodeOf(f)]++;
        }
        vma.pte[p] = Pte.present(f);
        vma.setRdonly(p, rdonly);
        vma.mm.rss++;
    }

    // ------------------------------------------------------------------ read(2), write(2)

    /**
     * read(2) ({@code write == false}) or write(2) of page {@code i} of {@code as} by a thread of
     * {@code mm} on {@code cpu}, without a mapping: the page-cache lookup, a miss allocated on the
     * CPU's node (the task's default local policy; the migration policy plugin places faults, not
     * page-cache allocations) and, for a read, filled from the device ({@code pgpgin}); a write of
     * the whole page needs no read and dirties the page (balance_dirty_pages may pause the writer).
     * The page is marked accessed. Returns the simulated time (ns, at least 1).
     */
    long fileIo(MmStruct mm, AddressSpace as, int i, boolean write, int cpu) {
        if (i < 0 || i >= as.pages) {
            throw new IllegalArgumentException("page " + i + " outside file '" + as.name + "' of " + as.pages + " pages");
        }
        int cpuNode = m.topology().cpuNode(cpu);
        long cost = costSyscallPage;
        int f = as.find(i);
        if (Pte.isHwpoison(as.entry(i))) {
            return cost; // a poisoned shmem page: -EIO
        }
        if (f < 0) {
            if (Pte.isSwap(as.entry(i))) {
                long c = faults.shmemSwapIn(mm, as, i, null, cpu, cpuNode);
                if (c < 0) {
                    return Math.max(1, cost - c);
                }
                cost += c;
            } else {
                long c = faults.fill(mm, as, i, !write, null, cpu, cpuNode);
                if (c < 0) {
                    return Math.max(1, cost - c); // the OOM killer took the process
                }
                cost += c;
            }
            f = as.find(i);
        }
        m.referencePage(f);
        if (write) {
            fileWrites.inc();
            if (!as.shmem) {
                writeback.setDirty(as, i, f);
                cost += writeback.balanceDirtyPages(cpu);
            }
        } else {
            fileReads.inc();
        }
        return Math.max(1, cost);
    }

    // ------------------------------------------------------------------ queries

    /** Files and shmem objects, in creation order. */
    List<AddressSpace> spaces() {
        return spaces;
    }

    long dirtyPages() {
        return totalDirty;
    }

    long writebackPages() {
        return totalWriteback;
    }
}

package dev.ksim.engine.mm;

import dev.ksim.engine.cost.CostModel;
import dev.ksim.engine.invariant.InvariantCheck;
import dev.ksim.engine.invariant.InvariantRegistry;
import dev.ksim.engine.metrics.LatencyHistogram;
import dev.ksim.engine.metrics.LongCounter;
import dev.ksim.engine.metrics.MetricsRegistry;
import dev.ksim.engine.mm.zone.DeviceKind;
import dev.ksim.engine.mm.zone.Zone;
import dev.ksim.engine.mm.zone.ZoneInvariants;
import dev.ksim.engine.mm.zone.Zonelist;
import java.util.ArrayList;
import java.util.TreeSet;
import java.util.List;

/**
 * Device memory in ZONE_DEVICE (include/linux/memremap.h, mm/memremap.c, mm/migrate_device.c): a
 * node whose memory is device memory has one device {@link Zone} of a {@link DeviceKind} instead of
 * buddy zones. Its frames have a memmap but are memremap'd into the owning driver's pool
 * ({@code memremap_pages} at boot, or at a simulated time for hot-pluggable device memory — the
 * device initialising): they are never in the buddy allocator, never in a zonelist (no ordinary
 * allocation lands there), never on an LRU, never reclaimed, compacted or pinned. Only the driver
 * hands them out — as destinations of {@link MigrateVma} — and gets them back.
 *
 * <p>What a node's memory is: the kind its node block declares; a node whose provider says its
 * memory is not CPU-accessible ({@code NodeMemory.cpuAccessible = false}) is DEVICE_PRIVATE memory
 * even without a declaration ({@link #kindOf}); declaring it coherent or public contradicts the
 * provider and is refused.
 *
 * <h2>Device pages mapped into a process</h2>
 * A device page belongs to one anonymous page of one process (reverse map as for RAM) and is
 * charged to its rss like RAM ({@code MM_ANONPAGES}, as migrate_vma_insert_page does).
 * <ul>
 * <li>DEVICE_PRIVATE: the PTE holds a device-private entry ({@link Pte#DEVICE_PRIVATE}; the frame
 *     is kept here per page). A CPU access faults into the driver's {@code migrate_to_ram}
 *     ({@link #migrateToRam}): a RAM frame is allocated as a fault allocates (on the faulting CPU's
 *     node, the default policy of the driver's {@code alloc_page_vma}; reclaim and the OOM killer
 *     when RAM is short), the page copied back ({@code migrate.call} +
 *     {@code migrate.copy_page_from_device}), the device page returned to the pool
 *     ({@code migrate_to_ram}). If the faulting process is the OOM victim the fault is abandoned;
 *     if the device reports the page's data bad (an uncorrected error, {@link #markBad}) the copy
 *     fails and the process gets SIGBUS ({@code migrate_to_ram_fail} both).</li>
 * <li>DEVICE_COHERENT and DEVICE_PUBLIC: a normal present PTE; the CPU loads at the node's latency
 *     (its provider's, scaled by the NUMA distance) through the TLB like any page. Never on an LRU.
 *     Never pinned: pinning one for DMA ({@code pin_user_pages}, FOLL_LONGTERM) first migrates it to
 *     RAM ({@link #migrateCoherentToRam}, mm/gup.c check_and_migrate_movable_folios calling
 *     migrate_device_coherent_folio since Linux 6.0, "mm/gup: migrate device coherent pages when
 *     pinning instead of failing"), {@code migrate_device_coherent}; mlock skips them
 *     (mlock_pte_range skips zone-device folios).</li>
 * </ul>
 * Driver eviction ({@link #evict}, migrate_device_range): every device page of the node (or of one
 * process) is migrated back to RAM, allocated as the driver's {@code alloc_page(GFP_HIGHUSER)} is:
 * on the evicting CPU's node, with reclaim and the OOM killer when RAM is short; a page whose owner
 * the OOM killer took counts {@code device_evict_fail} (its exit gave the page back).
 * Process exit and the OOM killer give device pages back to the pool ({@link #exitMmap}).
 * Hardening hooks see RAM frames only.
 *
 * <p>Per device node the gauges {@code node<N>.device_pages_free} and
 * {@code node<N>.device_pages_used} report the driver pool. Invariants ({@code device.*}, see
 * {@link DeviceInvariants}) are registered only on machines that have device memory. Counters are
 * registered on first use. Nothing here is on the access path's hit side: only faults reach it.
 */
final class DeviceMemory {
    final MemoryManager m;
    /** The device zone of each node, null for a RAM node. */
    final Zone[] zones;
    private final boolean any;
    /** Per VMA id, per page: the DEVICE_PRIVATE frame + 1 its device-private entry stands for (0: none). */
    private int[][] privateFrames = new int[0][];
    /** Device frames whose data the device reported bad (uncorrected errors): hardware state, not the kernel's; few. */
    private final TreeSet<Integer> bad = new TreeSet<>();
    private MigrateVma migrateVma;
    private LongCounter toRam;
    private LongCounter toRamFail;
    private LongCounter evicted;
    private LongCounter evictFail;
    private LongCounter coherentMigrated;
    private LatencyHistogram latency;
    private final long costCall;
    private final long costCopyFrom;

    DeviceMemory(MemoryManager m, Zone[] zones, MetricsRegistry metrics, CostModel costs) {
        this.m = m;
        this.zones = zones.clone();
        boolean found = false;
        for (int n = 0; n < zones.length; n++) {
            final Zone z = zones[n];
            if (z == null) {
                continue;
            }
            found = true;
            metrics.gauge(MmMetrics.nodeMetric(n, MmMetrics.DEVICE_PAGES_FREE), z::deviceFreePages);
            metrics.gauge(MmMetrics.nodeMetric(n, MmMetrics.DEVICE_PAGES_USED), z::deviceAllocatedPages);
        }
        this.any = found;
        this.costCall = costs.get(CostModel.MIGRATE_CALL);
        this.costCopyFrom = costs.get(CostModel.MIGRATE_COPY_PAGE_FROM_DEVICE);
    }

    /** The kind a scenario's word names ({@code private}, {@code coherent}, {@code public}); null for null. */
    static DeviceKind kind(String word) {
        if (word == null) {
            return null;
        }
        switch (word) {
            case "private":
                return DeviceKind.PRIVATE;
            case "coherent":
                return DeviceKind.COHERENT;
            case "public":
                return DeviceKind.PUBLIC;
            default:
                throw new IllegalArgumentException("unknown device memory kind '" + word + "'");
        }
    }

    /**
     * What node memory is, from its declaration ({@code declared}, null = none) and its provider's
     * word: memory the CPU cannot access is DEVICE_PRIVATE; null means ordinary RAM.
     *
     * @throws IllegalArgumentException when a CPU-inaccessible node is declared coherent or public
     */
    static DeviceKind kindOf(DeviceKind declared, boolean cpuAccessible) {
        if (!cpuAccessible && declared != null && declared != DeviceKind.PRIVATE) {
            throw new IllegalArgumentException("memory the CPU cannot access cannot be DEVICE_" + declared);
        }
        return cpuAccessible ? declared : DeviceKind.PRIVATE;
    }

    /** Whether the machine has device memory. */
    boolean any() {
        return any;
    }

    /** The device zone of {@code node}, or null. */
    Zone zone(int node) {
        return zones[node];
    }

    /** Whether frame {@code f} is a ZONE_DEVICE frame (its node's memory is device memory). */
    boolean isDeviceFrame(int f) {
        return any && zones[m.nodeOf(f)] != null;
    }

    /** The migrate_vma mechanism, built on first use. */
    MigrateVma migrateVma() {
        if (migrateVma == null) {
            migrateVma = new MigrateVma(m, this, m.metrics, m.costs);
        }
        return migrateVma;
    }

    /** Whether a migrate_vma call is between its setup and its finalize. */
    boolean migrationsInFlight() {
        return migrateVma != null && migrateVma.inFlight();
    }

    private void counters() {
        if (toRam == null) {
            toRam = m.metrics.counter(MmMetrics.MIGRATE_TO_RAM);
            toRamFail = m.metrics.counter(MmMetrics.MIGRATE_TO_RAM_FAIL);
            evicted = m.metrics.counter(MmMetrics.DEVICE_EVICTED);
            evictFail = m.metrics.counter(MmMetrics.DEVICE_EVICT_FAIL);
            coherentMigrated = m.metrics.counter(MmMetrics.MIGRATE_DEVICE_COHERENT);
            latency = m.metrics.histogram(MmMetrics.MIGRATE_VMA_LATENCY);
        }
    }

    LatencyHistogram latency() {
        counters();
        return latency;
    }

    // ------------------------------------------------------------------ device pages in page tables

    /** The DEVICE_PRIVATE frame behind page {@code p} of {@code vma}, -1 when its PTE holds none. */
    int privateFrame(VmArea vma, int p) {
        if (vma.id >= privateFrames.length || privateFrames[vma.id] == null) {
            return -1;
        }
        return privateFrames[vma.id][p] - 1;
    }

    private void setPrivate(VmArea vma, int p, int f) {
        if (vma.id >= privateFrames.length) {
            privateFrames = java.util.Arrays.copyOf(privateFrames, Math.max(vma.id + 1, 2 * privateFrames.length));
        }
        if (privateFrames[vma.id] == null) {
            privateFrames[vma.id] = new int[vma.pte.length];
        }
        privateFrames[vma.id][p] = f + 1;
    }

    /**
     * Maps device frame {@code f} (handed out by its driver) at page {@code p} of {@code vma}: a
     * device-private entry for DEVICE_PRIVATE memory, a present PTE otherwise; sets the reverse
     * map. The caller accounts rss and whatever the PTE held before.
     */
    void mapDevicePage(VmArea vma, int p, int f) {
        FrameTable t = m.frames;
        t.rmapVma[f] = vma.id;
        t.rmapIndex[f] = p;
        t.flags[f] = 0;
        if (zones[m.nodeOf(f)].deviceKind() == DeviceKind.PRIVATE) {
            vma.pte[p] = Pte.DEVICE_PRIVATE;
            setPrivate(vma, p, f);
        } else {
            vma.pte[p] = Pte.present(f);
        }
    }

    /** Unmaps device frame {@code f} from page {@code p} of {@code vma} (PTE none) and gives it back to its driver's pool. */
    private void releaseMapped(VmArea vma, int p, int f) {
        vma.pte[p] = Pte.NONE;
        if (privateFrames.length > vma.id && privateFrames[vma.id] != null) {
            privateFrames[vma.id][p] = 0;
        }
        freeDevicePage(f);
    }

    /** The driver gets device frame {@code f} back (page_free): no reverse map, no flags, in the pool. */
    void freeDevicePage(int f) {
        FrameTable t = m.frames;
        t.rmapVma[f] = FrameTable.FREE;
        t.rmapIndex[f] = 0;
        t.flags[f] = 0;
        zones[m.nodeOf(f)].devicePageFree(f);
    }

    /**
     * Installs RAM frame {@code nf} at page {@code p} of {@code vma} in place of device frame
     * {@code f} (the copy is the caller's cost): present PTE, reverse map, anon inactive list; the
     * device frame returns to its pool. rss is unchanged (both are the process's anon page).
     */
    private void replaceWithRam(VmArea vma, int p, int f, int nf) {
        releaseMapped(vma, p, f);
        FrameTable t = m.frames;
        vma.pte[p] = Pte.present(nf);
        t.rmapVma[nf] = vma.id;
        t.rmapIndex[nf] = p;
        t.flags[nf] = (byte) PageFlags.PG_SWAPBACKED;
        m.nodes[m.nodeOf(nf)].lruvec.add(nf, Lruvec.LRU_INACTIVE_ANON);
    }

    /** The device reported an uncorrected error in frame {@code f}: its data is bad (hardware state; the kernel does nothing). */
    void markBad(int f) {
        bad.add(f);
    }

    // ------------------------------------------------------------------ CPU faults

    /**
     * A CPU fault on page {@code p} of {@code vma} holding a migration entry of an in-flight
     * migrate_vma ({@code migration_entry_wait}) or a device-private entry ({@code migrate_to_ram});
     * returns what the fault costs the thread (ns, at least 1). {@code pgfault} is the caller's.
     */
    long fault(MmStruct mm, VmArea vma, int p, int e, int cpu, int cpuNode) {
        if (Pte.isMigration(e)) {
            return migrateVma().migrationEntryWait(vma, p);
        }
        return migrateToRam(mm, vma, p, cpu, cpuNode);
    }

    /** migrate_to_ram of the DEVICE_PRIVATE page at page {@code p} of {@code vma}; see the class comment. */
    private long migrateToRam(MmStruct mm, VmArea vma, int p, int cpu, int cpuNode) {
        counters();
        int f = privateFrame(vma, p);
        if (f < 0) {
            throw new IllegalStateException("device-private entry without a device frame at " + vma.name + "[" + p + "]");
        }
        if (bad.contains(f)) {
            toRamFail.inc(); // the device's copy engine reads bad data: the driver returns VM_FAULT_SIGBUS
            return m.memoryFailure().sigbus(mm, vma, p);
        }
        m.pending = 0;
        int nf = m.allocFrameFor(mm, cpuNode, Zonelist.NO_NODEMASK, cpu, cpuNode);
        long cost = m.pending;
        if (nf < 0) {
            toRamFail.inc(); // the OOM killer chose the faulting process: its exit gave the device page back
            return Math.max(1, cost);
        }
        int node = m.nodeOf(nf);
        replaceWithRam(vma, p, f, nf);
        toRam.inc();
        cost += costCall + costCopyFrom + m.hardeningAllocated(node, nf);
        return cost + m.loadCost(cpuNode, node);
    }

    /**
     * A RAM frame for a device page of {@code owner} that goes back to RAM on {@code cpu}'s behalf:
     * the driver's {@code alloc_page(GFP_HIGHUSER)} on that CPU's node, falling back along its
     * zonelist, with reclaim and, when nothing can be reclaimed, the OOM killer; -1 when the OOM
     * killer chose {@code owner} (its exit gave its device pages back). Reclaim time accumulates in
     * {@code m.pending}.
     */
    private int allocRam(MmStruct owner, int cpu) {
        int cpuNode = m.topology().cpuNode(cpu);
        return m.allocFrameFor(owner, cpuNode, Zonelist.NO_NODEMASK, cpu, cpuNode);
    }

    /**
     * migrate_device_coherent_folio: the DEVICE_COHERENT (or PUBLIC) page in frame {@code f},
     * about to be pinned, moves to a RAM frame ({@link #allocRam}); its translation is shot down.
     * Returns the new frame, -1 when none could be had (the pin then fails, as with -EBUSY). Runs
     * for a driver: charged to no thread; recorded in {@code migrate_vma_latency}.
     */
    int migrateCoherentToRam(int f, int cpu) {
        counters();
        VmArea vma = m.vmas[m.frames.rmapVma[f]];
        int p = m.frames.rmapIndex[f];
        long before = m.pending;
        m.pending = 0;
        int nf = allocRam(vma.mm, cpu);
        if (nf < 0) {
            m.pending = before;
            return -1;
        }
        long cost = m.pending + costCall + costCopyFrom + m.hardeningAllocated(m.nodeOf(nf), nf);
        cost += m.tlbs.flushTlbMmRange(cpu, vma.mm.pid, vma.startVpn + p, 1);
        replaceWithRam(vma, p, f, nf);
        m.pending = before;
        coherentMigrated.inc();
        latency.record(cost);
        return nf;
    }

    // ------------------------------------------------------------------ eviction, exit

    /**
     * The driver of device node {@code node} evicts its pages back to system RAM
     * (migrate_device_range + migrate_device_pages + migrate_device_finalize), every page it has
     * mapped, or only those of {@code only} when not null; in pfn order, on {@code cpu}. Returns
     * the call's simulated time (ns), recorded in {@code migrate_vma_latency}; charged to no thread.
     */
    long evict(int node, MmStruct only, int cpu) {
        PglistData n = m.nodes[node];
        return evict(node, n.startPfn, n.startPfn + n.spannedPages, only, cpu);
    }

    /** {@link #evict(int, MmStruct, int)} of the device pages in pfns [from, to) of node {@code node} only. */
    long evict(int node, int from, int to, MmStruct only, int cpu) {
        Zone z = zones[node];
        if (z == null) {
            throw new IllegalArgumentException("node" + node + " has no device memory");
        }
        counters();
        FrameTable t = m.frames;
        long cost = costCall;
        long before = m.pending;
        m.pending = 0;
        for (int f = from; f < to; f++) {
            if (!z.deviceAllocated(f) || t.rmapVma[f] == FrameTable.FREE) {
                continue; // in the pool, or the destination of a migrate_vma in flight
            }
            VmArea vma = m.vmas[t.rmapVma[f]];
            if (only != null && vma.mm != only) {
                continue;
            }
            int nf = allocRam(vma.mm, cpu);
            if (nf < 0) {
                evictFail.inc(); // the OOM killer took the page's owner: its pages are back in the pool
                continue;
            }
            cost += m.hardeningAllocated(m.nodeOf(nf), nf);
            int p = t.rmapIndex[f];
            if (z.deviceKind() != DeviceKind.PRIVATE) {
                cost += m.tlbs.flushTlbMmRange(cpu, vma.mm.pid, vma.startVpn + p, 1);
            }
            replaceWithRam(vma, p, f, nf);
            cost += costCopyFrom;
            evicted.inc();
        }
        cost += m.pending;
        m.pending = before;
        latency.record(cost);
        return cost;
    }

    /**
     * exit_mmap's part for device memory, before the generic walk: in-flight migrate_vma calls of
     * {@code victim} are aborted ({@link MigrateVma#abort}) and every device page it maps goes back
     * to its driver's pool (its PTE none, rss down).
     */
    void exitMmap(MmStruct victim) {
        if (!any) {
            return;
        }
        if (migrateVma != null) {
            migrateVma.abort(victim);
        }
        for (VmArea vma : victim.vmas) {
            int[] pte = vma.pte;
            for (int i = 0; i < pte.length; i++) {
                int e = pte[i];
                int f = Pte.isDevicePrivate(e) ? privateFrame(vma, i) : Pte.isPresent(e) && isDeviceFrame(Pte.frame(e)) ? Pte.frame(e) : -1;
                if (f >= 0) {
                    releaseMapped(vma, i, f);
                    victim.rss--;
                }
            }
        }
    }

    /**
     * zap_pte_range of page {@code i} of {@code vma} (munmap, MADV_DONTNEED): a device page behind
     * it — a DEVICE_PRIVATE entry or a present PTE to a coherent device frame — goes back to the
     * driver's pool and leaves the process's rss. True when there was one (the PTE is then none).
     */
    boolean zapDevicePage(VmArea vma, int i) {
        if (!any) {
            return false;
        }
        int e = vma.pte[i];
        int f = Pte.isDevicePrivate(e) ? privateFrame(vma, i) : Pte.isPresent(e) && isDeviceFrame(Pte.frame(e)) ? Pte.frame(e) : -1;
        if (f < 0) {
            return false;
        }
        releaseMapped(vma, i, f);
        vma.mm.rss--;
        return true;
    }

    // ------------------------------------------------------------------ invariants

    /** Registers the device zones' checks ({@link ZoneInvariants}) and {@code device.*}, when there is device memory. */
    void register(InvariantRegistry r) {
        if (!any) {
            return;
        }
        List<Zone> list = new ArrayList<>();
        for (Zone z : zones) {
            if (z != null) {
                list.add(z);
            }
        }
        ZoneInvariants.register(list, r);
        r.register(InvariantCheck.of("device.frames", v -> DeviceInvariants.frames(this, v)));
        r.register(InvariantCheck.of("device.migrate_vma", v -> DeviceInvariants.migrateVma(this, v)));
    }

    /** Per frame, whether an in-flight migrate_vma holds it isolated (unmapped, off its LRU); null when none is in flight. */
    boolean[] isolatedSources() {
        return migrationsInFlight() ? migrateVma.isolatedSources() : null;
    }

    /**
     * For {@link MmInvariants}: whether page {@code p} of {@code vma} holds a non-present entry
     * that stands for user frame {@code f} — a device-private entry of {@code f}, or a migration
     * entry of an in-flight migrate_vma whose source is {@code f}.
     */
    boolean entryStandsFor(VmArea vma, int p, int f) {
        int e = vma.pte[p];
        if (Pte.isDevicePrivate(e)) {
            return privateFrame(vma, p) == f;
        }
        return Pte.isMigration(e) && migrateVma != null && migrateVma.sourceOf(vma, p) == f;
    }

    /** For {@link MmInvariants}: the rss a non-present entry accounts for (device-private, in-flight migration of a page): 1 or 0. */
    int rssOf(VmArea vma, int p) {
        int e = vma.pte[p];
        if (Pte.isDevicePrivate(e)) {
            return 1;
        }
        return Pte.isMigration(e) && migrateVma != null && migrateVma.sourceOf(vma, p) >= 0 ? 1 : 0;
    }

    /** Whether the migration entry at page {@code p} of {@code vma} belongs to an in-flight migrate_vma. */
    boolean inFlightEntry(VmArea vma, int p) {
        return migrateVma != null && migrateVma.sourceOf(vma, p) >= 0;
    }

    /** Per frame, whether it is the not-yet-mapped destination of an in-flight migrate_vma; null when none is in flight. */
    boolean[] inFlightDestinations() {
        return migrationsInFlight() ? migrateVma.destinations() : null;
    }
}

package dev.ksim.engine.mm;

import dev.ksim.engine.cost.CostModel;
import dev.ksim.engine.invariant.InvariantRegistry;
import dev.ksim.engine.metrics.LatencyHistogram;
import dev.ksim.engine.metrics.LongCounter;
import dev.ksim.engine.metrics.MetricsRegistry;
import dev.ksim.engine.mm.tlb.TlbConfig;
import dev.ksim.engine.mm.tlb.TlbCosts;
import dev.ksim.engine.mm.tlb.TlbInvariants;
import dev.ksim.engine.mm.tlb.Tlbs;
import dev.ksim.engine.mm.zone.DeviceKind;
import dev.ksim.engine.mm.zone.MemMap;
import dev.ksim.engine.mm.zone.MigrateType;
import dev.ksim.engine.mm.zone.Watermarks;
import dev.ksim.engine.mm.zone.Zone;
import dev.ksim.engine.mm.zone.ZoneInvariants;
import dev.ksim.engine.mm.zone.ZoneType;
import dev.ksim.engine.mm.zone.Zonelist;
import dev.ksim.engine.model.MappingKind;
import dev.ksim.engine.model.ReclaimMode;
import dev.ksim.engine.model.VmSpec;
import dev.ksim.engine.run.PluginCrashException;
import dev.ksim.engine.sim.EventQueue;
import dev.ksim.engine.sim.SimulationClock;
import dev.ksim.spi.PluginKind;
import dev.ksim.spi.mm.MemoryView;
import dev.ksim.spi.mm.MigrationPolicy;
import dev.ksim.spi.mm.NodeMemory;
import dev.ksim.spi.security.SecurityHardening;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The memory-management mechanism: nodes with buddy zones over 4 KiB frames, processes with
 * anonymous private mappings, per-CPU TLBs, demand paging, LRU reclaim (kswapd and direct) to
 * swap or to the next memory tier, and the OOM killer.
 *
 * <p><b>Reference</b> ({@link #access}): the CPU's TLB is looked up first (an STLB hit costs
 * {@code tlb.stlb_hit}); on a miss the page table is walked ({@code tlb.walk}) and, if the PTE is
 * present, the TLB filled. A resident reference costs the node's load latency scaled by the NUMA
 * distance, and marks the page accessed: in {@code lru} mode the second reference to an inactive
 * page activates it ({@code mark_page_accessed}); in {@code strict-lru} mode the frame moves to
 * its list's head. With NUMA balancing on, a walk that finds the PTE PROT_NONE takes a NUMA
 * hinting fault first ({@link NumaBalancing}), which may migrate the page; a TLB hit never looks.
 * A reference served by another node than the CPU's counts {@code accesses_remote}.
 *
 * <p><b>Fault</b> on a non-present page ({@code pgfault}; {@code pgmajfault}, {@code pswpin} when
 * it was swapped out): the migration policy names a node ({@code placeFault}) and the page
 * allocator takes a frame along that node's {@link Zonelist} ({@code numa_miss} when it lands
 * elsewhere):
 * <ul>
 * <li>{@code lru}: get_page_from_freelist at the low watermark; failing that every kswapd of the
 *     zonelist not balanced is woken and the allocation retried at the min watermark; failing that
 *     the faulting thread reclaims directly ({@code allocstall}, {@link Vmscan}) and retries, up
 *     to {@value Vmscan#MAX_RECLAIM_RETRIES} times without success, then the OOM killer runs.</li>
 * <li>{@code strict-lru}: no watermarks; when no zone has a free frame the exact LRU tail of the
 *     policy's node is swapped out (direct reclaim of one page), then the OOM killer.</li>
 * </ul>
 * The OOM killer kills the live process with the largest resident set ({@code oom_kill}) and
 * frees its memory and TLB entries. The hardening plugin's hooks run at each user frame
 * allocation and free. Time spent reclaiming in the fault path is charged to the faulting thread;
 * kswapd's to kswapd.
 *
 * <p>Huge pages: an anonymous fault may map a 2 MiB transparent huge page ({@link Thp}; its slow
 * path may compact: {@link Compaction}); a {@code hugetlb} mapping's faults take pages from the node
 * pools ({@link Hugetlb}); khugepaged and kcompactd run on the event loop like kswapd.
 *
 * <p>Plugin calls are guarded: a {@link RuntimeException} from the policy or the hardening (or
 * an out-of-range node) becomes a {@link PluginCrashException} naming the plugin, thrown before
 * any state is left half-changed. Nothing on the access path allocates.
 */
public final class MemoryManager {
    /** Bytes per frame and per virtual page. */
    public static final long PAGE_SIZE = 4096;
    /** Upper bound on frames (all nodes together) and on pages per mapping: the int index space. */
    public static final long MAX_FRAMES = Integer.MAX_VALUE - 1024;
    /** Virtual pages left unmapped between two mappings of a process (a guard gap). */
    static final long VMA_GAP_PAGES = 1 << 9;

    private final NumaTopology topology;
    final ReclaimMode reclaimMode;
    final boolean strict;
    final VmSpec vm;
    final PglistData[] nodes;
    final FrameTable frames;
    final SwapDevice swap;
    final List<Zone> allZones = new ArrayList<>();
    final Zonelist zonelist;
    final Tlbs tlbs;
    final Vmscan vmscan;
    private final NumaMemoryView view;
    private final long[][] loadCost;
    final List<MmStruct> processes = new ArrayList<>();
    VmArea[] vmas = new VmArea[0];

    private final MigrationPolicy policy;
    private final String policyId;
    private final SecurityHardening hardening;
    private final String hardeningId;
    private final FaultInfo fault = new FaultInfo();
    /** Where the lazily built mechanisms below register their metrics (only runs that use them report them). */
    final MetricsRegistry metrics;
    /** The cost table, for the lazily built mechanisms. */
    final CostModel costs;
    /** Transparent huge pages, compaction and hugetlbfs pools (built with the manager; see their classes). */
    final Thp thp;
    final Compaction compaction;
    final Hugetlb hugetlb;
    private Gup gup;
    private Mlock mlock;
    private Migrate migrate;
    private MemoryFailure memoryFailure;
    /** Memory hot-add, onlining and offlining at a simulated time. */
    final MemoryHotplug hotplug;
    /** The settings the machine was built with (hotplug recomputes watermarks with them). */
    final MmSettings settings;
    /** ZONE_DEVICE memory of the nodes whose memory is device memory (none: {@link DeviceMemory#any} false). */
    final DeviceMemory device;
    /** Each node's device zone while the nodes are built, null for RAM nodes. */
    private Zone[] deviceZones;
    /** Automatic NUMA balancing ({@link NumaBalancing}); null when {@code kernel.numa_balancing} is 0. */
    final NumaBalancing numab;
    /** The reverse map: every walk from a frame to its PTEs goes through it. */
    final Rmap rmap;
    /** Page cache, files, writeback, shared and file-backed mappings, fork, munmap, mbind: {@link PageCache}. */
    final PageCache pageCache;
    /** Nodes an allocation of the current fault may use ({@link Mempolicy} bind), {@link Zonelist#NO_NODEMASK} = any. */
    long allocNodemask = Zonelist.NO_NODEMASK;
    /** The nodemask of the last {@link #faultNode}'s policy. */
    private long faultNodemask = Zonelist.NO_NODEMASK;

    private final long costMinorFault;
    private final long costMajorOverhead;
    private final long costSwapRead;
    final long costSwapWrite;
    final long costReclaimUnmap;
    final long costDemote;
    private final long costOomKill;
    private final long costStlbHit;
    private final long costWalk;

    private final LongCounter accesses;
    private final LongCounter accessesRemote;
    private final LongCounter pgfault;
    private final LongCounter pgmajfault;
    private final LongCounter pswpin;
    final LongCounter pswpout;
    private final LongCounter oomKill;
    private final LongCounter numaHit;
    private final LongCounter numaMiss;
    private final LongCounter numaForeign;
    private final LongCounter numaLocal;
    private final LongCounter numaOther;
    final LongCounter pgalloc;
    final LongCounter pgallocNormal;
    final LongCounter pgallocMovable;
    final LongCounter pgfree;
    final LatencyHistogram faultLatency;
    private final LatencyHistogram accessLatency;

    /** Time charged to the task currently in the fault path (reclaim, OOM, hardening hooks). */
    long pending;
    /** The address space whose fault is being handled, so the OOM path knows when it killed it. */
    private MmStruct faulting;
    /** Event queue and clock kswapd runs on; null until {@link #attach} (kswapd then never runs). */
    EventQueue queue;
    SimulationClock clock;

    /** A memory manager in the default reclaim mode ({@link ReclaimMode#DEFAULT}) with default tunables. */
    public MemoryManager(NumaTopology topology, NodeMemory[] nodeMemory, long swapSlots, CostModel costs,
                         MigrationPolicy policy, String policyId, SecurityHardening hardening, String hardeningId,
                         MetricsRegistry metrics) {
        this(topology, nodeMemory, swapSlots, costs, policy, policyId, hardening, hardeningId, metrics,
                MmSettings.of(ReclaimMode.DEFAULT));
    }

    /** A memory manager in reclaim mode {@code reclaim} with default tunables. */
    public MemoryManager(NumaTopology topology, NodeMemory[] nodeMemory, long swapSlots, CostModel costs,
                         MigrationPolicy policy, String policyId, SecurityHardening hardening, String hardeningId,
                         MetricsRegistry metrics, ReclaimMode reclaim) {
        this(topology, nodeMemory, swapSlots, costs, policy, policyId, hardening, hardeningId, metrics,
                MmSettings.of(reclaim));
    }

    /**
     * @param nodeMemory what each node's provider said, index = node id
     * @param swapSlots  4 KiB slots of the swap device (0 = no swap)
     * @param settings   reclaim mode, tunables, zone layout and explicit watermarks
     */
    public MemoryManager(NumaTopology topology, NodeMemory[] nodeMemory, long swapSlots, CostModel costs,
                         MigrationPolicy policy, String policyId, SecurityHardening hardening, String hardeningId,
                         MetricsRegistry metrics, MmSettings settings) {
        this.reclaimMode = settings.reclaim();
        this.strict = reclaimMode == ReclaimMode.STRICT_LRU;
        this.vm = settings.vm();
        if (nodeMemory.length != topology.nodeCount()) {
            throw new IllegalArgumentException(nodeMemory.length + " nodes described, topology has " + topology.nodeCount());
        }
        this.topology = topology;
        long total = 0;
        for (NodeMemory m : nodeMemory) {
            total += m.frames();
        }
        if (total > MAX_FRAMES) {
            throw new IllegalArgumentException("the machine has " + total + " frames; at most " + MAX_FRAMES + " are supported");
        }
        this.frames = new FrameTable((int) total, Lruvec.NR_LRU_LISTS * nodeMemory.length);
        this.rmap = new Rmap(this);
        this.nodes = new PglistData[nodeMemory.length];
        this.deviceZones = new Zone[nodeMemory.length];
        int start = 0;
        for (int i = 0; i < nodeMemory.length; i++) {
            NodeMemory m = nodeMemory[i];
            int count = (int) m.frames();
            nodes[i] = buildNode(i, start, count, m, topology.hasCpus(i), settings);
            start += count;
        }
        setupWatermarks(settings);
        if (strict) {
            for (PglistData n : nodes) {
                n.lruvec.strictOrder = new StrictLruOrder(n.startPfn, n.spannedPages);
            }
        }
        this.zonelist = new Zonelist(distances(topology), allZones, null);
        this.swap = new SwapDevice((int) Math.min(swapSlots, MAX_FRAMES));
        this.view = new NumaMemoryView(nodes, topology);
        this.loadCost = new long[nodes.length][nodes.length];
        for (int from = 0; from < nodes.length; from++) {
            for (int to = 0; to < nodes.length; to++) {
                // ACPI SLIT convention: distance 10 = local; a reference costs at least 1 ns so time advances
                loadCost[from][to] = Math.max(1, nodes[to].loadLatencyNs * topology.distance(from, to) / NumaTopology.LOCAL_DISTANCE);
            }
        }
        if (vm.demotion()) {
            for (PglistData n : nodes) {
                n.demotionTarget = demotionTarget(n.nodeId);
            }
        }
        this.policy = policy;
        this.policyId = policyId;
        this.hardening = hardening;
        this.hardeningId = hardeningId;

        costMinorFault = costs.get(CostModel.FAULT_MINOR_ANON);
        costMajorOverhead = costs.get(CostModel.FAULT_MAJOR_OVERHEAD);
        costSwapRead = costs.get(CostModel.SWAP_READ);
        costSwapWrite = costs.get(CostModel.SWAP_WRITE);
        costReclaimUnmap = costs.get(CostModel.RECLAIM_UNMAP);
        costDemote = costs.get(CostModel.DEMOTE_PAGE);
        costOomKill = costs.get(CostModel.OOM_KILL);
        costStlbHit = costs.get(CostModel.TLB_STLB_HIT);
        costWalk = costs.get(CostModel.TLB_WALK);
        this.tlbs = new Tlbs(Math.max(1, topology.cpuCount()), TlbConfig.defaults(), TlbCosts.of(costs), metrics);

        accesses = metrics.counter(MmMetrics.ACCESSES);
        for (String c : MmMetrics.NUMA_BALANCING_COUNTERS) {
            metrics.counter(c); // every run reports them, 0 without NUMA balancing
        }
        accessesRemote = metrics.counter(MmMetrics.ACCESSES_REMOTE);
        pgfault = metrics.counter(MmMetrics.PGFAULT);
        pgmajfault = metrics.counter(MmMetrics.PGMAJFAULT);
        pswpin = metrics.counter(MmMetrics.PSWPIN);
        pswpout = metrics.counter(MmMetrics.PSWPOUT);
        oomKill = metrics.counter(MmMetrics.OOM_KILL);
        numaHit = metrics.counter(MmMetrics.NUMA_HIT);
        numaMiss = metrics.counter(MmMetrics.NUMA_MISS);
        numaForeign = metrics.counter(MmMetrics.NUMA_FOREIGN);
        numaLocal = metrics.counter(MmMetrics.NUMA_LOCAL);
        numaOther = metrics.counter(MmMetrics.NUMA_OTHER);
        pgalloc = metrics.counter(MmMetrics.PGALLOC);
        pgallocNormal = metrics.counter(MmMetrics.PGALLOC_NORMAL);
        pgallocMovable = metrics.counter(MmMetrics.PGALLOC_MOVABLE);
        pgfree = metrics.counter(MmMetrics.PGFREE);
        faultLatency = metrics.histogram(MmMetrics.FAULT_LATENCY);
        accessLatency = metrics.histogram(MmMetrics.ACCESS_LATENCY);
        this.vmscan = new Vmscan(this, metrics);
        this.device = new DeviceMemory(this, deviceZones, metrics, costs);
        this.deviceZones = null;
        this.settings = settings;
        this.hotplug = new MemoryHotplug(this, settings, metrics);
        this.metrics = metrics;
        this.costs = costs;
        this.pageCache = new PageCache(this, metrics, costs);
        for (PglistData n : nodes) {
            final PglistData node = n;
            n.kswapd = new Kswapd(this, node, kswapdCpu(n.nodeId));
            metrics.gauge(MmMetrics.nodeMetric(n.nodeId, MmMetrics.NR_FREE_PAGES), node::nrFreePages);
            for (int l = 0; l < Lruvec.NR_LRU_LISTS; l++) {
                final int lru = l;
                metrics.gauge(MmMetrics.nodeMetric(n.nodeId, Lruvec.NAMES[l]), () -> node.lruvec.nr[lru]);
            }
            metrics.gauge(MmMetrics.nodeMetric(n.nodeId, MmMetrics.UNUSABLE_INDEX),
                    () -> node.unusableFreeIndex(MemMap.PAGEBLOCK_ORDER));
        }
        this.numab = vm.numaBalancing().mode() == dev.ksim.engine.model.NumaBalancingSpec.Mode.OFF ? null
                : new NumaBalancing(this, vm.numaBalancing(), metrics);
        this.thp = new Thp(this, settings.largePages(), metrics);
        this.compaction = new Compaction(this, settings.largePages().extfragThreshold(), metrics);
        this.hugetlb = new Hugetlb(this, settings, metrics);
    }

    /**
     * The node's memmap, zones (ZONE_NORMAL below, ZONE_MOVABLE on top) and free memory, onlined at
     * boot; for device memory ({@link DeviceMemory#kindOf}) one ZONE_DEVICE zone instead, its
     * frames memremap'd into the driver pool.
     */
    private PglistData buildNode(int id, int start, int count, NodeMemory m, boolean hasCpus, MmSettings settings) {
        MemMap map = new MemMap(start, count, frames.next, frames.prev, 0);
        DeviceKind kind;
        try {
            kind = DeviceMemory.kindOf(settings.deviceKind(id), m.cpuAccessible());
        } catch (IllegalArgumentException x) {
            throw new IllegalArgumentException("node" + id + ": " + x.getMessage(), x);
        }
        // hot-pluggable memory at the top of the node stays absent until a timed add_memory (MemoryHotplug)
        int end = MemoryHotplug.bootEnd(start, count, settings.hotplug(id));
        boolean hot = end < start + count;
        if (kind != null) {
            Zone dev = Zone.device(map, id, kind);
            if (end > start) {
                map.addMemory(start, end - start);
                dev.memremapPages(start, end - start);
            }
            deviceZones[id] = dev;
            return new PglistData(id, start, count, m.loadLatencyNs(), m.tier(), m.cpuAccessible(), hasCpus, frames, map, List.of());
        }
        if (end > start) {
            map.addMemory(start, end - start);
        }
        long movable = Math.min(end - start, Math.max(0, settings.movable(id)));
        int boundary = end;
        if (movable > 0) {
            boundary = Math.max(start, (int) (end - movable) & ~(MemMap.PAGEBLOCK_NR_PAGES - 1));
        }
        List<Zone> zones = new ArrayList<>(2);
        if (boundary > start || hot) { // a node with hot-pluggable memory has both zones, empty until onlined
            Zone normal = Zone.normal(map, id);
            if (boundary > start) {
                normal.onlinePages(start, boundary - start);
            }
            zones.add(normal);
        }
        if (boundary < end || hot) {
            Zone mov = Zone.movable(map, id);
            if (boundary < end) {
                mov.onlinePages(boundary, end - boundary);
            }
            zones.add(mov);
        }
        allZones.addAll(zones);
        return new PglistData(id, start, count, m.loadLatencyNs(), m.tier(), m.cpuAccessible(), hasCpus, frames, map, zones);
    }

    /** setup_per_zone_wmarks at boot (and after onlining or offlining), then the explicit ZONE_NORMAL marks of the settings. */
    void setupWatermarks(MmSettings settings) {
        if (vm.minFreeKbytes() == VmSpec.KERNEL_DEFAULT) {
            long lowmem = 0;
            for (Zone z : allZones) {
                if (z.type() == ZoneType.NORMAL) {
                    lowmem += z.managedPages();
                }
            }
            Watermarks.setupPerZoneWmarks(allZones, Watermarks.defaultMinFreeKbytes(lowmem * 4), vm.watermarkScaleFactor());
        } else {
            Watermarks.setupPerZoneWmarks(allZones, vm.minFreeKbytes(), vm.watermarkScaleFactor());
        }
        for (PglistData n : nodes) {
            Watermarks w = settings.watermarks(n.nodeId);
            if (w != null) {
                for (Zone z : n.zones) {
                    if (z.type() == ZoneType.NORMAL) {
                        z.setWatermarks(w);
                    }
                }
            }
        }
    }

    private static int[][] distances(NumaTopology t) {
        int n = t.nodeCount();
        int[][] d = new int[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                d[i][j] = t.distance(i, j);
            }
        }
        return d;
    }

    /** next_demotion_node: the nearest node (then lowest tier, then id) whose tier value is larger. */
    private int demotionTarget(int node) {
        int best = -1;
        for (PglistData n : nodes) {
            if (n.tier <= nodes[node].tier) {
                continue;
            }
            if (best < 0) {
                best = n.nodeId;
                continue;
            }
            int d = topology.distance(node, n.nodeId);
            int bd = topology.distance(node, best);
            if (d < bd || d == bd && n.tier < nodes[best].tier) {
                best = n.nodeId;
            }
        }
        return best;
    }

    /** The CPU kswapd of {@code node} runs on: the node's first CPU, else CPU 0 (a memory-only node). */
    int kswapdCpu(int node) {
        for (int c = 0; c < topology.cpuCount(); c++) {
            if (topology.cpuNode(c) == node) {
                return c;
            }
        }
        return 0;
    }

    /**
     * Lets kswapd run as an event source on {@code queue} (a run calls this once, before the loop);
     * attaching to another loop puts every kswapd to sleep, its time at that clock's.
     */
    public void attach(EventQueue queue, SimulationClock clock) {
        this.queue = queue;
        this.clock = clock;
        for (PglistData n : nodes) {
            n.kswapd.reset(clock.nowNs());
        }
        if (numab != null) {
            numab.attached();
        }
        compaction.attach(clock.nowNs());
        thp.attach();
        pageCache.writeback.attach();
    }

    /** Creates a process (pid = creation order + 1) with one anonymous mapping per entry of {@code pages}. */
    public MmStruct createProcess(String name, String[] mappingNames, long[] pages) {
        MappingKind[] kinds = new MappingKind[pages.length];
        java.util.Arrays.fill(kinds, MappingKind.ANON);
        return createProcess(name, mappingNames, pages, kinds);
    }

    /** Creates a process (pid = creation order + 1) with one mapping of kind {@code kinds[i]} per entry of {@code pages}. */
    public MmStruct createProcess(String name, String[] mappingNames, long[] pages, MappingKind[] kinds) {
        MmStruct mm = new MmStruct(processes.size() + 1, name);
        VmArea[] own = new VmArea[pages.length];
        long vpn = VMA_GAP_PAGES;
        for (int i = 0; i < pages.length; i++) {
            if (pages[i] < 1 || pages[i] > MAX_FRAMES) {
                throw new IllegalArgumentException("mapping '" + mappingNames[i] + "' of " + name + " has " + pages[i] + " pages");
            }
            long n = pages[i];
            if (kinds[i] == MappingKind.HUGETLB) {
                if (strict) {
                    throw new IllegalArgumentException("mapping '" + mappingNames[i] + "' of " + name
                            + ": hugetlb mappings need reclaim 'lru' (strict-lru simulates 4 KiB pages only)");
                }
                n = (n + Thp.HPAGE_PMD_NR - 1) & Thp.HPAGE_MASK; // mmap rounds MAP_HUGETLB lengths up to the huge page size
            }
            if (n >= Thp.HPAGE_PMD_NR || kinds[i] == MappingKind.HUGETLB) {
                vpn = (vpn + Thp.HPAGE_PMD_NR - 1) & Thp.HPAGE_MASK; // thp_get_unmapped_area: 2 MiB-aligned start
            }
            VmArea vma = new VmArea(vmas.length, mm, i, mappingNames[i], (int) n, vpn, kinds[i]);
            vpn += n + VMA_GAP_PAGES;
            addVma(vma, null);
            own[i] = vma;
            if (kinds[i] == MappingKind.HUGETLB) {
                hugetlb.reserve(vma);
            }
        }
        mm.vmas = own;
        processes.add(mm);
        if (numab != null) {
            numab.processCreated(mm);
        }
        return mm;
    }

    /**
     * Creates a process whose mapping i is of kind {@code kinds[i]} and, for a file-backed or named
     * shmem mapping, maps the file {@code files[i]} (null otherwise); see {@link PageCache#mmap}.
     */
    public MmStruct createProcess(String name, String[] mappingNames, long[] pages, MappingKind[] kinds, String[] files) {
        MmStruct mm = createProcess(name, mappingNames, pages, kinds);
        for (int i = 0; i < mm.vmas.length; i++) {
            pageCache.mmap(mm.vmas[i], files == null ? null : files[i]);
        }
        return mm;
    }

    /** Registers a new VMA under its global id, in anonymous family {@code family} (null: a family of its own). */
    void addVma(VmArea vma, AnonVma family) {
        vmas = java.util.Arrays.copyOf(vmas, vmas.length + 1);
        vmas[vma.id] = vma;
        if (family == null) {
            vma.anon = new AnonVma(vma);
        } else {
            vma.anon = family;
            family.add(vma);
        }
    }

    /** A thread of {@code mm} runs on {@code cpu}: the CPU switches to the mm and joins its cpumask (switch_mm). */
    public void addCpu(MmStruct mm, int cpu) {
        tlbs.switchMm(cpu, mm.pid);
        if (numab != null) {
            numab.threadStarted(mm, cpu);
        }
    }

    /** A thread of {@code mm} on {@code cpu} exited (NUMA balancing scans a process only while it has live threads). */
    public void threadExited(MmStruct mm, int cpu) {
        if (numab != null) {
            numab.threadExited(mm, cpu);
        }
    }

    /**
     * Mapping {@code vmaIndex} of {@code mm} has an explicit memory policy (mbind/set_mempolicy
     * without MPOL_F_NUMA_BALANCING): NUMA balancing leaves it alone. Placement is unchanged.
     */
    public void setExplicitPolicy(MmStruct mm, int vmaIndex) {
        mm.vmas[vmaIndex].explicitPolicy = true;
    }

    /** Page {@code idx} of {@code vma} no longer maps a page: NUMA balancing's state of it goes ({@link NumaBalancing#unmapped}). */
    void numaUnmapped(VmArea vma, int idx) {
        NumaBalancing.unmapped(vma, idx);
    }

    /**
     * Every mapper the last reverse-map walk found ({@link Rmap#vma}, {@link Rmap#index}) now maps
     * a page that moved from node {@code from} to {@code to}; see {@link #numaMoved}. Nothing
     * without NUMA balancing.
     */
    void numaMovedMappers(int from, int to) {
        if (numab == null) {
            return;
        }
        for (int k = 0, n = rmap.count(); k < n; k++) {
            numab.moved(rmap.vma(k), rmap.index(k), from, to);
        }
    }

    /** Page {@code idx} of {@code vma} moved from node {@code from} to {@code to} ({@link NumaBalancing#moved}). */
    void numaMoved(VmArea vma, int idx, int from, int to) {
        if (numab != null) {
            numab.moved(vma, idx, from, to);
        }
    }

    /**
     * Kernel time owed by the thread running on {@code cpu}, handed over once: the handlers of the
     * TLB-shootdown IPIs the CPU received since the last call ({@link Tlbs#takeInterruptNs}) and the
     * NUMA-balancing scans run there for its task ({@link NumaBalancing}). The thread absorbs it
     * before its next reference ({@link dev.ksim.engine.task.SimThread}).
     */
    public long takeCpuTime(int cpu) {
        long ns = tlbs.takeInterruptNs(cpu);
        return numab == null ? ns : ns + numab.takeTaskWorkNs(cpu);
    }

    /** The read-only view given to policies. */
    public MemoryView view() {
        return view;
    }

    public NumaTopology topology() {
        return topology;
    }

    /** How reclaim picks its victims. */
    public ReclaimMode reclaimMode() {
        return reclaimMode;
    }

    public PglistData node(int id) {
        return nodes[id];
    }

    public int nodeCount() {
        return nodes.length;
    }

    public SwapDevice swap() {
        return swap;
    }

    /** The machine's TLBs. */
    public Tlbs tlbs() {
        return tlbs;
    }

    /** Every buddy zone of the machine, by node. */
    public List<Zone> zones() {
        return List.copyOf(allZones);
    }

    public List<MmStruct> processes() {
        return List.copyOf(processes);
    }

    /**
     * One reference by a thread of {@code mm} on {@code cpu} to virtual page {@code page} of
     * mapping {@code vmaIndex}. Returns the simulated time it costs the thread (ns, at least 1).
     * Afterwards {@code mm.oomKilled()} may be true: the thread must stop.
     */
    public long access(MmStruct mm, int vmaIndex, long page, int cpu) {
        return access(mm, vmaIndex, page, cpu, false);
    }

    /**
     * As {@link #access(MmStruct, int, long, int)}, a store when {@code write}: a store to a
     * write-protected page takes a write-protect fault first ({@link WpFault}: copy-on-write after
     * fork or of a private file page, dirtying a shared file page).
     */
    public long access(MmStruct mm, int vmaIndex, long page, int cpu, boolean write) {
        VmArea vma = mm.vmas[vmaIndex];
        int p = (int) page;
        long vpn = vma.startVpn + p;
        int cpuNode = topology.cpuNode(cpu);
        accesses.inc();
        long cost;
        int f = tlbs.lookup(cpu, mm.pid, vpn);
        if (f >= 0) {
            cost = tlbs.lastLookupLevel() == Tlbs.LEVEL_STLB ? costStlbHit : 0;
        } else {
            int e = vma.pte[p];
            if (!Pte.isPresent(e)) {
                cost = handleFault(mm, vma, p, e, cpu, cpuNode, write);
                accessLatency.record(cost);
                return cost;
            }
            f = Pte.frame(e);
            cost = costWalk;
            long[] protNone = vma.protNone;
            if (protNone != null && (protNone[p >>> 6] & 1L << p) != 0) {
                f = numab.doNumaPage(mm, vma, p, f, cpu, cpuNode); // a NUMA hinting fault
                cost += numab.lastFaultNs;
            }
            fillTlb(cpu, mm.pid, vpn, f);
        }
        if (write && vma.isRdonly(p)) {
            cost += pageCache.wp.fault(mm, vma, p, f, cpu, cpuNode);
            accessLatency.record(cost);
            return cost;
        }
        int node = nodeOf(f);
        if (node != cpuNode) {
            accessesRemote.inc();
        }
        reference(nodes[node], f);
        cost += loadCost[cpuNode][node];
        accessLatency.record(cost);
        return cost;
    }

    /** The page walk's TLB fill, right after {@code tlbs.lookup} of the same translation missed. */
    void fillTlb(int cpu, int mm, long vpn, int f) {
        if (!tlbs.cpumaskTest(mm, cpu)) {
            tlbs.switchMm(cpu, mm); // a CPU referencing an mm runs it
        }
        tlbs.fillAfterMiss(cpu, mm, vpn, f);
    }

    /** A reference to user frame {@code f} outside the access fast path: {@code strict-lru} records it as the most recent, {@code lru} marks it accessed. */
    void referencePage(int f) {
        reference(nodes[nodeOf(f)], f);
    }

    /** A reference to frame {@code f} of node {@code n}: {@code strict-lru} recency, or mark_page_accessed. */
    private void reference(PglistData n, int f) {
        if (strict) {
            n.lruvec.touch(f);
        } else {
            markPageAccessed(n, f);
        }
    }

    /**
     * mark_page_accessed: the first reference sets PG_referenced; a second one while the page is
     * inactive (and evictable, on an LRU) activates it ({@code pgactivate}).
     */
    void markPageAccessed(PglistData n, int f) {
        byte[] flags = frames.flags;
        int b = flags[f];
        if (b < 0) { // PG_compound: the folio's flags are its head's
            f &= Thp.HPAGE_MASK;
            b = flags[f];
        }
        if ((b & PageFlags.PG_REFERENCED) == 0) {
            flags[f] = (byte) (b | PageFlags.PG_REFERENCED);
        } else if ((b & (PageFlags.PG_ACTIVE | PageFlags.PG_UNEVICTABLE | PageFlags.PG_LRU)) == PageFlags.PG_LRU) {
            int lru = Lruvec.lruOf(b);
            n.lruvec.move(f, lru + 1);
            frames.flags[f] &= (byte) ~PageFlags.PG_REFERENCED;
            vmscan.pgactivate.inc();
        }
    }

    LongCounter pswpinCounter() {
        return pswpin;
    }

    long costSwapReadNs() {
        return costSwapRead;
    }

    /** What a reference from a CPU of node {@code cpuNode} to a frame of {@code node} costs (ns). */
    long loadCost(int cpuNode, int node) {
        return loadCost[cpuNode][node];
    }

    /** Node of global frame {@code f}: nodes are contiguous in pfn order and few. */
    int nodeOf(int f) {
        PglistData[] ns = nodes;
        for (int i = ns.length - 1; i > 0; i--) {
            if (f >= ns[i].startPfn) {
                return i;
            }
        }
        return 0;
    }

    private long handleFault(MmStruct mm, VmArea vma, int p, int e, int cpu, int cpuNode, boolean write) {
        pgfault.inc();
        if (Pte.isHwpoison(e)) {
            return memoryFailure().sigbus(mm, vma, p); // VM_FAULT_HWPOISON: the process gets SIGBUS
        }
        if (Pte.isMigration(e) || Pte.isDevicePrivate(e)) {
            long c = device.fault(mm, vma, p, e, cpu, cpuNode); // migration_entry_wait, migrate_to_ram
            faultLatency.record(c);
            return c;
        }
        if (e == Pte.NONE && (vma.owner != null || vma.isHole(p))) {
            return pageCache.faults.fault(mm, vma, p, cpu, cpuNode, write); // file, shmem, pfnmap, or a hole
        }
        pending = 0;
        int preferred = faultNode(mm, vma, p, cpu, cpuNode);
        if (vma.kind == MappingKind.HUGETLB || thp.wantsFault(vma, p, e)) {
            faulting = mm;
            fault.cpu = cpu;
            int hf = vma.kind == MappingKind.HUGETLB ? hugetlb.fault(mm, vma, p, preferred) : thp.fault(mm, vma, p, preferred, cpu, cpuNode);
            faulting = null;
            if (hf != Thp.FALLBACK) {
                long cost = pending;
                if (hf >= 0) {
                    fillTlb(cpu, mm.pid, vma.startVpn + p, hf);
                    cost += loadCost[cpuNode][nodeOf(hf)];
                }
                faultLatency.record(cost);
                return Math.max(1, cost);
            }
        }
        int f = allocFrameFor(mm, preferred, faultNodemask, cpu, cpuNode);
        if (f < 0) {
            // the OOM killer chose the faulting process itself: the fault is abandoned
            faultLatency.record(pending);
            return Math.max(1, pending);
        }
        long cost = pending;
        if (Pte.isSwap(e)) {
            swap.free(Pte.slot(e));
            mm.swapents--;
            pgmajfault.inc();
            pswpin.inc();
            cost += costMajorOverhead + costSwapRead;
        } else {
            cost += costMinorFault;
        }
        int node = nodeOf(f);
        vma.pte[p] = Pte.present(f);
        vma.setRdonly(p, false); // a new or swapped-in page is the process's own (ksim has no swap cache to share it through)
        frames.rmapVma[f] = vma.id;
        frames.rmapIndex[f] = p;
        frames.flags[f] = (byte) PageFlags.PG_SWAPBACKED;
        nodes[node].lruvec.add(f, Lruvec.LRU_INACTIVE_ANON);
        mm.rss++;
        thp.notePteFault(vma, p);
        fillTlb(cpu, mm.pid, vma.startVpn + p, f);
        cost += hardeningAllocated(node, f);
        cost += loadCost[cpuNode][node];
        if (node != cpuNode) {
            accessesRemote.inc();
        }
        faultLatency.record(cost);
        return cost;
    }

    /**
     * The frame a fault of page {@code p} of {@code vma} gets: the node comes from the range's
     * mbind policy ({@link Mempolicy}) if it has one, else from the migration policy plugin; then
     * {@link #allocUserFrame}. Sets {@link #pending} to the time spent reclaiming; -1 when the OOM
     * killer killed {@code mm}. The frame is off every list and owned by nobody yet.
     */
    int allocFaultFrame(MmStruct mm, VmArea vma, int p, int cpu, int cpuNode) {
        pending = 0;
        int preferred = faultNode(mm, vma, p, cpu, cpuNode);
        return allocFrameFor(mm, preferred, faultNodemask, cpu, cpuNode);
    }

    /**
     * The node a fault of page {@code p} of {@code vma} prefers: the range's mbind policy
     * ({@link Mempolicy}) if it has one, else the migration policy plugin's choice; the policy's
     * nodemask (or {@link Zonelist#NO_NODEMASK}) is left in {@link #faultNodemask}.
     */
    int faultNode(MmStruct mm, VmArea vma, int p, int cpu, int cpuNode) {
        int preferred;
        long nodemask = Zonelist.NO_NODEMASK;
        // mbind applies to anonymous and shmem pages; file pages come from the page cache, placed as the task's (Linux: page_cache_alloc)
        Mempolicy.Range pol = vma.policy == null || vma.owner != null && !vma.owner.swapBacked() ? null : vma.policy.lookup(p);
        if (pol != null) {
            preferred = pol.node(p, cpuNode);
            nodemask = pol.allocNodemask();
        } else {
            fault.cpu = cpu;
            fault.cpuNode = cpuNode;
            fault.pid = mm.pid;
            fault.mapping = vma.index;
            fault.pageOffset = p;
            try {
                preferred = policy.placeFault(fault, view);
            } catch (PluginCrashException x) {
                throw x;
            } catch (RuntimeException x) {
                throw new PluginCrashException(PluginKind.MIGRATION_POLICY, policyId, "placeFault", x);
            }
            if (preferred < 0 || preferred >= nodes.length) {
                throw new PluginCrashException(PluginKind.MIGRATION_POLICY, policyId,
                        "placeFault returned node " + preferred + ", outside [0, " + nodes.length + ")", null);
            }
        }
        faultNodemask = nodemask;
        return preferred;
    }

    /**
     * A user frame for {@code mm} on {@code preferred} (restricted to {@code nodemask}, 0 = any),
     * allocated on {@code mm}'s behalf with reclaim and the OOM killer behind it; -1 when the OOM
     * killer killed {@code mm}. Adds the time spent reclaiming to {@link #pending}.
     */
    int allocFrameFor(MmStruct mm, int preferred, long nodemask, int cpu, int cpuNode) {
        MmStruct outer = faulting;
        long pendingBefore = pending;
        pending = 0;
        faulting = mm;
        fault.cpu = cpu;
        allocNodemask = nodemask;
        int f;
        try {
            f = allocUserFrame(preferred, cpuNode);
        } finally {
            allocNodemask = Zonelist.NO_NODEMASK;
            faulting = outer;
        }
        pending += pendingBefore;
        return f;
    }

    /**
     * A free frame for user memory, preferring {@code preferred} (see the class comment for the
     * slow path of each mode). Returns -1 when the OOM killer killed the faulting process.
     * Counts pgalloc, pgalloc_normal/movable and the numa_* statistics.
     */
    private int allocUserFrame(int preferred, int cpuNode) {
        int f;
        if (strict) {
            while ((f = zonelist.allocPages(preferred, 0, MigrateType.MIGRATE_MOVABLE, allocNodemask,
                    Watermarks.ALLOC_NO_WATERMARKS)) < 0) {
                if (!vmscan.reclaimStrict(nodes[preferred], fault.cpu)) {
                    outOfMemory();
                    if (faulting.oomKilled) {
                        return -1;
                    }
                }
            }
        } else {
            f = zonelist.allocPages(preferred, 0, MigrateType.MIGRATE_MOVABLE, allocNodemask, Watermarks.WMARK_LOW);
            if (f < 0) {
                f = allocSlowpath(preferred);
                if (f < 0) {
                    return -1;
                }
            }
        }
        countAlloc(f, zonelist.lastNode(), preferred, cpuNode);
        return f;
    }

    /** __alloc_pages_slowpath for an order-0 GFP_HIGHUSER_MOVABLE allocation. */
    private int allocSlowpath(int preferred) {
        int retries = 0;
        while (true) {
            wakeAllKswapds();
            int f = zonelist.allocPages(preferred, 0, MigrateType.MIGRATE_MOVABLE, allocNodemask, Watermarks.WMARK_MIN);
            if (f >= 0) {
                return f;
            }
            boolean progress = vmscan.tryToFreePages(preferred, fault.cpu);
            if (!progress && pageCache.writeback.throttleReclaim()) {
                continue; // reclaim_throttle(VMSCAN_THROTTLE_WRITEBACK): pages under writeback become reclaimable when written
            }
            // should_reclaim_retry: no progress, or MAX_RECLAIM_RETRIES rounds that did not get a page, end in OOM
            if (!progress || ++retries > Vmscan.MAX_RECLAIM_RETRIES) {
                retries = 0;
                outOfMemory();
                if (faulting.oomKilled) {
                    return -1;
                }
            }
        }
    }

    /** wake_all_kswapds: wakes the kswapd of every node in the zonelist (all but isolated nodes) that is not balanced. */
    private void wakeAllKswapds() {
        for (PglistData n : nodes) {
            if (!zonelist.isolated(n.nodeId) && !n.balanced()) {
                n.kswapd.wakeup();
            }
        }
    }

    void countAlloc(int f, int got, int preferred, int cpuNode) {
        pgalloc.inc();
        Zone z = nodes[got].memMap.zoneOf(f);
        if (z.type() == ZoneType.MOVABLE) {
            pgallocMovable.inc();
        } else {
            pgallocNormal.inc();
        }
        if (preferred < 0) {
            return;
        }
        if (got == preferred) {
            numaHit.inc();
            nodes[got].numaHit++;
        } else {
            numaMiss.inc();
            numaForeign.inc();
            nodes[got].numaMiss++;
            nodes[preferred].numaForeign++;
        }
        if (got == cpuNode) {
            numaLocal.inc();
            nodes[got].numaLocal++;
        } else {
            numaOther.inc();
            nodes[got].numaOther++;
        }
    }

    /** Kills the live process with the largest resident set (ties: lowest pid), freeing its memory. */
    private void outOfMemory() {
        MmStruct victim = null;
        for (MmStruct mm : processes) {
            if (!mm.oomKilled && mm.rss > 0 && (victim == null || mm.rss > victim.rss)) {
                victim = mm;
            }
        }
        if (victim == null) {
            throw new IllegalStateException("out of memory with no process to kill");
        }
        oomKill.inc();
        pending += costOomKill;
        victim.oomKilled = true;
        exitMmap(victim);
    }

    /**
     * exit_mmap of a killed process: frees its frames and swap slots, clears its page tables
     * (hwpoison entries included) and TLB entries. Pins the process held on its own pages are
     * released with it (the pinning driver's file is closed at exit); mlock goes with the mapping.
     */
    void exitMmap(MmStruct victim) {
        device.exitMmap(victim);
        for (VmArea vma : victim.vmas) {
            if (vma.kind == MappingKind.HUGETLB) {
                hugetlb.exitVma(vma);
                continue;
            }
            thp.exitVma(victim, vma);
            pageCache.unmap.zapRange(vma, 0, vma.pte.length);
            pageCache.unmap.detach(vma);
        }
        tlbs.mmExit(victim.pid);
        if (numab != null) {
            numab.exitMmap(victim);
        }
    }

    /**
     * Faults virtual page {@code p} of {@code vma} in for a get_user_pages caller on {@code cpu}
     * (GUP's handle_mm_fault: pgfault and fault_latency count it). Returns the fault's cost, 0 when
     * the page is already present. Afterwards the page may still be absent: the process was killed
     * (OOM, or SIGBUS on a poisoned page).
     */
    long faultIn(MmStruct mm, VmArea vma, int p, int cpu) {
        return faultIn(mm, vma, p, cpu, false);
    }

    /** As {@link #faultIn(MmStruct, VmArea, int, int)}; with {@code write}, a write-protected page is also unshared (FOLL_WRITE). */
    long faultIn(MmStruct mm, VmArea vma, int p, int cpu, boolean write) {
        int e = vma.pte[p];
        if (mm.killed()) {
            return 0;
        }
        if (Pte.isPresent(e)) {
            if (write && vma.isRdonly(p)) {
                return pageCache.wp.fault(mm, vma, p, Pte.frame(e), cpu, topology.cpuNode(cpu));
            }
            return 0;
        }
        return handleFault(mm, vma, p, e, cpu, topology.cpuNode(cpu), write);
    }

    // ------------------------------------------------------------------ GUP, mlock, migration, memory failure

    Gup gup() {
        if (gup == null) {
            gup = new Gup(this);
        }
        return gup;
    }

    Mlock mlockOps() {
        if (mlock == null) {
            mlock = new Mlock(this, metrics);
        }
        return mlock;
    }

    Migrate migrate() {
        if (migrate == null) {
            migrate = new Migrate(this, metrics);
        }
        return migrate;
    }

    MemoryFailure memoryFailure() {
        if (memoryFailure == null) {
            memoryFailure = new MemoryFailure(this, metrics);
        }
        return memoryFailure;
    }

    /**
     * pin_user_pages(FOLL_PIN | FOLL_WRITE) of pages [from, from + n) of mapping {@code vmaIndex},
     * faulting absent ones in on {@code cpu}; see {@link Gup#pinUserPages}.
     */
    public int pinUserPages(MmStruct mm, int vmaIndex, long from, int n, int cpu, int[] pages) {
        return gup().pinUserPages(mm, vmaIndex, from, n, cpu, pages);
    }

    /**
     * get_user_pages_fast(addr, 1, 0) + put_page, as madvise(MADV_HWPOISON / MADV_SOFT_OFFLINE)
     * uses it: faults page {@code page} of mapping {@code vmaIndex} in for reading (no FOLL_WRITE:
     * a file page is not dirtied, a copy-on-write page not copied) and returns its frame; -1 when the
     * page holds a hwpoison entry or the process died faulting it in.
     */
    public int getUserPage(MmStruct mm, int vmaIndex, long page, int cpu) {
        VmArea vma = Mlock.range(mm, vmaIndex, page, 1);
        int p = (int) page;
        if (Pte.isHwpoison(vma.pte[p])) {
            return -1;
        }
        faultIn(mm, vma, p, cpu, false);
        int e = vma.pte[p];
        return Pte.isPresent(e) ? Pte.frame(e) : -1;
    }

    /** unpin_user_pages of the first {@code n} frames of {@code pages}; see {@link Gup#unpinUserPages}. */
    public void unpinUserPages(int[] pages, int n) {
        gup().unpinUserPages(pages, n);
    }

    /** mlock of pages [from, from + n) of mapping {@code vmaIndex}; see {@link Mlock#mlock}. Returns its cost (ns). */
    public long mlock(MmStruct mm, int vmaIndex, long from, long n, int cpu) {
        return mlockOps().mlock(mm, vmaIndex, from, n, cpu);
    }

    /** munlock of pages [from, from + n) of mapping {@code vmaIndex}; see {@link Mlock#munlock}. */
    public void munlock(MmStruct mm, int vmaIndex, long from, long n) {
        mlockOps().munlock(mm, vmaIndex, from, n);
    }

    /** move_pages(2) on behalf of a thread of {@code pid} on {@code cpu}; see {@link Migrate#movePages}. Returns its cost (ns). */
    public long movePages(int pid, long[] pages, int[] toNodes, int[] status, int cpu) {
        return migrate().movePages(pid, pages, toNodes, status, cpu);
    }

    /**
     * migrate_vma by the driver of device node {@code node}: pages [from, from + n) of mapping
     * {@code vmaIndex} of {@code mm} into device memory, every {@code skipEvery}-th collected page
     * skipped (0: none), on {@code cpu}; see {@link MigrateVma}. Returns the call's duration (ns),
     * setup to finalize; it is charged to no thread.
     */
    public long migrateVma(MmStruct mm, int vmaIndex, long from, long n, int node, int skipEvery, int cpu) {
        return device.migrateVma().migrate(mm, vmaIndex, from, n, node, skipEvery, cpu);
    }

    /**
     * The driver of device node {@code node} evicts its pages back to system RAM — all of them, or
     * those of {@code only} when not null — on {@code cpu}; see {@link DeviceMemory#evict}. Returns its cost (ns).
     */
    public long evictDevicePages(int node, MmStruct only, int cpu) {
        return device.evict(node, only, cpu);
    }

    /**
     * The frame behind page {@code page} of mapping {@code vmaIndex} of {@code mm} without faulting:
     * the present frame, or the device frame of a device-private entry; -1 for anything else.
     */
    public int frameBehind(MmStruct mm, int vmaIndex, long page) {
        VmArea vma = mm.vmas[vmaIndex];
        int e = vma.pte[(int) page];
        if (Pte.isPresent(e)) {
            return Pte.frame(e);
        }
        return Pte.isDevicePrivate(e) ? device.privateFrame(vma, (int) page) : -1;
    }

    /**
     * Hot-add of node {@code node}'s hot-pluggable memory: add_memory and online_pages into
     * {@code online} (ZONE_NORMAL or ZONE_MOVABLE), or memremap_pages for device memory
     * ({@code online} null); see {@link MemoryHotplug#addMemory}. Returns the pages that came online.
     */
    public long addMemory(int node, ZoneType online) {
        return hotplug.addMemory(node, online);
    }

    /** offline_pages of node {@code node}'s hot-pluggable memory, on {@code cpu}; see {@link MemoryHotplug#offlineMemory}. True on success. */
    public boolean offlineMemory(int node, int cpu) {
        return hotplug.offlineMemory(node, cpu);
    }

    /** Whether frame {@code f} is ZONE_DEVICE memory. */
    public boolean isDeviceFrame(int f) {
        return device.isDeviceFrame(f);
    }

    /** memory_failure(pfn) for an uncorrected error; see {@link MemoryFailure#memoryFailure}. */
    public MemoryFailure.Result memoryFailure(int pfn, int cpu) {
        return memoryFailure().memoryFailure(pfn, cpu);
    }

    /** soft_offline_page(pfn) for a corrected error; see {@link MemoryFailure#softOfflinePage}. True on success. */
    public boolean softOfflinePage(int pfn, int cpu) {
        return memoryFailure().softOfflinePage(pfn, cpu);
    }

    // ------------------------------------------------------------------ files, fork, munmap, madvise, mbind (PageCache)

    /**
     * Declares file {@code name} of {@code pages} pages whose storage reads a page in
     * {@code readNs} and completes a page write in {@code writeNs} ({@code < 0}: the cost model's
     * {@code file.read} / {@code file.write}). Files a mapping names without a declaration are
     * created with the mapping's size. Needs the lru reclaim mode.
     */
    public void addFile(String name, long pages, long readNs, long writeNs) {
        pageCache.addFile(name, pages, readNs, writeNs);
    }

    /** Declares a named shmem object (a tmpfs file, a SysV segment) of {@code pages} pages that shmem mappings may name. */
    public void addShmem(String name, long pages) {
        pageCache.addShmem("shmem:" + name, name, pages);
    }

    /** The writeback sysctls: vm.dirty_background_ratio, vm.dirty_ratio (percent), dirty_expire and dirty_writeback intervals (ns; 0 = no periodic writeback). */
    public void setWriteback(int dirtyBackgroundRatio, int dirtyRatio, long dirtyExpireNs, long dirtyWritebackIntervalNs) {
        if (dirtyBackgroundRatio < 0 || dirtyBackgroundRatio > 100 || dirtyRatio < 1 || dirtyRatio > 100
                || dirtyExpireNs < 0 || dirtyWritebackIntervalNs < 0) {
            throw new IllegalArgumentException("bad writeback settings");
        }
        pageCache.writeback.settings = new Writeback.Settings(dirtyBackgroundRatio, dirtyRatio, dirtyExpireNs, dirtyWritebackIntervalNs);
    }

    /** A handle for read(2)/write(2) of file (or named shmem object) {@code name} ({@link #fileIo}); -1 if there is none. */
    public int fileHandle(String name) {
        AddressSpace as = pageCache.file(name);
        return as == null ? -1 : pageCache.spaces.indexOf(as);
    }

    /** Pages of the file behind {@code handle}. */
    public long filePages(int handle) {
        return pageCache.spaces.get(handle).pages;
    }

    /**
     * read(2) ({@code write == false}) or write(2) of page {@code page} of the file behind
     * {@code handle} by a thread of {@code mm} on {@code cpu}, through the page cache; returns
     * its simulated time (ns, at least 1). See {@link PageCache#fileIo}.
     */
    public long fileIo(MmStruct mm, int handle, long page, boolean write, int cpu) {
        accesses.inc();
        long c = pageCache.fileIo(mm, pageCache.spaces.get(handle), (int) page, write, cpu);
        accessLatency.record(c);
        return c;
    }

    /** fsync(2) of file {@code name} on {@code cpu}: returns its cost (ns); {@link #lastFsyncError()} says whether it failed. */
    public long fsync(String name, int cpu) {
        AddressSpace as = pageCache.file(name);
        if (as == null) {
            throw new IllegalArgumentException("no file '" + name + "'");
        }
        return pageCache.writeback.fsync(as, cpu);
    }

    /** What the last {@link #fsync} returned: 0, or -EIO (-5) after a write error on the file. */
    public int lastFsyncError() {
        return pageCache.writeback.lastFsyncError();
    }

    /** fork(2) of {@code parent} on {@code cpu} into a new process {@code name}; see {@link Fork}. Its cost: {@link #lastForkCost()}. */
    public MmStruct fork(MmStruct parent, String name, int cpu) {
        return pageCache.fork().fork(parent, name, cpu);
    }

    /** The cost (ns) of the last {@link #fork}. */
    public long lastForkCost() {
        return pageCache.fork().lastCost();
    }

    /** exit(2) of a process: its address space is torn down as at an OOM kill, without the kill. */
    public void exit(MmStruct mm) {
        if (mm.killed()) {
            return;
        }
        mm.exited = true;
        mm.ended = true;
        exitMmap(mm);
    }

    /** munmap(2) of pages [from, from + n) of mapping {@code vmaIndex}; see {@link Unmap#munmap}. Returns its cost (ns). */
    public long munmap(MmStruct mm, int vmaIndex, long from, long n, int cpu) {
        VmArea vma = Mlock.range(mm, vmaIndex, from, n);
        return pageCache.unmap.munmap(vma, (int) from, (int) n, cpu);
    }

    /** madvise(MADV_DONTNEED) of pages [from, from + n) of mapping {@code vmaIndex}; see {@link Unmap#madviseDontneed}. */
    public long madviseDontneed(MmStruct mm, int vmaIndex, long from, long n, int cpu) {
        VmArea vma = Mlock.range(mm, vmaIndex, from, n);
        return pageCache.unmap.madviseDontneed(vma, (int) from, (int) n, cpu);
    }

    /**
     * mbind(2) of pages [from, from + n) of mapping {@code vmaIndex}: {@code mode} is one of
     * {@code default}, {@code bind}, {@code preferred}, {@code interleave}; {@code nodemask} bit i =
     * node i; {@code move} = MPOL_MF_MOVE. See {@link Mempolicy}. Returns its cost (ns).
     */
    public long mbind(MmStruct mm, int vmaIndex, long from, long n, String mode, long nodemask, boolean move, int cpu) {
        VmArea vma = Mlock.range(mm, vmaIndex, from, n);
        Mempolicy.Mode mo = Mempolicy.Mode.of(mode);
        if (mo == null) {
            throw new IllegalArgumentException("unknown mbind mode '" + mode + "'");
        }
        return pageCache.mempolicy().mbind(vma, (int) from, (int) n, mo, nodemask, move, false, cpu);
    }

    /**
     * A driver allocates {@code pages} non-LRU movable pages on {@code node} (zsmalloc / balloon
     * like; see {@link DriverPages}); returns their frames (-1 for those the node could not give).
     */
    public int[] allocMovableDriverPages(String driver, int node, int pages) {
        return pageCache.drivers().allocMovable(driver, node, pages).pfns.clone();
    }

    /** The frame that holds page {@code index} of driver {@code driver}'s movable pages now; -1 if none. */
    public int driverPage(String driver, int index) {
        DriverPages.MovableSet set = pageCache.drivers().movable(driver);
        return set == null || index < 0 || index >= set.pfns.length ? -1 : set.pfns[index];
    }

    /**
     * migrate_pages of frame {@code pfn} to node {@code node}, as compaction would call it
     * (migrate mode {@code sync}, or async: writeback fails instead of being waited for). Returns
     * the node the page ends on, or -errno.
     */
    public int migrateFrame(int pfn, int node, boolean sync, int cpu) {
        return migrate().migratePage(pfn, node, Migrate.Reason.SYSCALL, sync ? Migrate.Mode.SYNC : Migrate.Mode.ASYNC, cpu);
    }

    /**
     * madvise(2) of pages [from, from + n) of mapping {@code vmaIndex} by a thread on {@code cpu}:
     * MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_PAGEOUT; see {@link Thp#madvise}. Returns its cost (ns).
     */
    public long madvise(MmStruct mm, int vmaIndex, long from, long n, dev.ksim.engine.model.Madvise advice, int cpu) {
        VmArea vma = Mlock.range(mm, vmaIndex, from, n);
        return thp.madvise(vma, from, n, advice, cpu);
    }

    /** compact_memory of every zone of {@code node} (/sys/devices/system/node/nodeN/compact); see {@link Compaction#compactNode}. Returns its cost (ns). */
    public long compactNode(int node) {
        return compaction.compactNode(node);
    }

    /** Writes {@code count} to node {@code node}'s nr_hugepages; see {@link Hugetlb#setNrHugepages}. Returns its cost (ns). */
    public long setNrHugepages(int node, long count) {
        return hugetlb.setNrHugepages(node, count);
    }

    /**
     * split_huge_page of the THP mapping page {@code page} of mapping {@code vmaIndex}, for mechanisms
     * that change part of a THP's range (a partial munmap or MADV_DONTNEED must split first): true
     * when the page is now a 4 KiB page (or was one), false when a pinned subpage refused the split.
     */
    public boolean splitHugePage(MmStruct mm, int vmaIndex, long page, int cpu) {
        VmArea vma = Mlock.range(mm, vmaIndex, page, 1);
        int e = vma.pte[(int) page];
        if (!Pte.isPresent(e) || frames.flags[Pte.frame(e)] >= 0 || hugetlb.isHugetlb(Pte.frame(e))) {
            return true;
        }
        return thp.split(Pte.frame(e), cpu) >= 0;
    }

    /** Hugetlbfs pages of {@code node}'s pool (HugePages_Total of the node). */
    public long hugePagesTotal(int node) {
        return hugetlb.nrHuge[node];
    }

    /**
     * A free buddy page of {@code node}, chosen deterministically: the highest pfn of the node that
     * heads a free block; -1 when the node has no free page. For injecting a memory failure into
     * free memory.
     */
    public int highestFreePfn(int node) {
        PglistData n = nodes[node];
        for (int pfn = n.startPfn + n.spannedPages - 1; pfn >= n.startPfn; pfn--) {
            Zone z = n.memMap.zoneOf(pfn);
            if (z != null && z.type().buddyManaged() && z.freeBlockOrder(pfn) >= 0) {
                return pfn;
            }
        }
        return -1;
    }

    /** Returns an unmapped, off-LRU frame to its zone's buddy allocator (pgfree, hardening hook). */
    void freeUserFrame(PglistData node, int f) {
        frames.rmapVma[f] = FrameTable.FREE;
        frames.rmapIndex[f] = 0;
        frames.flags[f] = 0;
        node.memMap.zoneOf(f).freePages(f, 0);
        pgfree.inc();
        pending += hardeningFreed(node.nodeId, f);
    }

    long hardeningAllocated(int node, int f) {
        try {
            return Math.max(0, hardening.onUserPageAllocated(node, f));
        } catch (RuntimeException x) {
            throw new PluginCrashException(PluginKind.SECURITY_HARDENING, hardeningId, "onUserPageAllocated", x);
        }
    }

    long hardeningFreed(int node, int f) {
        try {
            return Math.max(0, hardening.onUserPageFreed(node, f));
        } catch (RuntimeException x) {
            throw new PluginCrashException(PluginKind.SECURITY_HARDENING, hardeningId, "onUserPageFreed", x);
        }
    }

    /** The frame mapped at {@code vpn} of process {@code pid}, -1 if none (the TLB coherence invariant's page-table view). */
    int translate(int pid, long vpn) {
        if (pid < 1 || pid > processes.size()) {
            return -1;
        }
        for (VmArea vma : processes.get(pid - 1).vmas) {
            long i = vpn - vma.startVpn;
            if (i >= 0 && i < vma.pte.length) {
                int e = vma.pte[(int) i];
                return Pte.isPresent(e) ? Pte.frame(e) : -1;
            }
        }
        return -1;
    }

    /**
     * Registers this mechanism's invariants: {@link MmInvariants}, every zone's
     * ({@link ZoneInvariants}), the TLBs' against the page tables ({@link TlbInvariants}) and, with
     * NUMA balancing on, {@code numa.prot_none} ({@link NumaBalancing}).
     */
    public void registerInvariants(InvariantRegistry registry) {
        MmInvariants.register(this, registry);
        if (strict) {
            for (PglistData n : nodes) {
                registry.register(n.lruvec.strictOrder.invariant("mm.strict_lru_order.node" + n.nodeId,
                        f -> (frames.flags[f] & PageFlags.PG_LRU) != 0));
            }
        }
        LargePageInvariants.register(this, registry);
        ZoneInvariants.register(allZones, registry);
        TlbInvariants.register(tlbs, this::translate, registry);
        device.register(registry);
        if (numab != null) {
            numab.registerInvariants(registry);
        }
    }

    /** Per-node final metrics ({@code node<N>.numa_hit} ...), added to {@code out}. */
    public void reportNodeMetrics(Map<String, Number> out) {
        for (PglistData n : nodes) {
            out.put(MmMetrics.nodeMetric(n.nodeId, MmMetrics.NUMA_HIT), n.numaHit);
            out.put(MmMetrics.nodeMetric(n.nodeId, MmMetrics.NUMA_MISS), n.numaMiss);
            out.put(MmMetrics.nodeMetric(n.nodeId, MmMetrics.NUMA_FOREIGN), n.numaForeign);
            out.put(MmMetrics.nodeMetric(n.nodeId, MmMetrics.NUMA_LOCAL), n.numaLocal);
            out.put(MmMetrics.nodeMetric(n.nodeId, MmMetrics.NUMA_OTHER), n.numaOther);
            out.put(MmMetrics.nodeMetric(n.nodeId, MmMetrics.NR_PAGES), (long) n.spannedPages);
        }
        out.put(MmMetrics.SWAP_USED, (long) swap.nrUsed);
    }
}

package dev.ksim.engine.mm;

import dev.ksim.engine.cost.CostModel;
import dev.ksim.engine.invariant.InvariantRegistry;
import dev.ksim.engine.metrics.LatencyHistogram;
import dev.ksim.engine.metrics.LongCounter;
import dev.ksim.engine.metrics.MetricsRegistry;
import dev.ksim.engine.model.ReclaimMode;
import dev.ksim.engine.run.PluginCrashException;
import dev.ksim.spi.PluginKind;
import dev.ksim.spi.mm.MemoryView;
import dev.ksim.spi.mm.MigrationPolicy;
import dev.ksim.spi.mm.NodeMemory;
import dev.ksim.spi.security.SecurityHardening;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The memory-management mechanism: nodes of 4 KiB frames, processes with anonymous private
 * mappings, demand paging, exact-LRU reclaim to swap and the OOM killer.
 *
 * <p>A reference ({@link #access}) to a present page costs the node's load latency scaled by the
 * NUMA distance and moves the frame to its node's LRU head. A reference to a non-present page is
 * a fault ({@code pgfault}): the migration policy names a node ({@code placeFault}); if that node
 * has no free frame the allocation falls back along its zonelist ({@code numa_miss}); if every
 * node is full the exact-LRU tail of the policy's node is swapped out ({@code pswpout}); if
 * swap is absent or full the OOM killer kills the process with the largest resident set
 * ({@code oom_kill}). A fault on a swapped-out page is major ({@code pgmajfault},
 * {@code pswpin}). The hardening plugin's hooks run at each user frame allocation and free.
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

    private final NumaTopology topology;
    private final ReclaimMode reclaimMode;
    final PglistData[] nodes;
    final FrameTable frames;
    final SwapDevice swap;
    private final NumaMemoryView view;
    private final long[][] loadCost;
    final List<MmStruct> processes = new ArrayList<>();
    VmArea[] vmas = new VmArea[0];

    private final MigrationPolicy policy;
    private final String policyId;
    private final SecurityHardening hardening;
    private final String hardeningId;
    private final FaultInfo fault = new FaultInfo();

    private final long costMinorFault;
    private final long costMajorOverhead;
    private final long costSwapRead;
    private final long costSwapWrite;
    private final long costReclaimUnmap;
    private final long costShootdown;
    private final long costOomKill;

    private final LongCounter accesses;
    private final LongCounter pgfault;
    private final LongCounter pgmajfault;
    private final LongCounter pswpin;
    private final LongCounter pswpout;
    private final LongCounter oomKill;
    private final LongCounter numaHit;
    private final LongCounter numaMiss;
    private final LongCounter numaForeign;
    private final LongCounter numaLocal;
    private final LongCounter numaOther;
    private final LongCounter pgalloc;
    private final LongCounter pgfree;
    private final LatencyHistogram faultLatency;
    private final LatencyHistogram accessLatency;

    /** Time charged to the task currently in the fault path (reclaim, OOM, hardening hooks). */
    private long pending;
    /** The address space whose fault is being handled, so the OOM path knows when it killed it. */
    private MmStruct faulting;

    /** A memory manager in the default reclaim mode ({@link ReclaimMode#DEFAULT}). */
    public MemoryManager(NumaTopology topology, NodeMemory[] nodeMemory, long swapSlots, CostModel costs,
                         MigrationPolicy policy, String policyId, SecurityHardening hardening, String hardeningId,
                         MetricsRegistry metrics) {
        this(topology, nodeMemory, swapSlots, costs, policy, policyId, hardening, hardeningId, metrics, ReclaimMode.DEFAULT);
    }

    /**
     * @param nodeMemory what each node's provider said, index = node id
     * @param swapSlots  4 KiB slots of the swap device (0 = no swap)
     * @param reclaim    how reclaim picks victims; {@link ReclaimMode#STRICT_LRU} is the only mode yet
     */
    public MemoryManager(NumaTopology topology, NodeMemory[] nodeMemory, long swapSlots, CostModel costs,
                         MigrationPolicy policy, String policyId, SecurityHardening hardening, String hardeningId,
                         MetricsRegistry metrics, ReclaimMode reclaim) {
        this.reclaimMode = reclaim == null ? ReclaimMode.DEFAULT : reclaim;
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
        this.frames = new FrameTable((int) total, 2 * nodeMemory.length);
        this.nodes = new PglistData[nodeMemory.length];
        int start = 0;
        for (int i = 0; i < nodeMemory.length; i++) {
            NodeMemory m = nodeMemory[i];
            nodes[i] = new PglistData(i, start, (int) m.frames(), m.loadLatencyNs(), m.tier(), m.cpuAccessible(),
                    topology.hasCpus(i), frames);
            start += (int) m.frames();
        }
        this.swap = new SwapDevice((int) Math.min(swapSlots, MAX_FRAMES));
        this.view = new NumaMemoryView(nodes, topology);
        this.loadCost = new long[nodes.length][nodes.length];
        for (int from = 0; from < nodes.length; from++) {
            for (int to = 0; to < nodes.length; to++) {
                // ACPI SLIT convention: distance 10 = local; a reference costs at least 1 ns so time advances
                loadCost[from][to] = Math.max(1, nodes[to].loadLatencyNs * topology.distance(from, to) / NumaTopology.LOCAL_DISTANCE);
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
        costShootdown = costs.get(CostModel.TLB_SHOOTDOWN);
        costOomKill = costs.get(CostModel.OOM_KILL);

        accesses = metrics.counter(MmMetrics.ACCESSES);
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
        pgfree = metrics.counter(MmMetrics.PGFREE);
        faultLatency = metrics.histogram(MmMetrics.FAULT_LATENCY);
        accessLatency = metrics.histogram(MmMetrics.ACCESS_LATENCY);
        for (PglistData n : nodes) {
            final PglistData node = n;
            metrics.gauge(MmMetrics.nodeMetric(n.nodeId, MmMetrics.NR_FREE_PAGES), () -> node.freeArea.nrFree);
        }
    }

    /** Creates a process (pid = creation order + 1) with one anonymous mapping per entry of {@code pages}. */
    public MmStruct createProcess(String name, String[] mappingNames, long[] pages) {
        MmStruct mm = new MmStruct(processes.size() + 1, name);
        VmArea[] own = new VmArea[pages.length];
        for (int i = 0; i < pages.length; i++) {
            if (pages[i] < 1 || pages[i] > MAX_FRAMES) {
                throw new IllegalArgumentException("mapping '" + mappingNames[i] + "' of " + name + " has " + pages[i] + " pages");
            }
            VmArea vma = new VmArea(vmas.length, mm, i, mappingNames[i], (int) pages[i]);
            vmas = java.util.Arrays.copyOf(vmas, vmas.length + 1);
            vmas[vma.id] = vma;
            own[i] = vma;
        }
        mm.vmas = own;
        processes.add(mm);
        return mm;
    }

    /** Records that a thread of {@code mm} runs on {@code cpu} (the mm cpumask). */
    public void addCpu(MmStruct mm, int cpu) {
        mm.cpumask.set(cpu);
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

    public List<MmStruct> processes() {
        return List.copyOf(processes);
    }

    /**
     * One reference by a thread of {@code mm} on {@code cpu} to virtual page {@code page} of
     * mapping {@code vmaIndex}. Returns the simulated time it costs the thread (ns, at least 1).
     * Afterwards {@code mm.oomKilled()} may be true: the thread must stop.
     */
    public long access(MmStruct mm, int vmaIndex, long page, int cpu) {
        int[] pte = mm.vmas[vmaIndex].pte;
        int p = (int) page;
        int e = pte[p];
        int cpuNode = topology.cpuNode(cpu);
        accesses.inc();
        long cost;
        if (Pte.isPresent(e)) {
            int f = Pte.frame(e);
            PglistData n = nodes[nodeOf(f)];
            n.lruvec.touch(f);
            cost = loadCost[cpuNode][n.nodeId];
        } else {
            cost = handleFault(mm, mm.vmas[vmaIndex], p, e, cpu, cpuNode);
        }
        accessLatency.record(cost);
        return cost;
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

    private long handleFault(MmStruct mm, VmArea vma, int p, int e, int cpu, int cpuNode) {
        pgfault.inc();
        pending = 0;
        faulting = mm;
        fault.cpu = cpu;
        fault.cpuNode = cpuNode;
        fault.pid = mm.pid;
        fault.mapping = vma.index;
        fault.pageOffset = p;
        int preferred;
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
        int f = allocUserFrame(preferred, cpuNode);
        faulting = null;
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
        frames.rmapVma[f] = vma.id;
        frames.rmapIndex[f] = p;
        nodes[node].lruvec.add(f);
        mm.rss++;
        cost += hardeningAllocated(node, f);
        cost += loadCost[cpuNode][node];
        faultLatency.record(cost);
        return cost;
    }

    /**
     * A free frame for user memory, preferring {@code preferred}: its free list, then the
     * zonelist, then reclaim from {@code preferred}, then the OOM killer. Returns -1 when the
     * OOM killer killed the faulting process. Counts pgalloc and the numa_* statistics.
     */
    private int allocUserFrame(int preferred, int cpuNode) {
        while (true) {
            int[] zl = topology.zonelist(preferred);
            int f = nodes[preferred].freeArea.alloc();
            int got = preferred;
            for (int k = 0; f < 0 && k < zl.length; k++) {
                if (zl[k] != preferred) {
                    f = nodes[zl[k]].freeArea.alloc();
                    got = zl[k];
                }
            }
            if (f >= 0) {
                pgalloc.inc();
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
                return f;
            }
            if (!reclaimOne(nodes[preferred])) {
                outOfMemory();
                if (faulting.oomKilled) {
                    return -1;
                }
            }
        }
    }

    /**
     * Swaps out the least recently used page of {@code node} (strict-lru: the exact tail of the
     * node's single LRU list); false if there is none or no free slot.
     */
    private boolean reclaimOne(PglistData node) {
        int victim = node.lruvec.tail();
        if (victim < 0) {
            return false;
        }
        int slot = swap.alloc();
        if (slot < 0) {
            return false;
        }
        VmArea vma = vmas[frames.rmapVma[victim]];
        int idx = frames.rmapIndex[victim];
        vma.pte[idx] = Pte.swap(slot);
        vma.mm.rss--;
        vma.mm.swapents++;
        pswpout.inc();
        pending += costSwapWrite + costReclaimUnmap;
        if (otherCpus(vma.mm)) {
            pending += costShootdown;
        }
        node.lruvec.del(victim);
        freeUserFrame(node, victim);
        return true;
    }

    /** Whether unmapping from {@code mm} must interrupt CPUs other than the faulting one. */
    private boolean otherCpus(MmStruct mm) {
        int c = mm.cpumask.cardinality();
        return c > 1 || (c == 1 && !mm.cpumask.get(fault.cpu));
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
        for (VmArea vma : victim.vmas) {
            int[] pte = vma.pte;
            for (int i = 0; i < pte.length; i++) {
                int e = pte[i];
                if (Pte.isPresent(e)) {
                    int f = Pte.frame(e);
                    PglistData n = nodes[nodeOf(f)];
                    pte[i] = Pte.NONE;
                    n.lruvec.del(f);
                    victim.rss--;
                    freeUserFrame(n, f);
                } else if (Pte.isSwap(e)) {
                    pte[i] = Pte.NONE;
                    swap.free(Pte.slot(e));
                    victim.swapents--;
                }
            }
        }
    }

    /** Returns an unmapped, off-LRU frame to its node's free list (pgfree, hardening hook). */
    private void freeUserFrame(PglistData node, int f) {
        frames.rmapVma[f] = FrameTable.FREE;
        frames.rmapIndex[f] = 0;
        node.freeArea.free(f);
        pgfree.inc();
        pending += hardeningFreed(node.nodeId, f);
    }

    private long hardeningAllocated(int node, int f) {
        try {
            return Math.max(0, hardening.onUserPageAllocated(node, f));
        } catch (RuntimeException x) {
            throw new PluginCrashException(PluginKind.SECURITY_HARDENING, hardeningId, "onUserPageAllocated", x);
        }
    }

    private long hardeningFreed(int node, int f) {
        try {
            return Math.max(0, hardening.onUserPageFreed(node, f));
        } catch (RuntimeException x) {
            throw new PluginCrashException(PluginKind.SECURITY_HARDENING, hardeningId, "onUserPageFreed", x);
        }
    }

    /** Registers this mechanism's invariants (see {@link MmInvariants}). */
    public void registerInvariants(InvariantRegistry registry) {
        MmInvariants.register(this, registry);
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

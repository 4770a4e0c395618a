package dev.ksim.engine.model;

import dev.ksim.engine.cost.CostModel;
import dev.ksim.engine.mm.MemoryManager;
import dev.ksim.engine.mm.MmMetrics;
import dev.ksim.engine.util.Suggestions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Semantic checks of a {@link ScenarioModel}, after the DSL has checked syntax, units and plugin
 * options: the machine is consistent, threads name CPUs and mappings that exist, cost keys and
 * expectation metrics exist. Every problem is reported (not just the first), located at the spec
 * it concerns, with a "did you mean" where a name is close to a valid one.
 */
public final class ScenarioValidator {
    /** Smallest valid SLIT distance (ACPI reserves 0-9). */
    static final int MIN_DISTANCE = 10;

    private ScenarioValidator() {
    }

    public static List<Diagnostic> validate(ScenarioModel m) {
        List<Diagnostic> out = new ArrayList<>();
        SourceRef top = at(m.source());
        if (m.durationNs() <= 0) {
            out.add(new Diagnostic(top, "duration must be > 0, got " + m.durationNs() + " ns"));
        }
        if (m.sampleIntervalNs() <= 0) {
            out.add(new Diagnostic(top, "sample interval must be > 0, got " + m.sampleIntervalNs() + " ns"));
        }
        if (m.ipc() != null) {
            validateIpc(m, top, out);
            return out;
        }
        if (m.migrationPolicy() == null) {
            out.add(new Diagnostic(top, "no migration policy chosen"));
        }
        MachineSpec machine = m.machine();
        if (machine == null) {
            out.add(new Diagnostic(top, "no machine described"));
        } else {
            validateMachine(machine, out);
        }
        validateProcesses(m, machine, out);
        validateEvents(m, machine, out);
        DeviceValidator.validateEvents(m, machine, out);
        PageCacheValidator.validate(m, machine, out);
        for (Map.Entry<String, Long> e : new java.util.TreeMap<>(m.costOverrides()).entrySet()) {
            if (!CostModel.keys().contains(e.getKey())) {
                out.add(new Diagnostic(top, "unknown cost '" + e.getKey() + "'" + Suggestions.didYouMean(e.getKey(), CostModel.keys())));
            } else if (e.getKey().startsWith(CostModel.IPC_PREFIX)) {
                out.add(new Diagnostic(top, "cost '" + e.getKey() + "' applies to ipc {} scenarios; this one has none"));
            } else if (e.getValue() == null || e.getValue() < 0) {
                out.add(new Diagnostic(top, "cost '" + e.getKey() + "' must be >= 0, got " + e.getValue()));
            }
        }
        if (machine != null) {
            Set<String> names = metricNames(machine, !m.events().isEmpty());
            Set<String> pluginPrefixes = pluginIds(m);
            for (ExpectationSpec e : m.expectations()) {
                String metric = e.metric();
                if (metric == null || names.contains(metric) || pluginMetric(metric, pluginPrefixes)) {
                    continue;
                }
                out.add(new Diagnostic(at(e.where()), "unknown metric '" + metric + "'" + Suggestions.didYouMean(metric, names)));
            }
        }
        return out;
    }

    /**
     * An IPC-only scenario ({@code ipc { }}, no machine or processes yet): the IPC spec, cost keys
     * (the IPC cost table's) and expectation metrics (the IPC run's).
     */
    private static void validateIpc(ScenarioModel m, SourceRef top, List<Diagnostic> out) {
        if (m.machine() != null || !m.processes().isEmpty()) {
            out.add(new Diagnostic(top, "a scenario with ipc {} cannot also have a machine or processes (yet); split it in two scenarios"));
        }
        out.addAll(dev.ksim.engine.ipc.IpcValidator.validate(m.ipc(), m.costOverrides()));
        Set<String> keys = dev.ksim.engine.ipc.IpcCosts.keys();
        for (Map.Entry<String, Long> e : new java.util.TreeMap<>(m.costOverrides()).entrySet()) {
            if (!keys.contains(e.getKey())) {
                out.add(new Diagnostic(top, "unknown cost '" + e.getKey() + "' for an ipc {} scenario" + Suggestions.didYouMean(e.getKey(), keys)
                        + "; IPC costs: " + String.join(", ", keys)));
            } else if (e.getValue() == null || e.getValue() < 0) {
                out.add(new Diagnostic(top, "cost '" + e.getKey() + "' must be >= 0, got " + e.getValue()));
            }
        }
        Set<String> names = dev.ksim.engine.ipc.IpcSimulation.metricNames(m.ipc());
        Set<String> ids = new HashSet<>();
        if (m.ipc().transport() != null) {
            ids.add(m.ipc().transport().id());
        }
        if (m.ipc().accounting() != null) {
            ids.add(m.ipc().accounting().id());
        }
        for (ExpectationSpec e : m.expectations()) {
            String metric = e.metric();
            if (metric == null || names.contains(metric) || pluginMetric(metric, ids)) {
                continue;
            }
            out.add(new Diagnostic(at(e.where()), "unknown metric '" + metric + "'" + Suggestions.didYouMean(metric, names)));
        }
    }

    private static void validateMachine(MachineSpec machine, List<Diagnostic> out) {
        SourceRef where = at(machine.where());
        if (machine.cpus() < 1) {
            out.add(new Diagnostic(where, "a machine needs at least 1 CPU, got " + machine.cpus()));
        }
        List<NodeSpec> nodes = machine.nodes();
        if (nodes.isEmpty()) {
            out.add(new Diagnostic(where, "a machine needs at least one memory node"));
        }
        Map<Integer, Integer> cpuOwner = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            NodeSpec n = nodes.get(i);
            SourceRef nw = at(n.where());
            if (n.id() != i) {
                out.add(new Diagnostic(nw, "node ids must be 0.." + (nodes.size() - 1) + " in order; node number " + (i + 1)
                        + " has id " + n.id() + ", expected " + i));
            }
            if (n.sizeBytes() <= 0) {
                out.add(new Diagnostic(nw, "node" + n.id() + " size must be > 0, got " + n.sizeBytes() + " bytes"));
            }
            if (n.provider() == null) {
                out.add(new Diagnostic(nw, "node" + n.id() + " has no memory provider"));
            }
            for (int cpu : n.cpus()) {
                if (cpu < 0 || cpu >= machine.cpus()) {
                    out.add(new Diagnostic(nw, "node" + n.id() + " lists CPU " + cpu + ", but the machine has CPUs 0.."
                            + (machine.cpus() - 1)));
                    continue;
                }
                Integer prev = cpuOwner.putIfAbsent(cpu, n.id());
                if (prev != null) {
                    out.add(new Diagnostic(nw, "CPU " + cpu + " belongs to node" + prev + " and node" + n.id()
                            + "; a CPU belongs to at most one node"));
                }
            }
            validateZones(n, nw, out);
            DeviceValidator.validateNode(machine, n, nw, out);
            validatePool(n, nw, out);
            if (!n.distances().isEmpty()) {
                if (n.distances().size() != nodes.size()) {
                    out.add(new Diagnostic(nw, "node" + n.id() + " distances has " + n.distances().size()
                            + " entries; expected one per node (" + nodes.size() + ")"));
                } else {
                    for (int j = 0; j < nodes.size(); j++) {
                        Integer d = n.distances().get(j);
                        if (d == null || d < MIN_DISTANCE) {
                            out.add(new Diagnostic(nw, "node" + n.id() + " distance to node" + j + " must be >= "
                                    + MIN_DISTANCE + " (10 = local), got " + d));
                        }
                    }
                }
            }
        }
        if (machine.reclaim() == ReclaimMode.LRU) {
            validateReserve(machine, out);
        }
        VmSpec vm = machine.vm();
        if (vm.minFreeKbytes() < 0 && vm.minFreeKbytes() != VmSpec.KERNEL_DEFAULT) {
            out.add(new Diagnostic(where, "minFreeKbytes must be >= 0, got " + vm.minFreeKbytes()));
        }
        if (vm.watermarkScaleFactor() < 1 || vm.watermarkScaleFactor() > 3000) {
            out.add(new Diagnostic(where, "watermarkScaleFactor must be in 1..3000 (as vm.watermark_scale_factor), got "
                    + vm.watermarkScaleFactor()));
        }
        if (vm.swappiness() < 0 || vm.swappiness() > 200) {
            out.add(new Diagnostic(where, "swappiness must be in 0..200 (as vm.swappiness), got " + vm.swappiness()));
        }
        out.addAll(vm.numaBalancing().validate());
        validateLargePages(machine.largePages(), where, out);
        SwapSpec swap = machine.swap();
        if (swap != null && (swap.sizeBytes() < 0 || swap.readLatencyNs() < 0 || swap.writeLatencyNs() < 0)) {
            out.add(new Diagnostic(at(swap.where()), "swap size and latencies must be >= 0"));
        }
    }

    /**
     * lru mode: each node's ZONE_NORMAL must keep pages above its high watermark, or the page
     * allocator can never succeed there (min_free_kbytes is at least 128 KiB by default, more
     * than a toy node has).
     */
    private static void validateReserve(MachineSpec machine, List<Diagnostic> out) {
        long lowmem = 0;
        for (NodeSpec n : machine.nodes()) {
            lowmem += DeviceValidator.bootNormalPages(n);
        }
        VmSpec vm = machine.vm();
        long kbytes = vm.minFreeKbytes() == VmSpec.KERNEL_DEFAULT
                ? dev.ksim.engine.mm.zone.Watermarks.defaultMinFreeKbytes(lowmem * 4) : vm.minFreeKbytes();
        if (lowmem == 0) {
            return;
        }
        for (NodeSpec n : machine.nodes()) {
            long normal = DeviceValidator.bootNormalPages(n);
            if (normal == 0 || n.watermarks() != null) {
                continue;
            }
            long min = (kbytes / 4) * normal / lowmem;
            long step = Math.max(1, Math.max(min / 4, normal * vm.watermarkScaleFactor() / 10_000));
            long high = min + 2 * step;
            if (high >= normal) {
                out.add(new Diagnostic(at(n.where()), "node" + n.id() + " is too small for reclaim 'lru': its ZONE_NORMAL has "
                        + normal + " pages but min_free_kbytes " + kbytes + " puts its high watermark at " + high
                        + " pages; lower minFreeKbytes in machine {} (e.g. minFreeKbytes 0), give the node explicit watermarks,"
                        + " or use reclaim 'strict-lru'"));
            }
        }
    }

    /** A node's hugetlbfs pool: not negative, and no larger than the node (it could never be allocated). */
    private static void validatePool(NodeSpec n, SourceRef nw, List<Diagnostic> out) {
        HugePagesSpec h = n.hugepages();
        if (h == null) {
            return;
        }
        SourceRef hw = h.where() == null || h.where() == SourceRef.UNKNOWN ? nw : h.where();
        if (h.count() < 0) {
            out.add(new Diagnostic(hw, "node" + n.id() + " hugepages must be >= 0, got " + h.count()));
        } else if (n.sizeBytes() > 0 && h.count() > n.sizeBytes() / HugePagesSpec.HUGE_PAGE_BYTES) {
            out.add(new Diagnostic(hw, "node" + n.id() + " hugepages " + h.count() + " is a pool of "
                    + h.count() * 2 + " MiB, larger than the node's " + n.sizeBytes() / (1 << 20) + " MiB (at most "
                    + n.sizeBytes() / HugePagesSpec.HUGE_PAGE_BYTES + " huge pages of 2 MiB fit)"));
        }
    }

    /** THP, khugepaged and compaction tunables within the ranges the kernel's sysfs files accept. */
    private static void validateLargePages(LargePageSpec l, SourceRef where, List<Diagnostic> out) {
        int nr = LargePageSpec.HPAGE_PMD_NR;
        if (l.pagesToScan() < 1) {
            out.add(new Diagnostic(where, "khugepagedPagesToScan must be >= 1, got " + l.pagesToScan()));
        }
        if (l.scanSleepMillisecs() < 0 || l.allocSleepMillisecs() < 0) {
            out.add(new Diagnostic(where, "khugepaged sleeps must be >= 0, got scan " + l.scanSleepMillisecs()
                    + " ms, alloc " + l.allocSleepMillisecs() + " ms"));
        }
        if (l.maxPtesNone() < 0 || l.maxPtesNone() > nr - 1) {
            out.add(new Diagnostic(where, "khugepagedMaxPtesNone must be in 0.." + (nr - 1) + ", got " + l.maxPtesNone()));
        }
        if (l.maxPtesSwap() < 0 || l.maxPtesSwap() > nr - 1) {
            out.add(new Diagnostic(where, "khugepagedMaxPtesSwap must be in 0.." + (nr - 1) + ", got " + l.maxPtesSwap()));
        }
        if (l.extfragThreshold() < 0 || l.extfragThreshold() > 1000) {
            out.add(new Diagnostic(where, "extfragThreshold must be in 0..1000 (as vm.extfrag_threshold), got " + l.extfragThreshold()));
        }
    }

    /** The node's ZONE_MOVABLE part and explicit watermarks. */
    private static void validateZones(NodeSpec n, SourceRef nw, List<Diagnostic> out) {
        long pages = n.sizeBytes() / MemoryManager.PAGE_SIZE;
        if (n.movableBytes() < 0 || n.movableBytes() > n.sizeBytes()) {
            out.add(new Diagnostic(nw, "node" + n.id() + " movable must be between 0 and the node's memory ("
                    + n.sizeBytes() + " bytes), got " + n.movableBytes() + " bytes"));
        }
        WatermarkSpec w = n.watermarks();
        if (w != null) {
            SourceRef ww = w.where() == null || w.where() == SourceRef.UNKNOWN ? nw : w.where();
            long min = w.minBytes() / MemoryManager.PAGE_SIZE;
            long low = w.lowBytes() / MemoryManager.PAGE_SIZE;
            long high = w.highBytes() / MemoryManager.PAGE_SIZE;
            if (w.minBytes() < 0 || !(min < low && low < high)) {
                out.add(new Diagnostic(ww, "node" + n.id() + " watermarks must satisfy 0 <= min < low < high in 4 KiB pages, got min "
                        + min + ", low " + low + ", high " + high + " pages"));
            } else if (high > pages - n.movableBytes() / MemoryManager.PAGE_SIZE) {
                out.add(new Diagnostic(ww, "node" + n.id() + " high watermark (" + high + " pages) exceeds its ZONE_NORMAL ("
                        + (pages - n.movableBytes() / MemoryManager.PAGE_SIZE) + " pages)"));
            }
        }
    }

    private static void validateProcesses(ScenarioModel m, MachineSpec machine, List<Diagnostic> out) {
        Set<String> processNames = new HashSet<>();
        long poolPages = 0;
        if (machine != null) {
            for (NodeSpec n : machine.nodes()) {
                poolPages += Math.max(0, n.hugepageCount());
            }
        }
        long reserved = 0;
        for (ProcessSpec p : m.processes()) {
            SourceRef pw = at(p.where());
            if (!processNames.add(p.name())) {
                out.add(new Diagnostic(pw, "process '" + p.name() + "' is declared twice"));
            }
            Set<String> mappingNames = new LinkedHashSet<>();
            for (MappingSpec map : p.mappings()) {
                SourceRef mw = at(map.where());
                if (!mappingNames.add(map.name())) {
                    out.add(new Diagnostic(mw, "mapping '" + map.name() + "' is declared twice in process '" + p.name() + "'"));
                }
                if (map.sizeBytes() <= 0) {
                    out.add(new Diagnostic(mw, "mapping '" + map.name() + "' size must be > 0, got " + map.sizeBytes() + " bytes"));
                } else if ((map.sizeBytes() - 1) / MemoryManager.PAGE_SIZE + 1 > MemoryManager.MAX_FRAMES) {
                    out.add(new Diagnostic(mw, "mapping '" + map.name() + "' is too large: at most "
                            + MemoryManager.MAX_FRAMES + " pages of 4 KiB"));
                }
                checkMappingKind(map, mw, out);
                if (map.advice() != null && map.kind() != MappingKind.ANON) {
                    out.add(new Diagnostic(mw, "mapping '" + map.name() + "': madvise '" + map.advice().key()
                            + "' applies to anonymous mappings only (kind '" + map.kind().key() + "')"));
                }
                if (map.kind() == MappingKind.HUGETLB && map.sizeBytes() > 0) {
                    if (machine != null && machine.reclaim() != ReclaimMode.LRU) {
                        out.add(new Diagnostic(mw, "mapping '" + map.name() + "' of kind 'hugetlb' needs reclaim 'lru' (the machine uses '"
                                + machine.reclaim().key() + "', which simulates 4 KiB pages only)"));
                    }
                    long need = (map.sizeBytes() + HugePagesSpec.HUGE_PAGE_BYTES - 1) / HugePagesSpec.HUGE_PAGE_BYTES;
                    reserved += need;
                    if (machine != null && reserved > poolPages) {
                        out.add(new Diagnostic(mw, "mapping '" + map.name() + "' of kind 'hugetlb' needs " + need
                                + " huge pages of 2 MiB, but the hugetlbfs pools hold " + poolPages + " and earlier mappings reserve "
                                + (reserved - need) + ": its mmap would fail (ENOMEM); give a node a larger pool: node(0) { hugepages "
                                + Math.max(reserved, 1) + " }"));
                        reserved -= need;
                    }
                }
            }
            Set<String> threadNames = new HashSet<>();
            for (ThreadSpec t : p.threads()) {
                SourceRef tw = at(t.where());
                if (!threadNames.add(t.name())) {
                    out.add(new Diagnostic(tw, "thread '" + t.name() + "' is declared twice in process '" + p.name() + "'"));
                }
                if (machine != null && (t.cpu() < 0 || t.cpu() >= machine.cpus())) {
                    out.add(new Diagnostic(tw, "thread '" + t.name() + "' runs on CPU " + t.cpu() + ", but the machine has CPUs 0.."
                            + (machine.cpus() - 1)));
                }
                if (t.file() != null) {
                    if (t.mapping() != null) {
                        out.add(new Diagnostic(tw, "thread '" + t.name() + "' names both mapping '" + t.mapping() + "' and file '"
                                + t.file() + "'; a thread either references a mapping or reads and writes a file"));
                    }
                } else if (t.mapping() == null || !mappingNames.contains(t.mapping())) {
                    out.add(new Diagnostic(tw, "thread '" + t.name() + "' touches unknown mapping '" + t.mapping()
                            + "' of process '" + p.name() + "'"
                            + (t.mapping() == null ? "" : Suggestions.didYouMean(t.mapping(), mappingNames))));
                }
                if (t.workload() == null) {
                    out.add(new Diagnostic(tw, "thread '" + t.name() + "' has no workload"));
                }
                if (t.startNs() < 0 || m.durationNs() > 0 && t.startNs() >= m.durationNs()) {
                    out.add(new Diagnostic(tw, "thread '" + t.name() + "' starts at " + formatNs(t.startNs())
                            + ", outside the run (0 to before " + formatNs(m.durationNs()) + ")"));
                }
                if (t.accesses() < 0) {
                    out.add(new Diagnostic(tw, "thread '" + t.name() + "' accesses must be >= 0 (0 = unbounded), got " + t.accesses()));
                }
            }
        }
    }

    /** Kinds of mapping the memory manager simulates today; the others are rejected at check time. */
    static final java.util.EnumSet<MappingKind> SUPPORTED_MAPPING_KINDS = java.util.EnumSet.of(MappingKind.ANON,
            MappingKind.FILE_PRIVATE, MappingKind.FILE_SHARED, MappingKind.SHMEM, MappingKind.HUGETLB, MappingKind.PFNMAP);

    /** A file-backed kind names a file, the others none; the kind must be one the engine simulates. */
    private static void checkMappingKind(MappingSpec map, SourceRef mw, List<Diagnostic> out) {
        MappingKind kind = map.kind();
        if (kind.fileBacked() && (map.file() == null || map.file().isEmpty())) {
            out.add(new Diagnostic(mw, "mapping '" + map.name() + "' of kind '" + kind.key() + "' needs the file it maps: file: 'name'"));
        } else if (!kind.fileBacked() && kind != MappingKind.SHMEM && map.file() != null) {
            out.add(new Diagnostic(mw, "mapping '" + map.name() + "' of kind '" + kind.key() + "' maps no file; file: is only for "
                    + MappingKind.FILE_PRIVATE.key() + ", " + MappingKind.FILE_SHARED.key() + " and " + MappingKind.SHMEM.key()
                    + " (a named shmem object)"));
        }
        if (!SUPPORTED_MAPPING_KINDS.contains(kind)) {
            List<String> ok = new ArrayList<>();
            for (MappingKind k : SUPPORTED_MAPPING_KINDS) {
                ok.add(k.key());
            }
            out.add(new Diagnostic(mw, "mapping '" + map.name() + "': kind '" + kind.key() + "' is not simulated yet; supported: "
                    + String.join(", ", ok)));
        }
    }

    /**
     * Timed events ({@link EventSpec}): at a time inside the run, on a process and mapping that
     * exist, pages inside the mapping, a node the machine has, mlock only in reclaim 'lru', and
     * no unpin before a pin of the same mapping.
     */
    private static void validateEvents(ScenarioModel m, MachineSpec machine, List<Diagnostic> out) {
        Map<String, ProcessSpec> processes = new java.util.LinkedHashMap<>();
        for (ProcessSpec p : m.processes()) {
            processes.putIfAbsent(p.name(), p);
        }
        List<EventSpec> byTime = new ArrayList<>(m.events());
        byTime.sort(java.util.Comparator.comparingLong(EventSpec::atNs));
        Set<String> pinned = new HashSet<>();
        for (EventSpec e : byTime) {
            SourceRef w = at(e.where());
            String word = e.action().word();
            if (e.atNs() < 0) {
                out.add(new Diagnostic(w, "at(" + formatNs(e.atNs()) + ") is before the start of the run"));
            } else if (m.durationNs() > 0 && e.atNs() >= m.durationNs()) {
                out.add(new Diagnostic(w, "at(" + formatNs(e.atNs()) + ") is beyond the scenario's duration ("
                        + formatNs(m.durationNs()) + "); the run would end before " + word + " happens"));
            }
            if (e.action() == EventSpec.Action.NR_HUGEPAGES && machine != null && e.node() >= 0
                    && e.node() < machine.nodes().size()) {
                NodeSpec node = machine.nodes().get(e.node());
                if (e.pages() < 0 || e.pages() > node.sizeBytes() / HugePagesSpec.HUGE_PAGE_BYTES) {
                    out.add(new Diagnostic(w, "hugepages " + e.pages() + " for node" + e.node() + ": at most "
                            + node.sizeBytes() / HugePagesSpec.HUGE_PAGE_BYTES + " huge pages of 2 MiB fit in the node"));
                }
            }
            if (e.action() == EventSpec.Action.MOVE_PAGES || e.action() == EventSpec.Action.POISON_FREE
                    || e.action() == EventSpec.Action.COMPACT || e.action() == EventSpec.Action.NR_HUGEPAGES) {
                int nodes = machine == null ? 0 : machine.nodes().size();
                if (machine != null && (e.node() < 0 || e.node() >= nodes)) {
                    out.add(new Diagnostic(w, word + " names node " + e.node() + ", but the machine has nodes 0.." + (nodes - 1)));
                }
            }
            if ((e.action() == EventSpec.Action.MLOCK || e.action() == EventSpec.Action.MUNLOCK) && machine != null
                    && machine.reclaim() != ReclaimMode.LRU) {
                out.add(new Diagnostic(w, word + " needs reclaim 'lru' (the machine uses '" + machine.reclaim().key()
                        + "', which keeps one exact list per node and no unevictable list)"));
            }
            if (!e.action().onMapping()) {
                continue;
            }
            ProcessSpec p = e.process() == null ? null : processes.get(e.process());
            if (p == null && e.process() != null && PageCacheValidator.forkChild(m, e.process()) != null) {
                p = processes.get(PageCacheValidator.forkRoot(m, e.process()));
            }
            if (p == null) {
                out.add(new Diagnostic(w, word + " names unknown process '" + e.process() + "'"
                        + (e.process() == null ? "" : Suggestions.didYouMean(e.process(), processes.keySet()))));
                continue;
            }
            MappingSpec map = null;
            Set<String> mappingNames = new LinkedHashSet<>();
            for (MappingSpec ms : p.mappings()) {
                mappingNames.add(ms.name());
                if (ms.name().equals(e.mapping()) && map == null) {
                    map = ms;
                }
            }
            if (map == null) {
                out.add(new Diagnostic(w, word + " names unknown mapping '" + e.mapping() + "' of process '" + p.name() + "'"
                        + (e.mapping() == null ? "" : Suggestions.didYouMean(e.mapping(), mappingNames))));
                continue;
            }
            if (word.equals("madvise") && e.action() != EventSpec.Action.MADVISE_DONTNEED && map.kind() != MappingKind.ANON) {
                out.add(new Diagnostic(w, "madvise " + e.action().name().substring("MADVISE_".length()).toLowerCase(java.util.Locale.ROOT)
                        + " of mapping '" + map.name() + "' of kind '" + map.kind().key()
                        + "': ksim simulates the huge page advice and pageout on anonymous mappings only"));
                continue;
            }
            String key = p.name() + "\0" + map.name();
            if (e.action() == EventSpec.Action.UNPIN) {
                if (!pinned.remove(key)) {
                    out.add(new Diagnostic(w, "unpin '" + map.name() + "' of process '" + p.name()
                            + "' comes before any pin of that mapping; pin it first (pin '" + map.name() + "', pages: 16)"));
                }
                continue;
            }
            long mappingPages = map.sizeBytes() <= 0 ? 0 : (map.sizeBytes() - 1) / MemoryManager.PAGE_SIZE + 1;
            long count = e.pages() == EventSpec.WHOLE_MAPPING ? mappingPages - e.from() : e.pages();
            if (e.from() < 0 || e.from() >= mappingPages) {
                out.add(new Diagnostic(w, word + ": page " + e.from() + " is outside mapping '" + map.name() + "' of process '"
                        + p.name() + "', which has pages 0.." + (mappingPages - 1)));
            } else if (count < 1) {
                out.add(new Diagnostic(w, word + ": pages must be at least 1, got " + count));
            } else if (e.from() + count > mappingPages) {
                out.add(new Diagnostic(w, word + ": pages " + e.from() + ".." + (e.from() + count - 1) + " run past the end of mapping '"
                        + map.name() + "' of process '" + p.name() + "', which has pages 0.." + (mappingPages - 1)));
            } else if (e.action() == EventSpec.Action.PIN) {
                pinned.add(key);
            }
        }
    }

    /** {@code ns} in the largest unit that divides it: 5 ms, 1500 us, 7 ns. */
    static String formatNs(long ns) {
        if (ns != 0 && ns % 1_000_000_000L == 0) {
            return ns / 1_000_000_000L + " s";
        }
        if (ns != 0 && ns % 1_000_000L == 0) {
            return ns / 1_000_000L + " ms";
        }
        if (ns != 0 && ns % 1_000L == 0) {
            return ns / 1_000L + " us";
        }
        return ns + " ns";
    }

    /**
     * Every metric a run on {@code machine} reports: the machine-wide counters, the per-node
     * metrics ({@code node<N>.nr_free_pages} ...) and the histogram summaries
     * ({@code fault_latency.p99} ...), sorted.
     */
    public static Set<String> metricNames(MachineSpec machine) {
        return metricNames(machine, false);
    }

    /**
     * As {@link #metricNames(MachineSpec)}; with {@code events} (the scenario has timed events)
     * also the pinning, mlock, migration and memory-failure counters
     * ({@link MmMetrics#ON_USE_COUNTERS}) and the {@code migration_latency} summaries, which such a
     * run reports from its start.
     */
    public static Set<String> metricNames(MachineSpec machine, boolean events) {
        Set<String> names = new TreeSet<>(MmMetrics.COUNTERS);
        names.addAll(MmMetrics.NUMA_BALANCING_COUNTERS);
        names.addAll(dev.ksim.engine.mm.LargePageMetrics.COUNTERS);
        names.addAll(dev.ksim.engine.mm.LargePageMetrics.GAUGES);
        if (events) {
            names.addAll(MmMetrics.ON_USE_COUNTERS);
            for (String s : List.of("count", "p50", "p90", "p99", "max")) {
                names.add(MmMetrics.MIGRATION_LATENCY + "." + s);
            }
        }
        for (int i = 0; i < machine.nodes().size(); i++) {
            for (String n : MmMetrics.NODE_METRICS) {
                names.add(MmMetrics.nodeMetric(i, n));
            }
            for (String n : dev.ksim.engine.mm.LargePageMetrics.NODE_METRICS) {
                names.add(MmMetrics.nodeMetric(i, n));
            }
        }
        names.addAll(DeviceValidator.metricNames(machine, events));
        for (String h : MmMetrics.HISTOGRAMS) {
            for (String s : List.of("count", "p50", "p90", "p99", "max")) {
                names.add(h + "." + s);
            }
        }
        return java.util.Collections.unmodifiableSet(names);
    }

    /** Ids of the plugins a model uses: plugins prefix their own metrics with their id. */
    private static Set<String> pluginIds(ScenarioModel m) {
        Set<String> ids = new HashSet<>();
        if (m.migrationPolicy() != null) {
            ids.add(m.migrationPolicy().id());
        }
        if (m.hardening() != null) {
            ids.add(m.hardening().id());
        }
        if (m.machine() != null) {
            for (NodeSpec n : m.machine().nodes()) {
                if (n.provider() != null) {
                    ids.add(n.provider().id());
                }
            }
        }
        for (ProcessSpec p : m.processes()) {
            for (ThreadSpec t : p.threads()) {
                if (t.workload() != null) {
                    ids.add(t.workload().id());
                }
            }
        }
        return ids;
    }

    /** {@code <plugin-id>.<name>} or {@code <plugin-id>_<name>} of a plugin the model uses. */
    private static boolean pluginMetric(String metric, Set<String> pluginIds) {
        for (String id : pluginIds) {
            if (metric.length() > id.length() + 1 && metric.startsWith(id)
                    && (metric.charAt(id.length()) == '.' || metric.charAt(id.length()) == '_')) {
                return true;
            }
        }
        return false;
    }

    private static SourceRef at(SourceRef where) {
        return where == null ? SourceRef.UNKNOWN : where;
    }
}

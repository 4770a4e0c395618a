package dev.ksim.engine.model;

import dev.ksim.engine.mm.MemoryManager;
import dev.ksim.engine.mm.MmMetrics;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The semantic checks of device memory and memory hotplug, for {@link ScenarioValidator}: what a
 * node with {@code device 'kind'} or {@code hotplug} may also declare, the events that act on
 * them ({@code migrateVma}, {@code evict}, {@code addMemory}, {@code offlineMemory}), and the
 * metrics such machines report. Every problem is located at the declaration it concerns.
 */
final class DeviceValidator {
    private DeviceValidator() {
    }

    /**
     * A device node's kind is known, it has no buddy zones to split ({@code movable}) or watermarks
     * to set, and the machine reclaims in {@code lru} mode (strict-lru keeps one exact list of every
     * user page, which device pages are never on).
     */
    static void validateNode(MachineSpec machine, NodeSpec n, SourceRef nw, List<Diagnostic> out) {
        validateHotplug(n, nw, out);
        DeviceSpec d = n.device();
        if (d == null) {
            return;
        }
        SourceRef dw = d.where() == null || d.where() == SourceRef.UNKNOWN ? nw : d.where();
        if (!DeviceSpec.KINDS.contains(d.kind())) {
            out.add(new Diagnostic(dw, "node" + n.id() + ": unknown device memory kind '" + d.kind() + "'"
                    + dev.ksim.engine.util.Suggestions.didYouMean(String.valueOf(d.kind()), DeviceSpec.KINDS)
                    + "; available: " + String.join(", ", DeviceSpec.KINDS)));
        }
        if (n.movableBytes() > 0) {
            out.add(new Diagnostic(dw, "node" + n.id() + " is device memory (ZONE_DEVICE) and has no ZONE_MOVABLE part;"
                    + " drop movable, or drop device to online the memory as an ordinary NUMA node"));
        }
        if (n.watermarks() != null) {
            out.add(new Diagnostic(dw, "node" + n.id() + " is device memory (ZONE_DEVICE): it has no buddy zone and no"
                    + " watermarks; drop watermarks"));
        }
        if (machine.reclaim() != ReclaimMode.LRU) {
            out.add(new Diagnostic(dw, "device memory needs reclaim 'lru' (the machine uses '" + machine.reclaim().key()
                    + "', which keeps every user page on one exact list; device pages are never on an LRU)"));
        }
    }

    /**
     * The device-memory events: {@code migrateVma} and {@code evict} name a node with device memory
     * (and {@code evict process:} a process that exists); a skip period is not negative.
     */
    static void validateEvents(ScenarioModel m, MachineSpec machine, List<Diagnostic> out) {
        if (machine == null) {
            return;
        }
        java.util.Set<String> processes = new java.util.LinkedHashSet<>();
        for (ProcessSpec p : m.processes()) {
            processes.add(p.name());
        }
        for (EventSpec e : m.events()) {
            SourceRef w = e.where() == null ? SourceRef.UNKNOWN : e.where();
            if (e.action() == EventSpec.Action.ADD_MEMORY || e.action() == EventSpec.Action.OFFLINE_MEMORY) {
                validateHotplugEvent(e, machine, w, out);
                continue;
            }
            if (e.action() != EventSpec.Action.MIGRATE_VMA && e.action() != EventSpec.Action.EVICT) {
                continue;
            }
            String word = e.action().word();
            int nodes = machine.nodes().size();
            if (e.node() < 0 || e.node() >= nodes) {
                out.add(new Diagnostic(w, word + " names node " + e.node() + ", but the machine has nodes 0.." + (nodes - 1)));
            } else if (machine.nodes().get(e.node()).device() == null) {
                out.add(new Diagnostic(w, word + " names node " + e.node() + ", which has no device memory; declare it in the"
                        + " node's block (device 'private', 'coherent' or 'public')" + deviceNodes(machine)));
            }
            if (e.skipEvery() < 0) {
                out.add(new Diagnostic(w, word + ": skipEvery must be >= 0 (0 = the driver skips nothing), got " + e.skipEvery()));
            }
            if (e.action() == EventSpec.Action.MIGRATE_VMA) {
                MappingKind kind = mappingKind(m, e.process(), e.mapping());
                if (kind != null && kind != MappingKind.ANON) {
                    out.add(new Diagnostic(w, word + " of mapping '" + e.mapping() + "' of kind '" + kind.key()
                            + "': migrate_vma moves only anonymous private memory (kind 'anon')"));
                }
            }
            if (e.action() == EventSpec.Action.EVICT && e.process() != null && !processes.contains(e.process())) {
                out.add(new Diagnostic(w, word + " names unknown process '" + e.process() + "'"
                        + dev.ksim.engine.util.Suggestions.didYouMean(e.process(), processes)));
            }
        }
    }

    /** The kind of mapping {@code mapping} of process {@code process}, null when there is none (reported elsewhere). */
    private static MappingKind mappingKind(ScenarioModel m, String process, String mapping) {
        for (ProcessSpec p : m.processes()) {
            if (p.name().equals(process)) {
                for (MappingSpec ms : p.mappings()) {
                    if (ms.name().equals(mapping)) {
                        return ms.kind();
                    }
                }
            }
        }
        return null;
    }

    /** "; node 1 has device memory" / "; nodes 1, 2 have device memory", or "" when none has. */
    private static String deviceNodes(MachineSpec machine) {
        List<String> ids = new java.util.ArrayList<>();
        for (NodeSpec n : machine.nodes()) {
            if (n.device() != null) {
                ids.add(String.valueOf(n.id()));
            }
        }
        if (ids.isEmpty()) {
            return "";
        }
        return ids.size() == 1 ? "; node " + ids.get(0) + " has device memory" : "; nodes " + String.join(", ", ids) + " have device memory";
    }

    /** 2 MiB: ksim's hotplug granularity (a pageblock). */
    static final long PAGEBLOCK_BYTES = 512 * MemoryManager.PAGE_SIZE;

    /** Hot-pluggable memory: within the node, beside its ZONE_MOVABLE part, in whole pageblocks. */
    private static void validateHotplug(NodeSpec n, SourceRef nw, List<Diagnostic> out) {
        long h = n.hotplugBytes();
        if (h == 0) {
            return;
        }
        if (h < 0 || h > n.sizeBytes()) {
            out.add(new Diagnostic(nw, "node" + n.id() + " hotplug must be between 0 and the node's memory (" + n.sizeBytes()
                    + " bytes), got " + h + " bytes"));
        } else if (n.movableBytes() + h > n.sizeBytes()) {
            out.add(new Diagnostic(nw, "node" + n.id() + " movable (" + n.movableBytes() + " bytes) and hotplug (" + h
                    + " bytes) together exceed its memory (" + n.sizeBytes() + " bytes); movable is the part of the memory"
                    + " present at boot that is ZONE_MOVABLE"));
        } else if (h % PAGEBLOCK_BYTES != 0 && h != n.sizeBytes()) {
            out.add(new Diagnostic(nw, "node" + n.id() + " hotplug must be a multiple of 2 MiB (a pageblock, ksim's hotplug"
                    + " granularity) or all of the node's memory, got " + h + " bytes"));
        }
    }

    /** Memory hotplug events: a node with hot-pluggable memory (or device memory, for offlining), the right zone. */
    private static void validateHotplugEvent(EventSpec e, MachineSpec machine, SourceRef w, List<Diagnostic> out) {
        String word = e.action().word();
        int nodes = machine.nodes().size();
        if (e.node() < 0 || e.node() >= nodes) {
            out.add(new Diagnostic(w, word + " names node " + e.node() + ", but the machine has nodes 0.." + (nodes - 1)));
            return;
        }
        NodeSpec n = machine.nodes().get(e.node());
        boolean device = n.device() != null;
        if (n.hotplugBytes() == 0 && !(device && e.action() == EventSpec.Action.OFFLINE_MEMORY)) {
            out.add(new Diagnostic(w, word + " names node " + e.node() + ", which has no hot-pluggable memory"
                    + (device ? " (its device memory is memremap'd at boot)" : "") + "; declare it in the node's block, e.g. hotplug "
                    + (n.sizeBytes() >= PAGEBLOCK_BYTES ? n.sizeBytes() / (1024 * 1024) + ".MiB" : "2.MiB")));
            return;
        }
        if (e.action() != EventSpec.Action.ADD_MEMORY) {
            return;
        }
        if (device && e.zone() != null) {
            out.add(new Diagnostic(w, "addMemory: node " + e.node() + " is device memory, which is memremap'd into its driver's"
                    + " pool, not onlined; drop online:"));
        } else if (!device && e.zone() == null) {
            out.add(new Diagnostic(w, "addMemory needs the zone to online node " + e.node() + "'s memory into: online: 'movable'"
                    + " or online: 'normal'"));
        } else if ("normal".equals(e.zone()) && n.movableBytes() > 0) {
            out.add(new Diagnostic(w, "addMemory: node " + e.node() + "'s hot-pluggable memory lies above its ZONE_MOVABLE part;"
                    + " onlining it into ZONE_NORMAL would interleave the zones, which the kernel refuses; online: 'movable'"));
        }
    }

    /** Pages of {@code n} that are ZONE_NORMAL at boot: none for device memory. */
    static long bootNormalPages(NodeSpec n) {
        if (n.device() != null) {
            return 0;
        }
        return Math.max(0, (n.sizeBytes() - n.movableBytes() - n.hotplugBytes()) / MemoryManager.PAGE_SIZE);
    }

    /** The per-node device-pool gauges of the machine's device nodes. */
    static Set<String> metricNames(MachineSpec machine, boolean events) {
        Set<String> names = new TreeSet<>();
        for (NodeSpec n : machine.nodes()) {
            if (n.device() != null) {
                names.add(MmMetrics.nodeMetric(n.id(), MmMetrics.DEVICE_PAGES_FREE));
                names.add(MmMetrics.nodeMetric(n.id(), MmMetrics.DEVICE_PAGES_USED));
            }
            if (n.hotplugBytes() > 0) {
                names.add(MmMetrics.nodeMetric(n.id(), MmMetrics.MANAGED_PAGES));
            }
        }
        if (events) {
            names.addAll(MmMetrics.DEVICE_COUNTERS);
            for (String s : List.of("count", "p50", "p90", "p99", "max")) {
                names.add(MmMetrics.MIGRATE_VMA_LATENCY + "." + s);
            }
        }
        return names;
    }
}

package dev.ksim.dsl;

import dev.ksim.dsl.internal.Values;
import dev.ksim.engine.model.DeviceSpec;
import dev.ksim.engine.model.HugePagesSpec;
import dev.ksim.engine.model.NodeSpec;
import dev.ksim.engine.model.PluginRef;
import dev.ksim.engine.model.SourceRef;
import dev.ksim.engine.model.WatermarkSpec;
import dev.ksim.spi.PluginKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code node(0) { memory 64.MiB; cpus 0..1; provider 'system-ram', latency: 80.ns }}: one memory
 * node. {@code size} is a synonym of {@code memory}. Without {@code cpus} the node is memory-only;
 * without {@code provider} its memory is plain system RAM ({@code system-ram}). {@code device
 * 'coherent'} (or {@code 'private'}, {@code 'public'}) makes the node's memory device memory in
 * ZONE_DEVICE, handed out only by its driver. {@code hotplug 64.MiB} makes the top of the node's
 * memory hot-pluggable: absent at boot until a timed {@code addMemory}.
 */
public final class NodeBlock extends Block {
    static final String DEFAULT_PROVIDER = "system-ram";
    static final Map<String, String> SETTINGS = usage(
            "memory", "memory 64.MiB",
            "size", "size 64.MiB",
            "cpus", "cpus 0..1",
            "provider", "provider 'system-ram', latency: 80.ns",
            "movable", "movable 16.MiB",
            "watermarks", "watermarks min: 1.MiB, low: 2.MiB, high: 3.MiB",
            "device", "device 'coherent'",
            "hotplug", "hotplug 64.MiB",
            "hugepages", "hugepages 64");

    final int id;
    private Long bytes;
    private List<Integer> cpuList = List.of();
    private PluginRef providerRef;
    private boolean providerSeen;
    private long movableBytes;
    private WatermarkSpec watermarks;
    private DeviceSpec device;
    private long hotplugBytes;
    private HugePagesSpec hugepages;

    NodeBlock(Evaluation ev, SourceRef where, int id) {
        super(ev, where);
        this.id = id;
    }

    @Override
    String blockName() {
        return "node";
    }

    @Override
    Map<String, String> settings() {
        return SETTINGS;
    }

    /** Memory size of the node. */
    public void memory(Object size) {
        Long b = sizeArg("memory", size);
        if (b != null) {
            bytes = b;
        }
    }

    /** Same as {@link #memory(Object)}. */
    public void size(Object size) {
        Long b = sizeArg("size", size);
        if (b != null) {
            bytes = b;
        }
    }

    /** CPUs local to the node: one CPU, a range {@code 0..3} or a list {@code [0, 2]}. */
    public void cpus(Object cpus) {
        List<Object> list = Values.isIntegral(cpus) ? List.of(cpus) : Values.asList(cpus);
        if (list == null) {
            report(what("cpus") + " expects a CPU number, a range such as 0..3 or a list such as [0, 2], got " + Values.describe(cpus));
            return;
        }
        List<Integer> out = new ArrayList<>();
        for (Object c : list) {
            if (!Values.isIntegral(c)) {
                report(what("cpus") + " expects whole CPU numbers, got " + Values.describe(c));
                return;
            }
            out.add(((Number) c).intValue());
        }
        cpuList = List.copyOf(out);
    }

    /** What the node's memory is: a memory provider plugin by id, options as named arguments. */
    public void provider(Object id) {
        provider(Map.of(), id);
    }

    public void provider(Map<?, ?> options, Object id) {
        providerSeen = true;
        providerRef = pluginArg(PluginKind.MEMORY_PROVIDER, id, options);
    }

    /** How much of the node's memory (its top) is ZONE_MOVABLE. */
    public void movable(Object size) {
        Long b = sizeArg("movable", size);
        if (b != null) {
            movableBytes = b;
        }
    }

    /** Explicit ZONE_NORMAL watermarks: {@code watermarks min: 1.MiB, low: 2.MiB, high: 3.MiB}. */
    public void watermarks(Map<?, ?> marks) {
        SourceRef at = ev.here();
        for (Object k : marks.keySet()) {
            if (!List.of("min", "low", "high").contains(String.valueOf(k))) {
                report(at, "unknown argument '" + k + "' of watermarks" + dev.ksim.engine.util.Suggestions.didYouMean(
                        String.valueOf(k), List.of("min", "low", "high")) + "; write watermarks min: 1.MiB, low: 2.MiB, high: 3.MiB");
                return;
            }
        }
        if (!marks.containsKey("min") || !marks.containsKey("low") || !marks.containsKey("high")) {
            report(at, "watermarks needs min:, low: and high:, e.g. watermarks min: 1.MiB, low: 2.MiB, high: 3.MiB");
            return;
        }
        Long min = sizeArg("watermarks", marks.get("min"));
        Long low = sizeArg("watermarks", marks.get("low"));
        Long high = sizeArg("watermarks", marks.get("high"));
        if (min != null && low != null && high != null) {
            watermarks = new WatermarkSpec(min, low, high, at);
        }
    }

    /**
     * The node's memory is device memory in ZONE_DEVICE of kind {@code 'private'}
     * (MEMORY_DEVICE_PRIVATE), {@code 'coherent'} (MEMORY_DEVICE_COHERENT) or {@code 'public'}
     * (MEMORY_DEVICE_PUBLIC).
     */
    public void device(Object kind) {
        SourceRef at = ev.here();
        String k = kind instanceof CharSequence cs ? cs.toString() : null;
        if (k == null || !DeviceSpec.KINDS.contains(k)) {
            report(at, "unknown device memory kind " + (k == null ? Values.describe(kind) : "'" + k + "'") + " in node " + id
                    + (k == null ? ";" : Values.suggest(k, DeviceSpec.KINDS)) + " available: " + String.join(", ", DeviceSpec.KINDS));
            return;
        }
        if (device != null) {
            report(at, "device is given twice in node " + id + " (first at line " + device.where().line() + ")");
            return;
        }
        device = new DeviceSpec(k, at);
    }

    /** How much of the node's memory (its top) is hot-pluggable: absent at boot, added by {@code addMemory}. */
    public void hotplug(Object size) {
        Long b = sizeArg("hotplug", size);
        if (b != null) {
            hotplugBytes = b;
        }
    }

    /** The node's hugetlbfs pool: 2 MiB pages allocated at boot (nr_hugepages of the node). */
    public void hugepages(Object count) {
        SourceRef at = ev.here();
        Long n = integerArg("hugepages", count, 0);
        if (n != null) {
            hugepages = new HugePagesSpec(n, at);
        }
    }

    NodeSpec build(List<Integer> distances) {
        boolean quiet = dirty;
        PluginRef provider = providerSeen ? providerRef : defaultPlugin(PluginKind.MEMORY_PROVIDER, DEFAULT_PROVIDER, "provider", where);
        if (bytes == null) {
            if (!quiet) {
                report(where, "node " + id + " has no memory size; add memory 64.MiB");
            }
            return null;
        }
        if (provider == null) {
            return null;
        }
        return new NodeSpec(id, bytes, provider, cpuList, distances, movableBytes, watermarks, device, hotplugBytes, where, hugepages);
    }
}

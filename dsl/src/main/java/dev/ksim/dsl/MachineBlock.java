package dev.ksim.dsl;

import dev.ksim.dsl.internal.Values;
import dev.ksim.engine.model.LargePageSpec;
import dev.ksim.engine.model.MachineSpec;
import dev.ksim.engine.model.NodeSpec;
import dev.ksim.engine.model.ReclaimMode;
import dev.ksim.engine.model.SourceRef;
import dev.ksim.engine.model.SwapSpec;
import dev.ksim.engine.model.VmSpec;
import dev.ksim.engine.util.Suggestions;
import groovy.lang.Closure;
import groovy.lang.DelegatesTo;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * {@code machine { ... }}: CPU count, memory nodes, an optional SLIT distance matrix, an
 * optional swap device, the reclaim mode ({@code reclaim 'lru'} or {@code 'strict-lru'}) and the vm
 * tunables ({@code minFreeKbytes}, {@code watermarkScaleFactor}, {@code swappiness}, {@code demotion}),
 * automatic NUMA balancing ({@code numaBalancing 'autonuma'}, tunables in a block: {@link NumaBalancingBlock}),
 * transparent huge pages and compaction ({@code thp}, {@code thpDefrag}, {@code khugepaged*},
 * {@code extfragThreshold}). Nodes are numbered 0..n-1; they may be declared in any order.
 */
public final class MachineBlock extends Block {
    static final Map<String, String> SETTINGS = usage(
            "cpus", "cpus 4",
            "node", "node(0) { memory 64.MiB; cpus 0..1 }",
            "distances", "distances([[10, 21], [21, 10]])",
            "swap", "swap { size 1.GiB; readLatency 80.us; writeLatency 100.us }",
            "reclaim", "reclaim 'lru'",
            "minFreeKbytes", "minFreeKbytes 4096",
            "watermarkScaleFactor", "watermarkScaleFactor 10",
            "swappiness", "swappiness 60",
            "demotion", "demotion true",
            "numaBalancing", "numaBalancing 'autonuma'  (or numaBalancing('tiering') { scanDelay 10.ms; hotThreshold 5.ms })",
            "thp", "thp 'always'",
            "thpDefrag", "thpDefrag 'madvise'",
            "khugepagedDefrag", "khugepagedDefrag true",
            "khugepagedPagesToScan", "khugepagedPagesToScan 4096",
            "khugepagedScanSleepMillisecs", "khugepagedScanSleepMillisecs 10000",
            "khugepagedAllocSleepMillisecs", "khugepagedAllocSleepMillisecs 60000",
            "khugepagedMaxPtesNone", "khugepagedMaxPtesNone 511",
            "khugepagedMaxPtesSwap", "khugepagedMaxPtesSwap 64",
            "extfragThreshold", "extfragThreshold 500",
            "writeback", "writeback { dirtyRatio 20; dirtyBackgroundRatio 10; dirtyExpire 30.s; dirtyWritebackInterval 5.s }",
            "at", "at(5.ms) { poison node: 0, free: true }");

    private Integer cpuCount;
    private final List<NodeBlock> nodeBlocks = new ArrayList<>();
    private List<List<Integer>> matrix;
    private SourceRef matrixWhere;
    private SwapBlock swapBlock;
    private ReclaimMode reclaimMode;
    private long minFreeKbytes = VmSpec.KERNEL_DEFAULT;
    private int watermarkScaleFactor = VmSpec.DEFAULT_WATERMARK_SCALE_FACTOR;
    private int swappiness = VmSpec.DEFAULT_SWAPPINESS;
    private boolean demotion;
    private dev.ksim.engine.model.NumaBalancingSpec numaBalancing;
    private SourceRef numaBalancingWhere;
    private LargePageSpec.Thp thpMode = LargePageSpec.DEFAULT.thp();
    private SourceRef thpWhere;
    private LargePageSpec.Defrag defrag = LargePageSpec.DEFAULT.defrag();
    private boolean khugepagedDefrag = LargePageSpec.DEFAULT.khugepagedDefrag();
    private int pagesToScan = LargePageSpec.DEFAULT.pagesToScan();
    private long scanSleepMillisecs = LargePageSpec.DEFAULT.scanSleepMillisecs();
    private long allocSleepMillisecs = LargePageSpec.DEFAULT.allocSleepMillisecs();
    private int maxPtesNone = LargePageSpec.DEFAULT.maxPtesNone();
    private int maxPtesSwap = LargePageSpec.DEFAULT.maxPtesSwap();
    private int extfragThreshold = LargePageSpec.DEFAULT.extfragThreshold();
    private WritebackBlock writebackBlock;

    MachineBlock(Evaluation ev, SourceRef where) {
        super(ev, where);
    }

    @Override
    String blockName() {
        return "machine";
    }

    @Override
    Map<String, String> settings() {
        return SETTINGS;
    }

    /** Number of CPUs (default: one more than the highest CPU any node lists). */
    public void cpus(Object count) {
        Long n = integerArg("cpus", count, 1);
        if (n != null) {
            cpuCount = (int) Math.min(n, Integer.MAX_VALUE);
        }
    }

    /** A memory node. */
    public void node(Object id, @DelegatesTo(value = NodeBlock.class, strategy = Closure.DELEGATE_ONLY) Closure<?> body) {
        SourceRef at = ev.here();
        Long n = integerArg("node", id, 0);
        if (n == null) {
            return;
        }
        for (NodeBlock other : nodeBlocks) {
            if (other.id == n) {
                report("node " + n + " is declared twice (first at line " + other.where.line() + ")");
                return;
            }
        }
        nodeBlocks.add(within(new NodeBlock(ev, at, n.intValue()), body));
    }

    public void node(Object id) {
        node(id, null);
    }

    /** The SLIT distance matrix: one row per node, one column per node. */
    public void distances(Object rows) {
        SourceRef at = ev.here();
        List<Object> list = Values.asList(rows);
        if (list == null) {
            report("'distances' in machine {} expects a list of rows, e.g. distances([[10, 21], [21, 10]]), got " + Values.describe(rows));
            return;
        }
        List<List<Integer>> out = new ArrayList<>();
        for (Object row : list) {
            List<Object> cells = Values.asList(row);
            if (cells == null) {
                report("'distances' in machine {} expects each row to be a list of numbers, got " + Values.describe(row));
                return;
            }
            List<Integer> r = new ArrayList<>();
            for (Object c : cells) {
                if (!Values.isIntegral(c)) {
                    report("'distances' in machine {} expects whole numbers, got " + Values.describe(c));
                    return;
                }
                r.add(((Number) c).intValue());
            }
            out.add(List.copyOf(r));
        }
        matrix = out;
        matrixWhere = at;
    }

    /** A swap device (absent: no swap). */
    public void swap(@DelegatesTo(value = SwapBlock.class, strategy = Closure.DELEGATE_ONLY) Closure<?> body) {
        if (swapBlock != null) {
            report("swap {} is given twice");
            return;
        }
        swapBlock = within(new SwapBlock(ev, ev.here()), body);
    }

    /** How reclaim picks victims ({@link ReclaimMode}); default {@code strict-lru}. */
    public void reclaim(Object mode) {
        String key = mode instanceof CharSequence cs ? cs.toString() : null;
        ReclaimMode m = key == null ? null : ReclaimMode.of(key);
        if (m == null) {
            report("unknown reclaim mode " + (key == null ? Values.describe(mode) : "'" + key + "'") + " in machine {}"
                    + (key == null ? "" : Suggestions.didYouMean(key, ReclaimMode.keys()))
                    + "; available: " + String.join(", ", ReclaimMode.keys()));
            return;
        }
        reclaimMode = m;
    }

    /** vm.min_free_kbytes (default: computed as the kernel does at boot). */
    public void minFreeKbytes(Object kbytes) {
        Long n = integerArg("minFreeKbytes", kbytes, 0);
        if (n != null) {
            minFreeKbytes = n;
        }
    }

    /** vm.watermark_scale_factor, 1..3000 (default 10). */
    public void watermarkScaleFactor(Object factor) {
        Long n = integerArg("watermarkScaleFactor", factor, 1);
        if (n != null) {
            if (n > 3000) {
                report(what("watermarkScaleFactor") + " must be at most 3000, got " + n);
                return;
            }
            watermarkScaleFactor = n.intValue();
        }
    }

    /** vm.swappiness, 0..200 (default 60). */
    public void swappiness(Object value) {
        Long n = integerArg("swappiness", value, 0);
        if (n != null) {
            if (n > 200) {
                report(what("swappiness") + " must be at most 200, got " + n);
                return;
            }
            swappiness = n.intValue();
        }
    }

    /** Demotion to the next memory tier before swap (default false). */
    public void demotion(Object enabled) {
        if (enabled instanceof Boolean b) {
            demotion = b;
        } else {
            report(what("demotion") + " expects true or false, got " + Values.describe(enabled));
        }
    }

    /** Automatic NUMA balancing ({@code kernel.numa_balancing}): 'off' (default), 'autonuma', 'tiering', 'autonuma+tiering'. */
    public void numaBalancing(Object mode) {
        numaBalancing(mode, null);
    }

    /** Automatic NUMA balancing with its tunables: {@code numaBalancing('autonuma') { scanDelay 10.ms }}; see {@link NumaBalancingBlock}. */
    public void numaBalancing(Object mode,
                              @DelegatesTo(value = NumaBalancingBlock.class, strategy = Closure.DELEGATE_ONLY) Closure<?> body) {
        SourceRef at = ev.here();
        if (numaBalancingWhere != null) {
            report("numaBalancing is given twice (first at line " + numaBalancingWhere.line() + ")");
            return;
        }
        numaBalancingWhere = at;
        String key = mode instanceof CharSequence cs ? cs.toString() : null;
        dev.ksim.engine.model.NumaBalancingSpec.Mode m = key == null ? null : dev.ksim.engine.model.NumaBalancingSpec.Mode.of(key);
        if (m == null) {
            List<String> keys = dev.ksim.engine.model.NumaBalancingSpec.Mode.keys();
            report("unknown NUMA balancing mode " + (key == null ? Values.describe(mode) : "'" + key + "'") + " in machine {}"
                    + (key == null ? "" : Suggestions.didYouMean(key, keys)) + "; available: " + String.join(", ", keys));
            return;
        }
        NumaBalancingBlock block = within(new NumaBalancingBlock(ev, at, m), body);
        dev.ksim.engine.model.NumaBalancingSpec spec = block.build();
        if (spec == null) {
            dirty = true;
            return;
        }
        numaBalancing = spec;
    }

    /** /sys/kernel/mm/transparent_hugepage/enabled: 'always' (the kernel's default), 'madvise' or 'never'. */
    public void thp(Object mode) {
        String key = mode instanceof CharSequence cs ? cs.toString() : null;
        LargePageSpec.Thp t = key == null ? null : LargePageSpec.Thp.of(key);
        if (t == null) {
            report("unknown thp mode " + (key == null ? Values.describe(mode) : "'" + key + "'") + " in machine {}"
                    + (key == null ? "" : Suggestions.didYouMean(key, LargePageSpec.Thp.keys()))
                    + "; available: " + String.join(", ", LargePageSpec.Thp.keys()));
            return;
        }
        thpMode = t;
        thpWhere = ev.here();
    }

    /** /sys/kernel/mm/transparent_hugepage/defrag: 'always', 'defer', 'defer+madvise', 'madvise' (default), 'never'. */
    public void thpDefrag(Object mode) {
        String key = mode instanceof CharSequence cs ? cs.toString() : null;
        LargePageSpec.Defrag d = key == null ? null : LargePageSpec.Defrag.of(key);
        if (d == null) {
            report("unknown thpDefrag setting " + (key == null ? Values.describe(mode) : "'" + key + "'") + " in machine {}"
                    + (key == null ? "" : Suggestions.didYouMean(key, LargePageSpec.Defrag.keys()))
                    + "; available: " + String.join(", ", LargePageSpec.Defrag.keys()));
            return;
        }
        defrag = d;
    }

    /** khugepaged/defrag: khugepaged's allocations may compact and reclaim (default true). */
    public void khugepagedDefrag(Object enabled) {
        if (enabled instanceof Boolean b) {
            khugepagedDefrag = b;
        } else {
            report(what("khugepagedDefrag") + " expects true or false, got " + Values.describe(enabled));
        }
    }

    /** khugepaged/pages_to_scan (default 4096). */
    public void khugepagedPagesToScan(Object n) {
        Long v = integerArg("khugepagedPagesToScan", n, 1);
        if (v != null) {
            pagesToScan = (int) Math.min(v, Integer.MAX_VALUE);
        }
    }

    /** khugepaged/scan_sleep_millisecs (default 10000). */
    public void khugepagedScanSleepMillisecs(Object n) {
        Long v = integerArg("khugepagedScanSleepMillisecs", n, 0);
        if (v != null) {
            scanSleepMillisecs = v;
        }
    }

    /** khugepaged/alloc_sleep_millisecs (default 60000). */
    public void khugepagedAllocSleepMillisecs(Object n) {
        Long v = integerArg("khugepagedAllocSleepMillisecs", n, 0);
        if (v != null) {
            allocSleepMillisecs = v;
        }
    }

    /** khugepaged/max_ptes_none, 0..511 (default 511). */
    public void khugepagedMaxPtesNone(Object n) {
        Long v = boundedInteger("khugepagedMaxPtesNone", n, LargePageSpec.HPAGE_PMD_NR - 1);
        if (v != null) {
            maxPtesNone = v.intValue();
        }
    }

    /** khugepaged/max_ptes_swap, 0..511 (default 64). */
    public void khugepagedMaxPtesSwap(Object n) {
        Long v = boundedInteger("khugepagedMaxPtesSwap", n, LargePageSpec.HPAGE_PMD_NR - 1);
        if (v != null) {
            maxPtesSwap = v.intValue();
        }
    }

    /** vm.extfrag_threshold, 0..1000 (default 500). */
    public void extfragThreshold(Object n) {
        Long v = boundedInteger("extfragThreshold", n, 1000);
        if (v != null) {
            extfragThreshold = v.intValue();
        }
    }

    private Long boundedInteger(String setting, Object n, long max) {
        Long v = integerArg(setting, n, 0);
        if (v != null && v > max) {
            report(what(setting) + " must be at most " + max + ", got " + v);
            return null;
        }
        return v;
    }

    MachineSpec build() {
        if (nodeBlocks.isEmpty()) {
            if (!dirty) {
                report(where, "machine {} has no memory node; add node(0) { memory 64.MiB; cpus 0..1 }");
            }
            return null;
        }
        List<NodeBlock> sorted = new ArrayList<>(nodeBlocks);
        sorted.sort(Comparator.comparingInt(n -> n.id));
        boolean ok = true;
        for (int i = 0; i < sorted.size(); i++) {
            if (sorted.get(i).id != i) {
                report(sorted.get(i).where, "node ids must be 0.." + (sorted.size() - 1) + " (one per node), but node " + i
                        + " is missing and node " + sorted.get(i).id + " is declared");
                ok = false;
                break;
            }
        }
        if (matrix != null) {
            int n = sorted.size();
            boolean square = matrix.size() == n && matrix.stream().allMatch(r -> r.size() == n);
            if (!square) {
                report(matrixWhere, "'distances' must be a " + n + "x" + n + " matrix (one row and one column per node), got "
                        + matrix.size() + " rows");
                ok = false;
            }
        }
        List<NodeSpec> nodes = new ArrayList<>();
        int highestCpu = -1;
        for (NodeBlock nb : sorted) {
            List<Integer> row = matrix != null && ok ? matrix.get(nb.id) : List.of();
            NodeSpec spec = nb.build(row);
            if (spec == null) {
                ok = false;
                continue;
            }
            nodes.add(spec);
            for (int cpu : spec.cpus()) {
                highestCpu = Math.max(highestCpu, cpu);
            }
        }
        SwapSpec swap = SwapSpec.NONE;
        if (swapBlock != null) {
            swap = swapBlock.build();
            if (swap == null) {
                ok = false;
            }
        }
        if (!ok) {
            return null;
        }
        int cpus = cpuCount != null ? cpuCount : Math.max(1, highestCpu + 1);
        LargePageSpec.Thp mode = thpMode;
        if (reclaimMode == ReclaimMode.STRICT_LRU) {
            if (thpWhere != null && thpMode != LargePageSpec.Thp.NEVER) {
                report(thpWhere, "thp '" + thpMode.key() + "' needs reclaim 'lru': 'strict-lru' simulates 4 KiB pages only "
                        + "(it validates against an exact LRU); drop the thp setting or use reclaim 'lru'");
                return null;
            }
            mode = LargePageSpec.Thp.NEVER;
        }
        LargePageSpec large = new LargePageSpec(mode, defrag, khugepagedDefrag, pagesToScan, scanSleepMillisecs,
                allocSleepMillisecs, maxPtesNone, maxPtesSwap, extfragThreshold);
        return new MachineSpec(cpus, nodes, swap, reclaimMode,
                new VmSpec(minFreeKbytes, watermarkScaleFactor, swappiness, demotion, numaBalancing), where, large);
    }

    /** The writeback sysctls ({@link WritebackBlock}). */
    public void writeback(@DelegatesTo(value = WritebackBlock.class, strategy = Closure.DELEGATE_ONLY) Closure<?> body) {
        if (writebackBlock != null) {
            report("writeback {} is given twice");
            return;
        }
        writebackBlock = within(new WritebackBlock(ev, ev.here()), body);
    }

    /** The writeback settings, or null when the machine has no writeback {} block. */
    dev.ksim.engine.model.WritebackSpec writeback() {
        return writebackBlock == null ? null : writebackBlock.build();
    }

    /** Timed actions at one instant: {@code at(5.ms) { poison node: 0, free: true }}; see {@link AtBlock}. */
    public void at(Object time, @DelegatesTo(value = AtBlock.class, strategy = Closure.DELEGATE_ONLY) Closure<?> body) {
        atBlock(time, body, null);
    }
}

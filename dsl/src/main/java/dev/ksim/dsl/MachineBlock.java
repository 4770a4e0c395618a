package dev.ksim.dsl;

import dev.ksim.dsl.internal.Values;
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
 * tunables ({@code minFreeKbytes}, {@code watermarkScaleFactor}, {@code swappiness}, {@code demotion}). Nodes are numbered 0..n-1; they may be declared in any order.
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
        return new MachineSpec(cpus, nodes, swap, reclaimMode,
                new VmSpec(minFreeKbytes, watermarkScaleFactor, swappiness, demotion), where);
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

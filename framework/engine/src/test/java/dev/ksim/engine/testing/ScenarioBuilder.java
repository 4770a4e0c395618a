package dev.ksim.engine.testing;

import dev.ksim.engine.model.ExpectationSpec;
import dev.ksim.engine.model.MachineSpec;
import dev.ksim.engine.model.MappingSpec;
import dev.ksim.engine.model.NodeSpec;
import dev.ksim.engine.model.PluginRef;
import dev.ksim.engine.model.ProcessSpec;
import dev.ksim.engine.model.ScenarioModel;
import dev.ksim.engine.model.SourceRef;
import dev.ksim.engine.model.SwapSpec;
import dev.ksim.engine.model.ThreadSpec;
import dev.ksim.spi.PluginKind;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds {@link ScenarioModel}s for tests; sizes in 4 KiB pages unless said otherwise. */
public final class ScenarioBuilder {
    public static final String FILE = "test.ksim.groovy";
    public static final long PAGE = 4096;

    private int cpus = 1;
    private final List<NodeSpec> nodes = new ArrayList<>();
    private SwapSpec swap = SwapSpec.NONE;
    private final List<ProcessSpec> processes = new ArrayList<>();
    private PluginRef policy = ref(PluginKind.MIGRATION_POLICY, "first-touch", Map.of());
    private PluginRef hardening = null;
    private long durationNs = 1_000_000_000L;
    private long sampleIntervalNs = 1_000_000L;
    private final Map<String, Long> costs = new LinkedHashMap<>();
    private final List<ExpectationSpec> expectations = new ArrayList<>();
    private String variant = "default";

    public static SourceRef at(int line) {
        return new SourceRef(FILE, line);
    }

    public static PluginRef ref(PluginKind kind, String id, Map<String, Object> options) {
        return new PluginRef(kind, id, options, at(1));
    }

    public ScenarioBuilder cpus(int n) {
        cpus = n;
        return this;
    }

    public ScenarioBuilder node(long frames, List<Integer> nodeCpus) {
        return node(frames, nodeCpus, List.of());
    }

    public ScenarioBuilder node(long frames, List<Integer> nodeCpus, List<Integer> distances) {
        int id = nodes.size();
        nodes.add(new NodeSpec(id, frames * PAGE, ref(PluginKind.MEMORY_PROVIDER, "ram", Map.of()), nodeCpus, distances, at(10 + id)));
        return this;
    }

    public ScenarioBuilder node(NodeSpec spec) {
        nodes.add(spec);
        return this;
    }

    public ScenarioBuilder swapPages(long pages, long readNs, long writeNs) {
        swap = new SwapSpec(pages * PAGE, readNs, writeNs, at(20));
        return this;
    }

    /** A process with one mapping "heap" of {@code pages} pages and the given threads. */
    public ScenarioBuilder process(String name, long pages, ThreadSpec... threads) {
        processes.add(new ProcessSpec(name, List.of(new MappingSpec("heap", pages * PAGE, at(30))), List.of(threads), at(29)));
        return this;
    }

    public ScenarioBuilder process(ProcessSpec p) {
        processes.add(p);
        return this;
    }

    public static ThreadSpec thread(String name, int cpu, String workload, Map<String, Object> options, long accesses) {
        return new ThreadSpec(name, cpu, "heap", ref(PluginKind.WORKLOAD_GENERATOR, workload, options), accesses, at(31));
    }

    public ScenarioBuilder policy(String id, Map<String, Object> options) {
        policy = ref(PluginKind.MIGRATION_POLICY, id, options);
        return this;
    }

    public ScenarioBuilder hardening(String id, Map<String, Object> options) {
        hardening = ref(PluginKind.SECURITY_HARDENING, id, options);
        return this;
    }

    public ScenarioBuilder duration(long ns) {
        durationNs = ns;
        return this;
    }

    public ScenarioBuilder sampleInterval(long ns) {
        sampleIntervalNs = ns;
        return this;
    }

    public ScenarioBuilder cost(String key, long value) {
        costs.put(key, value);
        return this;
    }

    public ScenarioBuilder expect(String metric, ExpectationSpec.Op op, double value) {
        expectations.add(new ExpectationSpec(metric, op, value, metric + " " + op.symbol() + " " + value, at(50 + expectations.size())));
        return this;
    }

    public ScenarioBuilder variant(String v) {
        variant = v;
        return this;
    }

    /**
     * The reclaim mode and tunables; default strict-lru (the builder's toy machines of a few
     * frames are textbook LRU caches, smaller than the kernel's min_free_kbytes reserve).
     */
    public ScenarioBuilder reclaim(dev.ksim.engine.model.ReclaimMode mode, dev.ksim.engine.model.VmSpec vmSpec) {
        reclaim = mode;
        vm = vmSpec;
        return this;
    }

    private dev.ksim.engine.model.ReclaimMode reclaim = dev.ksim.engine.model.ReclaimMode.STRICT_LRU;
    private dev.ksim.engine.model.VmSpec vm = dev.ksim.engine.model.VmSpec.DEFAULT;

    public ScenarioModel build() {
        MachineSpec machine = new MachineSpec(cpus, nodes, swap, reclaim, vm, at(9));
        return new ScenarioModel("test", "a test scenario", variant, Map.of(), machine, processes, policy, hardening,
                durationNs, sampleIntervalNs, costs, expectations, new SourceRef(FILE, 0));
    }
}

package dev.ksim.dsl;

import dev.ksim.engine.model.ExpectationSpec;
import dev.ksim.engine.model.MachineSpec;
import dev.ksim.engine.model.PluginRef;
import dev.ksim.engine.model.ProcessSpec;
import dev.ksim.engine.model.ScenarioModel;
import dev.ksim.engine.model.SourceRef;
import dev.ksim.spi.PluginKind;
import groovy.lang.Closure;
import groovy.lang.DelegatesTo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code scenario('name') { ... }}: the top block of a scenario script. Holds the description,
 * the simulated duration, the sampling period, the variants, the machine, the designs under test
 * (migration policy, hardening), cost-model overrides, the processes and the expectations.
 */
public final class ScenarioBlock extends Block {
    static final long DEFAULT_SAMPLE_NS = 1_000_000L;
    static final String DEFAULT_POLICY = "first-touch";
    static final String DEFAULT_HARDENING = "none";

    static final Map<String, String> SETTINGS = usage(
            "description", "description 'what this scenario shows'",
            "duration", "duration 200.ms",
            "sampleEvery", "sampleEvery 1.ms",
            "variants", "variants { param 'policy', ['first-touch', 'interleave'] }",
            "machine", "machine { cpus 4; node(0) { memory 64.MiB } }",
            "policy", "policy 'first-touch'",
            "hardening", "hardening 'none'",
            "costs", "costs { fault.minor.anon 1.us }",
            "process", "process('app') { mapping 'heap', 64.MiB; thread(cpu: 0) { workload 'uniform' } }",
            "expect", "expect { metric 'oom_kill' equalTo 0 }",
            "at", "at(5.ms) { poison process: 'app', mapping: 'heap', page: 5 }",
            "file", "file('db.dat') { size 64.MiB; readLatency 90.us; writeLatency 30.us }",
            "ipc", "ipc { transport 'bus1'; accounting 'quota-n1'; user 'root', uid: 0; peer('agent', user: 'root') { serve every: 20.us } }");

    private final String scenarioName;
    private String descriptionText = "";
    private Long durationNs;
    private long sampleNs = DEFAULT_SAMPLE_NS;
    private boolean variantsSeen;
    private MachineBlock machineBlock;
    private PluginRef policyRef;
    private boolean policySeen;
    private PluginRef hardeningRef;
    private boolean hardeningSeen;
    private final Map<String, Long> costOverrides = new LinkedHashMap<>();
    private final List<ProcessBlock> processBlocks = new ArrayList<>();
    private final List<ExpectBlock.Expectation> expectations = new ArrayList<>();
    private IpcBlock ipcBlock;
    private final List<FileBlock> fileBlocks = new ArrayList<>();

    ScenarioBlock(Evaluation ev, SourceRef where, String name) {
        super(ev, where);
        this.scenarioName = name;
    }

    @Override
    String blockName() {
        return "scenario";
    }

    @Override
    Map<String, String> settings() {
        return SETTINGS;
    }

    /** One paragraph shown in reports. */
    public void description(Object text) {
        if (text instanceof CharSequence cs) {
            descriptionText = cs.toString().strip();
        } else {
            report(what("description") + " expects a string, got " + dev.ksim.dsl.internal.Values.describe(text));
        }
    }

    /** Simulated time limit (required). */
    public void duration(Object time) {
        Long ns = positiveDurationArg("duration", time);
        if (ns != null) {
            durationNs = ns;
        }
    }

    /** Period at which gauges are sampled into time series (default 1.ms). */
    public void sampleEvery(Object time) {
        Long ns = positiveDurationArg("sampleEvery", time);
        if (ns != null) {
            sampleNs = ns;
        }
    }

    /** Parameters whose cartesian product makes the scenario's variants. */
    public void variants(@DelegatesTo(value = VariantsBlock.class, strategy = Closure.DELEGATE_ONLY) Closure<?> body) {
        if (variantsSeen) {
            report("variants {} is given twice; declare every parameter in one variants {} block");
            return;
        }
        variantsSeen = true;
        within(new VariantsBlock(ev, ev.here()), body);
    }

    /** The simulated machine (required). */
    public void machine(@DelegatesTo(value = MachineBlock.class, strategy = Closure.DELEGATE_ONLY) Closure<?> body) {
        if (machineBlock != null) {
            report("machine {} is given twice (first at line " + machineBlock.where.line() + ")");
            return;
        }
        machineBlock = within(new MachineBlock(ev, ev.here()), body);
    }

    /** The migration (placement) policy, by plugin id; options as named arguments. */
    public void policy(Object id) {
        policy(Map.of(), id);
    }

    public void policy(Map<?, ?> options, Object id) {
        policySeen = true;
        policyRef = pluginArg(PluginKind.MIGRATION_POLICY, id, options);
    }

    /** The security hardening, by plugin id; options as named arguments. */
    public void hardening(Object id) {
        hardening(Map.of(), id);
    }

    public void hardening(Map<?, ?> options, Object id) {
        hardeningSeen = true;
        hardeningRef = pluginArg(PluginKind.SECURITY_HARDENING, id, options);
    }

    /** Cost-model overrides as named arguments: {@code costs 'tlb.ipi_base': 4.us}. */
    public void costs(Map<?, ?> entries) {
        CostsBlock block = new CostsBlock(ev, ev.here(), costOverrides);
        SourceRef at = ev.here();
        entries.forEach((k, v) -> block.set(String.valueOf(k), v, at));
        dirty |= block.dirty;
    }

    /** Cost-model overrides: {@code key value} lines. */
    public void costs(@DelegatesTo(value = CostsBlock.class, strategy = Closure.DELEGATE_ONLY) Closure<?> body) {
        within(new CostsBlock(ev, ev.here(), costOverrides), body);
    }

    /** A process with its mappings and threads. */
    public void process(Object name, @DelegatesTo(value = ProcessBlock.class, strategy = Closure.DELEGATE_ONLY) Closure<?> body) {
        SourceRef at = ev.here();
        String text = nameArg("process", name);
        if (text == null) {
            return;
        }
        for (ProcessBlock p : processBlocks) {
            if (p.processName.equals(text)) {
                report("process '" + text + "' is declared twice (first at line " + p.where.line() + ")");
                return;
            }
        }
        processBlocks.add(within(new ProcessBlock(ev, at, text), body));
    }

    /** A file on storage ({@link FileBlock}). */
    public void file(Object name, @DelegatesTo(value = FileBlock.class, strategy = Closure.DELEGATE_ONLY) Closure<?> body) {
        SourceRef at = ev.here();
        String text = nameArg("file", name);
        if (text == null) {
            return;
        }
        for (FileBlock f : fileBlocks) {
            if (f.fileName().equals(text)) {
                report("file '" + text + "' is declared twice (first at line " + f.where.line() + ")");
                return;
            }
        }
        fileBlocks.add(within(new FileBlock(ev, at, text), body));
    }

    /** A bus1-style IPC system (docs/ipc.md); a scenario with ipc {} needs no machine or processes. */
    public void ipc(@DelegatesTo(value = IpcBlock.class, strategy = Closure.DELEGATE_ONLY) Closure<?> body) {
        if (ipcBlock != null) {
            report("ipc {} is given twice (first at line " + ipcBlock.where.line() + ")");
            return;
        }
        ipcBlock = within(new IpcBlock(ev, ev.here()), body);
    }

    /** Timed actions at one instant: {@code at(5.ms) { poison process: 'app', mapping: 'heap', page: 5 }}; see {@link AtBlock}. */
    public void at(Object time, @DelegatesTo(value = AtBlock.class, strategy = Closure.DELEGATE_ONLY) Closure<?> body) {
        atBlock(time, body, null);
    }

    /** Assertions over the run's metrics that decide the exit code. */
    public void expect(@DelegatesTo(value = ExpectBlock.class, strategy = Closure.DELEGATE_ONLY) Closure<?> body) {
        within(new ExpectBlock(ev, ev.here(), expectations), body);
    }

    /** The variant's model, or null when something is missing (reported). */
    ScenarioModel build(String label, Map<String, Object> params) {
        boolean quiet = dirty;
        if (durationNs == null && !quiet) {
            report(where, "scenario '" + scenarioName + "' has no duration; add e.g. duration 200.ms");
        }
        if (ipcBlock != null) {
            return buildIpc(label, params);
        }
        MachineSpec machine = null;
        if (machineBlock == null) {
            if (!quiet) {
                report(where, "scenario '" + scenarioName + "' has no machine; add machine { cpus 2; node(0) { memory 64.MiB; cpus 0..1 } }");
            }
        } else {
            machine = machineBlock.build();
        }
        PluginRef policy = policySeen ? policyRef : defaultPlugin(PluginKind.MIGRATION_POLICY, DEFAULT_POLICY, "policy", where);
        PluginRef hardening = hardeningSeen ? hardeningRef : defaultPlugin(PluginKind.SECURITY_HARDENING, DEFAULT_HARDENING, "hardening", where);
        List<ProcessSpec> processes = new ArrayList<>();
        for (ProcessBlock p : processBlocks) {
            ProcessSpec spec = p.build();
            if (spec != null) {
                processes.add(spec);
            }
        }
        List<ExpectationSpec> expects = new ArrayList<>();
        for (ExpectBlock.Expectation e : expectations) {
            if (e.spec() != null) {
                expects.add(e.spec());
            }
        }
        List<dev.ksim.engine.model.FileSpec> files = new ArrayList<>();
        for (FileBlock f : fileBlocks) {
            dev.ksim.engine.model.FileSpec spec = f.build();
            if (spec != null) {
                files.add(spec);
            }
        }
        dev.ksim.engine.model.WritebackSpec writeback = machineBlock == null ? null : machineBlock.writeback();
        if (!ev.diagnostics.isEmpty() || machine == null || durationNs == null || policy == null || hardening == null) {
            return null;
        }
        return new ScenarioModel(scenarioName, descriptionText, label, params, machine, processes, policy, hardening,
                durationNs, sampleNs, costOverrides, expects, where, null, ev.events, files, writeback);
    }

    /** An IPC-only scenario: machine, processes, policy and hardening are not needed. */
    private ScenarioModel buildIpc(String label, Map<String, Object> params) {
        dev.ksim.engine.ipc.IpcSpec ipc = ipcBlock.build();
        MachineSpec machine = machineBlock == null ? null : machineBlock.build();
        List<ProcessSpec> processes = new ArrayList<>();
        for (ProcessBlock p : processBlocks) {
            ProcessSpec spec = p.build();
            if (spec != null) {
                processes.add(spec);
            }
        }
        List<ExpectationSpec> expects = new ArrayList<>();
        for (ExpectBlock.Expectation e : expectations) {
            if (e.spec() != null) {
                expects.add(e.spec());
            }
        }
        if (!ev.events.isEmpty()) {
            report(ev.events.get(0).where(), "at() actions work on a machine's memory; a scenario with ipc {} has none");
        }
        if (!ev.diagnostics.isEmpty() || ipc == null || durationNs == null) {
            return null;
        }
        return new ScenarioModel(scenarioName, descriptionText, label, params, machine, processes, policyRef, hardeningRef,
                durationNs, sampleNs, costOverrides, expects, where, ipc);
    }

    String scenarioName() {
        return scenarioName;
    }
}

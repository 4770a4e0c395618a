package dev.ksim.engine.run;

import dev.ksim.engine.cost.CostModel;
import dev.ksim.engine.invariant.InvariantRegistry;
import dev.ksim.engine.metrics.MetricsRegistry;
import dev.ksim.engine.mm.MemoryManager;
import dev.ksim.engine.mm.MmStruct;
import dev.ksim.engine.mm.NumaTopology;
import dev.ksim.engine.model.ExpectationSpec;
import dev.ksim.engine.model.MappingSpec;
import dev.ksim.engine.model.NodeSpec;
import dev.ksim.engine.model.PluginRef;
import dev.ksim.engine.model.ProcessSpec;
import dev.ksim.engine.model.ScenarioModel;
import dev.ksim.engine.model.SwapSpec;
import dev.ksim.engine.model.ThreadSpec;
import dev.ksim.engine.results.ExpectationResult;
import dev.ksim.engine.results.HistogramSummary;
import dev.ksim.engine.results.RunResult;
import dev.ksim.engine.sim.EventLoop;
import dev.ksim.engine.sim.EventQueue;
import dev.ksim.engine.sim.SimulationClock;
import dev.ksim.engine.task.SimThread;
import dev.ksim.engine.task.TaskStats;
import dev.ksim.engine.trace.TraceFiles;
import dev.ksim.spi.InvalidInputException;
import dev.ksim.spi.PluginKind;
import dev.ksim.spi.mm.MemoryProvider;
import dev.ksim.spi.mm.MigrationPolicy;
import dev.ksim.spi.mm.NodeMemory;
import dev.ksim.spi.mm.NodeRequest;
import dev.ksim.spi.security.SecurityHardening;
import dev.ksim.spi.workload.AccessRange;
import dev.ksim.spi.workload.PageTraces;
import dev.ksim.spi.workload.WorkloadGenerator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One run of one variant: binds the plugins, builds the machine, runs the event loop, checks
 * invariants and evaluates expectations. Used once, by {@link Simulation#run}.
 *
 * <p>Component ids (and so random streams): {@code node<i>.provider},
 * {@code migration-policy}, {@code hardening}, {@code <process>.<thread>.workload}.
 */
final class SimulationRun {
    /** Event priority of the gauge sampler: before threads at the same instant. */
    static final int SAMPLER_PRIORITY = 0;
    /** Component id of the migration policy instance. */
    static final String POLICY_COMPONENT = "migration-policy";
    /** Component id of the hardening instance. */
    static final String HARDENING_COMPONENT = "hardening";

    private static final SecurityHardening NO_HARDENING = new SecurityHardening() {
    };

    private final ScenarioModel model;
    private final PluginInstantiator plugins;
    private final RunOptions options;
    private final SimulationClock clock = new SimulationClock();
    private final EventQueue queue = new EventQueue();
    private final EventLoop loop = new EventLoop(clock, queue);
    private final MetricsRegistry metrics = new MetricsRegistry();
    private final InvariantRegistry invariants = new InvariantRegistry();
    private final EngineServices services;
    private final TaskStats tasks = new TaskStats();
    private final dev.ksim.engine.sim.EventHandler sampler = this::sample;
    private final TraceFiles traces;
    private MemoryManager memory;
    /** The IPC simulation of a model with {@code ipc { }}, else null. */
    private dev.ksim.engine.ipc.IpcSimulation ipc;

    SimulationRun(ScenarioModel model, long seed, PluginInstantiator plugins, RunOptions options) {
        this.model = model;
        this.plugins = plugins;
        this.options = options;
        this.services = new EngineServices(clock, metrics, seed, model.variant());
        this.traces = TraceFiles.forScenario(model.source() == null ? "" : model.source().file());
    }

    RunResult execute() {
        String error = null;
        try {
            build();
            loop.run(model.durationNs(), options.invariantCheckEvery(),
                    () -> invariants.checkAll("after event " + loop.dispatched()));
        } catch (PluginCrashException crash) {
            if (crash.getCause() instanceof InvalidInputException bad) {
                throw bad; // thrown while the plugin was created: the user's input, not a crash
            }
            error = crash.getMessage();
        } finally {
            traces.closeAll();
        }
        invariants.checkAll("end");

        if (ipc != null) {
            ipc.finish();
        }
        SortedMap<String, Number> values = metrics.finalValues();
        if (memory != null) {
            memory.reportNodeMetrics(values);
        }
        SortedMap<String, HistogramSummary> histograms = metrics.histogramSummaries();
        List<ExpectationResult> expectations = error == null ? evaluate(values, histograms) : List.of();
        return new RunResult(model.variant(), model.params(), ipc != null ? ipcEndNs : tasks.lastEndNs(), values, histograms,
                metrics.series(model.sampleIntervalNs()), expectations, invariants.report(), error);
    }

    private void build() {
        if (model.ipc() != null) {
            buildIpc();
            return;
        }
        NumaTopology topology = NumaTopology.of(model.machine());
        List<NodeSpec> nodeSpecs = model.machine().nodes();
        NodeMemory[] nodeMemory = new NodeMemory[nodeSpecs.size()];
        for (NodeSpec n : nodeSpecs) {
            PluginRef ref = n.provider();
            String component = "node" + n.id() + ".provider";
            MemoryProvider provider = plugins.instantiate(ref, MemoryProvider.class, services, component, Map.of());
            NodeMemory described;
            try {
                described = provider.describe(new NodeRequest(n.id(), n.sizeBytes(), topology.hasCpus(n.id())));
            } catch (RuntimeException x) {
                throw new PluginCrashException(PluginKind.MEMORY_PROVIDER, ref.id(), "describe (node" + n.id() + ")", x);
            }
            if (described == null) {
                throw new PluginCrashException(PluginKind.MEMORY_PROVIDER, ref.id(), "describe (node" + n.id() + ") returned null", null);
            }
            nodeMemory[n.id()] = described;
            if (n.device() != null && n.device().cpuAccessible() && !described.cpuAccessible()) {
                // known only once the provider has described the node: a located error, before anything runs
                throw new dev.ksim.engine.model.ScenarioException(List.of(new dev.ksim.engine.model.Diagnostic(
                        n.device().where() == null ? n.where() : n.device().where(), "node" + n.id() + " declares device '"
                        + n.device().kind() + "', but its provider '" + ref.id() + "' says the CPU cannot access its memory"
                        + " (NodeMemory.cpuAccessible = false), which makes it DEVICE_PRIVATE memory; write device 'private'"
                        + " or use a provider of CPU-accessible memory")));
            }
        }
        long totalFrames = 0;
        for (NodeMemory m : nodeMemory) {
            totalFrames += m.frames();
        }
        if (totalFrames > MemoryManager.MAX_FRAMES) {
            PluginRef ref = nodeSpecs.get(nodeSpecs.size() - 1).provider();
            throw new PluginCrashException(PluginKind.MEMORY_PROVIDER, ref.id(), "the nodes together describe "
                    + totalFrames + " frames; the engine supports at most " + MemoryManager.MAX_FRAMES, null);
        }

        PluginRef policyRef = model.migrationPolicy();
        MigrationPolicy policy = plugins.instantiate(policyRef, MigrationPolicy.class, services, POLICY_COMPONENT, Map.of());
        PluginRef hardeningRef = model.hardening();
        SecurityHardening hardening = hardeningRef == null ? NO_HARDENING
                : plugins.instantiate(hardeningRef, SecurityHardening.class, services, HARDENING_COMPONENT, Map.of());

        SwapSpec swap = model.machine().swap() == null ? SwapSpec.NONE : model.machine().swap();
        CostModel costs = CostModel.of(swap, model.costOverrides());
        memory = new MemoryManager(topology, nodeMemory, swap.sizeBytes() / MemoryManager.PAGE_SIZE, costs,
                policy, policyRef.id(), hardening, hardeningRef == null ? "none" : hardeningRef.id(), metrics,
                dev.ksim.engine.mm.MmSettings.of(model.machine()));
        memory.attach(queue, clock);
        memory.registerInvariants(invariants);
        for (dev.ksim.engine.model.FileSpec f : model.files()) {
            memory.addFile(f.name(), pagesOf(f.sizeBytes()), f.readLatencyNs(), f.writeLatencyNs());
        }
        // files and named shmem objects that mappings name without a file() declaration: as large as their largest mapping
        Map<String, Long> undeclared = new java.util.LinkedHashMap<>();
        Map<String, Boolean> shmem = new java.util.HashMap<>();
        for (ProcessSpec p : model.processes()) {
            for (MappingSpec m : p.mappings()) {
                if (m.file() != null && model.files().stream().noneMatch(f -> f.name().equals(m.file()))) {
                    undeclared.merge(m.file(), pagesOf(m.sizeBytes()), Math::max);
                    shmem.put(m.file(), m.kind() == dev.ksim.engine.model.MappingKind.SHMEM);
                }
            }
        }
        for (Map.Entry<String, Long> e : undeclared.entrySet()) {
            if (shmem.get(e.getKey())) {
                memory.addShmem(e.getKey(), e.getValue());
            } else {
                memory.addFile(e.getKey(), e.getValue(), -1, -1);
            }
        }
        dev.ksim.engine.model.WritebackSpec wb = model.writeback();
        memory.setWriteback(wb.dirtyBackgroundRatio(), wb.dirtyRatio(), wb.dirtyExpireNs(), wb.dirtyWritebackIntervalNs());

        if (!model.events().isEmpty()) {
            // a scenario with timed events reports their mechanisms' metrics from the start, 0 or not
            for (String c : dev.ksim.engine.mm.MmMetrics.ON_USE_COUNTERS) {
                metrics.counter(c);
            }
            for (String c : dev.ksim.engine.mm.MmMetrics.DEVICE_COUNTERS) {
                metrics.counter(c);
            }
            metrics.histogram(dev.ksim.engine.mm.MmMetrics.MIGRATION_LATENCY);
            metrics.histogram(dev.ksim.engine.mm.MmMetrics.MIGRATE_VMA_LATENCY);
        }
        List<SimThread> threads = new ArrayList<>();
        List<Long> startNs = new ArrayList<>();
        Map<String, ScenarioEvents.Target> targets = new java.util.HashMap<>();
        for (ProcessSpec p : model.processes()) {
            String[] names = new String[p.mappings().size()];
            long[] pages = new long[names.length];
            dev.ksim.engine.model.MappingKind[] kinds = new dev.ksim.engine.model.MappingKind[names.length];
            String[] files = new String[names.length];
            for (int i = 0; i < names.length; i++) {
                MappingSpec m = p.mappings().get(i);
                names[i] = m.name();
                pages[i] = pagesOf(m.sizeBytes());
                kinds[i] = m.kind();
                files[i] = m.file();
            }
            MmStruct mm = memory.createProcess(p.name(), names, pages, kinds, files);
            for (int i = 0; i < names.length; i++) {
                if (p.mappings().get(i).explicitPolicy()) {
                    memory.setExplicitPolicy(mm, i);
                }
                dev.ksim.engine.model.Madvise advice = p.mappings().get(i).advice();
                if (advice != null) { // madvise(2) right after mmap, before any thread runs
                    memory.madvise(mm, i, 0, mm.vma(i).pages(), advice, threadsCpu(p));
                }
            }
            int threadCount = p.threads().size();
            int firstThread = threads.size();
            for (int ti = 0; ti < threadCount; ti++) {
                ThreadSpec t = p.threads().get(ti);
                int file = t.file() == null ? -1 : memory.fileHandle(t.file());
                int vma = file >= 0 ? -1 : indexOf(names, t.mapping());
                long range = file >= 0 ? memory.filePages(file) : pages[vma];
                String component = p.name() + "." + t.name() + ".workload";
                WorkloadGenerator generator = plugins.instantiate(t.workload(), WorkloadGenerator.class, services,
                        component, Map.of(AccessRange.class, new AccessRange(range, ti, threadCount),
                                PageTraces.class, traces));
                memory.addCpu(mm, t.cpu());
                threads.add(new SimThread(p.name() + "." + t.name(), mm, vma, file, t.cpu(), generator, t.workload().id(),
                        t.accesses(), model.durationNs(), memory, queue, tasks));
                startNs.add(t.startNs());
            }
            SimThread first = threadCount > 0 ? threads.get(firstThread) : null;
            targets.put(p.name(), new ScenarioEvents.Target(mm, names, first, threadCount > 0 ? p.threads().get(0).cpu() : 0));
        }
        new ScenarioEvents(model.events(), targets, memory, queue).start();
        queue.schedule(0, SAMPLER_PRIORITY, sampler);
        for (int i = 0; i < threads.size(); i++) {
            threads.get(i).start(startNs.get(i));
        }
    }

    /** Simulated time an IPC run covered: its duration, or less when a plugin crashed. */
    private long ipcEndNs;

    /**
     * Builds the IPC simulation ({@code dev.ksim.engine.ipc}): binds the transport and the
     * accounting policy (component ids {@code ipc.transport}, {@code ipc.accounting}) and samples
     * gauges every interval until the end of the run.
     */
    private void buildIpc() {
        dev.ksim.engine.ipc.IpcSpec spec = model.ipc();
        dev.ksim.spi.ipc.IpcTransport transport = plugins.instantiate(spec.transport(), dev.ksim.spi.ipc.IpcTransport.class,
                services, "ipc.transport", Map.of());
        dev.ksim.spi.ipc.IpcAccountingPolicy policy = plugins.instantiate(spec.accounting(),
                dev.ksim.spi.ipc.IpcAccountingPolicy.class, services, "ipc.accounting", Map.of());
        dev.ksim.engine.ipc.IpcAccounting accounting = new dev.ksim.engine.ipc.IpcAccounting(
                new dev.ksim.engine.ipc.GuardedPolicy(policy, spec.accounting().id()), spec.accounting().id());
        ipc = new dev.ksim.engine.ipc.IpcSimulation(spec, dev.ksim.engine.ipc.IpcCosts.of(model.costOverrides()), accounting,
                transport, queue, clock, metrics, invariants, model.durationNs(), services::stream);
        ipcEndNs = model.durationNs();
        dev.ksim.engine.sim.EventHandler[] ipcSampler = new dev.ksim.engine.sim.EventHandler[1];
        ipcSampler[0] = now -> {
            metrics.sampleGauges();
            if (now + model.sampleIntervalNs() < model.durationNs()) {
                queue.schedule(now + model.sampleIntervalNs(), SAMPLER_PRIORITY, ipcSampler[0]);
            }
        };
        queue.schedule(0, SAMPLER_PRIORITY, ipcSampler[0]);
    }

    /** Samples every gauge, and keeps sampling while any thread is live. */
    private void sample(long now) {
        metrics.sampleGauges();
        if (tasks.live() > 0) {
            queue.schedule(now + model.sampleIntervalNs(), SAMPLER_PRIORITY, sampler);
        }
    }

    private List<ExpectationResult> evaluate(Map<String, Number> values, Map<String, HistogramSummary> histograms) {
        List<ExpectationResult> out = new ArrayList<>();
        for (ExpectationSpec e : model.expectations()) {
            double actual = metricValue(e.metric(), values, histograms);
            boolean passed = !Double.isNaN(actual) && e.op().test(actual, e.value());
            out.add(new ExpectationResult(e.text(), passed, actual, String.valueOf(e.where())));
        }
        return out;
    }

    /**
     * A metric's final value: a counter or gauge, or {@code <histogram>.count|p50|p90|p99|max};
     * NaN when the run did not produce it.
     */
    static double metricValue(String name, Map<String, Number> values, Map<String, HistogramSummary> histograms) {
        Number n = values.get(name);
        if (n != null) {
            return n.doubleValue();
        }
        int dot = name.lastIndexOf('.');
        if (dot > 0) {
            HistogramSummary h = histograms.get(name.substring(0, dot));
            if (h != null) {
                switch (name.substring(dot + 1)) {
                    case "count":
                        return h.count();
                    case "p50":
                        return h.p50();
                    case "p90":
                        return h.p90();
                    case "p99":
                        return h.p99();
                    case "max":
                        return h.max();
                    default:
                        return Double.NaN;
                }
            }
        }
        return Double.NaN;
    }

    /** The CPU of a process's first thread (0 without threads): where its setup system calls run. */
    private static int threadsCpu(ProcessSpec p) {
        return p.threads().isEmpty() ? 0 : p.threads().get(0).cpu();
    }

    /** Pages covering {@code bytes}, rounded up. */
    static long pagesOf(long bytes) {
        return (bytes + MemoryManager.PAGE_SIZE - 1) / MemoryManager.PAGE_SIZE;
    }

    private static int indexOf(String[] names, String name) {
        for (int i = 0; i < names.length; i++) {
            if (names[i].equals(name)) {
                return i;
            }
        }
        throw new IllegalStateException("unvalidated model: no mapping " + name);
    }
}

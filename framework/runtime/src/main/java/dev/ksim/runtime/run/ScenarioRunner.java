package dev.ksim.runtime.run;

import com.google.inject.Injector;
import dev.ksim.dsl.LoadedScenario;
import dev.ksim.dsl.ScenarioLoader;
import dev.ksim.engine.model.Diagnostic;
import dev.ksim.engine.model.NodeSpec;
import dev.ksim.engine.model.PluginRef;
import dev.ksim.engine.model.ProcessSpec;
import dev.ksim.engine.model.ScenarioException;
import dev.ksim.engine.model.ScenarioModel;
import dev.ksim.engine.model.ScenarioValidator;
import dev.ksim.engine.model.ThreadSpec;
import dev.ksim.engine.results.RunResult;
import dev.ksim.engine.run.RunOptions;
import dev.ksim.engine.run.Simulation;
import dev.ksim.runtime.inject.GuicePluginInstantiator;
import dev.ksim.runtime.registry.PluginRegistry;
import dev.ksim.runtime.registry.PluginSnapshot;
import dev.ksim.runtime.registry.Provenance;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Script → models → validation → runs → report. Takes one plugin snapshot per call, so plugins
 * deployed while a scenario runs take effect on the next call. Variants run concurrently (up to
 * {@link RunRequest#jobs()}), each with its own plugin instances and engine; the report lists them
 * in variant order, so the result does not depend on scheduling.
 *
 * <p>Invalid input raises {@link ScenarioException} before anything runs. A crashing plugin aborts
 * only its variant (its {@link RunResult#error()} names the plugin).
 */
public final class ScenarioRunner {
    private final PluginRegistry registry;
    private final Injector hostInjector;

    public ScenarioRunner(PluginRegistry registry, Injector hostInjector) {
        this.registry = registry;
        this.hostInjector = hostInjector;
    }

    /** Loads and validates without simulating: the {@code check} command. */
    public LoadedScenario check(Path file, Map<String, String> sets) {
        return load(file, sets, registry.snapshot());
    }

    public ScenarioReport run(Path file, RunRequest request) {
        long started = System.currentTimeMillis();
        PluginSnapshot snapshot = registry.snapshot();
        LoadedScenario scenario = load(file, request.sets(), snapshot);
        List<RunResult> results = runAll(scenario, snapshot, request);
        long wall = System.currentTimeMillis() - started;
        return new ScenarioReport(scenario, request.seed(), boundPlugins(scenario, snapshot), results, started, wall);
    }

    private static LoadedScenario load(Path file, Map<String, String> sets, PluginSnapshot snapshot) {
        LoadedScenario scenario = new ScenarioLoader(snapshot).load(file, sets);
        List<Diagnostic> problems = new ArrayList<>();
        for (ScenarioModel variant : scenario.variants()) {
            for (Diagnostic d : ScenarioValidator.validate(variant)) {
                if (!problems.contains(d)) {
                    problems.add(d);
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new ScenarioException(problems);
        }
        return scenario;
    }

    private List<RunResult> runAll(LoadedScenario scenario, PluginSnapshot snapshot, RunRequest request) {
        RunOptions options = new RunOptions(request.invariantCheckEvery());
        List<ScenarioModel> variants = scenario.variants();
        int threads = Math.min(request.jobs(), variants.size());
        if (threads <= 1) {
            List<RunResult> out = new ArrayList<>();
            for (ScenarioModel v : variants) {
                out.add(runOne(v, snapshot, request.seed(), options));
            }
            return out;
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "ksim-run");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<RunResult>> futures = new ArrayList<>();
            for (ScenarioModel v : variants) {
                futures.add(pool.submit(() -> runOne(v, snapshot, request.seed(), options)));
            }
            List<RunResult> out = new ArrayList<>();
            for (Future<RunResult> f : futures) {
                out.add(f.get());
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running variants", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(cause);
        } finally {
            pool.shutdownNow();
        }
    }

    private RunResult runOne(ScenarioModel variant, PluginSnapshot snapshot, long seed, RunOptions options) {
        return Simulation.run(variant, seed, new GuicePluginInstantiator(snapshot, hostInjector), options);
    }

    /** Provenance of every plugin some variant names, sorted by kind then id. */
    static List<Provenance> boundPlugins(LoadedScenario scenario, PluginSnapshot snapshot) {
        Map<String, Provenance> bound = new LinkedHashMap<>();
        for (ScenarioModel v : scenario.variants()) {
            for (PluginRef ref : refs(v)) {
                snapshot.bound(ref.kind(), ref.id())
                        .ifPresent(b -> bound.putIfAbsent(ref.kind().key() + "/" + ref.id(), b.provenance()));
            }
        }
        List<Provenance> list = new ArrayList<>(bound.values());
        list.sort(Comparator.comparing(Provenance::kind).thenComparing(Provenance::id));
        return list;
    }

    private static List<PluginRef> refs(ScenarioModel v) {
        List<PluginRef> refs = new ArrayList<>();
        if (v.machine() != null) {
            for (NodeSpec n : v.machine().nodes()) {
                refs.add(n.provider());
            }
        }
        if (v.migrationPolicy() != null) {
            refs.add(v.migrationPolicy());
        }
        if (v.hardening() != null) {
            refs.add(v.hardening());
        }
        if (v.ipc() != null) {
            refs.add(v.ipc().transport());
            refs.add(v.ipc().accounting());
        }
        for (ProcessSpec p : v.processes()) {
            for (ThreadSpec t : p.threads()) {
                refs.add(t.workload());
            }
        }
        return refs;
    }
}

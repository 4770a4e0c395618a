package dev.ksim.runtime.cli;

import dev.ksim.runtime.run.RunRequest;
import dev.ksim.runtime.run.ScenarioRunner;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code ksim watch FILE}: run the scenario, then run it again whenever the file changes or a
 * plugin bundle in {@code deploy/} is installed, updated or removed. Each run binds the plugins
 * registered at its start; errors are printed and watching goes on. Stops on Ctrl-C.
 */
@Command(name = "watch", description = "Run a scenario, then re-run it when the file or deploy/ changes.")
final class WatchCommand implements java.util.concurrent.Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "Scenario file (*.ksim.groovy).")
    Path file;

    @Mixin
    ScenarioOptions scenario;

    @Mixin
    RunOptionsMixin run;

    private static final String DEPLOY_CHANGED = "deploy/ changed";

    /** What deploy/ provided when the last run started. */
    private String deployState = "";

    @Option(names = "--max-runs", hidden = true, description = "Stop after N runs (for tests; 0 = never).")
    int maxRuns;

    @Option(names = "--debounce", hidden = true, paramLabel = "MS", description = "Quiet time before a re-run.")
    long debounceMs = 300;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        KsimHome home = KsimHome.detect();
        RunRequest request = ScenarioExecution.request(home, run, scenario.sets);
        Path absolute = file.toAbsolutePath().normalize();
        BlockingQueue<String> triggers = new LinkedBlockingQueue<>();
        try (PluginEnvironment env = PluginEnvironment.open(home);
             WatchService watcher = FileSystems.getDefault().newWatchService()) {
            absolute.getParent().register(watcher, StandardWatchEventKinds.ENTRY_CREATE,
                    StandardWatchEventKinds.ENTRY_MODIFY);
            Thread fileWatch = new Thread(() -> watchFile(watcher, absolute, triggers), "ksim-watch-file");
            fileWatch.setDaemon(true);
            fileWatch.start();
            env.onDeployChange(() -> triggers.offer(DEPLOY_CHANGED));
            ScenarioRunner runner = new ScenarioRunner(env.registry(), env.hostInjector());
            String reason = "start";
            for (int runs = 1; ; runs++) {
                deployState = deployState(env);
                out.println("== ksim watch: run " + runs + " (" + reason + ") ==");
                out.flush();
                try {
                    ScenarioExecution.runFile(runner, file, request, run.out, false, out);
                } catch (RuntimeException e) {
                    Ksim.report(e, err, scenario.stacktrace);
                    err.flush();
                }
                if (maxRuns > 0 && runs >= maxRuns) {
                    return ExitCode.OK;
                }
                out.println("== watching " + file + " and " + env.describe() + " (Ctrl-C to stop) ==");
                out.flush();
                reason = nextChange(env, triggers);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot watch " + absolute.getParent() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Waits for the next change worth a re-run: an edit of the scenario file, or a change in what
     * deploy/ provides (plugins, bundles, their problems). Deploy notifications that leave all of
     * that as it was at the last run (late events of a change the last run already saw) are
     * skipped. Before returning, lets a burst of changes settle and lets FileInstall and
     * Declarative Services finish, so the next snapshot reflects deploy/.
     */
    private String nextChange(PluginEnvironment env, BlockingQueue<String> triggers) throws InterruptedException {
        while (true) {
            String reason = triggers.take();
            boolean fileChanged = !reason.equals(DEPLOY_CHANGED);
            String more;
            while ((more = triggers.poll(debounceMs, TimeUnit.MILLISECONDS)) != null) {
                if (!more.equals(DEPLOY_CHANGED)) {
                    fileChanged = true;
                    reason = more;
                }
            }
            env.awaitDeploySettled();
            triggers.removeIf(DEPLOY_CHANGED::equals);
            if (fileChanged || !deployState(env).equals(deployState)) {
                return reason;
            }
        }
    }

    /** What deploy/ currently provides, to tell a real change from a late notification. */
    private static String deployState(PluginEnvironment env) {
        return env.registry().snapshot().provenance() + "|" + env.bundles() + "|" + env.problems();
    }

    private static void watchFile(WatchService watcher, Path file, BlockingQueue<String> triggers) {
        try {
            while (true) {
                WatchKey key = watcher.take();
                for (WatchEvent<?> event : key.pollEvents()) {
                    Object ctx = event.context();
                    if (ctx instanceof Path p && p.getFileName().equals(file.getFileName())) {
                        triggers.offer(file.getFileName() + " changed");
                    }
                }
                if (!key.reset()) {
                    return;
                }
            }
        } catch (InterruptedException | java.nio.file.ClosedWatchServiceException e) {
            // watch ended
        }
    }
}

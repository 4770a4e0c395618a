package dev.ksim.runtime.cli;

import dev.ksim.runtime.run.RunRequest;
import dev.ksim.runtime.run.ScenarioRunner;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code ksim run FILE...}: simulate, print a summary table, write results.json. */
@Command(name = "run", description = "Run scenarios: print a summary and write results.json.")
final class RunCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "FILE", arity = "1..*", description = "Scenario files (*.ksim.groovy).")
    List<Path> files;

    @Mixin
    ScenarioOptions scenario;

    @Mixin
    RunOptionsMixin run;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        KsimHome home = KsimHome.detect();
        RunRequest request = ScenarioExecution.request(home, run, scenario.sets);
        int code = ExitCode.OK;
        try (PluginEnvironment env = PluginEnvironment.open(home)) {
            ScenarioRunner runner = new ScenarioRunner(env.registry(), env.hostInjector());
            for (Path file : files) {
                int c;
                try {
                    c = ScenarioExecution.runFile(runner, file, request, run.out, files.size() > 1, out);
                } catch (RuntimeException e) {
                    c = Ksim.report(e, err, scenario.stacktrace);
                }
                code = ExitCode.worst(code, c);
            }
        }
        return code;
    }
}

package dev.ksim.runtime.cli;

import dev.ksim.dsl.LoadedScenario;
import dev.ksim.runtime.run.ScenarioRunner;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code ksim check FILE...}: compile and validate scenarios without simulating. */
@Command(name = "check", description = "Compile and validate scenarios without simulating.")
final class CheckCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "FILE", arity = "1..*", description = "Scenario files (*.ksim.groovy).")
    List<Path> files;

    @Mixin
    ScenarioOptions scenario;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        KsimHome home = KsimHome.detect();
        int code = ExitCode.OK;
        try (PluginEnvironment env = PluginEnvironment.open(home)) {
            ScenarioRunner runner = new ScenarioRunner(env.registry(), env.hostInjector());
            for (Path file : files) {
                try {
                    if (!Files.isRegularFile(file)) {
                        throw new Ksim.UserError("no such scenario file: " + file);
                    }
                    LoadedScenario s = runner.check(file, scenario.sets);
                    out.println(file + ": ok, scenario '" + s.name() + "', " + s.variants().size() + " variant"
                            + (s.variants().size() == 1 ? "" : "s"));
                } catch (RuntimeException e) {
                    code = ExitCode.worst(code, Ksim.report(e, err, scenario.stacktrace));
                }
            }
        }
        return code;
    }
}

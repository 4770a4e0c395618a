package dev.ksim.runtime.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code ksim version}: the ksim and Java versions. */
@Command(name = "version", description = "Print the ksim version.")
final class VersionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getOut().println("ksim " + Version.get() + " (Java " + Runtime.version() + ")");
        return ExitCode.OK;
    }
}

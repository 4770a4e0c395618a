package dev.ksim.runtime.cli;

import dev.ksim.engine.model.Diagnostic;
import dev.ksim.engine.model.ScenarioException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code bin/ksim}: the command-line entry point. Subcommands run, check, plugins, watch and
 * version; exit codes per {@link ExitCode}. Errors print as {@code file:line: message} without a
 * stack trace unless {@code --stacktrace} is given.
 */
@Command(name = "ksim", mixinStandardHelpOptions = true, versionProvider = Ksim.VersionProvider.class,
        description = "Simulate kernel designs side by side, deterministically.",
        subcommands = {RunCommand.class, CheckCommand.class, PluginsCommand.class, WatchCommand.class, BenchCommand.class,
                VersionCommand.class, CommandLine.HelpCommand.class})
public final class Ksim implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: run, check, plugins, watch or version");
    }

    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the CLI in-process and returns its exit code (used by tests and embedders). */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cmd = new CommandLine(new Ksim());
        cmd.setOut(out);
        cmd.setErr(err);
        cmd.setParameterExceptionHandler((ex, a) -> {
            err.println("ksim: " + ex.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
            err.println("Try 'ksim " + (ex.getCommandLine() == cmd ? "" : ex.getCommandLine().getCommandName() + " ")
                    + "--help' for usage.");
            return ExitCode.INVALID_INPUT;
        });
        cmd.setExecutionExceptionHandler((ex, c, parsed) -> {
            boolean trace = parsed.hasMatchedOption("--stacktrace")
                    || parsed.subcommands().stream().anyMatch(p -> p.hasMatchedOption("--stacktrace"));
            return report(ex, err, trace);
        });
        int code = cmd.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    /** Prints an exception the user's way and maps it to an exit code. */
    static int report(Throwable ex, PrintWriter err, boolean stacktrace) {
        if (ex instanceof ScenarioException se) {
            for (Diagnostic d : se.diagnostics()) {
                err.println(d);
            }
            if (stacktrace) {
                ex.printStackTrace(err);
            }
            return ExitCode.INVALID_INPUT;
        }
        if (ex instanceof UserError ue) {
            err.println("ksim: " + ue.getMessage());
            if (stacktrace) {
                ex.printStackTrace(err);
            }
            return ExitCode.INVALID_INPUT;
        }
        err.println("ksim: internal error: " + ex);
        if (stacktrace) {
            ex.printStackTrace(err);
        } else {
            err.println("(run again with --stacktrace for details)");
        }
        return ExitCode.INTERNAL_ERROR;
    }

    /** Version from the build. */
    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"ksim " + Version.get()};
        }
    }

    /** A mistake in the command line the user can fix (exit 1), not tied to a file line. */
    static final class UserError extends RuntimeException {
        UserError(String message) {
            super(message);
        }
    }
}

package dev.ksim.runtime.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** Options shared by the commands that load scenarios. */
final class ScenarioOptions {
    @Option(names = "--set", paramLabel = "NAME=VALUE",
            description = "Fix scenario parameter NAME to VALUE (replaces its variants). Repeatable.")
    Map<String, String> sets = new LinkedHashMap<>();

    @Option(names = "--stacktrace", description = "Show Java stack traces of errors.")
    boolean stacktrace;
}

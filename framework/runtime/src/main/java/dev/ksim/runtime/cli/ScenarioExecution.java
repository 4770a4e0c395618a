package dev.ksim.runtime.cli;

import dev.ksim.runtime.report.ResultsJson;
import dev.ksim.runtime.report.SummaryTable;
import dev.ksim.runtime.run.RunRequest;
import dev.ksim.runtime.run.ScenarioReport;
import dev.ksim.runtime.run.ScenarioRunner;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;

/**
 * One scenario file run end to end for the CLI: run, print the summary, write results.json, and
 * map the outcome to an exit code. Invalid input writes nothing.
 */
final class ScenarioExecution {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private ScenarioExecution() {
    }

    static RunRequest request(KsimHome home, RunOptionsMixin run, Map<String, String> sets) {
        long seed = run.seed != null ? run.seed : home.longSetting(KsimHome.DEFAULT_SEED, 1);
        long jobs = run.jobs != null ? run.jobs : home.longSetting(KsimHome.JOBS, 0);
        if (jobs < 0) {
            throw new Ksim.UserError("--jobs must be at least 1, got " + jobs);
        }
        if (jobs == 0) {
            jobs = Runtime.getRuntime().availableProcessors();
        }
        if (run.checkInvariants < 0) {
            throw new Ksim.UserError("--check-invariants must be >= 0, got " + run.checkInvariants);
        }
        return new RunRequest(seed, sets, (int) jobs, run.checkInvariants);
    }

    /**
     * Runs {@code file} and reports. {@code outDir} is where results.json goes; null for the
     * default reports/&lt;scenario&gt;-&lt;timestamp&gt;/. Returns the exit code.
     */
    static int runFile(ScenarioRunner runner, Path file, RunRequest request, Path outDir, boolean nestByName,
                       PrintWriter out) {
        if (!Files.isRegularFile(file)) {
            throw new Ksim.UserError("no such scenario file: " + file);
        }
        ScenarioReport report = runner.run(file, request);
        out.print(SummaryTable.render(report));
        Path dir;
        if (outDir == null) {
            dir = Path.of("reports", report.scenario().name() + "-" + LocalDateTime.now().format(STAMP));
        } else {
            dir = nestByName ? outDir.resolve(report.scenario().name()) : outDir;
        }
        Path written = ResultsJson.write(report, Version.get(), dir);
        out.println("results: " + written);
        out.flush();
        if (report.anyCrashed()) {
            return ExitCode.INTERNAL_ERROR;
        }
        return report.anyExpectationFailed() ? ExitCode.EXPECTATION_FAILED : ExitCode.OK;
    }
}

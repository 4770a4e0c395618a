package dev.ksim.runtime.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ksim.engine.results.ExpectationResult;
import dev.ksim.engine.results.HistogramSummary;
import dev.ksim.engine.results.RunResult;
import dev.ksim.engine.results.TimeSeries;
import dev.ksim.runtime.registry.Provenance;
import dev.ksim.runtime.run.ScenarioReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * Renders a {@link ScenarioReport} as {@code results.json}:
 * <pre>
 * { "ksim.version", "scenario": {name, file, sha256}, "seed", "plugins": [provenance],
 *   "runs": [{variant, params, simulatedTimeNs, metrics, histograms, series, expectations,
 *             invariants: {checked, violations}, error}],
 *   "wallClock": {startedAtEpochMs, wallTimeMs} }
 * </pre>
 * Everything except {@code wallClock} is a function of scenario, seed and plugins. The file is
 * written to a temporary name and moved into place, so a reader never sees half a file.
 */
public final class ResultsJson {
    public static final String FILE_NAME = "results.json";

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private ResultsJson() {
    }

    public static ObjectNode render(ScenarioReport report, String ksimVersion) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("ksim.version", ksimVersion);
        ObjectNode scenario = root.putObject("scenario");
        scenario.put("name", report.scenario().name());
        scenario.put("file", report.scenario().file());
        scenario.put("sha256", report.scenario().sha256());
        root.put("seed", report.seed());
        ArrayNode plugins = root.putArray("plugins");
        for (Provenance p : report.plugins()) {
            plugins.add(MAPPER.valueToTree(p));
        }
        ArrayNode runs = root.putArray("runs");
        for (RunResult r : report.runs()) {
            runs.add(run(r));
        }
        ObjectNode wall = root.putObject("wallClock");
        wall.put("startedAtEpochMs", report.startedAtEpochMs());
        wall.put("wallTimeMs", report.wallTimeMs());
        return root;
    }

    private static ObjectNode run(RunResult r) {
        ObjectNode run = MAPPER.createObjectNode();
        run.put("variant", r.variant());
        run.set("params", MAPPER.valueToTree(r.params()));
        run.put("simulatedTimeNs", r.simulatedTimeNs());
        ObjectNode metrics = run.putObject("metrics");
        for (Map.Entry<String, Number> m : r.metrics().entrySet()) {
            Number n = m.getValue();
            if (n instanceof Double || n instanceof Float) {
                metrics.put(m.getKey(), n.doubleValue());
            } else {
                metrics.put(m.getKey(), n.longValue());
            }
        }
        ObjectNode histograms = run.putObject("histograms");
        for (Map.Entry<String, HistogramSummary> h : r.histograms().entrySet()) {
            HistogramSummary s = h.getValue();
            ObjectNode o = histograms.putObject(h.getKey());
            o.put("count", s.count());
            o.put("p50", s.p50());
            o.put("p90", s.p90());
            o.put("p99", s.p99());
            o.put("max", s.max());
        }
        ObjectNode series = run.putObject("series");
        for (Map.Entry<String, TimeSeries> t : r.series().entrySet()) {
            ObjectNode o = series.putObject(t.getKey());
            o.put("intervalNs", t.getValue().intervalNs());
            ArrayNode values = o.putArray("values");
            t.getValue().values().forEach(values::add);
        }
        ArrayNode expectations = run.putArray("expectations");
        for (ExpectationResult e : r.expectations()) {
            ObjectNode o = expectations.addObject();
            o.put("text", e.text());
            o.put("passed", e.passed());
            if (Double.isNaN(e.actual())) {
                o.putNull("actual");
            } else {
                o.put("actual", e.actual());
            }
            o.put("where", e.where());
        }
        ObjectNode invariants = run.putObject("invariants");
        invariants.put("checked", r.invariants().checked());
        ArrayNode violations = invariants.putArray("violations");
        r.invariants().violations().forEach(violations::add);
        if (r.error() != null) {
            run.put("error", r.error());
        } else {
            run.putNull("error");
        }
        return run;
    }

    /** Writes {@code dir/results.json} atomically; returns its path. */
    public static Path write(ScenarioReport report, String ksimVersion, Path dir) {
        try {
            Files.createDirectories(dir);
            Path target = dir.resolve(FILE_NAME);
            Path tmp = Files.createTempFile(dir, ".results", ".json.tmp");
            try {
                MAPPER.writeValue(tmp.toFile(), render(report, ksimVersion));
                try {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir.resolve(FILE_NAME) + ": " + e.getMessage(), e);
        }
    }

    public static ObjectMapper mapper() {
        return MAPPER;
    }
}

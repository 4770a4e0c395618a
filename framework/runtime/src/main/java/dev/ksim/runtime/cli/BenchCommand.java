package dev.ksim.runtime.cli;

import dev.ksim.engine.bench.BenchResult;
import dev.ksim.engine.bench.Benchmark;
import dev.ksim.engine.bench.Benchmarks;
import dev.ksim.engine.util.Suggestions;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code ksim bench [NAME…]}: runs the engine's benchmarks (all by default) and prints each
 * figure against its target. Exit 0 whether or not targets are met: targets are reported, the
 * figures go to docs/performance.md.
 */
@Command(name = "bench", description = "Measure engine speed and footprint (see docs/performance.md).")
final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "NAME", arity = "0..*", description = "Benchmarks to run (default: all).")
    List<String> names = new ArrayList<>();

    @Option(names = "--scale", paramLabel = "X", description = "Size factor; 1.0 is the documented size (default 1.0).")
    double scale = 1.0;

    @Option(names = "--list", description = "List the benchmarks and exit.")
    boolean list;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<Benchmark> all = Benchmarks.all();
        if (list) {
            for (Benchmark b : all) {
                out.println(b.name() + "  " + b.description());
            }
            return ExitCode.OK;
        }
        if (!(scale > 0)) {
            throw new Ksim.UserError("--scale must be > 0, got " + scale);
        }
        List<Benchmark> chosen = new ArrayList<>();
        List<String> known = all.stream().map(Benchmark::name).toList();
        for (String n : names) {
            Benchmark b = all.stream().filter(x -> x.name().equals(n)).findFirst().orElseThrow(() ->
                    new Ksim.UserError("unknown benchmark '" + n + "'" + Suggestions.didYouMean(n, known)
                            + " available: " + String.join(", ", known)));
            chosen.add(b);
        }
        if (chosen.isEmpty()) {
            chosen.addAll(all);
        }
        out.println("ksim " + Version.get() + " bench on " + Runtime.getRuntime().availableProcessors() + " CPUs, Java "
                + Runtime.version() + ", max heap " + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB");
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("BENCHMARK", "METRIC", "VALUE", "TARGET", "", "NOTE"));
        for (Benchmark b : chosen) {
            out.println("running " + b.name() + " ...");
            out.flush();
            for (BenchResult r : b.run(scale)) {
                String target = Double.isNaN(r.target()) ? "-" : (r.higherIsBetter() ? ">= " : "<= ") + fmt(r.target());
                rows.add(List.of(r.benchmark(), r.metric(), fmt(r.value()), target,
                        Double.isNaN(r.target()) ? "" : (r.meetsTarget() ? "ok" : "MISSED"), r.note()));
            }
        }
        Tables.print(out, rows);
        return ExitCode.OK;
    }

    private static String fmt(double v) {
        if (Math.abs(v) >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }
}

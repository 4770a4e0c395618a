package dev.ksim.runtime.cli;

import dev.ksim.runtime.registry.BoundPlugin;
import dev.ksim.runtime.registry.PluginSnapshot;
import dev.ksim.spi.OptionSpec;
import dev.ksim.spi.PluginDescriptor;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code ksim plugins}: every plugin (id, kind, version, bundle, state), every bundle, and a
 * translated reason for each bundle that failed; {@code --doc ID} prints one plugin's options.
 */
@Command(name = "plugins", description = "List plugins and bundles, or document one plugin with --doc ID.")
final class PluginsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--doc", paramLabel = "ID", description = "Print the option schema of plugin ID.")
    String doc;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (PluginEnvironment env = PluginEnvironment.open(KsimHome.detect())) {
            PluginSnapshot snapshot = env.registry().snapshot();
            if (doc != null) {
                return document(snapshot, out, err);
            }
            List<List<String>> rows = new ArrayList<>();
            rows.add(List.of("ID", "KIND", "VERSION", "BUNDLE", "BUNDLE VERSION", "STATE"));
            for (BoundPlugin p : snapshot.plugins()) {
                rows.add(List.of(p.descriptor().id(), p.descriptor().kind().key(), p.descriptor().version(),
                        p.provenance().bundle(), String.valueOf(p.provenance().bundleVersion()), "active"));
            }
            Tables.print(out, rows);
            List<PluginEnvironment.BundleLine> bundles = env.bundles();
            if (!bundles.isEmpty()) {
                out.println();
                List<List<String>> b = new ArrayList<>();
                b.add(List.of("BUNDLE", "VERSION", "STATE", "SOURCE"));
                for (PluginEnvironment.BundleLine l : bundles) {
                    b.add(List.of(l.symbolicName(), l.version(), l.state(), l.source()));
                }
                Tables.print(out, b);
            }
            List<String> problems = env.problems();
            if (!problems.isEmpty()) {
                out.println();
                out.println("problems:");
                for (String p : problems) {
                    out.println("  " + p);
                }
            }
            out.println();
            out.println("plugins from " + env.describe());
        }
        return ExitCode.OK;
    }

    private int document(PluginSnapshot snapshot, PrintWriter out, PrintWriter err) {
        List<BoundPlugin> matches = snapshot.plugins().stream().filter(p -> p.descriptor().id().equals(doc)).toList();
        if (matches.isEmpty()) {
            List<String> ids = snapshot.plugins().stream().map(p -> p.descriptor().id()).distinct().sorted().toList();
            throw new Ksim.UserError("unknown plugin '" + doc + "'"
                    + dev.ksim.engine.util.Suggestions.didYouMean(doc, ids) + " available: " + String.join(", ", ids));
        }
        for (BoundPlugin p : matches) {
            PluginDescriptor d = p.descriptor();
            out.println(d.id() + " (" + d.kind().label() + ", version " + d.version() + ")");
            out.println("  " + d.summary());
            out.println("  from " + p.provenance().bundle() + " " + p.provenance().bundleVersion());
            if (d.options().isEmpty()) {
                out.println("  options: none");
                continue;
            }
            out.println("  options:");
            List<List<String>> rows = new ArrayList<>();
            rows.add(List.of("NAME", "TYPE", "DEFAULT", "DESCRIPTION"));
            for (OptionSpec o : d.options()) {
                String type = o.type().name().toLowerCase(java.util.Locale.ROOT)
                        + (o.choices().isEmpty() ? "" : " " + o.choices());
                rows.add(List.of(o.name(), type, OptionFormat.format(o.type(), o.defaultValue()), o.doc()));
            }
            Tables.print(out, rows, "    ");
        }
        return ExitCode.OK;
    }
}

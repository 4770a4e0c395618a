package dev.ksim.dsl;

import dev.ksim.dsl.internal.PluginResolver;
import dev.ksim.dsl.internal.ScriptCompiler;
import dev.ksim.dsl.internal.SetValues;
import dev.ksim.dsl.internal.Values;
import dev.ksim.engine.model.Diagnostic;
import dev.ksim.engine.model.PluginCatalog;
import dev.ksim.engine.model.ScenarioException;
import dev.ksim.engine.model.ScenarioModel;
import dev.ksim.engine.model.SourceRef;
import groovy.lang.GroovyClassLoader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Loads a {@code *.ksim.groovy} scenario into immutable {@link ScenarioModel}s, one per variant.
 *
 * <p>The script is compiled once, then evaluated once per combination of variant parameter
 * values, each time from a fresh script instance with the values bound; the first evaluation also
 * discovers the variant axes. Plugin ids and options are checked against the {@link PluginCatalog}.
 * Every user error becomes a {@link ScenarioException} whose diagnostics name the file as given
 * and the script line; as many problems as can be found are reported together. Semantic checks
 * (CPU numbers, metric names, cost keys) are left to the engine's validator.
 */
public final class ScenarioLoader {
    /** More variants than this is almost certainly a mistake in {@code variants {}}. */
    public static final int MAX_VARIANTS = 10_000;

    private final PluginCatalog catalog;

    public ScenarioLoader(PluginCatalog catalog) {
        this.catalog = Objects.requireNonNull(catalog, "catalog");
    }

    /**
     * Compiles and evaluates the script; one ScenarioModel per variant (cartesian product).
     *
     * @param file the scenario file; diagnostics name it as given
     * @param sets {@code --set NAME=VALUE} overrides; each fixes a parameter to one value
     */
    public LoadedScenario load(Path file, Map<String, String> sets) throws ScenarioException {
        String display = file.toString();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ScenarioException(new SourceRef(display, 0), "cannot read the scenario file: "
                    + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage()));
        }
        Path fileName = file.getFileName();
        String scriptFileName = fileName == null ? display : fileName.toString();
        Map<String, Object> setValues = new LinkedHashMap<>();
        if (sets != null) {
            sets.forEach((k, v) -> setValues.put(k, SetValues.parse(v)));
        }

        List<GroovyClassLoader> loaders = new ArrayList<>();
        try {
            Class<?> scriptClass = ScriptCompiler.compile(new String(bytes, StandardCharsets.UTF_8), scriptFileName, display,
                    ScenarioScript.class, ScenarioLoader.class.getClassLoader(), loaders);
            if (!ScenarioScript.class.isAssignableFrom(scriptClass)) {
                throw new ScenarioException(new SourceRef(display, 0),
                        "no scenario: the file declares classes only; a scenario script must call scenario('name') { ... }");
            }
            List<Evaluation> runs = evaluate(scriptClass, display, scriptFileName, setValues);
            return collect(runs, display, sha256(bytes), setValues);
        } finally {
            for (GroovyClassLoader l : loaders) {
                try {
                    l.close();
                } catch (IOException ignored) {
                    // nothing to release that matters
                }
            }
        }
    }

    private List<Evaluation> evaluate(Class<?> scriptClass, String display, String scriptFileName, Map<String, Object> sets) {
        PluginResolver plugins = new PluginResolver(catalog);
        Evaluation first = new Evaluation(display, scriptFileName, plugins, sets, Map.of());
        first.run(scriptClass);
        List<Evaluation> runs = new ArrayList<>();
        runs.add(first);
        List<String> names = new ArrayList<>(first.axes.keySet());
        int[] sizes = names.stream().mapToInt(n -> first.axes.get(n).size()).toArray();
        long total = 1;
        for (int s : sizes) {
            total *= s;
            if (total > MAX_VARIANTS) {
                throw new ScenarioException(new SourceRef(display, 0), "variants {} expands to more than " + MAX_VARIANTS
                        + " variants; use fewer parameter values or fix some with --set");
            }
        }
        for (int index = 1; index < total; index++) {
            Map<String, Integer> choice = new LinkedHashMap<>();
            int rest = index;
            for (int a = names.size() - 1; a >= 0; a--) {
                choice.put(names.get(a), rest % sizes[a]);
                rest /= sizes[a];
            }
            Evaluation ev = new Evaluation(display, scriptFileName, plugins, sets, choice);
            ev.run(scriptClass);
            List<Integer> shape = ev.axes.values().stream().map(List::size).toList();
            if (!ev.axes.keySet().equals(first.axes.keySet()) || !shape.equals(java.util.Arrays.stream(sizes).boxed().toList())) {
                if (ev.diagnostics.isEmpty()) {
                    ev.error(new SourceRef(display, 0), "variants {} declared different parameters in variant " + ev.label()
                            + " than in the first; parameters and their values must not depend on other parameters");
                }
                runs.add(ev);
                break;
            }
            runs.add(ev);
        }
        return runs;
    }

    private static LoadedScenario collect(List<Evaluation> runs, String display, String sha, Map<String, Object> sets) {
        // Each distinct diagnostic once; when it happens only in some variants, say which.
        Map<Diagnostic, List<String>> seen = new LinkedHashMap<>();
        boolean allCompleted = true;
        for (Evaluation ev : runs) {
            String label = ev.label();
            for (Diagnostic d : ev.diagnostics) {
                seen.computeIfAbsent(d, k -> new ArrayList<>());
                List<String> labels = seen.get(d);
                if (!labels.contains(label)) {
                    labels.add(label);
                }
            }
            allCompleted &= ev.completed;
        }
        List<Diagnostic> out = new ArrayList<>();
        for (Map.Entry<Diagnostic, List<String>> e : seen.entrySet()) {
            Diagnostic d = e.getKey();
            if (runs.size() > 1 && e.getValue().size() < runs.size()) {
                d = new Diagnostic(d.where(), d.message() + " (in variant " + String.join(" and ", e.getValue()) + ")");
            }
            out.add(d);
        }
        if (allCompleted) {
            Set<String> declared = new LinkedHashSet<>();
            runs.forEach(ev -> declared.addAll(ev.declaredNames()));
            for (String name : sets.keySet()) {
                if (!declared.contains(name)) {
                    out.add(new Diagnostic(new SourceRef(display, 0), "--set " + name + ": the scenario declares no parameter '" + name + "'"
                            + Values.suggest(name, declared) + " declared: " + (declared.isEmpty() ? "none" : String.join(", ", declared))));
                }
            }
        }
        if (!out.isEmpty()) {
            throw new ScenarioException(out);
        }
        List<ScenarioModel> models = new ArrayList<>();
        for (Evaluation ev : runs) {
            models.add(ev.model);
        }
        return new LoadedScenario(models.get(0).name(), display, sha, models);
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }
}

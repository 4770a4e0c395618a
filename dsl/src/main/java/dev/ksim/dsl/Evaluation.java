package dev.ksim.dsl;

import dev.ksim.dsl.internal.Locator;
import dev.ksim.dsl.internal.PluginResolver;
import dev.ksim.dsl.internal.Values;
import dev.ksim.engine.model.Diagnostic;
import dev.ksim.engine.model.ScenarioModel;
import dev.ksim.engine.model.SourceRef;
import groovy.lang.Binding;
import groovy.lang.Closure;
import groovy.lang.MissingMethodException;
import groovy.lang.MissingPropertyException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.codehaus.groovy.runtime.InvokerHelper;

/**
 * One evaluation of a compiled scenario script for one combination of parameter values. Holds
 * what the run needs to know (catalog, {@code --set} values, which value of each variant axis to
 * take), collects diagnostics, and ends with the variant's {@link ScenarioModel} or with
 * diagnostics. Every evaluation starts from a fresh script instance, so evaluations are independent
 * and deterministic.
 */
final class Evaluation {
    /** Unwinds the script after a diagnostic that makes going on pointless. */
    static final class Abort extends RuntimeException {
        Abort() {
            super(null, null, false, false);
        }
    }

    static final Object NOT_FOUND = new Object();

    final String file;
    final String scriptFileName;
    final PluginResolver plugins;
    private final Map<String, Object> sets;
    private final Map<String, Integer> choice;

    final List<Diagnostic> diagnostics = new ArrayList<>();
    /** Timed actions of every at() block, in evaluation (declaration) order. */
    final List<dev.ksim.engine.model.EventSpec> events = new ArrayList<>();
    /** Variant axes declared so far, in declaration order; a --set axis has one value. */
    final LinkedHashMap<String, List<Object>> axes = new LinkedHashMap<>();
    /** Parameters read with a default, in order of first read. */
    final LinkedHashSet<String> defaulted = new LinkedHashSet<>();

    private ScenarioScript script;
    private ScenarioBlock scenario;
    boolean completed;
    ScenarioModel model;

    Evaluation(String file, String scriptFileName, PluginResolver plugins, Map<String, Object> sets, Map<String, Integer> choice) {
        this.file = file;
        this.scriptFileName = scriptFileName;
        this.plugins = plugins;
        this.sets = sets;
        this.choice = choice;
    }

    // ------------------------------------------------------------------ locations and diagnostics

    SourceRef here() {
        return new SourceRef(file, Locator.currentLine(scriptFileName));
    }

    void error(SourceRef where, String message) {
        diagnostics.add(new Diagnostic(where, message));
    }

    Abort abort(SourceRef where, String message) {
        error(where, message);
        return new Abort();
    }

    // ------------------------------------------------------------------ running

    void run(Class<?> scriptClass) {
        try {
            script = (ScenarioScript) scriptClass.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot instantiate compiled scenario script", e);
        }
        script.setBinding(new Binding());
        script.ksimEvaluation = this;
        try {
            script.run();
            completed = true;
        } catch (Abort a) {
            // already reported
        } catch (MissingPropertyException e) {
            boolean variable = e.getType() == null || e.getType().isInstance(script) || groovy.lang.Script.class.isAssignableFrom(e.getType());
            error(at(e), variable
                    ? "unknown variable '" + e.getProperty() + "'"
                    : "unknown property '" + e.getProperty() + "' of " + e.getType().getSimpleName());
        } catch (MissingMethodException e) {
            String args = Values.argTypes(e.getArguments());
            String call = e.getMethod() + (args.startsWith("(") ? args : "()");
            error(at(e), e.getType() == null ? "unknown method " + call : e.getType().getSimpleName() + " has no method " + call);
        } catch (StackOverflowError e) {
            error(at(e), "the script recursed too deeply (stack overflow)");
        } catch (AssertionError e) {
            error(at(e), "assertion failed: " + String.valueOf(e.getMessage()).strip());
        } catch (RuntimeException e) {
            error(at(e), e.getMessage() != null && !e.getMessage().isBlank() ? e.getMessage() : e.getClass().getSimpleName());
        }
        if (!completed) {
            return;
        }
        if (scenario == null) {
            error(new SourceRef(file, 0), "no scenario: the script must call scenario('name') { ... } once");
            return;
        }
        model = scenario.build(label(), params());
        if (!diagnostics.isEmpty()) {
            model = null;
        }
    }

    private SourceRef at(Throwable t) {
        return new SourceRef(file, Locator.line(t, scriptFileName));
    }

    // ------------------------------------------------------------------ the scenario call

    void scenario(Object name, Closure<?> body) {
        SourceRef where = here();
        if (scenario != null) {
            error(where, "a script holds exactly one scenario, but scenario(...) is called again (first at line " + scenario.where.line() + ")");
            return;
        }
        String text = name instanceof CharSequence cs ? cs.toString().strip() : "";
        if (text.isEmpty()) {
            error(where, "scenario needs a name: scenario('my-scenario') { ... }, got " + Values.describe(name));
        }
        scenario = new ScenarioBlock(this, where, text.isEmpty() ? "unnamed" : text);
        if (body == null) {
            error(where, "scenario('" + text + "') needs a block: scenario('" + text + "') { ... }");
            return;
        }
        scenario.within(scenario, body);
    }

    // ------------------------------------------------------------------ parameters

    void declareAxis(Object name, Object values, SourceRef where) {
        if (!(name instanceof CharSequence) || name.toString().isBlank()) {
            error(where, "a parameter needs a name: param 'policy', ['first-touch', 'interleave'], got " + Values.describe(name));
            return;
        }
        String key = name.toString();
        if (axes.containsKey(key)) {
            error(where, "parameter '" + key + "' is declared twice");
            return;
        }
        List<Object> list = Values.asList(values);
        if (list == null) {
            list = new ArrayList<>();
            list.add(values);
        }
        if (list.isEmpty()) {
            error(where, "parameter '" + key + "' needs at least one value");
            return;
        }
        Set<String> seen = new LinkedHashSet<>();
        for (Object v : list) {
            if (v == null) {
                error(where, "parameter '" + key + "' has a null value");
                return;
            }
            if (!seen.add(Values.render(v))) {
                error(where, "parameter '" + key + "' lists the value " + Values.render(v) + " twice");
                return;
            }
        }
        if (sets.containsKey(key)) {
            list = List.of(sets.get(key));
        }
        axes.put(key, List.copyOf(list));
    }

    Object param(Object name) {
        String key = paramName(name);
        List<Object> values = axes.get(key);
        if (values != null) {
            return values.get(Math.min(choice.getOrDefault(key, 0), values.size() - 1));
        }
        if (defaulted.contains(key) && sets.containsKey(key)) {
            return sets.get(key);
        }
        Set<String> declared = declaredNames();
        throw abort(here(), "unknown parameter '" + key + "'" + Values.suggest(key, declared)
                + " declare it first in variants { param '" + key + "', [values] } or give a default: param('" + key + "', value)"
                + (declared.isEmpty() ? "" : "; declared: " + String.join(", ", declared)));
    }

    Object param(Object name, Object defaultValue) {
        String key = paramName(name);
        List<Object> values = axes.get(key);
        if (values != null) {
            return values.get(Math.min(choice.getOrDefault(key, 0), values.size() - 1));
        }
        defaulted.add(key);
        return sets.containsKey(key) ? sets.get(key) : defaultValue;
    }

    private String paramName(Object name) {
        if (!(name instanceof CharSequence)) {
            throw abort(here(), "param needs a parameter name: param('policy'), got " + Values.describe(name));
        }
        return name.toString();
    }

    Set<String> declaredNames() {
        Set<String> out = new LinkedHashSet<>(axes.keySet());
        out.addAll(defaulted);
        return out;
    }

    /** The variant's parameter values as written: every axis, then defaulted parameters fixed by --set. */
    private LinkedHashMap<String, Object> rawParams() {
        LinkedHashMap<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, List<Object>> axis : axes.entrySet()) {
            List<Object> values = axis.getValue();
            out.put(axis.getKey(), values.get(Math.min(choice.getOrDefault(axis.getKey(), 0), values.size() - 1)));
        }
        for (String name : defaulted) {
            if (sets.containsKey(name) && !out.containsKey(name)) {
                out.put(name, sets.get(name));
            }
        }
        return out;
    }

    String label() {
        List<String> parts = new ArrayList<>();
        rawParams().forEach((k, v) -> parts.add(k + "=" + Values.render(v)));
        return parts.isEmpty() ? "default" : String.join(",", parts);
    }

    Map<String, Object> params() {
        LinkedHashMap<String, Object> out = new LinkedHashMap<>();
        rawParams().forEach((k, v) -> out.put(k, Values.canonical(v)));
        return out;
    }

    // ------------------------------------------------------------------ the script's own names

    boolean hasScriptVariable(String name) {
        return script.getBinding().hasVariable(name);
    }

    Object scriptVariable(String name) {
        return script.getBinding().getVariable(name);
    }

    void setScriptVariable(String name, Object value) {
        script.getBinding().setVariable(name, value);
    }

    /** Calls a method the script itself defines (or a closure in its binding); NOT_FOUND if none. */
    Object callScriptMethod(String name, Object[] args) {
        for (Method m : script.getClass().getDeclaredMethods()) {
            if (m.getName().equals(name) && !m.isSynthetic()) {
                return InvokerHelper.invokeMethod(script, name, args);
            }
        }
        if (hasScriptVariable(name) && scriptVariable(name) instanceof Closure<?> c) {
            return c.call(args);
        }
        return NOT_FOUND;
    }
}

package dev.ksim.dsl;

import dev.ksim.dsl.internal.Values;
import dev.ksim.engine.model.PluginRef;
import dev.ksim.engine.model.SourceRef;
import dev.ksim.engine.util.Suggestions;
import dev.ksim.spi.PluginKind;
import groovy.lang.Closure;
import groovy.lang.GroovyObjectSupport;
import java.util.Map;
import org.codehaus.groovy.runtime.InvokerHelper;

/**
 * Base of every scenario block ({@code machine {}}, {@code node {}}, ...). A block's closure runs
 * with the block as its only delegate ({@link Closure#DELEGATE_ONLY}), so any word the block
 * does not know is reported — {@code unknown setting 'sise' in node {}; did you mean 'size'?} —
 * instead of silently reaching the script. The script's local variables stay usable (they are
 * lexical), and so do its binding variables, its own methods and {@code param(...)}.
 * Settings can be written as commands ({@code memory 64.MiB}) or assignments ({@code memory = 64.MiB}).
 */
public abstract class Block extends GroovyObjectSupport {
    final Evaluation ev;
    final SourceRef where;
    /** A problem was reported inside this block: skip "missing setting" checks that would only echo it. */
    boolean dirty;

    Block(Evaluation ev, SourceRef where) {
        this.ev = ev;
        this.where = where;
    }

    /** The word users see: "node" in "unknown setting 'x' in node {}". */
    abstract String blockName();

    /** The block's settings, each with a usage example. */
    abstract Map<String, String> settings();

    /** The value of a parameter declared in {@code variants {}} (or fixed with --set). */
    public Object param(Object name) {
        return ev.param(name);
    }

    /** The value of a parameter, or {@code defaultValue} when it is not a variant axis nor set with --set. */
    public Object param(Object name, Object defaultValue) {
        return ev.param(name, defaultValue);
    }

    // ------------------------------------------------------------------ unknown words

    /** Blocks have no readable properties: every name goes to {@link #propertyMissing(String)}. */
    @Override
    public Object getProperty(String name) {
        if ("metaClass".equals(name)) {
            return getMetaClass();
        }
        return propertyMissing(name);
    }

    /** {@code memory = 64.MiB} is the same as {@code memory 64.MiB}. */
    @Override
    public void setProperty(String name, Object value) {
        propertyMissing(name, value);
    }

    public Object methodMissing(String name, Object args) {
        Object[] a = args instanceof Object[] arr ? arr : new Object[] {args};
        if (settings().containsKey(name)) {
            report("wrong arguments for '" + name + "' in " + blockName() + " {}: got " + Values.argTypes(a)
                    + "; write " + settings().get(name));
            return null;
        }
        Object result = ev.callScriptMethod(name, a);
        if (result != Evaluation.NOT_FOUND) {
            return result;
        }
        report("unknown setting '" + name + "' in " + blockName() + " {}" + Suggestions.didYouMean(name, settings().keySet()));
        return null;
    }

    /**
     * Reading a name the block does not know. There is no sensible value to go on with, so this
     * ends the evaluation (after the report) rather than feeding null into later settings.
     */
    public Object propertyMissing(String name) {
        if (ev.hasScriptVariable(name)) {
            return ev.scriptVariable(name);
        }
        dirty = true;
        if (settings().containsKey(name)) {
            throw ev.abort(ev.here(), "'" + name + "' is a setting of " + blockName() + " {}: it can be set (" + settings().get(name)
                    + ") but not read; keep the value in a local variable instead");
        }
        throw ev.abort(ev.here(), "unknown property '" + name + "' in " + blockName() + " {}"
                + Suggestions.didYouMean(name, settings().keySet()));
    }

    public void propertyMissing(String name, Object value) {
        if (settings().containsKey(name)) {
            InvokerHelper.invokeMethod(this, name, new Object[] {value});
            return;
        }
        if (ev.hasScriptVariable(name)) {
            ev.setScriptVariable(name, value);
            return;
        }
        report("unknown setting '" + name + "' in " + blockName() + " {}" + Suggestions.didYouMean(name, settings().keySet()));
    }

    // ------------------------------------------------------------------ helpers for subclasses

    /** Reports a problem at the script line calling now. */
    void report(String message) {
        dirty = true;
        ev.error(ev.here(), message);
    }

    /** Reports a problem found after the block ran, at a recorded place. */
    void report(SourceRef at, String message) {
        dirty = true;
        ev.error(at, message);
    }

    /** Runs {@code body} with {@code block} as its only delegate, then lets the block check itself. */
    <B extends Block> B within(B block, Closure<?> body) {
        if (body != null) {
            Closure<?> c = (Closure<?>) body.clone();
            c.setDelegate(block);
            c.setResolveStrategy(Closure.DELEGATE_ONLY);
            if (c.getMaximumNumberOfParameters() > 0) {
                c.call(block);
            } else {
                c.call();
            }
        }
        block.finish();
        return block;
    }

    /** Checks made when the block's closure has run. */
    void finish() {
    }

    String what(String setting) {
        return "'" + setting + "' in " + blockName() + " {}";
    }

    Long sizeArg(String setting, Object v) {
        if (v instanceof Size s) {
            return s.bytes();
        }
        report(what(setting) + " expects a size such as 64.MiB, got " + Values.describe(v)
                + (v instanceof Number n ? "; add a unit, e.g. " + Values.render(n) + ".MiB" : ""));
        return null;
    }

    Long durationArg(String setting, Object v) {
        if (v instanceof TimeSpan t) {
            return t.nanos();
        }
        report(what(setting) + " expects a duration such as 10.us, got " + Values.describe(v)
                + (v instanceof Number n ? "; add a unit, e.g. " + Values.render(n) + ".us" : ""));
        return null;
    }

    Long positiveDurationArg(String setting, Object v) {
        Long ns = durationArg(setting, v);
        if (ns != null && ns <= 0) {
            report(what(setting) + " must be positive, got " + v);
            return null;
        }
        return ns;
    }

    Long integerArg(String setting, Object v, long min) {
        if (Values.isIntegral(v)) {
            long n = ((Number) v).longValue();
            if (n < min) {
                report(what(setting) + " must be at least " + min + ", got " + n);
                return null;
            }
            return n;
        }
        report(what(setting) + " expects a whole number, got " + Values.describe(v));
        return null;
    }

    String nameArg(String setting, Object v) {
        if (v instanceof CharSequence cs && !cs.toString().isBlank()) {
            return cs.toString();
        }
        report(what(setting) + " expects a name (a non-empty string), got " + Values.describe(v));
        return null;
    }

    PluginRef pluginArg(PluginKind kind, Object id, Map<?, ?> options) {
        SourceRef at = ev.here();
        return ev.plugins.resolve(kind, id, options == null ? Map.of() : options, at, msg -> report(at, msg)).orElse(null);
    }

    /** The default plugin a block relies on, checked against the catalog. */
    PluginRef defaultPlugin(PluginKind kind, String id, String setting, SourceRef at) {
        if (!ev.plugins.exists(kind, id)) {
            report(at, "the default " + kind.label() + " '" + id + "' is not available; choose one with " + setting
                    + " 'id'; available: " + ev.plugins.available(kind));
            return null;
        }
        return new PluginRef(kind, id, Map.of(), at);
    }

    /**
     * {@code at(5.ms) { ... }}: timed actions ({@link AtBlock}) on the mappings of process
     * {@code processName}, or hardware errors when it is null.
     */
    void atBlock(Object time, Closure<?> body, String processName) {
        SourceRef at = ev.here();
        Long ns = durationArg("at", time);
        if (ns == null) {
            return;
        }
        if (ns < 0) {
            report(at, what("at") + " must be a time inside the run (0 or later), got " + time);
            return;
        }
        within(new AtBlock(ev, at, ns, processName, ev.events), body);
    }

    static Map<String, String> usage(String... pairs) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put(pairs[i], pairs[i + 1]);
        }
        return java.util.Collections.unmodifiableMap(m);
    }
}

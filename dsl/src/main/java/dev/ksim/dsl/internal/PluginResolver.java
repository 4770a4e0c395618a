package dev.ksim.dsl.internal;

import dev.ksim.dsl.Bandwidth;
import dev.ksim.dsl.Size;
import dev.ksim.dsl.TimeSpan;
import dev.ksim.engine.model.PluginCatalog;
import dev.ksim.engine.model.PluginRef;
import dev.ksim.engine.model.SourceRef;
import dev.ksim.engine.util.Suggestions;
import dev.ksim.spi.OptionSpec;
import dev.ksim.spi.PluginDescriptor;
import dev.ksim.spi.PluginKind;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Turns a script's plugin choice ({@code workload 'zipf', theta: 0.99}) into a {@link PluginRef}:
 * looks the id up in the {@link PluginCatalog} for its kind, checks every option against the
 * descriptor's schema and converts it to its canonical value. Defaults are not filled in (the
 * runtime does that). Problems go to the given sink, one message each; the result is then empty.
 */
public final class PluginResolver {
    private final PluginCatalog catalog;

    public PluginResolver(PluginCatalog catalog) {
        this.catalog = catalog;
    }

    /** The ids available for a kind, comma separated, or "none". */
    public String available(PluginKind kind) {
        List<String> ids = ids(kind);
        return ids.isEmpty() ? "none" : String.join(", ", ids);
    }

    private List<String> ids(PluginKind kind) {
        return catalog.all(kind).stream().map(PluginDescriptor::id).sorted().toList();
    }

    /** Whether a plugin exists: used to check the defaults a scenario relies on. */
    public boolean exists(PluginKind kind, String id) {
        return catalog.find(kind, id).isPresent();
    }

    public Optional<PluginRef> resolve(PluginKind kind, Object idValue, Map<?, ?> options, SourceRef where, Consumer<String> problems) {
        if (!(idValue instanceof CharSequence)) {
            problems.accept("expected a " + kind.label() + " id (a string such as '" + example(kind) + "'), got " + Values.describe(idValue));
            return Optional.empty();
        }
        String id = idValue.toString();
        Optional<PluginDescriptor> found = catalog.find(kind, id);
        if (found.isEmpty()) {
            problems.accept("unknown " + kind.label() + " '" + id + "'" + Values.suggest(id, ids(kind))
                    + " available: " + available(kind));
            return Optional.empty();
        }
        PluginDescriptor d = found.get();
        Map<String, Object> converted = new LinkedHashMap<>();
        boolean ok = true;
        for (Map.Entry<?, ?> e : options.entrySet()) {
            if (!(e.getKey() instanceof CharSequence)) {
                problems.accept("option names of " + kind.label() + " '" + id + "' must be words, got " + Values.describe(e.getKey()));
                ok = false;
                continue;
            }
            String name = e.getKey().toString();
            OptionSpec spec = d.option(name);
            if (spec == null) {
                List<String> names = d.options().stream().map(OptionSpec::name).toList();
                problems.accept(names.isEmpty()
                        ? kind.label() + " '" + id + "' takes no options, got '" + name + "'"
                        : "unknown option '" + name + "' of " + kind.label() + " '" + id + "'"
                                + Values.suggest(name, names) + " options: " + String.join(", ", names));
                ok = false;
                continue;
            }
            String bad = convert(spec, e.getValue(), converted);
            if (bad != null) {
                problems.accept("option '" + name + "' of " + kind.label() + " '" + id + "' " + bad);
                ok = false;
            }
        }
        return ok ? Optional.of(new PluginRef(kind, id, converted, where)) : Optional.empty();
    }

    /** Converts one option value into {@code out}; returns the problem (after "option 'x' of ..."), or null. */
    private static String convert(OptionSpec spec, Object v, Map<String, Object> out) {
        String expects = "expects " + spec.type().expectation() + ", got " + Values.describe(v);
        switch (spec.type()) {
            case INTEGER -> {
                if (Values.isIntegral(v)) {
                    out.put(spec.name(), ((Number) v).longValue());
                    return null;
                }
                if (v instanceof BigDecimal b && b.stripTrailingZeros().scale() <= 0) {
                    out.put(spec.name(), b.longValueExact());
                    return null;
                }
                return expects;
            }
            case NUMBER -> {
                if (v instanceof Number n) {
                    out.put(spec.name(), n.doubleValue());
                    return null;
                }
                return expects;
            }
            case BOOLEAN -> {
                if (v instanceof Boolean b) {
                    out.put(spec.name(), b);
                    return null;
                }
                return expects;
            }
            case STRING -> {
                if (!(v instanceof CharSequence)) {
                    return expects;
                }
                String s = v.toString();
                if (!spec.choices().isEmpty() && !spec.choices().contains(s)) {
                    return "must be one of " + String.join(", ", spec.choices()) + ", got '" + s + "'"
                            + Suggestions.didYouMean(s, spec.choices());
                }
                out.put(spec.name(), s);
                return null;
            }
            case SIZE -> {
                if (v instanceof Size s) {
                    out.put(spec.name(), s.bytes());
                    return null;
                }
                return v instanceof Number n ? expects + "; add a unit, e.g. " + Values.render(n) + ".MiB" : expects;
            }
            case DURATION -> {
                if (v instanceof TimeSpan t) {
                    out.put(spec.name(), t.nanos());
                    return null;
                }
                return v instanceof Number n ? expects + "; add a unit, e.g. " + Values.render(n) + ".us" : expects;
            }
            case BANDWIDTH -> {
                if (v instanceof Bandwidth b) {
                    out.put(spec.name(), b.bytesPerSecond());
                    return null;
                }
                return v instanceof Number n ? expects + "; add a unit, e.g. " + Values.render(n) + ".GBps" : expects;
            }
            default -> throw new IllegalStateException("option type " + spec.type());
        }
    }

    private String example(PluginKind kind) {
        List<String> ids = ids(kind);
        return ids.isEmpty() ? "id" : ids.get(0);
    }
}

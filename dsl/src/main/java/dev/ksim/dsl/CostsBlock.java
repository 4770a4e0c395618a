package dev.ksim.dsl;

import dev.ksim.dsl.internal.Values;
import dev.ksim.engine.model.SourceRef;
import groovy.lang.GroovyObjectSupport;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code costs { fault.minor.anon 1.us }}: overrides of cost-model entries, one {@code key value}
 * per line (or {@code key = value}). Keys may be dotted ({@code tlb.ipi_base 4.us}) or quoted
 * ({@code 'tlb.ipi_base' 4.us}). Durations are stored in ns, bandwidths in B/s. Keys are the
 * cost model's; the engine checks them when it validates the scenario. A key given twice keeps
 * the last value.
 */
public final class CostsBlock extends Block {
    private final Map<String, Long> overrides;
    private final List<Key> dangling = new ArrayList<>();

    CostsBlock(Evaluation ev, SourceRef where, Map<String, Long> overrides) {
        super(ev, where);
        this.overrides = overrides;
    }

    @Override
    String blockName() {
        return "costs";
    }

    @Override
    Map<String, String> settings() {
        return Map.of();
    }

    @Override
    public Object methodMissing(String name, Object args) {
        Object[] a = args instanceof Object[] arr ? arr : new Object[] {args};
        if (a.length != 1) {
            report("cost '" + name + "' takes one value, e.g. " + name + " 1.us; got " + Values.argTypes(a));
            return null;
        }
        set(name, a[0], ev.here());
        return null;
    }

    @Override
    public void propertyMissing(String name, Object value) {
        set(name, value, ev.here());
    }

    /** The first word of a dotted key ({@code fault} in {@code fault.minor.anon 1.us}). */
    @Override
    public Object propertyMissing(String name) {
        if (ev.hasScriptVariable(name)) {
            return ev.scriptVariable(name);
        }
        Key key = new Key(name, ev.here());
        dangling.add(key);
        return key;
    }

    @Override
    void finish() {
        for (Key k : dangling) {
            if (!k.used) {
                report(k.where, "cost '" + k.path + "' needs a value, e.g. " + k.path + " 1.us");
            }
        }
    }

    void set(String key, Object value, SourceRef at) {
        if (value instanceof TimeSpan t) {
            overrides.put(key, t.nanos());
        } else if (value instanceof Bandwidth b) {
            overrides.put(key, b.bytesPerSecond());
        } else {
            report(at, "cost '" + key + "' expects a duration such as 1.us (or a bandwidth such as 32.GBps), got " + Values.describe(value)
                    + (value instanceof Number n ? "; add a unit, e.g. " + Values.render(n) + ".us" : ""));
        }
    }

    /** A partly written dotted key: {@code fault.minor} waiting for {@code .anon 1.us}. */
    private final class Key extends GroovyObjectSupport {
        private final String path;
        private final SourceRef where;
        private boolean used;

        Key(String path, SourceRef where) {
            this.path = path;
            this.where = where;
        }

        @Override
        public Object getProperty(String name) {
            used = true;
            Key next = new Key(path + "." + name, where);
            dangling.add(next);
            return next;
        }

        @Override
        public void setProperty(String name, Object value) {
            used = true;
            set(path + "." + name, value, where);
        }

        @Override
        public Object invokeMethod(String name, Object args) {
            used = true;
            Object[] a = args instanceof Object[] arr ? arr : new Object[] {args};
            if (a.length != 1) {
                report(where, "cost '" + path + "." + name + "' takes one value, e.g. " + path + "." + name + " 1.us; got " + Values.argTypes(a));
                return null;
            }
            set(path + "." + name, a[0], where);
            return null;
        }

        @Override
        public String toString() {
            return path;
        }
    }
}

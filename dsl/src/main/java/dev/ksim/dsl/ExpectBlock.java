package dev.ksim.dsl;

import dev.ksim.dsl.internal.Values;
import dev.ksim.engine.model.ExpectationSpec;
import dev.ksim.engine.model.ExpectationSpec.Op;
import dev.ksim.engine.model.SourceRef;
import groovy.lang.GroovyObjectSupport;
import java.util.List;
import java.util.Map;

/**
 * {@code expect { metric 'pgfault' greaterThan 0 }}: assertions over a run's metrics; a failed
 * one makes the run exit with code 2. Each line reads {@code metric NAME COMPARISON VALUE}.
 * Metric names are checked by the engine.
 */
public final class ExpectBlock extends Block {
    static final Map<String, String> SETTINGS = usage("metric", "metric 'pgfault' greaterThan 0");

    private final List<Expectation> expectations;
    private final int first;

    ExpectBlock(Evaluation ev, SourceRef where, List<Expectation> expectations) {
        super(ev, where);
        this.expectations = expectations;
        this.first = expectations.size();
    }

    @Override
    String blockName() {
        return "expect";
    }

    @Override
    Map<String, String> settings() {
        return SETTINGS;
    }

    /** Starts an expectation on a metric; follow it with a comparison: {@code metric 'x' lessThan 10}. */
    public Expectation metric(Object name) {
        SourceRef at = ev.here();
        String text = nameArg("metric", name);
        Expectation e = new Expectation(this, text == null ? "?" : text, at);
        if (text != null) {
            expectations.add(e);
        }
        return e;
    }

    @Override
    void finish() {
        for (Expectation e : expectations.subList(first, expectations.size())) {
            if (e.spec == null && !e.failed) {
                report(e.where, "expectation on '" + e.metric + "' has no comparison; write e.g. metric '" + e.metric + "' lessThan 10");
            }
        }
    }

    /**
     * The second half of {@code metric 'x' greaterThan 0}: one comparison with a number (or a
     * size, duration or bandwidth, compared in bytes, ns or B/s).
     */
    public static final class Expectation extends GroovyObjectSupport {
        static final Map<String, Op> COMPARISONS = Map.of(
                "lessThan", Op.LT, "atMost", Op.LE, "greaterThan", Op.GT, "atLeast", Op.GE,
                "equalTo", Op.EQ, "notEqualTo", Op.NE);
        static final List<String> ORDER = List.of("lessThan", "atMost", "greaterThan", "atLeast", "equalTo", "notEqualTo");

        private final ExpectBlock block;
        private final String metric;
        private final SourceRef where;
        private ExpectationSpec spec;
        private boolean failed;

        Expectation(ExpectBlock block, String metric, SourceRef where) {
            this.block = block;
            this.metric = metric;
            this.where = where;
        }

        public void lessThan(Object value) {
            compare("lessThan", value);
        }

        public void atMost(Object value) {
            compare("atMost", value);
        }

        public void greaterThan(Object value) {
            compare("greaterThan", value);
        }

        public void atLeast(Object value) {
            compare("atLeast", value);
        }

        public void equalTo(Object value) {
            compare("equalTo", value);
        }

        public void notEqualTo(Object value) {
            compare("notEqualTo", value);
        }

        public Object methodMissing(String name, Object args) {
            failed = true;
            block.report(where, "unknown comparison '" + name + "' for metric '" + metric + "'" + Values.suggest(name, ORDER)
                    + " comparisons: " + String.join(", ", ORDER));
            return null;
        }

        @Override
        public Object getProperty(String name) {
            return "metaClass".equals(name) ? getMetaClass() : propertyMissing(name);
        }

        public Object propertyMissing(String name) {
            failed = true;
            if (COMPARISONS.containsKey(name)) {
                block.report(where, "comparison '" + name + "' on metric '" + metric + "' needs a value: metric '" + metric + "' " + name + " 0");
            } else {
                block.report(where, "unknown comparison '" + name + "' for metric '" + metric + "'" + Values.suggest(name, ORDER)
                        + " comparisons: " + String.join(", ", ORDER));
            }
            return null;
        }

        private void compare(String word, Object value) {
            if (spec != null || failed) {
                failed = true;
                block.report(where, "expectation on '" + metric + "' already has a comparison; write one metric line per comparison");
                return;
            }
            double number;
            if (value instanceof Size s) {
                number = s.bytes();
            } else if (value instanceof TimeSpan t) {
                number = t.nanos();
            } else if (value instanceof Bandwidth b) {
                number = b.bytesPerSecond();
            } else if (value instanceof Number n) {
                number = n.doubleValue();
            } else {
                failed = true;
                block.report(where, "expectation on '" + metric + "' compares with a number, got " + Values.describe(value));
                return;
            }
            Op op = COMPARISONS.get(word);
            spec = new ExpectationSpec(metric, op, number, metric + " " + op.symbol() + " " + Values.render(value), where);
        }

        ExpectationSpec spec() {
            return spec;
        }
    }
}

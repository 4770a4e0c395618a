package dev.ksim.dsl.internal;

import dev.ksim.dsl.Bandwidth;
import dev.ksim.dsl.Size;
import dev.ksim.dsl.TimeSpan;
import groovy.lang.Range;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;

/**
 * How script values are described in messages, rendered in variant labels and reduced to
 * canonical model values (sizes → bytes, durations → ns, bandwidths → B/s, whole numbers → Long,
 * other numbers → Double).
 */
public final class Values {
    private Values() {
    }

    /** "String 'high'", "Integer 64", "Size 64MiB", "null". */
    public static String describe(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof CharSequence) {
            return "String '" + v + "'";
        }
        return v.getClass().getSimpleName() + " " + render(v);
    }

    /** "(Size, String)" or "no arguments". */
    public static String argTypes(Object[] args) {
        if (args.length == 0) {
            return "no arguments";
        }
        List<String> names = new ArrayList<>();
        for (Object a : args) {
            names.add(a == null ? "null" : a instanceof CharSequence ? "String" : a instanceof groovy.lang.Closure ? "{ block }" : a.getClass().getSimpleName());
        }
        return "(" + String.join(", ", names) + ")";
    }

    /** How a value reads in a variant label: 64MiB, 10us, interleave, 0.99. */
    public static String render(Object v) {
        if (v instanceof BigDecimal b) {
            return b.toPlainString();
        }
        if (v instanceof Range<?> r) {
            return r.getFrom() + ".." + r.getTo();
        }
        return String.valueOf(v);
    }

    public static boolean isIntegral(Object v) {
        return v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte
                || (v instanceof BigInteger b && b.bitLength() < 64);
    }

    public static boolean isPlainNumber(Object v) {
        return v instanceof Number;
    }

    /** The canonical form stored in the model's params. */
    public static Object canonical(Object v) {
        if (v instanceof Size s) {
            return s.bytes();
        }
        if (v instanceof TimeSpan t) {
            return t.nanos();
        }
        if (v instanceof Bandwidth b) {
            return b.bytesPerSecond();
        }
        if (isIntegral(v)) {
            return ((Number) v).longValue();
        }
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        if (v instanceof Boolean) {
            return v;
        }
        if (v instanceof CharSequence) {
            return v.toString();
        }
        if (v instanceof Iterable<?> it) {
            List<Object> out = new ArrayList<>();
            for (Object o : it) {
                out.add(canonical(o));
            }
            return Collections.unmodifiableList(out);
        }
        return String.valueOf(v);
    }

    /** Elements of a list, range or array; null when {@code v} is none of these. */
    public static List<Object> asList(Object v) {
        if (v instanceof Iterable<?> it) {
            List<Object> out = new ArrayList<>();
            it.forEach(out::add);
            return out;
        }
        if (v instanceof Object[] arr) {
            return new ArrayList<>(List.of(arr));
        }
        return null;
    }

    /**
     * "; did you mean 'x'?" when a candidate is close, else ";" — to be followed by " more text",
     * giving "...'frist-touch'; did you mean 'first-touch'? available: ..." or "...'x'; available: ...".
     */
    public static String suggest(String typed, java.util.Collection<String> candidates) {
        String s = dev.ksim.engine.util.Suggestions.didYouMean(typed, candidates);
        return s.isEmpty() ? ";" : s;
    }

    public static String joinQuoted(List<String> names) {
        return names.stream().collect(Collectors.joining(", "));
    }
}

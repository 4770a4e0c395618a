package dev.ksim.dsl.internal;

import dev.ksim.dsl.Bandwidth;
import dev.ksim.dsl.Size;
import dev.ksim.dsl.TimeSpan;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses a {@code --set NAME=VALUE} value the way a script would have written it: an integer
 * ({@code 4}), a decimal ({@code 0.99}), a boolean, a size ({@code 64MiB} or {@code 64.MiB}), a
 * duration ({@code 10us}), a bandwidth ({@code 32GBps}); anything else is a string.
 */
public final class SetValues {
    private static final Pattern INTEGER = Pattern.compile("[+-]?\\d[\\d_]*");
    private static final Pattern DECIMAL = Pattern.compile("[+-]?\\d[\\d_]*\\.\\d[\\d_]*");
    private static final Pattern UNIT = Pattern.compile(
            "([+-]?\\d[\\d_]*(?:\\.\\d[\\d_]*)?)\\.?(B|KiB|MiB|GiB|TiB|KB|MB|GB|ns|us|ms|s|Bps|KBps|MBps|GBps)");
    private static final Map<String, Long> SIZES = Map.of("B", 1L, "KiB", 1L << 10, "MiB", 1L << 20,
            "GiB", 1L << 30, "TiB", 1L << 40, "KB", 1_000L, "MB", 1_000_000L, "GB", 1_000_000_000L);
    private static final Map<String, Long> TIMES = Map.of("ns", 1L, "us", 1_000L, "ms", 1_000_000L, "s", 1_000_000_000L);
    private static final Map<String, Long> RATES = Map.of("Bps", 1L, "KBps", 1_000L, "MBps", 1_000_000L, "GBps", 1_000_000_000L);

    private SetValues() {
    }

    public static Object parse(String raw) {
        String s = raw.trim();
        if (INTEGER.matcher(s).matches()) {
            BigInteger b = new BigInteger(s.replace("_", ""));
            if (b.bitLength() < 32) {
                return b.intValue();
            }
            return b.bitLength() < 64 ? (Object) b.longValue() : b;
        }
        if (DECIMAL.matcher(s).matches()) {
            return new BigDecimal(s.replace("_", ""));
        }
        if (s.equals("true") || s.equals("false")) {
            return Boolean.valueOf(s);
        }
        Matcher m = UNIT.matcher(s);
        if (m.matches()) {
            BigDecimal amount = new BigDecimal(m.group(1).replace("_", ""));
            String unit = m.group(2);
            try {
                if (SIZES.containsKey(unit)) {
                    return Size.of(amount, SIZES.get(unit));
                }
                if (TIMES.containsKey(unit)) {
                    return TimeSpan.of(amount, TIMES.get(unit));
                }
                return Bandwidth.of(amount, RATES.get(unit));
            } catch (ArithmeticException tooLarge) {
                return raw;
            }
        }
        return raw;
    }
}

package dev.ksim.dsl;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;

/** Exact arithmetic shared by {@link Size}, {@link TimeSpan} and {@link Bandwidth}. */
final class Units {
    private Units() {
    }

    record Unit(String suffix, long factor) {
    }

    static BigDecimal decimal(Number n) {
        if (n instanceof BigDecimal b) {
            return b;
        }
        if (n instanceof BigInteger b) {
            return new BigDecimal(b);
        }
        if (n instanceof Double || n instanceof Float) {
            double d = n.doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                throw new ArithmeticException("not a finite number: " + n);
            }
            return BigDecimal.valueOf(d);
        }
        return BigDecimal.valueOf(n.longValue());
    }

    /** amount × unit, rounded half-up to a whole number; overflow is an ArithmeticException. */
    static long scale(Number amount, long unit) {
        return decimal(amount).multiply(BigDecimal.valueOf(unit)).setScale(0, RoundingMode.HALF_UP).longValueExact();
    }

    static long divide(long value, Number divisor) {
        BigDecimal d = decimal(divisor);
        if (d.signum() == 0) {
            throw new ArithmeticException("Division by zero");
        }
        return BigDecimal.valueOf(value).divide(d, 0, RoundingMode.HALF_UP).longValueExact();
    }

    static BigDecimal ratio(long a, long b) {
        if (b == 0) {
            throw new ArithmeticException("Division by zero");
        }
        return BigDecimal.valueOf(a).divide(BigDecimal.valueOf(b), MathContext.DECIMAL64).stripTrailingZeros();
    }

    static long perSecond(long amount, long nanos) {
        if (nanos == 0) {
            throw new ArithmeticException("Division by zero");
        }
        return BigDecimal.valueOf(amount).multiply(BigDecimal.valueOf(1_000_000_000L))
                .divide(BigDecimal.valueOf(nanos), 0, RoundingMode.HALF_UP).longValueExact();
    }

    static String render(long value, Unit[] units, String base) {
        if (value != 0) {
            for (Unit u : units) {
                if (value % u.factor() == 0) {
                    return (value / u.factor()) + u.suffix();
                }
            }
        }
        return value + base;
    }
}

package dev.ksim.dsl;

import java.math.BigDecimal;

/**
 * A span of simulated time, written in scenarios with a unit: {@code 80.ns}, {@code 10.us},
 * {@code 2.ms}, {@code 1.s}. Canonical form is a whole number of nanoseconds ({@link #nanos()}).
 * Supports {@code + - * /} and comparison. Prints in the largest unit that divides it exactly:
 * {@code 10us}, {@code 1500ns}, {@code 2s}.
 */
public final class TimeSpan implements Comparable<TimeSpan> {
    static final long US = 1_000L;
    static final long MS = 1_000_000L;
    static final long S = 1_000_000_000L;

    private static final Units.Unit[] UNITS = {
        new Units.Unit("s", S), new Units.Unit("ms", MS), new Units.Unit("us", US),
    };

    private final long nanos;

    private TimeSpan(long nanos) {
        this.nanos = nanos;
    }

    public static TimeSpan ofNanos(long nanos) {
        return new TimeSpan(nanos);
    }

    /** {@code amount} times {@code unitNanos}, rounded to the nearest nanosecond. */
    public static TimeSpan of(Number amount, long unitNanos) {
        return new TimeSpan(Units.scale(amount, unitNanos));
    }

    /** The canonical value: nanoseconds. */
    public long nanos() {
        return nanos;
    }

    public TimeSpan plus(TimeSpan other) {
        return new TimeSpan(Math.addExact(nanos, other.nanos));
    }

    public TimeSpan minus(TimeSpan other) {
        return new TimeSpan(Math.subtractExact(nanos, other.nanos));
    }

    public TimeSpan multiply(Number factor) {
        return new TimeSpan(Units.scale(factor, nanos));
    }

    public TimeSpan div(Number divisor) {
        return new TimeSpan(Units.divide(nanos, divisor));
    }

    /** How many times {@code other} fits: {@code 1.ms / 10.us == 100}. */
    public BigDecimal div(TimeSpan other) {
        return Units.ratio(nanos, other.nanos);
    }

    public TimeSpan negative() {
        return new TimeSpan(Math.negateExact(nanos));
    }

    @Override
    public int compareTo(TimeSpan o) {
        return Long.compare(nanos, o.nanos);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TimeSpan t && t.nanos == nanos;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(nanos);
    }

    @Override
    public String toString() {
        return Units.render(nanos, UNITS, "ns");
    }
}

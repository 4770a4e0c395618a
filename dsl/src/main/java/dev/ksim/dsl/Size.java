package dev.ksim.dsl;

import java.math.BigDecimal;

/**
 * An amount of memory, written in scenarios with a unit: {@code 64.MiB}, {@code 4.KiB}, {@code 1.GB}.
 * Canonical form is a whole number of bytes ({@link #bytes()}). Supports {@code + - * /} and
 * comparison, so {@code 2 * 64.MiB}, {@code 64.MiB * 2} and {@code 1.GiB - 64.MiB} all read naturally.
 * Prints in the largest unit that divides it exactly: {@code 64MiB}, {@code 1500B}, {@code 1GB}.
 */
public final class Size implements Comparable<Size> {
    static final long KIB = 1L << 10;
    static final long MIB = 1L << 20;
    static final long GIB = 1L << 30;
    static final long TIB = 1L << 40;

    private static final Units.Unit[] UNITS = {
        new Units.Unit("TiB", TIB), new Units.Unit("GiB", GIB), new Units.Unit("MiB", MIB), new Units.Unit("KiB", KIB),
        new Units.Unit("GB", 1_000_000_000L), new Units.Unit("MB", 1_000_000L), new Units.Unit("KB", 1_000L),
    };

    private final long bytes;

    private Size(long bytes) {
        this.bytes = bytes;
    }

    /** A size of exactly {@code bytes} bytes. */
    public static Size ofBytes(long bytes) {
        return new Size(bytes);
    }

    /** {@code amount} times {@code unitBytes}, rounded to the nearest byte. */
    public static Size of(Number amount, long unitBytes) {
        return new Size(Units.scale(amount, unitBytes));
    }

    /** The canonical value: bytes. */
    public long bytes() {
        return bytes;
    }

    public Size plus(Size other) {
        return new Size(Math.addExact(bytes, other.bytes));
    }

    public Size minus(Size other) {
        return new Size(Math.subtractExact(bytes, other.bytes));
    }

    public Size multiply(Number factor) {
        return new Size(Units.scale(factor, bytes));
    }

    public Size div(Number divisor) {
        return new Size(Units.divide(bytes, divisor));
    }

    /** How many times {@code other} fits: {@code 1.GiB / 64.MiB == 16}. */
    public BigDecimal div(Size other) {
        return Units.ratio(bytes, other.bytes);
    }

    /** Size per time: {@code 64.MiB / 1.ms} is a bandwidth. */
    public Bandwidth div(TimeSpan time) {
        return Bandwidth.ofBytesPerSecond(Units.perSecond(bytes, time.nanos()));
    }

    public Size negative() {
        return new Size(Math.negateExact(bytes));
    }

    @Override
    public int compareTo(Size o) {
        return Long.compare(bytes, o.bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Size s && s.bytes == bytes;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(bytes);
    }

    @Override
    public String toString() {
        return Units.render(bytes, UNITS, "B");
    }
}

package dev.ksim.dsl;

import java.math.BigDecimal;

/**
 * A transfer rate, written in scenarios with a unit: {@code 32.GBps}, {@code 500.MBps}
 * (powers of ten, as bus and device data sheets give them). Canonical form is a whole number
 * of bytes per second ({@link #bytesPerSecond()}). Supports {@code + - * /} and comparison;
 * a bandwidth times a {@link TimeSpan} is a {@link Size}. Prints as {@code 32GBps}.
 */
public final class Bandwidth implements Comparable<Bandwidth> {
    static final long KBPS = 1_000L;
    static final long MBPS = 1_000_000L;
    static final long GBPS = 1_000_000_000L;

    private static final Units.Unit[] UNITS = {
        new Units.Unit("GBps", GBPS), new Units.Unit("MBps", MBPS), new Units.Unit("KBps", KBPS),
    };

    private final long bytesPerSecond;

    private Bandwidth(long bytesPerSecond) {
        this.bytesPerSecond = bytesPerSecond;
    }

    public static Bandwidth ofBytesPerSecond(long bytesPerSecond) {
        return new Bandwidth(bytesPerSecond);
    }

    /** {@code amount} times {@code unit} bytes per second, rounded to the nearest B/s. */
    public static Bandwidth of(Number amount, long unit) {
        return new Bandwidth(Units.scale(amount, unit));
    }

    /** The canonical value: bytes per second. */
    public long bytesPerSecond() {
        return bytesPerSecond;
    }

    public Bandwidth plus(Bandwidth other) {
        return new Bandwidth(Math.addExact(bytesPerSecond, other.bytesPerSecond));
    }

    public Bandwidth minus(Bandwidth other) {
        return new Bandwidth(Math.subtractExact(bytesPerSecond, other.bytesPerSecond));
    }

    public Bandwidth multiply(Number factor) {
        return new Bandwidth(Units.scale(factor, bytesPerSecond));
    }

    /** What moves in that time: {@code 1.GBps * 1.ms == 1.MB}. */
    public Size multiply(TimeSpan time) {
        return Size.ofBytes(new BigDecimal(bytesPerSecond).multiply(new BigDecimal(time.nanos()))
                .divide(new BigDecimal(TimeSpan.S), 0, java.math.RoundingMode.HALF_UP).longValueExact());
    }

    public Bandwidth div(Number divisor) {
        return new Bandwidth(Units.divide(bytesPerSecond, divisor));
    }

    public BigDecimal div(Bandwidth other) {
        return Units.ratio(bytesPerSecond, other.bytesPerSecond);
    }

    public Bandwidth negative() {
        return new Bandwidth(Math.negateExact(bytesPerSecond));
    }

    @Override
    public int compareTo(Bandwidth o) {
        return Long.compare(bytesPerSecond, o.bytesPerSecond);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Bandwidth b && b.bytesPerSecond == bytesPerSecond;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(bytesPerSecond);
    }

    @Override
    public String toString() {
        return Units.render(bytesPerSecond, UNITS, "Bps");
    }
}

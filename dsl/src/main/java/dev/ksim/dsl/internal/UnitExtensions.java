package dev.ksim.dsl.internal;

import dev.ksim.dsl.Bandwidth;
import dev.ksim.dsl.Size;
import dev.ksim.dsl.TimeSpan;

/**
 * The Groovy extension module that gives numbers their units in scenarios: {@code 64.MiB},
 * {@code 10.us}, {@code 32.GBps}. Registered through
 * {@code META-INF/groovy/org.codehaus.groovy.runtime.ExtensionModule}, so it applies to every
 * script compiled with Groovy on the class path, with no metaClass changes. Binary sizes (KiB,
 * MiB, GiB, TiB) are powers of two; KB, MB, GB and the bandwidths are powers of ten. Fractions
 * round to the nearest byte / nanosecond: {@code 1.5.KiB == 1536.B}.
 */
public final class UnitExtensions {
    private UnitExtensions() {
    }

    // ---- sizes
    public static Size getB(Number self) {
        return Size.of(self, 1);
    }

    public static Size getKiB(Number self) {
        return Size.of(self, 1L << 10);
    }

    public static Size getMiB(Number self) {
        return Size.of(self, 1L << 20);
    }

    public static Size getGiB(Number self) {
        return Size.of(self, 1L << 30);
    }

    public static Size getTiB(Number self) {
        return Size.of(self, 1L << 40);
    }

    public static Size getKB(Number self) {
        return Size.of(self, 1_000L);
    }

    public static Size getMB(Number self) {
        return Size.of(self, 1_000_000L);
    }

    public static Size getGB(Number self) {
        return Size.of(self, 1_000_000_000L);
    }

    // ---- durations
    public static TimeSpan getNs(Number self) {
        return TimeSpan.of(self, 1);
    }

    public static TimeSpan getUs(Number self) {
        return TimeSpan.of(self, 1_000L);
    }

    public static TimeSpan getMs(Number self) {
        return TimeSpan.of(self, 1_000_000L);
    }

    public static TimeSpan getS(Number self) {
        return TimeSpan.of(self, 1_000_000_000L);
    }

    // ---- bandwidths
    public static Bandwidth getBps(Number self) {
        return Bandwidth.of(self, 1);
    }

    public static Bandwidth getKBps(Number self) {
        return Bandwidth.of(self, 1_000L);
    }

    public static Bandwidth getMBps(Number self) {
        return Bandwidth.of(self, 1_000_000L);
    }

    public static Bandwidth getGBps(Number self) {
        return Bandwidth.of(self, 1_000_000_000L);
    }

    // ---- number on the left: 2 * 64.MiB
    public static Size multiply(Number self, Size size) {
        return size.multiply(self);
    }

    public static TimeSpan multiply(Number self, TimeSpan time) {
        return time.multiply(self);
    }

    public static Bandwidth multiply(Number self, Bandwidth bandwidth) {
        return bandwidth.multiply(self);
    }
}

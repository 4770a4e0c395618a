package dev.ksim.dsl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.dsl.internal.SetValues;
import groovy.lang.GroovyShell;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class UnitsTest {
    private static Object groovy(String expression) {
        return new GroovyShell().evaluate(expression);
    }

    @Test
    void extensionModuleGivesNumbersUnits() {
        assertEquals(Size.ofBytes(64L << 20), groovy("64.MiB"));
        assertEquals(Size.ofBytes(4096), groovy("4.KiB"));
        assertEquals(Size.ofBytes(1L << 30), groovy("1.GiB"));
        assertEquals(Size.ofBytes(1L << 40), groovy("1.TiB"));
        assertEquals(Size.ofBytes(7), groovy("7.B"));
        assertEquals(Size.ofBytes(1_000), groovy("1.KB"));
        assertEquals(Size.ofBytes(2_000_000), groovy("2.MB"));
        assertEquals(Size.ofBytes(3_000_000_000L), groovy("3.GB"));
        assertEquals(TimeSpan.ofNanos(80), groovy("80.ns"));
        assertEquals(TimeSpan.ofNanos(10_000), groovy("10.us"));
        assertEquals(TimeSpan.ofNanos(2_000_000), groovy("2.ms"));
        assertEquals(TimeSpan.ofNanos(1_000_000_000), groovy("1.s"));
        assertEquals(Bandwidth.ofBytesPerSecond(500_000_000), groovy("500.MBps"));
        assertEquals(Bandwidth.ofBytesPerSecond(32_000_000_000L), groovy("32.GBps"));
        assertEquals(Size.ofBytes(1536), groovy("1.5.KiB"));
    }

    @Test
    void arithmeticWorksBothWays() {
        assertEquals(Size.ofBytes(128L << 20), groovy("2 * 64.MiB"));
        assertEquals(Size.ofBytes(128L << 20), groovy("64.MiB * 2"));
        assertEquals(Size.ofBytes(96L << 20), groovy("64.MiB + 32.MiB"));
        assertEquals(Size.ofBytes(960L << 20), groovy("1.GiB - 64.MiB"));
        assertEquals(Size.ofBytes(32L << 20), groovy("64.MiB / 2"));
        assertEquals(new BigDecimal(16), groovy("1.GiB / 64.MiB"));
        assertEquals(TimeSpan.ofNanos(1_500), groovy("1.us + 500.ns"));
        assertEquals(TimeSpan.ofNanos(30_000), groovy("3 * 10.us"));
        assertEquals(Bandwidth.ofBytesPerSecond(64_000_000_000L), groovy("2 * 32.GBps"));
        assertEquals(Size.ofBytes(1_000_000), groovy("1.GBps * 1.ms"));
        assertEquals(Bandwidth.ofBytesPerSecond(1_000_000_000), groovy("1.MB / 1.ms"));
        assertEquals(Boolean.TRUE, groovy("64.MiB > 1.MiB && 1.ms < 1.s"));
        assertEquals(Size.ofBytes(-(1L << 20)), groovy("-1.MiB"));
        assertThrows(ArithmeticException.class, () -> groovy("1.MiB / 0"));
    }

    @Test
    void valuesPrintInTheirLargestExactUnit() {
        assertEquals("64MiB", Size.ofBytes(64L << 20).toString());
        assertEquals("1536B", Size.ofBytes(1536).toString());
        assertEquals("3KiB", Size.ofBytes(3072).toString());
        assertEquals("1GB", Size.ofBytes(1_000_000_000).toString());
        assertEquals("0B", Size.ofBytes(0).toString());
        assertEquals("10us", TimeSpan.ofNanos(10_000).toString());
        assertEquals("1500ns", TimeSpan.ofNanos(1_500).toString());
        assertEquals("2s", TimeSpan.ofNanos(2_000_000_000).toString());
        assertEquals("32GBps", Bandwidth.ofBytesPerSecond(32_000_000_000L).toString());
        assertEquals("12Bps", Bandwidth.ofBytesPerSecond(12).toString());
    }

    @Test
    void setValuesParseLikeScriptLiterals() {
        assertEquals(4, SetValues.parse("4"));
        assertEquals(10_000_000_000L, SetValues.parse("10000000000"));
        assertEquals(new BigDecimal("0.99"), SetValues.parse("0.99"));
        assertEquals(true, SetValues.parse("true"));
        assertEquals(Size.ofBytes(64L << 20), SetValues.parse("64MiB"));
        assertEquals(Size.ofBytes(64L << 20), SetValues.parse("64.MiB"));
        assertEquals(Size.ofBytes(1536), SetValues.parse("1.5KiB"));
        assertEquals(TimeSpan.ofNanos(10_000), SetValues.parse("10us"));
        assertEquals(TimeSpan.ofNanos(2_000_000), SetValues.parse("2ms"));
        assertEquals(TimeSpan.ofNanos(3_000_000_000L), SetValues.parse("3s"));
        assertEquals(Bandwidth.ofBytesPerSecond(32_000_000_000L), SetValues.parse("32GBps"));
        assertEquals("interleave", SetValues.parse("interleave"));
        assertEquals("64 MiB", SetValues.parse("64 MiB"));
        assertTrue(SetValues.parse("first-touch") instanceof String);
    }
}

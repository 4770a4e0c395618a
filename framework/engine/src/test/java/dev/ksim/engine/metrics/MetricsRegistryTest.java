package dev.ksim.engine.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ksim.engine.results.HistogramSummary;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetricsRegistryTest {

    @Test
    void countersAreCreatedAtZeroAndShared() {
        MetricsRegistry m = new MetricsRegistry();
        LongCounter c = m.counter("pgfault");
        assertEquals(0, c.get());
        c.inc();
        m.counter("pgfault").add(4);
        assertSame(c, m.counter("pgfault"));
        assertEquals(5L, m.finalValues().get("pgfault"));
    }

    @Test
    void histogramsSummarise() {
        MetricsRegistry m = new MetricsRegistry();
        for (int i = 1; i <= 100; i++) {
            m.recordLatency("fault_latency", i * 1000L);
        }
        HistogramSummary s = m.histogramSummaries().get("fault_latency");
        assertEquals(100, s.count());
        assertEquals(50_000, s.p50(), 50);
        assertEquals(90_000, s.p90(), 90);
        assertEquals(99_000, s.p99(), 99);
        assertEquals(100_000, s.max(), 100);
        assertEquals(new HistogramSummary(0, 0, 0, 0, 0), new LatencyHistogram("empty").summary());
    }

    @Test
    void gaugesAreSampledIntoSeriesAndReportedAtTheEnd() {
        MetricsRegistry m = new MetricsRegistry();
        long[] value = {7};
        m.gauge("node0.nr_free_pages", () -> value[0]);
        for (int i = 0; i < 40; i++) {
            m.sampleGauges();
            value[0]--;
        }
        List<Long> s = m.series(1000).get("node0.nr_free_pages").values();
        assertEquals(40, s.size());
        assertEquals(7L, s.get(0));
        assertEquals(-32L, s.get(39));
        assertEquals(-33L, m.finalValues().get("node0.nr_free_pages"));
        assertEquals(1000, m.series(1000).get("node0.nr_free_pages").intervalNs());
    }

    @Test
    void aNameIsEitherACounterOrAGauge() {
        MetricsRegistry m = new MetricsRegistry();
        m.gauge("g", () -> 1);
        assertThrows(IllegalArgumentException.class, () -> m.counter("g"));
    }
}

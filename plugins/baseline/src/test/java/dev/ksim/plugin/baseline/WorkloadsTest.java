package dev.ksim.plugin.baseline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.spi.workload.AccessRange;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WorkloadsTest {

    @Test
    void sequentialWrapsAndStartsAtThreadShare() {
        var seq = new Workloads.Sequential(new AccessRange(10, 1, 2),
                TestSupport.options(WorkloadProviders.SequentialProvider.DESCRIPTOR, Map.of("stride", 3L)), TestSupport.random(1));
        long[] expected = {5, 8, 1, 4, 7, 0};
        for (long e : expected) {
            assertEquals(e, seq.nextPage());
        }
    }

    @Test
    void negativeStrideScansBackwards() {
        var seq = new Workloads.Sequential(new AccessRange(4, 0, 1),
                TestSupport.options(WorkloadProviders.SequentialProvider.DESCRIPTOR, Map.of("stride", -1L)), TestSupport.random(1));
        assertEquals(0, seq.nextPage());
        assertEquals(3, seq.nextPage());
        assertEquals(2, seq.nextPage());
    }

    @Test
    void uniformStaysInRangeAndCoversIt() {
        var u = new Workloads.Uniform(new AccessRange(16, 0, 1), TestSupport.random(1),
                TestSupport.options(WorkloadProviders.UniformProvider.DESCRIPTOR, Map.of()));
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            long p = u.nextPage();
            assertTrue(p >= 0 && p < 16, "page " + p);
            seen.add(p);
        }
        assertEquals(16, seen.size());
    }

    @Test
    void zipfFrequenciesFollowThePowerLaw() {
        double theta = 0.99;
        int n = 1000;
        var z = new Workloads.Zipf(new AccessRange(n, 0, 1), TestSupport.random(42),
                TestSupport.options(WorkloadProviders.ZipfProvider.DESCRIPTOR, Map.of("theta", theta)));
        long[] counts = new long[n];
        int draws = 2_000_000;
        for (int i = 0; i < draws; i++) {
            counts[(int) z.nextPage()]++;
        }
        // Exact probability of rank k is k^-theta / H(n, theta).
        double norm = 0;
        for (int k = 1; k <= n; k++) {
            norm += Math.pow(k, -theta);
        }
        for (int k : new int[] {1, 2, 10, 100}) {
            double expected = draws * Math.pow(k, -theta) / norm;
            double sigma = Math.sqrt(expected);
            assertEquals(expected, counts[k - 1], 5 * sigma, "rank " + k);
        }
    }

    @Test
    void zipfScrambleIsABijectionOfRanks() {
        int n = 97;
        var plain = new Workloads.Zipf(new AccessRange(n, 0, 1), TestSupport.random(7),
                TestSupport.options(WorkloadProviders.ZipfProvider.DESCRIPTOR, Map.of()));
        var scrambled = new Workloads.Zipf(new AccessRange(n, 0, 1), TestSupport.random(7),
                TestSupport.options(WorkloadProviders.ZipfProvider.DESCRIPTOR, Map.of("scramble", true)));
        Set<Long> images = new HashSet<>();
        for (int i = 0; i < 20_000; i++) {
            long a = plain.nextPage();
            long b = scrambled.nextPage();
            assertTrue(b >= 0 && b < n);
            if (a == 0) {
                images.add(b); // the hottest rank always lands on the same page
            }
        }
        assertEquals(1, images.size());
        assertTrue(!images.contains(0L), "scramble moved rank 1 away from offset 0");
    }

    @Test
    void zipfRejectsNonPositiveTheta() {
        assertThrows(IllegalArgumentException.class, () -> new Workloads.Zipf(new AccessRange(10, 0, 1),
                TestSupport.random(1), TestSupport.options(WorkloadProviders.ZipfProvider.DESCRIPTOR, Map.of("theta", 0.0))));
    }

    @Test
    void hotColdSendsItsShareToTheHotSetAndMovesItEveryPhase() {
        var hc = new HotCold(new AccessRange(1000, 0, 1), TestSupport.random(3),
                TestSupport.options(WorkloadProviders.HotColdProvider.DESCRIPTOR,
                        Map.of("hotFraction", 0.1, "hotShare", 0.9, "phase", 10_000L)));
        for (int phase = 0; phase < 3; phase++) {
            long hot = 0;
            long start = phase * 100L;
            for (int i = 0; i < 10_000; i++) {
                long p = hc.nextPage();
                assertTrue(p >= 0 && p < 1000, "page " + p);
                if (p >= start && p < start + 100) {
                    hot++;
                }
            }
            assertEquals(start, hc.hotStart(), "phase " + phase);
            // 90 % hot: binomial(10000, 0.9) has sigma 30; 5 sigma is 150.
            assertEquals(9_000, hot, 150, "phase " + phase);
        }
    }

    @Test
    void hotColdRejectsOutOfRangeOptions() {
        assertThrows(IllegalArgumentException.class, () -> new HotCold(new AccessRange(10, 0, 1), TestSupport.random(1),
                TestSupport.options(WorkloadProviders.HotColdProvider.DESCRIPTOR, Map.of("hotFraction", 0.0))));
        assertThrows(IllegalArgumentException.class, () -> new HotCold(new AccessRange(10, 0, 1), TestSupport.random(1),
                TestSupport.options(WorkloadProviders.HotColdProvider.DESCRIPTOR, Map.of("hotShare", 1.5))));
    }

    @Test
    void writeRatioMarksThatShareOfReferencesAsStoresDeterministically() {
        var a = new Workloads.Uniform(new AccessRange(100, 0, 1), TestSupport.random(5),
                TestSupport.options(WorkloadProviders.UniformProvider.DESCRIPTOR, Map.of("writeRatio", 0.3)));
        var b = new Workloads.Uniform(new AccessRange(100, 0, 1), TestSupport.random(5),
                TestSupport.options(WorkloadProviders.UniformProvider.DESCRIPTOR, Map.of("writeRatio", 0.3)));
        int writes = 0;
        for (int i = 0; i < 100_000; i++) {
            long v = a.nextPage();
            assertEquals(v, b.nextPage(), "the same stream gives the same references");
            long page = dev.ksim.spi.workload.WorkloadGenerator.page(v);
            assertTrue(page >= 0 && page < 100);
            writes += dev.ksim.spi.workload.WorkloadGenerator.isWrite(v) ? 1 : 0;
        }
        assertTrue(Math.abs(writes - 30_000) < 600, "writes " + writes);
    }

    @Test
    void withoutAWriteRatioThePagesAreThoseOfEarlierVersionsAndAllLoads() {
        var plain = new Workloads.Zipf(new AccessRange(500, 0, 1), TestSupport.random(9),
                TestSupport.options(WorkloadProviders.ZipfProvider.DESCRIPTOR, Map.of()));
        var mixed = new Workloads.Zipf(new AccessRange(500, 0, 1), TestSupport.random(9),
                TestSupport.options(WorkloadProviders.ZipfProvider.DESCRIPTOR, Map.of("writeRatio", 0.0)));
        for (int i = 0; i < 1000; i++) {
            long v = plain.nextPage();
            assertEquals(v, mixed.nextPage());
            assertTrue(v >= 0 && v < 500, "no WRITE flag: " + v);
        }
        var seq = new Workloads.Sequential(new AccessRange(4, 0, 1),
                TestSupport.options(WorkloadProviders.SequentialProvider.DESCRIPTOR, Map.of("writeRatio", 1.0)), TestSupport.random(1));
        assertEquals(dev.ksim.spi.workload.WorkloadGenerator.write(0), seq.nextPage(), "writeRatio 1: every reference a store");
        assertThrows(IllegalArgumentException.class, () -> new Workloads.Uniform(new AccessRange(4, 0, 1), TestSupport.random(1),
                TestSupport.options(WorkloadProviders.UniformProvider.DESCRIPTOR, Map.of("writeRatio", 1.5))));
    }
}

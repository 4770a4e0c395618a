package dev.ksim.plugin.baseline;

import dev.ksim.spi.PluginOptions;
import dev.ksim.spi.RandomStream;
import dev.ksim.spi.workload.AccessRange;
import dev.ksim.spi.workload.WorkloadGenerator;
import jakarta.inject.Inject;

/**
 * The built-in workload generators. Each draws only from its own random stream; each has the
 * {@code writeRatio} option ({@link WriteMix}).
 */
public final class Workloads {
    static final String STRIDE = "stride";
    static final String THETA = "theta";
    static final String SCRAMBLE = "scramble";

    private Workloads() {
    }

    /** Strided scan starting at {@code thread * pages / threads}, wrapping modulo the mapping. */
    public static final class Sequential implements WorkloadGenerator {
        private final long pages;
        private final long stride;
        private final WriteMix writes;
        private long next;

        @Inject
        public Sequential(AccessRange range, PluginOptions options, RandomStream random) {
            this.pages = range.pages();
            this.stride = Math.floorMod(options.getLong(STRIDE), pages);
            this.next = (long) ((double) range.thread() * pages / Math.max(1, range.threads()));
            this.writes = new WriteMix(options, random);
        }

        @Override
        public long nextPage() {
            long p = next;
            next += stride;
            if (next >= pages) {
                next -= pages;
            }
            return writes.mark(p);
        }
    }

    /** Uniformly random page. */
    public static final class Uniform implements WorkloadGenerator {
        private final long pages;
        private final RandomStream random;
        private final WriteMix writes;

        @Inject
        public Uniform(AccessRange range, RandomStream random, PluginOptions options) {
            this.pages = range.pages();
            this.random = random;
            this.writes = new WriteMix(options, random);
        }

        @Override
        public long nextPage() {
            return writes.mark(random.nextLong(pages));
        }
    }

    /**
     * Zipf over ranks 1..n with exponent theta, sampled in O(1) per draw and O(1) set-up by
     * rejection-inversion (W. Hörmann, G. Derflinger, "Rejection-inversion to generate variates
     * from monotone discrete distributions", ACM TOMACS 6(3), 1996). Rank k maps to page k-1, or,
     * with {@code scramble}, to {@code k·P mod n} for a prime P coprime with n (a bijection).
     */
    public static final class Zipf implements WorkloadGenerator {
        private static final long SCRAMBLE_PRIME = 2_147_483_629L; // largest prime below 2^31

        private final RandomStream random;
        private final long n;
        private final double s;
        private final double hIntegralX1;
        private final double hIntegralN;
        private final double sv;
        private final long multiplier;
        private final WriteMix writes;

        @Inject
        public Zipf(AccessRange range, RandomStream random, PluginOptions options) {
            this.random = random;
            this.writes = new WriteMix(options, random);
            this.n = range.pages();
            this.s = options.getDouble(THETA);
            if (!(s > 0) || Double.isInfinite(s)) {
                throw new IllegalArgumentException("theta must be > 0, got " + s);
            }
            this.hIntegralX1 = hIntegral(1.5) - 1.0;
            this.hIntegralN = hIntegral(n + 0.5);
            this.sv = 2.0 - hIntegralInverse(hIntegral(2.5) - h(2.0));
            boolean scramble = options.getBoolean(SCRAMBLE);
            if (scramble && n >= SCRAMBLE_PRIME) {
                throw new IllegalArgumentException("scramble supports mappings below 2^31 pages, got " + n);
            }
            this.multiplier = scramble && n > 1 && n != SCRAMBLE_PRIME ? SCRAMBLE_PRIME % n : 1;
        }

        @Override
        public long nextPage() {
            long rank = nextRank();
            if (multiplier == 1) {
                return writes.mark(rank - 1);
            }
            return writes.mark((rank * multiplier) % n); // k <= n < 2^31 and P mod n < 2^31: no overflow
        }

        /** One Zipf rank in [1, n]. */
        long nextRank() {
            while (true) {
                double u = hIntegralN + random.nextDouble() * (hIntegralX1 - hIntegralN);
                double x = hIntegralInverse(u);
                long k = (long) (x + 0.5);
                if (k < 1) {
                    k = 1;
                } else if (k > n) {
                    k = n;
                }
                if (k - x <= sv || u >= hIntegral(k + 0.5) - h(k)) {
                    return k;
                }
            }
        }

        /** h(x) = x^-s, the unnormalised density. */
        private double h(double x) {
            return Math.exp(-s * Math.log(x));
        }

        /** H(x) = ∫ h = (x^(1-s) - 1)/(1-s), continuous at s = 1 (log x). */
        private double hIntegral(double x) {
            double logX = Math.log(x);
            return expm1OverX((1.0 - s) * logX) * logX;
        }

        /** H⁻¹. */
        private double hIntegralInverse(double x) {
            double t = x * (1.0 - s);
            if (t < -1.0) {
                t = -1.0; // guards rounding at the boundary
            }
            return Math.exp(log1pOverX(t) * x);
        }

        private static double expm1OverX(double x) {
            return Math.abs(x) > 1e-8 ? Math.expm1(x) / x : 1.0 + x * 0.5 * (1.0 + x / 3.0 * (1.0 + 0.25 * x));
        }

        private static double log1pOverX(double x) {
            return Math.abs(x) > 1e-8 ? Math.log1p(x) / x : 1.0 - x * (0.5 - x * (1.0 / 3.0 - 0.25 * x));
        }
    }
}

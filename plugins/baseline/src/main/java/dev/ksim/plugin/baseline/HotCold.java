package dev.ksim.plugin.baseline;

import dev.ksim.spi.PluginOptions;
import dev.ksim.spi.RandomStream;
import dev.ksim.spi.workload.AccessRange;
import dev.ksim.spi.workload.WorkloadGenerator;
import jakarta.inject.Inject;

/**
 * Hot/cold references with phases: a hot set of {@code hotFraction} of the mapping receives
 * {@code hotShare} of the references (uniform within it), the rest go uniformly to the cold pages.
 * Every {@code phase} references (0 = never) the hot set moves to the next region of the mapping,
 * the way a program's working set moves between phases; what was hot turns cold and ages on the
 * LRU. The hot set starts at offset 0 and wraps around the mapping.
 */
public final class HotCold implements WorkloadGenerator {
    static final String HOT_FRACTION = "hotFraction";
    static final String HOT_SHARE = "hotShare";
    static final String PHASE = "phase";

    private final RandomStream random;
    private final long pages;
    private final long hotPages;
    private final double hotShare;
    private final long phase;
    private final WriteMix writes;
    private long hotStart;
    private long inPhase;

    @Inject
    public HotCold(AccessRange range, RandomStream random, PluginOptions options) {
        this.random = random;
        this.pages = range.pages();
        double fraction = options.getDouble(HOT_FRACTION);
        if (!(fraction > 0 && fraction <= 1)) {
            throw new IllegalArgumentException("hotFraction must be in (0, 1], got " + fraction);
        }
        this.hotShare = options.getDouble(HOT_SHARE);
        if (!(hotShare >= 0 && hotShare <= 1)) {
            throw new IllegalArgumentException("hotShare must be in [0, 1], got " + hotShare);
        }
        this.phase = options.getLong(PHASE);
        if (phase < 0) {
            throw new IllegalArgumentException("phase must be >= 0 references, got " + phase);
        }
        this.hotPages = Math.max(1, Math.min(pages, Math.round(pages * fraction)));
        this.writes = new WriteMix(options, random);
    }

    @Override
    public long nextPage() {
        if (phase > 0 && inPhase++ == phase) {
            inPhase = 1;
            hotStart = (hotStart + hotPages) % pages;
        }
        long coldPages = pages - hotPages;
        if (coldPages == 0 || random.nextDouble() < hotShare) {
            return writes.mark((hotStart + random.nextLong(hotPages)) % pages);
        }
        // Cold pages are the ones after the hot set, wrapping around.
        return writes.mark((hotStart + hotPages + random.nextLong(coldPages)) % pages);
    }

    /** First page of the current hot set (for tests). */
    long hotStart() {
        return hotStart;
    }
}

package dev.ksim.plugin.baseline;

import dev.ksim.spi.PluginOptions;
import dev.ksim.spi.RandomStream;
import dev.ksim.spi.workload.WorkloadGenerator;

/**
 * The read/write mix of a built-in workload ({@code writeRatio}): each reference is a store with
 * probability {@code writeRatio}, drawn from the thread's own random stream after its page. With
 * the default 0 nothing is drawn, so a workload's page sequence is the same as without the option;
 * with 1 every reference is a store and nothing is drawn either.
 */
final class WriteMix {
    static final String WRITE_RATIO = "writeRatio";
    static final String DOC = "share of references that are stores (writes), in [0, 1], drawn from the thread's random stream";

    private final RandomStream random;
    private final double ratio;

    WriteMix(PluginOptions options, RandomStream random) {
        this.ratio = options.getDouble(WRITE_RATIO);
        if (!(ratio >= 0 && ratio <= 1)) {
            throw new IllegalArgumentException("writeRatio must be in [0, 1], got " + ratio);
        }
        this.random = random;
    }

    /** {@code page}, marked {@link WorkloadGenerator#WRITE} when this reference is a store. */
    long mark(long page) {
        if (ratio <= 0) {
            return page;
        }
        if (ratio >= 1 || random.nextDouble() < ratio) {
            return page | WorkloadGenerator.WRITE;
        }
        return page;
    }
}

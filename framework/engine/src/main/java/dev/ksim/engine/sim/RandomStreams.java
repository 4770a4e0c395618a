package dev.ksim.engine.sim;

import dev.ksim.spi.RandomStream;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The random streams of one run. Each component id gets its own {@link SplittableRandom} seeded
 * with {@link StableHash#of(long, String, String)} of (seed, variant, id): adding a component
 * never perturbs another's stream, and asking twice for the same id returns the same stream
 * (so one component never sees its sequence restart).
 */
public final class RandomStreams {
    private final long seed;
    private final String variant;
    private final Map<String, RandomStream> streams = new HashMap<>();

    public RandomStreams(long seed, String variant) {
        this.seed = seed;
        this.variant = variant == null ? "" : variant;
    }

    public RandomStream stream(String componentId) {
        return streams.computeIfAbsent(componentId,
                id -> new SplittableRandomStream(new SplittableRandom(StableHash.of(seed, variant, id))));
    }

    /** A {@link RandomStream} over a private {@link SplittableRandom}. */
    static final class SplittableRandomStream implements RandomStream {
        private final SplittableRandom random;

        SplittableRandomStream(SplittableRandom random) {
            this.random = random;
        }

        @Override
        public long nextLong() {
            return random.nextLong();
        }

        @Override
        public long nextLong(long bound) {
            return random.nextLong(bound);
        }

        @Override
        public int nextInt(int bound) {
            return random.nextInt(bound);
        }

        @Override
        public double nextDouble() {
            return random.nextDouble();
        }
    }
}

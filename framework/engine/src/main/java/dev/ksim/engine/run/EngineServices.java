package dev.ksim.engine.run;

import dev.ksim.engine.metrics.MetricsRegistry;
import dev.ksim.engine.sim.RandomStreams;
import dev.ksim.engine.sim.SimulationClock;
import dev.ksim.spi.Metrics;
import dev.ksim.spi.RandomStream;
import dev.ksim.spi.SimClock;

/** The {@link RunServices} of one run, over the engine's clock, metrics registry and random streams. */
public final class EngineServices implements RunServices {
    private final SimulationClock clock;
    private final MetricsRegistry metrics;
    private final RandomStreams streams;
    private final long seed;
    private final String variant;

    public EngineServices(SimulationClock clock, MetricsRegistry metrics, long seed, String variant) {
        this.clock = clock;
        this.metrics = metrics;
        this.seed = seed;
        this.variant = variant;
        this.streams = new RandomStreams(seed, variant);
    }

    @Override
    public SimClock clock() {
        return clock;
    }

    @Override
    public Metrics metrics() {
        return metrics;
    }

    /** The engine-side registry (same object as {@link #metrics()}). */
    public MetricsRegistry registry() {
        return metrics;
    }

    @Override
    public RandomStream stream(String componentId) {
        return streams.stream(componentId);
    }

    @Override
    public long seed() {
        return seed;
    }

    @Override
    public String variant() {
        return variant;
    }
}

package dev.ksim.engine.run;

import dev.ksim.spi.Metrics;
import dev.ksim.spi.RandomStream;
import dev.ksim.spi.SimClock;

/** The engine services of one run that plugins may inject. */
public interface RunServices {
    SimClock clock();

    Metrics metrics();

    /** The random stream of one component, derived from (seed, variant, componentId). */
    RandomStream stream(String componentId);

    long seed();

    String variant();
}

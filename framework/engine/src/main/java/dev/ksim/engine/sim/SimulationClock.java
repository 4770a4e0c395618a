package dev.ksim.engine.sim;

import dev.ksim.spi.SimClock;

/**
 * The run's clock: simulated nanoseconds since the run started, a plain {@code long}. Only the
 * event loop moves it, and only forward (to the time of the event being dispatched); everyone
 * else reads it.
 */
public final class SimulationClock implements SimClock {
    private long now;

    @Override
    public long nowNs() {
        return now;
    }

    /** Moves the clock to {@code timeNs}; time never runs backwards. */
    public void advanceTo(long timeNs) {
        if (timeNs < now) {
            throw new IllegalStateException("clock would run backwards: " + now + " -> " + timeNs);
        }
        now = timeNs;
    }
}

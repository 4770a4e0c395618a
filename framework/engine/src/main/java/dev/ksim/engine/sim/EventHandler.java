package dev.ksim.engine.sim;

/**
 * Something that happens at a point of simulated time: a thread's quantum, a sampler tick. A
 * handler that wants to happen again schedules itself again.
 */
@FunctionalInterface
public interface EventHandler {
    /** Runs the event; {@code timeNs} is the time it was scheduled for (= the clock's now). */
    void fire(long timeNs);
}

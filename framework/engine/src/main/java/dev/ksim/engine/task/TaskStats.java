package dev.ksim.engine.task;

/**
 * What the run needs to know about its threads as a whole: how many are still live (the sampler
 * stops when none is) and when the last quantum of work ended (the run's simulated time).
 */
public final class TaskStats {
    int live;
    long lastEndNs;

    public int live() {
        return live;
    }

    public long lastEndNs() {
        return lastEndNs;
    }
}

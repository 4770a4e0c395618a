package dev.ksim.spi;

/** The simulated clock of a run: nanoseconds since the run started. Never wall-clock time. */
public interface SimClock {
    long nowNs();
}

package dev.ksim.engine.metrics;

/** A value read at sampling points (e.g. a node's free pages); must not allocate. */
@FunctionalInterface
public interface Gauge {
    long read();
}

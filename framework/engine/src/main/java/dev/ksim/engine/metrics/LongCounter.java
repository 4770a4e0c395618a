package dev.ksim.engine.metrics;

import dev.ksim.spi.Counter;

/** A {@link Counter} over a plain {@code long} field; the engine's hot path holds these directly. */
public final class LongCounter implements Counter {
    private final String name;
    private long value;

    public LongCounter(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }

    @Override
    public void add(long delta) {
        value += delta;
    }

    @Override
    public void inc() {
        value++;
    }

    @Override
    public long get() {
        return value;
    }
}

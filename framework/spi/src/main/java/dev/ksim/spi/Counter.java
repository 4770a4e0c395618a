package dev.ksim.spi;

/** A monotonically increasing event count of a run (a {@code /proc/vmstat}-style counter). */
public interface Counter {
    void add(long delta);

    default void inc() {
        add(1);
    }

    long get();
}

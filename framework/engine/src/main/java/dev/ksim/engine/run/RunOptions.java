package dev.ksim.engine.run;

/**
 * How to run: {@code invariantCheckEvery} = check every mechanism's invariants after this many
 * events as well as at the end (0 = at the end only).
 */
public record RunOptions(long invariantCheckEvery) {
    public static final RunOptions DEFAULT = new RunOptions(0);
}

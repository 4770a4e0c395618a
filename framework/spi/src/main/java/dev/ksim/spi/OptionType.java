package dev.ksim.spi;

/**
 * The type of a plugin option. Values reach a plugin in canonical form through
 * {@link PluginOptions}: sizes in bytes, durations in nanoseconds, bandwidths in bytes per second.
 */
public enum OptionType {
    /** A whole number ({@code long}). */
    INTEGER("an integer"),
    /** A real number ({@code double}). */
    NUMBER("a number"),
    BOOLEAN("true or false"),
    STRING("a string"),
    /** A size in bytes, written with a unit in scenarios: {@code 64.MiB}. */
    SIZE("a size such as 64.MiB"),
    /** A duration in nanoseconds, written with a unit in scenarios: {@code 10.us}. */
    DURATION("a duration such as 10.us"),
    /** A bandwidth in bytes per second, written with a unit in scenarios: {@code 32.GBps}. */
    BANDWIDTH("a bandwidth such as 32.GBps");

    private final String expectation;

    OptionType(String expectation) {
        this.expectation = expectation;
    }

    /** What a value of this type looks like, for "expected ..." diagnostics. */
    public String expectation() {
        return expectation;
    }
}

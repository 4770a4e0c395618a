package dev.ksim.spi;

import java.util.Map;

/**
 * A plugin's options for one run, validated against its schema with defaults filled in. Values
 * are canonical: sizes in bytes, durations in nanoseconds, bandwidths in bytes per second.
 * Asking for a name the schema does not declare, or with the wrong type, throws
 * {@link IllegalArgumentException}.
 */
public interface PluginOptions {

    long getLong(String name);

    double getDouble(String name);

    boolean getBoolean(String name);

    String getString(String name);

    /** All options, in schema order, canonical values. */
    Map<String, Object> asMap();
}

package dev.ksim.engine.model;

import dev.ksim.spi.PluginKind;
import java.util.Map;

/**
 * A scenario's choice of a plugin: kind, id and the options the script gave (already validated
 * against the schema and converted to canonical values: sizes in bytes, durations in ns,
 * bandwidths in B/s, Long, Double, Boolean or String). Options the script did not give are absent;
 * the runtime fills in defaults.
 */
public record PluginRef(PluginKind kind, String id, Map<String, Object> options, SourceRef where) {
    public PluginRef {
        options = Map.copyOf(options);
    }
}

package dev.ksim.engine.model;

import dev.ksim.spi.PluginDescriptor;
import dev.ksim.spi.PluginKind;
import java.util.List;
import java.util.Optional;

/**
 * The plugins available to validate a scenario against: descriptors by kind and id. The runtime
 * implements it over its plugin registry snapshot.
 */
public interface PluginCatalog {
    Optional<PluginDescriptor> find(PluginKind kind, String id);

    /** All descriptors of a kind, sorted by id. */
    List<PluginDescriptor> all(PluginKind kind);
}

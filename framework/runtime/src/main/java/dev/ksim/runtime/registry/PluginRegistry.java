package dev.ksim.runtime.registry;

/**
 * The plugins available right now. A run takes one {@link #snapshot()} at its start and binds its
 * plugins from it; plugins deployed or removed later take effect on the next snapshot.
 */
public interface PluginRegistry {

    /** An immutable view of the plugins currently registered. */
    PluginSnapshot snapshot();
}

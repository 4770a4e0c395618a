package dev.ksim.engine.run;

import dev.ksim.engine.model.PluginRef;
import java.util.Map;

/**
 * Creates plugin instances for a run. The runtime implements it with a per-run child Guice
 * injector; tests may implement it by hand. Each call returns a new instance.
 */
public interface PluginInstantiator {

    /**
     * @param ref         the plugin chosen by the scenario (kind, id, options)
     * @param contract    the interface the instance must implement
     * @param services    the run's engine services, injectable by the plugin
     * @param componentId id of the component the instance serves (its random stream derives from it)
     * @param extras      context objects the kind's contract documents, injectable by their type
     * @throws PluginCrashException when the plugin cannot be created (its constructor threw)
     */
    <T> T instantiate(PluginRef ref, Class<T> contract, RunServices services, String componentId, Map<Class<?>, Object> extras);
}

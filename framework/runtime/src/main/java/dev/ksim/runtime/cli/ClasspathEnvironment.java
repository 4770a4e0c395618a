package dev.ksim.runtime.cli;

import com.google.inject.Injector;
import dev.ksim.runtime.inject.GuiceSupport;
import dev.ksim.runtime.registry.ClasspathPluginRegistry;
import dev.ksim.runtime.registry.PluginRegistry;
import java.util.List;

/** Plugins found on the classpath through {@code META-INF/services}; nothing to hot-deploy. */
final class ClasspathEnvironment implements PluginEnvironment {
    private final PluginRegistry registry = new ClasspathPluginRegistry();
    private final Injector injector = GuiceSupport.createHostInjector();

    @Override
    public PluginRegistry registry() {
        return registry;
    }

    @Override
    public Injector hostInjector() {
        return injector;
    }

    @Override
    public List<String> problems() {
        return List.of();
    }

    @Override
    public List<BundleLine> bundles() {
        return List.of();
    }

    @Override
    public void onDeployChange(Runnable listener) {
        // no deploy directory on the classpath
    }

    @Override
    public void awaitDeploySettled() {
        // nothing is deployed on the classpath
    }

    @Override
    public String describe() {
        return "classpath";
    }

    @Override
    public void close() {
    }
}

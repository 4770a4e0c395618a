package dev.ksim.runtime.cli;

import com.google.inject.Injector;
import dev.ksim.runtime.registry.PluginRegistry;
import java.util.List;

/**
 * Where a command's plugins come from: an embedded OSGi framework over an installation's
 * {@code system/} and {@code deploy/} directories, or (embedded use, tests) the classpath.
 */
public interface PluginEnvironment extends AutoCloseable {

    PluginRegistry registry();

    /** The host injector per-run injectors are children of. */
    Injector hostInjector();

    /** Translated problems with bundles (unresolvable, corrupt), one line each; empty when none. */
    List<String> problems();

    /** Bundle lines for {@code ksim plugins}: one per bundle, empty on the classpath. */
    List<BundleLine> bundles();

    /** Calls {@code listener} after a deployed plugin bundle was installed, updated or removed. */
    void onDeployChange(Runnable listener);

    /**
     * Waits (bounded) until deployed bundles have been installed, started and registered their
     * plugins, so that a snapshot taken next reflects what is in deploy/. No-op on the classpath.
     */
    void awaitDeploySettled();

    /** Human-readable description of the plugin source, for messages. */
    String describe();

    @Override
    void close();

    /** One bundle as {@code ksim plugins} shows it. */
    record BundleLine(String symbolicName, String version, String state, String source) {
    }

    /** The environment for this home: OSGi for an installation, else the classpath. */
    static PluginEnvironment open(KsimHome home) {
        if (home.isInstallation()) {
            return OsgiEnvironment.start(home);
        }
        return new ClasspathEnvironment();
    }
}

package dev.ksim.runtime.registry;

import dev.ksim.runtime.osgi.FelixHost;
import dev.ksim.spi.PluginDescriptor;
import dev.ksim.spi.PluginProvider;
import java.util.ArrayList;
import java.util.List;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;
import org.osgi.util.tracker.ServiceTracker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plugins registered in the OSGi service registry of a {@link FelixHost}: every
 * {@link PluginProvider} service (registered by Declarative Services components of plugin
 * bundles), tracked with a {@link ServiceTracker}. Provenance: the registering bundle's symbolic
 * name and version and the SHA-256 of its installed jar. Close it when done.
 */
public final class OsgiPluginRegistry implements PluginRegistry, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OsgiPluginRegistry.class);

    private final FelixHost host;
    private final ServiceTracker<PluginProvider, PluginProvider> tracker;

    public OsgiPluginRegistry(FelixHost host) {
        this.host = host;
        this.tracker = new ServiceTracker<>(host.bundleContext(), PluginProvider.class, null);
        this.tracker.open();
    }

    @Override
    public PluginSnapshot snapshot() {
        List<BoundPlugin> found = new ArrayList<>();
        ServiceReference<PluginProvider>[] refs = tracker.getServiceReferences();
        if (refs != null) {
            for (ServiceReference<PluginProvider> ref : refs) {
                Bundle bundle = ref.getBundle();
                PluginProvider provider = tracker.getService(ref);
                if (bundle == null || provider == null) {
                    continue; // unregistered meanwhile
                }
                try {
                    PluginDescriptor d = provider.descriptor();
                    Class<?> impl = provider.implementation();
                    found.add(new BoundPlugin(d, impl, new Provenance(d.id(), d.kind().key(), d.version(),
                            bundle.getSymbolicName(), bundle.getVersion().toString(), host.sha256(bundle))));
                } catch (RuntimeException | LinkageError e) {
                    LOG.warn("skipping a plugin of bundle {} {}: {}", bundle.getSymbolicName(), bundle.getVersion(), e.toString());
                }
            }
        }
        return PluginSnapshot.of(found);
    }

    @Override
    public void close() {
        tracker.close();
    }
}

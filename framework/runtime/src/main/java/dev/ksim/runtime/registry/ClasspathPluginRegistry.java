package dev.ksim.runtime.registry;

import dev.ksim.spi.PluginDescriptor;
import dev.ksim.spi.PluginProvider;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plugins found on a plain classpath through {@link ServiceLoader} (each plugin jar lists its
 * providers in {@code META-INF/services/dev.ksim.spi.PluginProvider}). For tests and embedding.
 * Provenance: bundle {@code "classpath"}, the jar manifest's Bundle-Version (or
 * Implementation-Version) and the jar's SHA-256; null for both when the class comes from a
 * directory.
 */
public final class ClasspathPluginRegistry implements PluginRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(ClasspathPluginRegistry.class);

    /** The {@link Provenance#bundle()} of classpath plugins. */
    public static final String CLASSPATH = "classpath";

    private final ClassLoader loader;
    /** jar path → [version, sha256], keyed with size and mtime so a rewritten jar is re-read. */
    private final Map<String, String[]> jarInfo = new ConcurrentHashMap<>();

    /** Over the thread context class loader (or this class's loader when there is none). */
    public ClasspathPluginRegistry() {
        this(Thread.currentThread().getContextClassLoader() != null
                ? Thread.currentThread().getContextClassLoader()
                : ClasspathPluginRegistry.class.getClassLoader());
    }

    public ClasspathPluginRegistry(ClassLoader loader) {
        this.loader = loader;
    }

    @Override
    public PluginSnapshot snapshot() {
        List<BoundPlugin> found = new ArrayList<>();
        var it = ServiceLoader.load(PluginProvider.class, loader).iterator();
        while (true) {
            PluginProvider provider;
            try {
                if (!it.hasNext()) {
                    break;
                }
                provider = it.next();
            } catch (ServiceConfigurationError e) {
                LOG.warn("skipping a plugin provider that cannot be loaded: {}", e.getMessage());
                continue;
            }
            try {
                PluginDescriptor d = provider.descriptor();
                Class<?> impl = provider.implementation();
                String[] info = jarInfo(impl);
                found.add(new BoundPlugin(d, impl,
                        new Provenance(d.id(), d.kind().key(), d.version(), CLASSPATH, info[0], info[1])));
            } catch (RuntimeException | LinkageError e) {
                LOG.warn("skipping plugin provider {}: {}", provider.getClass().getName(), e.toString());
            }
        }
        return PluginSnapshot.of(found);
    }

    private String[] jarInfo(Class<?> impl) {
        Path jar = codeSourceJar(impl);
        if (jar == null) {
            return new String[] {null, null};
        }
        try {
            String key = jar + "|" + Files.size(jar) + "|" + Files.getLastModifiedTime(jar).toMillis();
            return jarInfo.computeIfAbsent(key, k -> new String[] {jarVersion(jar), Hashing.sha256(jar)});
        } catch (IOException e) {
            LOG.warn("cannot read {}: {}", jar, e.toString());
            return new String[] {null, null};
        }
    }

    /** The jar file {@code c} was loaded from, or null (a directory, or no code source). */
    static Path codeSourceJar(Class<?> c) {
        try {
            CodeSource cs = c.getProtectionDomain().getCodeSource();
            URL url = cs == null ? null : cs.getLocation();
            if (url == null || !"file".equals(url.getProtocol())) {
                return null;
            }
            Path p = Path.of(url.toURI());
            return Files.isRegularFile(p) ? p : null;
        } catch (URISyntaxException | RuntimeException e) {
            return null;
        }
    }

    private static String jarVersion(Path jar) {
        try (JarFile jf = new JarFile(jar.toFile())) {
            Manifest m = jf.getManifest();
            if (m == null) {
                return null;
            }
            Attributes a = m.getMainAttributes();
            String v = a.getValue("Bundle-Version");
            return v != null ? v : a.getValue(Attributes.Name.IMPLEMENTATION_VERSION);
        } catch (IOException e) {
            return null;
        }
    }
}

package dev.ksim.runtime.osgi;

import dev.ksim.spi.PluginProvider;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The value of {@code org.osgi.framework.system.packages.extra}: the SPI packages at the versions
 * the SPI jar's manifest exports, the slf4j API packages at the slf4j version, and
 * {@code jakarta.inject} 2.0.1. Nothing else of the host (Groovy, Guice, Logback) is exported.
 */
public final class SystemPackages {
    private static final Logger LOG = LoggerFactory.getLogger(SystemPackages.class);

    /** Bundle-SymbolicName of the SPI jar. */
    public static final String SPI_BUNDLE = "dev.ksim.spi";
    /**
     * Used when no SPI manifest can be found (e.g. run from target/classes without bnd): each SPI
     * package with the version its package-info declares. SystemPackagesTest keeps the two equal.
     */
    static final java.util.Map<String, String> FALLBACK_SPI_EXPORTS = java.util.Map.of(
            "dev.ksim.spi", "0.2.0",
            "dev.ksim.spi.ipc", "0.2.0",
            "dev.ksim.spi.mm", "0.1.0",
            "dev.ksim.spi.security", "0.1.0",
            "dev.ksim.spi.workload", "0.3.0");
    static final List<String> SLF4J_PACKAGES = List.of("org.slf4j", "org.slf4j.event", "org.slf4j.helpers", "org.slf4j.spi");
    static final String FALLBACK_SLF4J_VERSION = "2.0.17";
    static final String JAKARTA_INJECT = "jakarta.inject;version=\"2.0.1\"";

    private SystemPackages() {
    }

    /** The comma-separated export list for the system bundle. */
    public static String extra() {
        List<String> out = new ArrayList<>(spiExports());
        String slf4j = slf4jVersion();
        for (String p : SLF4J_PACKAGES) {
            out.add(p + ";version=\"" + slf4j + "\"");
        }
        out.add(JAKARTA_INJECT);
        return String.join(",", out);
    }

    /** The SPI's packages with versions, from its manifest, or the built-in list. */
    static List<String> spiExports() {
        Manifest m = spiManifest();
        if (m != null) {
            List<String> out = exports(m.getMainAttributes().getValue("Export-Package"));
            if (!out.isEmpty()) {
                return out;
            }
        }
        LOG.debug("no SPI manifest found; exporting the built-in SPI package list {}", FALLBACK_SPI_EXPORTS);
        List<String> out = new ArrayList<>();
        new java.util.TreeMap<>(FALLBACK_SPI_EXPORTS).forEach((p, v) -> out.add(p + ";version=\"" + v + "\""));
        return out;
    }

    /** Export-Package reduced to {@code pkg;version="v"} entries (directives and other attributes dropped). */
    static List<String> exports(String header) {
        List<String> out = new ArrayList<>();
        for (OsgiHeaders.Clause c : OsgiHeaders.parse(header)) {
            String v = c.attributes().get("version");
            if (v == null) {
                v = c.attributes().get("specification-version");
            }
            for (String p : c.paths()) {
                out.add(v == null ? p : p + ";version=\"" + v + "\"");
            }
        }
        return out;
    }

    private static Manifest spiManifest() {
        Manifest m = codeSourceManifest(PluginProvider.class);
        if (isSpi(m)) {
            return m;
        }
        try {
            ClassLoader cl = PluginProvider.class.getClassLoader();
            Enumeration<URL> all = cl.getResources(JarFile.MANIFEST_NAME);
            while (all.hasMoreElements()) {
                try (InputStream in = all.nextElement().openStream()) {
                    Manifest candidate = new Manifest(in);
                    if (isSpi(candidate)) {
                        return candidate;
                    }
                }
            }
        } catch (IOException e) {
            LOG.debug("cannot scan manifests: {}", e.toString());
        }
        return null;
    }

    private static boolean isSpi(Manifest m) {
        if (m == null) {
            return false;
        }
        String bsn = m.getMainAttributes().getValue("Bundle-SymbolicName");
        return bsn != null && bsn.split(";")[0].trim().equals(SPI_BUNDLE);
    }

    /** The manifest of the jar (or classes directory) {@code c} was loaded from, or null. */
    static Manifest codeSourceManifest(Class<?> c) {
        try {
            CodeSource cs = c.getProtectionDomain().getCodeSource();
            if (cs == null || cs.getLocation() == null || !"file".equals(cs.getLocation().getProtocol())) {
                return null;
            }
            Path p = Path.of(cs.getLocation().toURI());
            if (Files.isDirectory(p)) {
                Path mf = p.resolve(JarFile.MANIFEST_NAME);
                if (!Files.isRegularFile(mf)) {
                    return null;
                }
                try (InputStream in = Files.newInputStream(mf)) {
                    return new Manifest(in);
                }
            }
            try (JarFile jf = new JarFile(p.toFile())) {
                return jf.getManifest();
            }
        } catch (Exception e) {
            return null;
        }
    }

    static String slf4jVersion() {
        Manifest m = codeSourceManifest(org.slf4j.LoggerFactory.class);
        String v = null;
        if (m != null) {
            Attributes a = m.getMainAttributes();
            v = a.getValue("Bundle-Version");
            if (v == null) {
                v = a.getValue(Attributes.Name.IMPLEMENTATION_VERSION);
            }
        }
        if (v == null) {
            v = org.slf4j.LoggerFactory.class.getPackage().getImplementationVersion();
        }
        if (v == null) {
            return FALLBACK_SLF4J_VERSION;
        }
        // OSGi form: major.minor.micro only
        String[] parts = v.split("[.\\-]");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            String part = i < parts.length && parts[i].matches("\\d+") ? parts[i] : "0";
            sb.append(i > 0 ? "." : "").append(part);
        }
        return sb.toString();
    }
}

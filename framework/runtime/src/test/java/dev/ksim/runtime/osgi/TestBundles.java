package dev.ksim.runtime.osgi;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/** Builds small bundle jars for the OSGi tests. */
final class TestBundles {
    private TestBundles() {
    }

    static final String ECHO_COMPONENT = """
            <?xml version="1.0" encoding="UTF-8"?>
            <scr:component xmlns:scr="http://www.osgi.org/xmlns/scr/v1.3.0" name="echo-hardening">
              <implementation class="dev.ksim.runtime.osgi.bundle.EchoHardeningProvider"/>
              <service>
                <provide interface="dev.ksim.spi.PluginProvider"/>
              </service>
            </scr:component>
            """;

    /** The echo plugin bundle: test classes of dev.ksim.runtime.osgi.bundle, DS XML, SPI imports [0.1,1) as bnd would write for a plugin built against 0.1. */
    static byte[] echoBundle(String bundleVersion) throws IOException {
        Manifest m = manifest("test.echo", bundleVersion,
                "dev.ksim.spi;version=\"[0.1,1)\",dev.ksim.spi.security;version=\"[0.1,1)\","
                        + "jakarta.inject;version=\"[2.0,3)\"");
        m.getMainAttributes().putValue("Service-Component", "OSGI-INF/echo.xml");
        Path classes = Path.of("target", "test-classes", "dev", "ksim", "runtime", "osgi", "bundle");
        return jar(m, Map.of(
                "OSGI-INF/echo.xml", ECHO_COMPONENT.getBytes(StandardCharsets.UTF_8),
                "dev/ksim/runtime/osgi/bundle/EchoHardening.class", Files.readAllBytes(classes.resolve("EchoHardening.class")),
                "dev/ksim/runtime/osgi/bundle/EchoHardeningProvider.class",
                Files.readAllBytes(classes.resolve("EchoHardeningProvider.class"))));
    }

    /** A bundle with no content that imports {@code importPackage}. */
    static byte[] importing(String bsn, String importPackage) throws IOException {
        return jar(manifest(bsn, "1.0.0", importPackage), Map.of());
    }

    static Manifest manifest(String bsn, String version, String imports) {
        Manifest m = new Manifest();
        Attributes a = m.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (bsn != null) {
            a.putValue("Bundle-ManifestVersion", "2");
            a.putValue("Bundle-SymbolicName", bsn);
            a.putValue("Bundle-Version", version);
        }
        if (imports != null) {
            a.putValue("Import-Package", imports);
        }
        return m;
    }

    static byte[] jar(Manifest m, Map<String, byte[]> entries) throws IOException {
        var bytes = new java.io.ByteArrayOutputStream();
        try (JarOutputStream out = new JarOutputStream(bytes, m)) {
            for (var e : new java.util.TreeMap<>(entries).entrySet()) {
                out.putNextEntry(new JarEntry(e.getKey()));
                out.write(e.getValue());
                out.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    /** Writes into {@code scratch}, then moves it to {@code target} atomically, so FileInstall never sees half a jar. */
    static void deploy(Path scratch, Path target, byte[] content) throws IOException {
        Files.createDirectories(scratch);
        Path tmp = scratch.resolve(target.getFileName() + ".part");
        try (OutputStream o = Files.newOutputStream(tmp)) {
            o.write(content);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}

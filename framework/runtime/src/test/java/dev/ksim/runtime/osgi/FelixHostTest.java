package dev.ksim.runtime.osgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.ksim.engine.model.PluginRef;
import dev.ksim.runtime.inject.GuicePluginInstantiator;
import dev.ksim.runtime.inject.GuiceSupport;
import dev.ksim.runtime.inject.fixtures.TestRunServices;
import dev.ksim.runtime.registry.BoundPlugin;
import dev.ksim.runtime.registry.Hashing;
import dev.ksim.runtime.registry.OsgiPluginRegistry;
import dev.ksim.runtime.registry.PluginSnapshot;
import dev.ksim.runtime.registry.Provenance;
import dev.ksim.spi.PluginKind;
import dev.ksim.spi.security.SecurityHardening;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;

/**
 * Boots the real Felix host with the boot bundles (copied to target/boot-bundles by the build)
 * and hot-deploys bundles built here.
 */
class FelixHostTest {
    private static final Duration DEADLINE = Duration.ofSeconds(15);

    @TempDir
    Path tmp;
    private Path deploy;
    private Path scratch;
    private FelixHost host;
    private OsgiPluginRegistry registry;
    private final AtomicInteger deployEvents = new AtomicInteger();

    private final ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> warnings =
            new ch.qos.logback.core.read.ListAppender<>();

    @BeforeEach
    void start() throws IOException {
        warnings.start();
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(BundleDiagnostics.class)).addAppender(warnings);
        Path system = Files.createDirectories(tmp.resolve("system"));
        Path boot = Path.of("target", "boot-bundles");
        assertTrue(Files.isDirectory(boot), "run through Maven: target/boot-bundles holds the boot bundles");
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(boot, "*.jar")) {
            for (Path p : ds) {
                Files.copy(p, system.resolve(p.getFileName()));
            }
        }
        deploy = tmp.resolve("deploy");
        scratch = Files.createDirectories(tmp.resolve("scratch"));
        Properties props = new Properties();
        props.setProperty(FelixHost.DEPLOY_POLL, "100");
        props.setProperty(FelixHost.DEPLOY_DEBOUNCE, "50");
        host = FelixHost.start(system, deploy, tmp.resolve("data"), props);
        host.addDeployListener(deployEvents::incrementAndGet);
        registry = new OsgiPluginRegistry(host);
    }

    private long logged(String text) {
        synchronized (warnings) {
            return warnings.list.stream().filter(e -> e.getFormattedMessage().contains(text)).count();
        }
    }

    @AfterEach
    void stop() {
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(BundleDiagnostics.class)).detachAppender(warnings);
        if (registry != null) {
            registry.close();
        }
        if (host != null) {
            host.close();
        }
    }

    private static <T> T await(String what, Supplier<Optional<T>> probe) {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (true) {
            Optional<T> v = probe.get();
            if (v.isPresent()) {
                return v.get();
            }
            if (System.nanoTime() > deadline) {
                fail("gave up waiting for " + what);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    private Optional<BoundPlugin> echo() {
        return registry.snapshot().bound(PluginKind.SECURITY_HARDENING, "echo");
    }

    private String awaitProblem(String... fragments) {
        return await("a diagnostic containing " + List.of(fragments), () -> host.diagnostics().problems().stream()
                .filter(p -> List.of(fragments).stream().allMatch(p::contains)).findFirst());
    }

    @Test
    void bootsTheSystemBundlesAndExportsTheSpi() {
        for (BundleDiagnostics.BundleStatus s : host.diagnostics().bundles()) {
            assertEquals("ACTIVE", s.state(), s.describe());
            assertTrue(s.source().startsWith("system/"), s.describe());
        }
        assertEquals(6, host.diagnostics().bundles().size());
        assertEquals(List.of(), host.diagnostics().problems());
        String extra = host.bundleContext().getProperty("org.osgi.framework.system.packages.extra");
        assertTrue(extra.contains("dev.ksim.spi;version=\"0.2.0\""), extra);
        assertTrue(extra.contains("org.slf4j;version="), extra);
        assertTrue(extra.contains("jakarta.inject;version=\"2.0.1\""), extra);
        assertFalse(extra.contains("com.google.inject"), extra);
        assertTrue(host.awaitDeployScan(DEADLINE));
        assertTrue(registry.snapshot().isEmpty());
    }

    @Test
    void hotDeployUpdateAndRemoveOfAPluginBundle() throws Exception {
        Path jar = deploy.resolve("echo.jar");
        byte[] v1 = TestBundles.echoBundle("1.0.0");
        TestBundles.deploy(scratch, jar, v1);

        BoundPlugin p1 = await("echo plugin", this::echo);
        Provenance prov1 = p1.provenance();
        assertEquals(new Provenance("echo", "security-hardening", "3.0.0", "test.echo", "1.0.0", Hashing.sha256(jar)), prov1);
        assertNotEquals(EchoLoaded.class.getClassLoader(), p1.implementation().getClassLoader(),
                "the plugin class comes from the bundle, not the test classpath");

        Bundle bundle = host.bundleContext().getBundles()[0].getBundleContext().getBundle(0);
        for (Bundle b : host.bundleContext().getBundles()) {
            if ("test.echo".equals(b.getSymbolicName())) {
                bundle = b;
            }
        }
        assertEquals("test.echo", bundle.getSymbolicName());
        assertEquals(jar.toAbsolutePath().normalize(), host.sourceFile(bundle).orElseThrow());
        assertTrue(host.installedJar(bundle).orElseThrow().startsWith(tmp.resolve("data")),
                "hashes the framework's copy of the installed revision: " + host.installedJar(bundle));

        // a snapshot taken now keeps binding v1 while the bundle changes
        PluginSnapshot taken = registry.snapshot();

        // instantiate the bundle's class through Guice (bundle class loader)
        GuicePluginInstantiator plugins = new GuicePluginInstantiator(taken, GuiceSupport.createHostInjector());
        SecurityHardening h = plugins.instantiate(new PluginRef(PluginKind.SECURITY_HARDENING, "echo", Map.of("cost", 9L), null),
                SecurityHardening.class, new TestRunServices(1), "hardening", Map.of());
        assertEquals(9L, h.onUserPageAllocated(0, 1));
        assertEquals(List.of(prov1), plugins.boundProvenance());

        byte[] v2 = TestBundles.echoBundle("1.1.0");
        TestBundles.deploy(scratch, jar, v2);
        Provenance prov2 = await("echo 1.1.0", () -> echo().map(BoundPlugin::provenance)
                .filter(p -> p.bundleVersion().equals("1.1.0")));
        String sha2 = Hashing.sha256(jar);
        assertNotEquals(prov1.sha256(), sha2);
        await("sha of 1.1.0", () -> echo().map(BoundPlugin::provenance).filter(p -> sha2.equals(p.sha256())));
        assertEquals("test.echo", prov2.bundle());
        assertEquals("1.0.0", taken.bound(PluginKind.SECURITY_HARDENING, "echo").orElseThrow().provenance().bundleVersion());
        assertTrue(host.awaitDeployScan(DEADLINE));

        Files.delete(jar);
        await("echo removed", () -> echo().isEmpty() ? Optional.of(true) : Optional.empty());
        assertTrue(host.awaitDeployScan(DEADLINE));
        await("deploy listener called", () -> deployEvents.get() > 0 ? Optional.of(true) : Optional.empty());
        for (Bundle b : host.bundleContext().getBundles()) {
            assertNotEquals("test.echo", b.getSymbolicName());
        }
    }

    @Test
    void diagnosesBundlesThatCannotResolveAndJarsThatCannotInstall() throws Exception {
        TestBundles.deploy(scratch, deploy.resolve("echo.jar"), TestBundles.echoBundle("1.0.0"));
        TestBundles.deploy(scratch, deploy.resolve("needs-acme.jar"),
                TestBundles.importing("test.needs.acme", "com.acme.x;version=\"[2.0,3)\""));
        TestBundles.deploy(scratch, deploy.resolve("needs-new-function.jar"),
                TestBundles.importing("test.needs.function", "org.osgi.util.function;version=\"[9.0,10)\""));
        TestBundles.deploy(scratch, deploy.resolve("corrupt.jar"), "this is not a zip file".getBytes());
        TestBundles.deploy(scratch, deploy.resolve("plain.jar"), TestBundles.jar(TestBundles.manifest(null, null, null), Map.of()));

        assertTrue(host.awaitDeployScan(DEADLINE), "the deploy scan settles although some jars are broken");
        await("echo plugin", this::echo);

        String acme = awaitProblem("test.needs.acme");
        assertEquals("bundle test.needs.acme 1.0.0 needs package com.acme.x version [2.0.0,3.0.0), "
                + "which no bundle in this runtime exports (deploy/needs-acme.jar)", acme);
        String function = awaitProblem("test.needs.function");
        assertTrue(function.startsWith("bundle test.needs.function 1.0.0 needs package org.osgi.util.function "
                + "version [9.0.0,10.0.0); this runtime provides org.osgi.util.function 1."), function);
        String corrupt = awaitProblem("deploy/corrupt.jar");
        assertTrue(corrupt.startsWith("deploy/corrupt.jar: not a valid jar ("), corrupt);
        assertEquals("deploy/plain.jar: no Bundle-SymbolicName: not an OSGi bundle", awaitProblem("deploy/plain.jar"));
        assertEquals(4, host.diagnostics().problems().size(), String.valueOf(host.diagnostics().problems()));

        BundleDiagnostics.BundleStatus needs = host.diagnostics().bundles().stream()
                .filter(s -> "test.needs.acme".equals(s.symbolicName())).findFirst().orElseThrow();
        assertEquals("INSTALLED", needs.state());
        assertEquals("deploy/needs-acme.jar", needs.source());
        assertEquals("1.0.0", needs.version());

        // each problem is logged once, when found
        await("the acme diagnostic logged", () -> logged(acme) == 1 ? Optional.of(true) : Optional.empty());
        TestBundles.deploy(scratch, deploy.resolve("corrupt2.jar"), new byte[] {1, 2, 3});
        await("the second corrupt jar logged", () -> logged("deploy/corrupt2.jar") == 1 ? Optional.of(true) : Optional.empty());
        assertEquals(1, logged(acme));
        assertEquals(1, logged(corrupt));

        // the working plugin is unaffected
        BoundPlugin echo = echo().orElseThrow();
        assertEquals("1.0.0", echo.provenance().bundleVersion());
        assertNotNull(echo.provenance().sha256());
    }

    @Test
    void translatesFelixResolutionMessages() {
        String msg = "Unable to resolve foo [12](R 12.0): missing requirement [foo [12](R 12.0)] osgi.wiring.package; "
                + "(&(osgi.wiring.package=com.acme.x)(version>=2.0.0)(!(version>=3.0.0))) Unresolved requirements: "
                + "[[foo [12](R 12.0)] osgi.wiring.package; (&(osgi.wiring.package=com.acme.x)(version>=2.0.0)(!(version>=3.0.0)))]";
        List<BundleDiagnostics.Missing> chain = BundleDiagnostics.parseMissing(msg);
        assertEquals(1, chain.size());
        assertEquals(12, chain.get(0).bundleId());
        assertEquals("osgi.wiring.package", chain.get(0).namespace());
        assertEquals("(&(osgi.wiring.package=com.acme.x)(version>=2.0.0)(!(version>=3.0.0)))", chain.get(0).filter());
        assertEquals("bundle foo needs package com.acme.x version [2.0.0,3.0.0), which no bundle in this runtime exports",
                host.diagnostics().fromFelixMessage(msg));
        assertEquals("bundle foo needs package org.osgi.util.promise version 9.0.0 or later; "
                        + "this runtime provides org.osgi.util.promise 1.3.0",
                host.diagnostics().fromFelixMessage("Unable to resolve foo [12](R 12.0): missing requirement "
                        + "[foo [12](R 12.0)] osgi.wiring.package; (&(osgi.wiring.package=org.osgi.util.promise)(version>=9.0.0))"));
        String chained = "Unable to resolve a [3](R 3.0): missing requirement [a [3](R 3.0)] osgi.wiring.package; "
                + "(osgi.wiring.package=b.api) [caused by: Unable to resolve b [4](R 4.0): missing requirement "
                + "[b [4](R 4.0)] osgi.wiring.package; (&(osgi.wiring.package=c.api)(!(version<=1.0.0)))]";
        assertEquals("bundle a needs package b.api, which cannot resolve: bundle b needs package c.api version 1.0.0 "
                + "or later, excluding 1.0.0, which no bundle in this runtime exports", host.diagnostics().fromFelixMessage(chained));
    }

    /** Loaded from the test classpath, for class loader comparisons. */
    static final class EchoLoaded {
    }
}

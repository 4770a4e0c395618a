package dev.ksim.runtime.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.runtime.inject.fixtures.WalkWorkload;
import dev.ksim.runtime.inject.fixtures.WalkWorkloadProvider;
import dev.ksim.engine.model.PluginRef;
import dev.ksim.spi.PluginDescriptor;
import dev.ksim.spi.PluginKind;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClasspathPluginRegistryTest {

    @Test
    void findsTheProvidersListedInMetaInfServices() {
        PluginSnapshot s = new ClasspathPluginRegistry().snapshot();
        assertEquals(WalkWorkloadProvider.DESCRIPTOR, s.find(PluginKind.WORKLOAD_GENERATOR, "walk").orElseThrow());
        assertSame(WalkWorkload.class, s.bound(PluginKind.WORKLOAD_GENERATOR, "walk").orElseThrow().implementation());
        assertEquals(List.of("exploding", "needy"),
                s.all(PluginKind.SECURITY_HARDENING).stream().map(PluginDescriptor::id).toList());
        assertTrue(s.find(PluginKind.WORKLOAD_GENERATOR, "nope").isEmpty());
    }

    @Test
    void provenanceIsSortedByKindThenIdAndHasNoHashForAClassesDirectory() {
        PluginSnapshot s = new ClasspathPluginRegistry().snapshot();
        List<Provenance> all = s.provenance();
        List<Provenance> sorted = all.stream().sorted(PluginSnapshot.BY_KIND_AND_ID).toList();
        assertEquals(sorted, all);
        assertTrue(all.size() >= 4);
        Provenance walk = s.bound(PluginKind.WORKLOAD_GENERATOR, "walk").orElseThrow().provenance();
        assertEquals(new Provenance("walk", "workload-generator", "1.2.0", "classpath", null, null), walk);
        assertEquals(List.of(walk), s.provenance(List.of(
                new PluginRef(PluginKind.WORKLOAD_GENERATOR, "walk", Map.of(), null),
                new PluginRef(PluginKind.WORKLOAD_GENERATOR, "walk", Map.of("stride", 2L), null))));
    }

    @Test
    void aClassFromAJarGetsTheJarsHash() {
        // the SPI's own classes come from the ksim-spi jar when run by Maven
        java.nio.file.Path jar = ClasspathPluginRegistry.codeSourceJar(PluginKind.class);
        if (jar != null) {
            assertEquals(64, Hashing.sha256(jar).length());
        } else {
            assertNull(jar);
        }
    }

    @Test
    void duplicatesKeepTheHighestBundleVersion() {
        PluginDescriptor d = WalkWorkloadProvider.DESCRIPTOR;
        BoundPlugin a = new BoundPlugin(d, WalkWorkload.class, new Provenance("walk", "workload-generator", "1.2.0", "acme.a", "1.9.0", "aa"));
        BoundPlugin b = new BoundPlugin(d, WalkWorkload.class, new Provenance("walk", "workload-generator", "1.2.0", "acme.b", "1.10.0", "bb"));
        BoundPlugin c = new BoundPlugin(d, WalkWorkload.class, new Provenance("walk", "workload-generator", "1.2.0", "acme.c", "1.10.0.SNAPSHOT", "cc"));
        assertEquals("cc", PluginSnapshot.of(List.of(a, b, c)).bound(PluginKind.WORKLOAD_GENERATOR, "walk").orElseThrow().provenance().sha256());
        assertEquals("bb", PluginSnapshot.of(List.of(b, a)).bound(PluginKind.WORKLOAD_GENERATOR, "walk").orElseThrow().provenance().sha256());
        assertEquals(1, PluginSnapshot.of(List.of(a, b, c)).size());
    }

    @Test
    void versionsCompareNumerically() {
        assertTrue(PluginSnapshot.compareVersions("1.10.0", "1.9.9") > 0);
        assertTrue(PluginSnapshot.compareVersions("1.0", "1.0.0") == 0);
        assertTrue(PluginSnapshot.compareVersions(null, "0.0.1") < 0);
        assertTrue(PluginSnapshot.compareVersions("2.0.0", "2.0.0.SNAPSHOT") < 0);
    }
}

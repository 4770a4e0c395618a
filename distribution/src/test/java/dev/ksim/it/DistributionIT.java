package dev.ksim.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packaged distribution, driven through its launcher in a real Felix: the quickstart runs
 * from any working directory and install path, the built-in bundles resolve and register, and
 * errors reach the user located and without stack traces.
 */
class DistributionIT {
    private static Path home;
    private static Path scenarios;

    @BeforeAll
    static void install() throws IOException {
        Files.createDirectories(Dist.WORK);
        // A path with a space, reached through a symlink: the launcher must cope with both.
        Path real = Files.createTempDirectory(Dist.WORK, "install dir ");
        Dist.install(real);
        home = Files.createTempDirectory(Dist.WORK, "link").resolve("ksim");
        Files.createSymbolicLink(home, real);
        scenarios = Path.of(System.getProperty("ksim.it.scenarios", "../scenarios")).toAbsolutePath();
    }

    @Test
    void quickstartRunsThroughTheLauncherFromAnotherDirectory() throws Exception {
        Path cwd = Files.createTempDirectory(Dist.WORK, "cwd");
        Path out = cwd.resolve("out");
        Dist.Result r = Dist.ksim(home, cwd, "run", home.resolve("scenarios/quickstart.ksim.groovy").toString(),
                "--out", out.toString());
        assertEquals(0, r.code(), r.output());
        assertTrue(r.output().contains("policy=first-touch"), r.output());
        assertTrue(r.output().contains("policy=interleave"), r.output());
        assertTrue(r.output().contains("pgfault"), r.output());

        JsonNode json = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        assertEquals("quickstart", json.at("/scenario/name").asText());
        assertEquals(64, json.at("/scenario/sha256").asText().length());
        assertEquals(1, json.get("seed").asLong());
        assertFalse(json.get("ksim.version").asText().isBlank());
        assertEquals(2, json.get("runs").size());
        JsonNode run = json.get("runs").get(0);
        assertTrue(run.at("/metrics/pgfault").asLong() > 0);
        assertTrue(run.at("/histograms/fault_latency/count").asLong() > 0);
        assertEquals(0, run.at("/invariants/violations").size());
        assertTrue(run.at("/invariants/checked").asLong() > 0);
        // Provenance: every plugin the runs bound, from the baseline bundle, with the jar's SHA-256.
        boolean sawFirstTouch = false;
        for (JsonNode p : json.get("plugins")) {
            assertEquals("dev.ksim.plugin.baseline", p.get("bundle").asText(), p.toString());
            assertEquals(64, p.get("sha256").asText().length(), p.toString());
            sawFirstTouch |= p.get("id").asText().equals("first-touch");
        }
        assertTrue(sawFirstTouch, json.get("plugins").toString());
    }

    @Test
    void defaultOutputGoesToReportsUnderTheWorkingDirectory() throws Exception {
        Path cwd = Files.createTempDirectory(Dist.WORK, "cwd");
        Dist.Result r = Dist.ksim(home, cwd, "run", home.resolve("scenarios/quickstart.ksim.groovy").toString(),
                "--set", "policy=interleave");
        assertEquals(0, r.code(), r.output());
        try (var dirs = Files.list(cwd.resolve("reports"))) {
            Path dir = dirs.findFirst().orElseThrow();
            assertTrue(dir.getFileName().toString().startsWith("quickstart-"), dir.toString());
            assertTrue(Files.exists(dir.resolve("results.json")));
        }
    }

    @Test
    void builtInBundlesResolveAndRegisterTheirPlugins() throws Exception {
        Dist.Result r = Dist.ksim(home, Dist.WORK, "plugins");
        assertEquals(0, r.code(), r.output());
        for (String id : new String[] {"system-ram", "first-touch", "interleave", "none", "sequential", "uniform", "zipf"}) {
            assertTrue(r.output().lines().anyMatch(l -> l.startsWith(id + " ") && l.contains("dev.ksim.plugin.baseline")
                    && l.contains("active")), id + " missing:\n" + r.output());
        }
        for (String bsn : new String[] {"org.apache.felix.scr", "org.apache.felix.fileinstall", "dev.ksim.plugin.baseline"}) {
            assertTrue(r.output().lines().anyMatch(l -> l.startsWith(bsn + " ") && l.contains("ACTIVE")),
                    bsn + " not active:\n" + r.output());
        }
        assertFalse(r.output().contains("problems:"), r.output());
    }

    @Test
    void pluginDocPrintsTheOptionSchema() throws Exception {
        Dist.Result r = Dist.ksim(home, Dist.WORK, "plugins", "--doc", "system-ram");
        assertEquals(0, r.code(), r.output());
        assertTrue(r.output().contains("latency"), r.output());
        assertTrue(r.output().contains("80.ns"), r.output());
    }

    @Test
    void invalidScenarioExitsOneWithALocatedMessage() throws Exception {
        Path bad = Files.createTempDirectory(Dist.WORK, "bad").resolve("typo.ksim.groovy");
        Files.writeString(bad, String.join("\n",
                "scenario('typo') {",
                "    duration 10.ms",
                "    machine {",
                "        node(0) { memory 4.MiB; cpus 0..1 }",
                "    }",
                "    policy 'frist-touch'",
                "    process('p') {",
                "        mapping 'heap', 1.MiB",
                "        thread(cpu: 0) { workload 'uniform'; accesses 1000 }",
                "    }",
                "}"));
        Dist.Result r = Dist.ksim(home, bad.getParent(), "check", "typo.ksim.groovy");
        assertEquals(1, r.code(), r.output());
        assertTrue(r.output().contains("typo.ksim.groovy:6: unknown migration policy 'frist-touch'; did you mean 'first-touch'?"),
                r.output());
        assertFalse(r.output().contains("\tat "), r.output());
    }

    @Test
    void versionAndHelp() throws Exception {
        Dist.Result v = Dist.ksim(home, Dist.WORK, "version");
        assertEquals(0, v.code(), v.output());
        assertTrue(v.output().startsWith("ksim "), v.output());
        assertEquals(1, Dist.ksim(home, Dist.WORK, "no-such-command").code());
    }

    @Test
    void tarballHoldsTheSameTree() throws Exception {
        Path tar;
        try (var files = Files.list(Dist.BUILT.getParent())) {
            tar = files.filter(p -> p.getFileName().toString().matches("ksim-.+\\.tar\\.gz")).findFirst().orElse(null);
        }
        assertNotNull(tar, "no ksim-<version>.tar.gz next to " + Dist.BUILT);
        String top = tar.getFileName().toString().replace(".tar.gz", "");
        byte[] data;
        try (GZIPInputStream in = new GZIPInputStream(Files.newInputStream(tar))) {
            data = in.readAllBytes();
        }
        // ustar: the entry name is the first 100 bytes of each 512-byte header; walk the headers.
        java.util.Set<String> names = new java.util.HashSet<>();
        int pos = 0;
        while (pos + 512 <= data.length && data[pos] != 0) {
            String name = new String(data, pos, 100, java.nio.charset.StandardCharsets.US_ASCII).replace("\0", "");
            String prefix = new String(data, pos + 345, 155, java.nio.charset.StandardCharsets.US_ASCII).replace("\0", "");
            String full = prefix.isEmpty() ? name : prefix + "/" + name;
            String sizeOctal = new String(data, pos + 124, 12, java.nio.charset.StandardCharsets.US_ASCII).replace("\0", "").trim();
            long size = sizeOctal.isEmpty() ? 0 : Long.parseLong(sizeOctal, 8);
            if (data[pos + 156] == 'x') { // pax extended header: the real name is in its body
                String body = new String(data, pos + 512, (int) size, java.nio.charset.StandardCharsets.UTF_8);
                pos += 512 + (int) ((size + 511) / 512 * 512);
                for (String rec : body.split("\n")) {
                    int eq = rec.indexOf(" path=");
                    if (eq >= 0) {
                        full = rec.substring(eq + 6);
                        names.add(full);
                    }
                }
                continue;
            }
            names.add(full);
            pos += 512 + (int) ((size + 511) / 512 * 512);
        }
        for (String expected : new String[] {"bin/ksim", "bin/setenv", "etc/ksim.properties", "etc/logback.xml",
                "deploy/README.md", "scenarios/quickstart.ksim.groovy"}) {
            assertTrue(names.contains(top + "/" + expected), expected + " missing from " + tar + ": " + names);
        }
        assertTrue(names.stream().anyMatch(n -> n.startsWith(top + "/system/ksim-plugin-baseline")), names.toString());
        assertTrue(names.stream().anyMatch(n -> n.startsWith(top + "/lib/ksim-runtime")), names.toString());
    }
}

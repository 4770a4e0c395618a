package dev.ksim.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Hot deploy through a running {@code bin/ksim watch}: the example plugin, built out of tree
 * against the SPI only, is installed, updated and removed while the scenario re-runs; broken jars
 * are diagnosed in {@code bin/ksim plugins} and the log while everything else keeps working.
 */
class HotDeployIT {
    private static final long STEP_MS = 60_000; // generous bound for slow CI machines; typical is ~2 s
    private static final String SCENARIO = String.join("\n",
            "scenario('weighted') {",
            "    duration 100.ms",
            "    machine {",
            "        node(0) { memory 64.MiB; cpus 0..1 }; thp 'never'", // 4 KiB pages: the policy places each one
            "        node(1) { memory 64.MiB; cpus 2..3 }",
            "    }",
            "    policy 'weighted-interleave', weights: '3,1'",
            "    process('p') {",
            "        mapping 'heap', 32.MiB",
            "        thread(cpu: 0) { workload 'sequential'; accesses 8192 }",
            "    }",
            "}");

    private static JsonNode results(Path out) throws Exception {
        return new ObjectMapper().readTree(out.resolve("results.json").toFile());
    }

    private static JsonNode plugin(JsonNode results, String id) {
        for (JsonNode p : results.get("plugins")) {
            if (p.get("id").asText().equals(id)) {
                return p;
            }
        }
        throw new AssertionError(id + " not among bound plugins: " + results.get("plugins"));
    }

    @Test
    void installUpdateAndRemoveWhileWatching() throws Exception {
        Files.createDirectories(Dist.WORK);
        Path home = Dist.install(Files.createTempDirectory(Dist.WORK, "hot"));
        Path work = Files.createTempDirectory(Dist.WORK, "scenario");
        Path scenario = work.resolve("weighted.ksim.groovy");
        Files.writeString(scenario, SCENARIO);
        Path out = work.resolve("out");
        Path deploy = home.resolve("deploy");

        try (Dist.Running watch = Dist.start(home, work, "watch", "weighted.ksim.groovy", "--out", out.toString())) {
            // 1. Before deploy: the policy does not exist, and the message lists what does.
            int run1 = watch.awaitLine(0, l -> l.startsWith("== ksim watch: run 1"), STEP_MS);
            int idle1 = watch.awaitLine(run1, l -> l.startsWith("== watching"), STEP_MS);
            assertTrue(watch.between(run1, idle1).contains(
                    "weighted.ksim.groovy:7: unknown migration policy 'weighted-interleave'; available: first-touch, interleave"),
                    watch.output());

            // 2. Install: the scenario re-runs by itself with the new policy.
            Dist.deploy(Dist.EXAMPLE_PLUGIN, deploy, "weighted-interleave.jar");
            int run2 = watch.awaitLine(idle1, l -> l.startsWith("== ksim watch: run"), STEP_MS);
            int idle2 = watch.awaitLine(run2, l -> l.startsWith("== watching"), STEP_MS);
            assertTrue(watch.between(run2, idle2).contains("results: "),
                    "the first re-run after deploy did not bind the plugin:\n" + watch.output());
            JsonNode r2 = results(out);
            JsonNode p2 = plugin(r2, "weighted-interleave");
            assertEquals("dev.ksim.example.weighted", p2.get("bundle").asText());
            assertEquals("1.0.0", p2.get("bundleVersion").asText());
            assertEquals(Dist.sha256(Dist.EXAMPLE_PLUGIN), p2.get("sha256").asText());
            // Weights 3,1 over 8192 first touches: 6144 pages on node 0, 2048 on node 1 (16384 frames each).
            JsonNode metrics = r2.get("runs").get(0).get("metrics");
            assertEquals(16384 - 6144, metrics.get("node0.nr_free_pages").asLong(), metrics.toString());
            assertEquals(16384 - 2048, metrics.get("node1.nr_free_pages").asLong(), metrics.toString());

            // 3. Update: replace the jar with a new version; the next run binds it.
            Path v2 = Dist.withBundleVersion(Dist.EXAMPLE_PLUGIN, "1.0.1", work.resolve("v2.jar"));
            Dist.deploy(v2, deploy, "weighted-interleave.jar");
            int run3 = watch.awaitLine(idle2, l -> l.startsWith("== ksim watch: run"), STEP_MS);
            int idle3 = watch.awaitLine(run3, l -> l.startsWith("== watching"), STEP_MS);
            JsonNode p3 = plugin(results(out), "weighted-interleave");
            assertEquals("1.0.1", p3.get("bundleVersion").asText(), watch.between(run3, idle3));
            assertEquals(Dist.sha256(v2), p3.get("sha256").asText());

            // 4. Broken jars next to it: diagnosed, and nothing else stops working.
            Files.writeString(deploy.resolve("corrupt.jar"), "this is not a zip file");
            Dist.deploy(Dist.unresolvableBundle(work.resolve("newer-spi.jar")), deploy, "newer-spi.jar");
            Dist.Result plugins = Dist.ksim(home, work, "plugins");
            assertEquals(0, plugins.code(), plugins.output());
            String listing = plugins.output();
            assertTrue(listing.contains("corrupt.jar") && listing.contains("not a valid jar"), listing);
            assertTrue(listing.contains("test.needs.newer.spi 1.0.0 needs package dev.ksim.spi version [1.0.0,2.0.0)"), listing);
            assertTrue(listing.contains("this runtime provides dev.ksim.spi 0.2.0"), listing);
            assertTrue(listing.lines().anyMatch(l -> l.startsWith("weighted-interleave ") && l.contains("active")), listing);
            assertTrue(listing.lines().anyMatch(l -> l.startsWith("first-touch ") && l.contains("active")), listing);
            String log = Files.readString(home.resolve("logs/ksim.log"));
            assertTrue(log.contains("needs package dev.ksim.spi version [1.0.0,2.0.0)"), log);
            Files.delete(deploy.resolve("corrupt.jar"));
            Files.delete(deploy.resolve("newer-spi.jar"));

            // 5. Remove: the next run fails, naming what is available.
            int mark = watch.lineCount();
            Files.delete(deploy.resolve("weighted-interleave.jar"));
            int failing = watch.awaitLine(mark, l -> l.contains("unknown migration policy 'weighted-interleave'"), STEP_MS);
            assertTrue(watch.between(failing, failing + 1).contains("available: first-touch, interleave"), watch.output());

            // 6. Editing the scenario re-runs it too.
            int idle5 = watch.awaitLine(failing, l -> l.startsWith("== watching"), STEP_MS);
            Files.writeString(scenario, SCENARIO.replace("policy 'weighted-interleave', weights: '3,1'", "policy 'interleave'"));
            int run6 = watch.awaitLine(idle5, l -> l.startsWith("== ksim watch: run") && l.contains("weighted.ksim.groovy changed"), STEP_MS);
            int idle6 = watch.awaitLine(run6, l -> l.startsWith("== watching"), STEP_MS);
            assertTrue(watch.between(run6, idle6).contains("results: "), watch.output());
            assertEquals(16384 - 4096, results(out).get("runs").get(0).get("metrics").get("node0.nr_free_pages").asLong());
        }
    }
}

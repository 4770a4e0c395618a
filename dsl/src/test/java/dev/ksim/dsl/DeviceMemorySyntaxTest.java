package dev.ksim.dsl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ksim.engine.model.DeviceSpec;
import dev.ksim.engine.model.Diagnostic;
import dev.ksim.engine.model.EventSpec;
import dev.ksim.engine.model.EventSpec.Action;
import dev.ksim.engine.model.ScenarioException;
import dev.ksim.engine.model.ScenarioModel;
import dev.ksim.engine.model.ScenarioValidator;
import dev.ksim.engine.model.SourceRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Device memory and memory hotplug in the scenario language: {@code device 'kind'} in a node block,
 * and every located error, the DSL's (words) and the validator's (what a device node may declare).
 */
class DeviceMemorySyntaxTest {
    @TempDir
    Path dir;

    private final ScenarioLoader loader = new ScenarioLoader(new TestCatalog());

    /** Node 1's block body is {@code node1} (line 6); machine extras at line 7; process events at line 12; scenario events at line 15. */
    private Path write(String node1, String machineExtra, String processEvents, String scenarioEvents) throws IOException {
        Path p = dir.resolve("d.ksim.groovy");
        Files.writeString(p, """
                scenario('d') {
                    duration 10.ms
                    machine {
                        cpus 2
                        node(0) { memory 64.MiB; cpus 0 }
                        node(1) { %s }
                %s
                    }
                    process('app') {
                        mapping 'heap', 64.KiB
                        thread(cpu: 0) { workload 'uniform' }
                %s
                    }
                    expect { metric 'accesses' greaterThan 0 }
                %s
                }
                """.formatted(node1, machineExtra, processEvents, scenarioEvents));
        return p;
    }

    private ScenarioModel load(Path p) {
        return loader.load(p, Map.of()).variants().get(0);
    }

    private static List<String> validate(ScenarioModel m) {
        return ScenarioValidator.validate(m).stream().map(Diagnostic::toString).toList();
    }

    private static List<String> messages(ScenarioException e) {
        return e.diagnostics().stream().map(Object::toString).toList();
    }

    @Test
    void aDeviceNodeRecordsItsKindAndWhereItWasDeclared() throws IOException {
        Path p = write("memory 32.MiB; device 'coherent'", "", "", "");
        ScenarioModel m = load(p);
        assertEquals(new DeviceSpec("coherent", new SourceRef(p.toString(), 6)), m.machine().nodes().get(1).device());
        assertNull(m.machine().nodes().get(0).device());
        assertEquals(List.of(), validate(m));
    }

    @Test
    void unknownAndRepeatedKindsAreLocatedWithSuggestions() throws IOException {
        Path p = write("memory 32.MiB; device 'coherant'", "", "", "");
        ScenarioException e = assertThrows(ScenarioException.class, () -> loader.load(p, Map.of()));
        assertEquals(List.of(p + ":6: unknown device memory kind 'coherant' in node 1; did you mean 'coherent'? available: private,"
                + " coherent, public"), messages(e));
        Path q = write("memory 32.MiB; device 'private'; device 'public'", "", "", "");
        e = assertThrows(ScenarioException.class, () -> loader.load(q, Map.of()));
        assertEquals(List.of(q + ":6: device is given twice in node 1 (first at line 6)"), messages(e));
    }

    @Test
    void aDeviceNodeHasNoMovablePartNoWatermarksAndNeedsTheLruMode() throws IOException {
        Path p = write("memory 32.MiB; device 'private'; movable 8.MiB; watermarks min: 1.MiB, low: 2.MiB, high: 3.MiB",
                "        reclaim 'strict-lru'", "", "");
        String f = p.toString();
        assertEquals(List.of(
                f + ":6: node1 is device memory (ZONE_DEVICE) and has no ZONE_MOVABLE part; drop movable, or drop device to"
                        + " online the memory as an ordinary NUMA node",
                f + ":6: node1 is device memory (ZONE_DEVICE): it has no buddy zone and no watermarks; drop watermarks",
                f + ":6: device memory needs reclaim 'lru' (the machine uses 'strict-lru', which keeps every user page on one exact"
                        + " list; device pages are never on an LRU)"), validate(load(p)));
    }

    @Test
    void devicePoolGaugesAreKnownToExpect() throws IOException {
        Path p = write("memory 32.MiB; device 'coherent'", "", "", "");
        Files.writeString(p, Files.readString(p).replace("metric 'accesses' greaterThan 0", "metric 'node1.device_pages_used' equalTo 0"));
        assertEquals(List.of(), validate(load(p)));
        Path q = write("memory 32.MiB", "", "", "");
        Files.writeString(q, Files.readString(q).replace("metric 'accesses' greaterThan 0", "metric 'node1.device_pages_used' equalTo 0"));
        assertEquals(List.of(q + ":14: unknown metric 'node1.device_pages_used'"),
                validate(load(q)).stream().map(s -> s.replaceAll(";.*", "")).toList());
    }

    @Test
    void migrateVmaAndEvictBuildTheirEvents() throws IOException {
        Path p = write("memory 32.MiB; device 'private'", "",
                "        at(2.ms) { migrateVma 'heap', to: 1, pages: 8, from: 4, skipEvery: 3 }",
                "    at(5.ms) { evict node: 1 }\n    at(6.ms) { evict node: 1, process: 'app' }");
        ScenarioModel m = load(p);
        String f = p.toString();
        assertEquals(List.of(
                new EventSpec(2_000_000, Action.MIGRATE_VMA, "app", "heap", 4, 8, 1, null, 3, new SourceRef(f, 12)),
                new EventSpec(5_000_000, Action.EVICT, null, null, 0, 0, 1, new SourceRef(f, 15)),
                new EventSpec(6_000_000, Action.EVICT, "app", null, 0, 0, 1, new SourceRef(f, 16))), m.events());
        assertEquals(List.of(), validate(m));
    }

    @Test
    void migrateVmaAndEvictErrorsAreLocated() throws IOException {
        Path p = write("memory 32.MiB; device 'coherent'", "",
                "        at(2.ms) { migrateVma 'heap', pages: 8 }\n        at(3.ms) { migrateVma 'heap', to: 1, skipevery: 2 }"
                        + "\n        at(3.ms) { evict node: 1 }",
                "    at(5.ms) { evict process: 'app' }");
        ScenarioException e = assertThrows(ScenarioException.class, () -> loader.load(p, Map.of()));
        String f = p.toString();
        assertEquals(List.of(
                f + ":12: migrateVma needs a target node: migrateVma 'heap', to: 1",
                f + ":13: unknown argument 'skipevery' of migrateVma; did you mean 'skipEvery'? arguments: to, pages, from, skipEvery",
                f + ":14: 'evict' is a device driver's action, not something process 'app' does: write it in scenario {} or"
                        + " machine {}: at(3ms) { evict node: 1 }",
                f + ":17: evict needs the device's node: evict node: 1"), messages(e));
    }

    @Test
    void migrateVmaOfAMappingThatIsNotAnonymousIsLocated() throws IOException {
        Path p = write("memory 32.MiB; device 'coherent'", "",
                "        mapping 'huge', 2.MiB, kind: 'hugetlb'\n        at(2.ms) { migrateVma 'huge', to: 1 }", "");
        Files.writeString(p, Files.readString(p).replace("node(0) { memory 64.MiB; cpus 0 }", "node(0) { memory 64.MiB; cpus 0; hugepages 4 }")
                .replace("thread(cpu: 0) {", "thread(cpu: 0, mapping: 'heap') {"));
        String f = p.toString();
        assertEquals(List.of(f + ":13: migrateVma of mapping 'huge' of kind 'hugetlb': migrate_vma moves only anonymous private"
                + " memory (kind 'anon')"), validate(load(p)));
    }

    @Test
    void migrateVmaToANodeWithoutDeviceMemoryOrOutsideTheMappingIsLocated() throws IOException {
        Path p = write("memory 32.MiB; device 'coherent'", "",
                "        at(2.ms) { migrateVma 'heap', to: 0 }\n        at(3.ms) { migrateVma 'heap', to: 1, from: 10, pages: 8 }",
                "    at(5.ms) { evict node: 2 }\n    at(6.ms) { evict node: 1, process: 'ap' }");
        String f = p.toString();
        assertEquals(List.of(
                f + ":13: migrateVma: pages 10..17 run past the end of mapping 'heap' of process 'app', which has pages 0..15",
                f + ":12: migrateVma names node 0, which has no device memory; declare it in the node's block (device 'private',"
                        + " 'coherent' or 'public'); node 1 has device memory",
                f + ":16: evict names node 2, but the machine has nodes 0..1",
                f + ":17: evict names unknown process 'ap'; did you mean 'app'?"), validate(load(p)));
    }

    @Test
    void hotplugAndItsEventsBuildTheModel() throws IOException {
        Path p = write("memory 32.MiB; hotplug 32.MiB", "        at(1.ms) { addMemory node: 1, online: 'movable' }", "",
                "    at(8.ms) { offlineMemory node: 1 }");
        ScenarioModel m = load(p);
        String f = p.toString();
        assertEquals(32L << 20, m.machine().nodes().get(1).hotplugBytes());
        assertEquals(List.of(
                new EventSpec(1_000_000, Action.ADD_MEMORY, null, null, 0, 0, 1, "movable", 0, new SourceRef(f, 7)),
                new EventSpec(8_000_000, Action.OFFLINE_MEMORY, null, null, 0, 0, 1, new SourceRef(f, 15))), m.events());
        assertEquals(List.of(), validate(m));
        Files.writeString(p, Files.readString(p).replace("metric 'accesses' greaterThan 0", "metric 'node1.managed_pages' equalTo 0"));
        assertEquals(List.of(), validate(load(p)));
    }

    @Test
    void hotplugErrorsAreLocated() throws IOException {
        Path p = write("memory 32.MiB; hotplug 3.MiB", "        at(1.ms) { addMemory node: 1, online: 'movabel' }"
                + "\n        at(2.ms) { addMemory node: 1 }", "        at(2.ms) { offlineMemory node: 1 }", "");
        ScenarioException e = assertThrows(ScenarioException.class, () -> loader.load(p, Map.of()));
        String f = p.toString();
        assertEquals(List.of(
                f + ":7: addMemory online: must be 'normal' or 'movable' (ZONE_NORMAL, ZONE_MOVABLE), got 'movabel'; did you"
                        + " mean 'movable'?",
                f + ":13: 'offlineMemory' is memory hotplug, not something process 'app' does: write it in scenario {} or"
                        + " machine {}: at(2ms) { offlineMemory node: 1 }"), messages(e));

        Path q = write("memory 32.MiB; hotplug 3.MiB; movable 30.MiB", "        at(2.ms) { addMemory node: 1 }\n"
                + "        at(3.ms) { addMemory node: 0, online: 'normal' }", "", "");
        String g = q.toString();
        assertEquals(List.of(
                g + ":6: node1 movable (31457280 bytes) and hotplug (3145728 bytes) together exceed its memory (33554432 bytes);"
                        + " movable is the part of the memory present at boot that is ZONE_MOVABLE",
                g + ":7: addMemory needs the zone to online node 1's memory into: online: 'movable' or online: 'normal'",
                g + ":8: addMemory names node 0, which has no hot-pluggable memory; declare it in the node's block, e.g. hotplug"
                        + " 64.MiB"), validate(load(q)));

        Path r = write("memory 32.MiB; hotplug 3.MiB", "", "", "");
        assertEquals(List.of(r + ":6: node1 hotplug must be a multiple of 2 MiB (a pageblock, ksim's hotplug granularity) or all"
                + " of the node's memory, got 3145728 bytes"), validate(load(r)));

        Path d = write("memory 32.MiB; device 'coherent'", "        at(2.ms) { addMemory node: 1, online: 'normal' }\n"
                + "        at(3.ms) { offlineMemory node: 1 }", "", "");
        assertEquals(List.of(d + ":7: addMemory names node 1, which has no hot-pluggable memory (its device memory is memremap'd"
                + " at boot); declare it in the node's block, e.g. hotplug 32.MiB"), validate(load(d)));
        Path d2 = write("memory 32.MiB; device 'coherent'; hotplug 32.MiB; movable 4.MiB",
                "        at(2.ms) { addMemory node: 1, online: 'normal' }", "", "");
        assertEquals(List.of(
                d2 + ":6: node1 movable (4194304 bytes) and hotplug (33554432 bytes) together exceed its memory (33554432 bytes);"
                        + " movable is the part of the memory present at boot that is ZONE_MOVABLE",
                d2 + ":6: node1 is device memory (ZONE_DEVICE) and has no ZONE_MOVABLE part; drop movable, or drop device to"
                        + " online the memory as an ordinary NUMA node",
                d2 + ":7: addMemory: node 1 is device memory, which is memremap'd into its driver's pool, not onlined; drop"
                        + " online:"), validate(load(d2)));
    }
}

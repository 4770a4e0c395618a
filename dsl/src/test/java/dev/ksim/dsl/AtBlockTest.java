package dev.ksim.dsl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
 * {@code at(T) { ... }}: timed pin / unpin / mlock / munlock / movePages in {@code process {}},
 * poison / softOffline in {@code scenario {}} and {@code machine {}}; the model they build and every
 * located error, the DSL's (words, types) and the validator's (names, ranges, time, node).
 */
class AtBlockTest {
    @TempDir
    Path dir;

    private final ScenarioLoader loader = new ScenarioLoader(new TestCatalog());

    /** The process's at() lines start at line 11, the scenario's right after them + 2 (line 14 after one process line). */
    private Path write(String processEvents, String scenarioEvents) throws IOException {
        Path p = dir.resolve("e.ksim.groovy");
        Files.writeString(p, """
                scenario('e') {
                    duration 10.ms
                    machine {
                        cpus 2
                        node(0) { memory 64.MiB; cpus 0 }
                        node(1) { memory 64.MiB; cpus 1 }
                    }
                    process('app') {
                        mapping 'heap', 64.KiB
                        thread(cpu: 1) { workload 'uniform' }
                %s
                    }
                    expect { metric 'accesses' greaterThan 0 }
                %s
                }
                """.formatted(processEvents, scenarioEvents));
        return p;
    }

    private ScenarioModel load(Path p) {
        return loader.load(p, Map.of()).variants().get(0);
    }

    private static List<String> messages(ScenarioException e) {
        return e.diagnostics().stream().map(Object::toString).toList();
    }

    private static List<String> validate(ScenarioModel m) {
        return ScenarioValidator.validate(m).stream().map(Diagnostic::toString).toList();
    }

    @Test
    void everyActionBuildsItsEventInDeclarationOrderWithItsLine() throws IOException {
        Path p = write("""
                        at(2.ms) { pin 'heap', pages: 4, from: 2; mlock 'heap' }
                        at(3.ms) { movePages 'heap', to: 0, pages: 8 }
                        at(9.ms) { unpin 'heap'; munlock 'heap', from: 1 }""",
                "    at(5.ms) { poison process: 'app', mapping: 'heap', page: 5 }\n"
                        + "    at(6.ms) { softOffline process: 'app', mapping: 'heap', page: 7; poison node: 1, free: true }");
        ScenarioModel m = load(p);
        String f = p.toString();
        assertEquals(List.of(
                new EventSpec(2_000_000, Action.PIN, "app", "heap", 2, 4, -1, new SourceRef(f, 11)),
                new EventSpec(2_000_000, Action.MLOCK, "app", "heap", 0, EventSpec.WHOLE_MAPPING, -1, new SourceRef(f, 11)),
                new EventSpec(3_000_000, Action.MOVE_PAGES, "app", "heap", 0, 8, 0, new SourceRef(f, 12)),
                new EventSpec(9_000_000, Action.UNPIN, "app", "heap", 0, EventSpec.WHOLE_MAPPING, -1, new SourceRef(f, 13)),
                new EventSpec(9_000_000, Action.MUNLOCK, "app", "heap", 1, EventSpec.WHOLE_MAPPING, -1, new SourceRef(f, 13)),
                new EventSpec(5_000_000, Action.POISON, "app", "heap", 5, 1, -1, new SourceRef(f, 16)),
                new EventSpec(6_000_000, Action.SOFT_OFFLINE, "app", "heap", 7, 1, -1, new SourceRef(f, 17)),
                new EventSpec(6_000_000, Action.POISON_FREE, null, null, 0, 1, 1, new SourceRef(f, 17))), m.events());
        assertEquals(List.of(), validate(m));
    }

    @Test
    void machineLevelAtIsAccepted() throws IOException {
        Path p = dir.resolve("m.ksim.groovy");
        Files.writeString(p, """
                scenario('m') {
                    duration 10.ms
                    machine {
                        cpus 1
                        node(0) { memory 64.MiB; cpus 0 }
                        at(1.ms) { poison node: 0, free: true }
                    }
                    process('app') {
                        mapping 'heap', 64.KiB
                        thread(cpu: 0) { workload 'uniform' }
                    }
                }
                """);
        assertEquals(List.of(new EventSpec(1_000_000, Action.POISON_FREE, null, null, 0, 1, 0, new SourceRef(p.toString(), 6))),
                load(p).events());
    }

    @Test
    void unknownWordsAndArgumentsAreLocatedWithSuggestions() throws IOException {
        Path p = write("        at(2.ms) { pinn 'heap', pages: 4 }\n        at(3.ms) { pin 'heap', pagse: 4 }",
                "    at(5.ms) { poison process: 'app', mapping: 'heap', pgae: 5 }\n    at(6.ms) { softOfline process: 'app' }");
        ScenarioException e = assertThrows(ScenarioException.class, () -> loader.load(p, Map.of()));
        String f = p.toString();
        assertEquals(List.of(
                f + ":11: unknown setting 'pinn' in at {}; did you mean 'pin'?",
                f + ":12: unknown argument 'pagse' of pin; did you mean 'pages'? arguments: pages, from",
                f + ":15: unknown argument 'pgae' of poison; did you mean 'page'? arguments: process, mapping, page, node, free",
                f + ":16: unknown setting 'softOfline' in at {}; did you mean 'softOffline'?"), messages(e));
    }

    @Test
    void actionsAtTheWrongLevelAndBadValuesAreLocated() throws IOException {
        Path p = write("        at(2.ms) { poison node: 0, free: true }\n        at(3) { pin 'heap' }\n        at(3.ms) { movePages 'heap' }",
                "    at(5.ms) { mlock 'heap' }\n    at(6.ms) { poison node: 0 }\n    at(7.ms) { softOffline process: 'app', mapping: 'heap', page: -1 }");
        ScenarioException e = assertThrows(ScenarioException.class, () -> loader.load(p, Map.of()));
        String f = p.toString();
        assertEquals(List.of(
                f + ":11: 'poison' is a hardware error, not something process 'app' does: write it in scenario {} or machine {}:"
                        + " at(2ms) { poison process: 'app', mapping: 'heap', page: 5  or  poison node: 0, free: true }",
                f + ":12: 'at' in process {} expects a duration such as 10.us, got Integer 3; add a unit, e.g. 3.us",
                f + ":13: movePages needs a target node: movePages 'heap', to: 1",
                f + ":16: 'mlock' acts on a process's mapping: write it in process('name') { at(5ms) { mlock 'heap' } }",
                f + ":17: poison node: needs free: true (the only page of a node it can pick is a free one); write poison node: 0, free: true",
                f + ":18: 'softOffline page:' in at {} must be at least 0, got -1"), messages(e));
    }

    @Test
    void unknownProcessAndMappingAreLocatedWithDidYouMean() throws IOException {
        ScenarioModel m = load(write("        at(2.ms) { mlock 'haep' }",
                "    at(5.ms) { poison process: 'ap', mapping: 'heap', page: 5 }"));
        String f = m.source().file();
        assertEquals(List.of(
                f + ":11: mlock names unknown mapping 'haep' of process 'app'; did you mean 'heap'?",
                f + ":14: poison names unknown process 'ap'; did you mean 'app'?"), validate(m));
    }

    @Test
    void pagesOutsideTheMappingTimeBeyondTheDurationAndUnknownNodesAreLocated() throws IOException {
        // 64 KiB = pages 0..15
        ScenarioModel m = load(write("        at(2.ms) { pin 'heap', pages: 8, from: 10 }\n        at(3.ms) { movePages 'heap', to: 2 }",
                "    at(5.ms) { softOffline process: 'app', mapping: 'heap', page: 16 }\n    at(12.ms) { poison node: 0, free: true }"));
        String f = m.source().file();
        assertEquals(List.of(
                f + ":11: pin: pages 10..17 run past the end of mapping 'heap' of process 'app', which has pages 0..15",
                f + ":12: movePages names node 2, but the machine has nodes 0..1",
                f + ":15: softOffline: page 16 is outside mapping 'heap' of process 'app', which has pages 0..15",
                f + ":16: at(12 ms) is beyond the scenario's duration (10 ms); the run would end before poison happens"),
                validate(m));
    }

    @Test
    void unpinNeedsAnEarlierPinAndMlockNeedsTheLruMode() throws IOException {
        ScenarioModel m = load(write("        at(1.ms) { unpin 'heap' }\n        at(2.ms) { pin 'heap', pages: 2 }", ""));
        String f = m.source().file();
        assertEquals(List.of(f + ":11: unpin 'heap' of process 'app' comes before any pin of that mapping; pin it first"
                + " (pin 'heap', pages: 16)"), validate(m));

        Path p = write("        at(2.ms) { mlock 'heap', pages: 2 }", "").getParent().resolve("e.ksim.groovy");
        Files.writeString(p, Files.readString(p).replace("cpus 2\n", "cpus 2\n        reclaim 'strict-lru'\n"));
        m = load(p);
        assertEquals(List.of(p + ":12: mlock needs reclaim 'lru' (the machine uses 'strict-lru', which keeps one exact list"
                + " per node and no unevictable list)"), validate(m));
    }

    @Test
    void eventMetricsAreKnownToExpectOnlyWhenTheScenarioHasEvents() throws IOException {
        Path p = write("", "");
        Files.writeString(p, Files.readString(p).replace("metric 'accesses' greaterThan 0", "metric 'memory_failure_sigbus' equalTo 0"));
        ScenarioModel without = load(p);
        assertEquals(List.of(p + ":13: unknown metric 'memory_failure_sigbus'"), validate(without).stream()
                .map(s -> s.replaceAll(";.*", "")).toList());
        ScenarioModel with = without.withEvents(List.of(new EventSpec(1, Action.POISON_FREE, null, null, 0, 1, 0, SourceRef.UNKNOWN)));
        assertEquals(List.of(), validate(with));
    }
}

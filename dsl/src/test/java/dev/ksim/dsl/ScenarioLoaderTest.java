package dev.ksim.dsl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.engine.model.Diagnostic;
import dev.ksim.engine.model.ExpectationSpec;
import dev.ksim.engine.model.MachineSpec;
import dev.ksim.engine.model.NodeSpec;
import dev.ksim.engine.model.PluginRef;
import dev.ksim.engine.model.ProcessSpec;
import dev.ksim.engine.model.ScenarioException;
import dev.ksim.engine.model.ScenarioModel;
import dev.ksim.engine.model.SourceRef;
import dev.ksim.engine.model.ThreadSpec;
import dev.ksim.spi.PluginKind;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScenarioLoaderTest {
    private static final long MIB = 1L << 20;

    @TempDir
    Path dir;

    private final ScenarioLoader loader = new ScenarioLoader(new TestCatalog());

    // ------------------------------------------------------------------ helpers

    private Path quickstart() throws IOException {
        Path p = dir.resolve("quickstart.ksim.groovy");
        try (InputStream in = getClass().getResourceAsStream("/scenarios/quickstart.ksim.groovy")) {
            Files.write(p, in.readAllBytes());
        }
        return p;
    }

    private Path write(String text) throws IOException {
        Path p = dir.resolve("test.ksim.groovy");
        Files.writeString(p, text);
        return p;
    }

    private ScenarioException failure(String text) throws IOException {
        return failure(text, Map.of());
    }

    private ScenarioException failure(String text, Map<String, String> sets) throws IOException {
        Path p = write(text);
        return assertThrows(ScenarioException.class, () -> loader.load(p, sets));
    }

    private static List<String> messages(ScenarioException e) {
        return e.diagnostics().stream().map(Diagnostic::message).toList();
    }

    /** A complete scenario around the given process and expect lines, starting its process at line 9. */
    private static String minimal(String processBody) {
        return """
                scenario('mini') {
                    duration 10.ms
                    machine {
                        cpus 2
                        node(0) { memory 64.MiB; cpus 0..1 }
                    }
                    process('app') {
                        mapping 'heap', 16.MiB
                """ + processBody + """
                    }
                }
                """;
    }

    // ------------------------------------------------------------------ the full scenario

    @Test
    void quickstartBuildsTheExpectedModel() throws IOException {
        Path file = quickstart();
        LoadedScenario loaded = loader.load(file, Map.of());
        String f = file.toString();

        assertEquals("quickstart", loaded.name());
        assertEquals(f, loaded.file());
        assertEquals(64, loaded.sha256().length());
        assertEquals(4, loaded.variants().size());

        ScenarioModel m = loaded.variants().get(0);
        assertEquals("quickstart", m.name());
        assertEquals("Two NUMA nodes, first-touch against interleave placement under a zipf workload", m.description());
        assertEquals("policy=first-touch,heap=48MiB", m.variant());
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("policy", "first-touch");
        params.put("heap", 48 * MIB);
        assertEquals(params, m.params());
        assertEquals(List.of("policy", "heap"), List.copyOf(m.params().keySet()));
        assertEquals(200_000_000L, m.durationNs());
        assertEquals(1_000_000L, m.sampleIntervalNs());
        assertEquals(new SourceRef(f, 1), m.source());

        MachineSpec machine = m.machine();
        assertEquals(4, machine.cpus());
        assertEquals(new SourceRef(f, 11), machine.where());
        assertEquals(2, machine.nodes().size());
        NodeSpec n0 = machine.nodes().get(0);
        assertEquals(0, n0.id());
        assertEquals(64 * MIB, n0.sizeBytes());
        assertEquals(List.of(0, 1), n0.cpus());
        assertEquals(List.of(10, 21), n0.distances());
        assertEquals(new PluginRef(PluginKind.MEMORY_PROVIDER, "system-ram", Map.of("latency", 80L), new SourceRef(f, 13)), n0.provider());
        assertEquals(new SourceRef(f, 13), n0.where());
        NodeSpec n1 = machine.nodes().get(1);
        assertEquals(List.of(2, 3), n1.cpus());
        assertEquals(List.of(21, 10), n1.distances());
        assertEquals(new PluginRef(PluginKind.MEMORY_PROVIDER, "system-ram", Map.of(), new SourceRef(f, 14)), n1.provider());
        assertEquals(1L << 30, machine.swap().sizeBytes());
        assertEquals(80_000L, machine.swap().readLatencyNs());
        assertEquals(100_000L, machine.swap().writeLatencyNs());
        assertEquals(16, machine.swap().where().line());

        assertEquals(new PluginRef(PluginKind.MIGRATION_POLICY, "first-touch", Map.of(), new SourceRef(f, 19)), m.migrationPolicy());
        assertEquals(new PluginRef(PluginKind.SECURITY_HARDENING, "none", Map.of(), new SourceRef(f, 20)), m.hardening());
        assertEquals(Map.of("minor_fault", 1_000L), m.costOverrides());

        assertEquals(1, m.processes().size());
        ProcessSpec app = m.processes().get(0);
        assertEquals("app", app.name());
        assertEquals(23, app.where().line());
        assertEquals(1, app.mappings().size());
        assertEquals("heap", app.mappings().get(0).name());
        assertEquals(48 * MIB, app.mappings().get(0).sizeBytes());
        assertEquals(24, app.mappings().get(0).where().line());
        ThreadSpec t0 = app.threads().get(0);
        assertEquals(new ThreadSpec("t0", 0, "heap",
                new PluginRef(PluginKind.WORKLOAD_GENERATOR, "zipf", Map.of("theta", 0.99), new SourceRef(f, 25)),
                200_000L, new SourceRef(f, 25)), t0);
        ThreadSpec t1 = app.threads().get(1);
        assertEquals("t1", t1.name());
        assertEquals(2, t1.cpu());
        assertEquals("heap", t1.mapping(), "the only mapping is implied");
        assertEquals("uniform", t1.workload().id());
        assertEquals(26, t1.where().line());

        assertEquals(List.of(
                new ExpectationSpec("pgfault", ExpectationSpec.Op.GT, 0, "pgfault > 0", new SourceRef(f, 30)),
                new ExpectationSpec("oom_kill", ExpectationSpec.Op.EQ, 0, "oom_kill == 0", new SourceRef(f, 31))),
                m.expectations());
    }

    @Test
    void variantsAreTheCartesianProductInDeclarationOrder() throws IOException {
        LoadedScenario loaded = loader.load(quickstart(), Map.of());
        assertEquals(List.of(
                "policy=first-touch,heap=48MiB",
                "policy=first-touch,heap=96MiB",
                "policy=interleave,heap=48MiB",
                "policy=interleave,heap=96MiB"),
                loaded.variants().stream().map(ScenarioModel::variant).toList());
        ScenarioModel last = loaded.variants().get(3);
        assertEquals("interleave", last.migrationPolicy().id());
        assertEquals(96 * MIB, last.processes().get(0).mappings().get(0).sizeBytes());
        assertEquals(96 * MIB, last.params().get("heap"));
    }

    @Test
    void noVariantsIsLabelledDefault() throws IOException {
        LoadedScenario loaded = loader.load(write(minimal("        thread(cpu: 0) { workload 'uniform' }\n")), Map.of());
        assertEquals(1, loaded.variants().size());
        ScenarioModel m = loaded.variants().get(0);
        assertEquals("default", m.variant());
        assertTrue(m.params().isEmpty());
        assertEquals("first-touch", m.migrationPolicy().id(), "default policy");
        assertEquals(new SourceRef(m.source().file(), 1), m.migrationPolicy().where());
        assertEquals("none", m.hardening().id(), "default hardening");
        assertEquals(0L, m.machine().swap().sizeBytes(), "no swap block: no swap");
        assertEquals(List.of(), m.machine().nodes().get(0).distances());
        assertEquals(0L, m.processes().get(0).threads().get(0).accesses(), "unbounded by default");
        assertEquals(1_000_000L, m.sampleIntervalNs());
    }

    @Test
    void setFixesAParameterReplacingItsAxis() throws IOException {
        LoadedScenario loaded = loader.load(quickstart(), Map.of("heap", "96MiB"));
        assertEquals(List.of("policy=first-touch,heap=96MiB", "policy=interleave,heap=96MiB"),
                loaded.variants().stream().map(ScenarioModel::variant).toList());
        assertEquals(96 * MIB, loaded.variants().get(0).processes().get(0).mappings().get(0).sizeBytes());

        LoadedScenario both = loader.load(quickstart(), Map.of("heap", "64.MiB", "policy", "interleave"));
        assertEquals(1, both.variants().size());
        assertEquals("policy=interleave,heap=64MiB", both.variants().get(0).variant());
        assertEquals("interleave", both.variants().get(0).migrationPolicy().id());
    }

    @Test
    void setOfAnUndeclaredParameterSuggestsTheDeclaredOnes() throws IOException {
        Path file = quickstart();
        ScenarioException e = assertThrows(ScenarioException.class, () -> loader.load(file, Map.of("polcy", "interleave")));
        assertEquals(1, e.diagnostics().size());
        assertEquals(file + ": --set polcy: the scenario declares no parameter 'polcy'; did you mean 'policy'? declared: policy, heap",
                e.diagnostics().get(0).toString());
    }

    @Test
    void paramDefaultsCanBeSetAndAppearInTheLabel() throws IOException {
        String text = """
                def cpuCount = param('cpus', 2)
                scenario('defaults') {
                    duration param('length', 5.ms)
                    machine {
                        cpus cpuCount
                        node(0) { memory 64.MiB; cpus 0 }
                    }
                    process('p') { mapping 'm', 1.MiB; thread(cpu: 0) { workload 'uniform' } }
                }
                """;
        ScenarioModel plain = loader.load(write(text), Map.of()).variants().get(0);
        assertEquals("default", plain.variant());
        assertEquals(2, plain.machine().cpus());
        assertEquals(5_000_000L, plain.durationNs());

        ScenarioModel set = loader.load(write(text), Map.of("length", "2s", "cpus", "8")).variants().get(0);
        assertEquals(8, set.machine().cpus());
        assertEquals(2_000_000_000L, set.durationNs());
        assertEquals("cpus=8,length=2s", set.variant());
        assertEquals(Map.of("cpus", 8L, "length", 2_000_000_000L), set.params());
    }

    @Test
    void readingAnUndeclaredParameterIsLocated() throws IOException {
        ScenarioException e = failure("""
                scenario('x') {
                    variants { param 'policy', ['interleave'] }
                    policy param('polcy')
                }
                """);
        Diagnostic d = e.diagnostics().get(0);
        assertEquals(3, d.where().line());
        assertTrue(d.message().startsWith("unknown parameter 'polcy'; did you mean 'policy'?"), d.message());
    }

    // ------------------------------------------------------------------ unknown words

    @Test
    void typoInABlockIsReportedWithLineAndSuggestion() throws IOException {
        Path file = write("""
                scenario('typo') {
                    duration 10.ms
                    machine {
                        node(0) {
                            sise 64.MiB
                        }
                    }
                }
                """);
        ScenarioException e = assertThrows(ScenarioException.class, () -> loader.load(file, Map.of()));
        assertEquals(List.of(file + ":5: unknown setting 'sise' in node {}; did you mean 'size'?"),
                e.diagnostics().stream().map(Diagnostic::toString).toList(),
                "one diagnostic: the missing memory is not reported again");
        assertFalse(e.getMessage().contains("at dev.ksim"), "no stack trace");
    }

    @Test
    void unknownPropertyInABlockIsReported() throws IOException {
        ScenarioException e = failure("""
                scenario('prop') {
                    duration 10.ms
                    machine {
                        node(0) { memory memmory }
                    }
                }
                """);
        Diagnostic d = e.diagnostics().get(0);
        assertEquals(4, d.where().line());
        assertEquals("unknown property 'memmory' in node {}; did you mean 'memory'?", d.message());
    }

    @Test
    void unknownWordsInSeveralBlocksAreAllReported() throws IOException {
        ScenarioException e = failure("""
                scenario('many') {
                    duraton 10.ms
                    machine {
                        cpu 2
                        node(0) { memory 64.MiB }
                    }
                    process('p') {
                        mapping 'm', 1.MiB
                        thread(cpu: 0) { workload 'uniform'; acesses 10 }
                    }
                }
                """);
        assertEquals(List.of(
                "unknown setting 'duraton' in scenario {}; did you mean 'duration'?",
                "unknown setting 'cpu' in machine {}; did you mean 'cpus'?",
                "unknown setting 'acesses' in thread {}; did you mean 'accesses'?"), messages(e));
        assertEquals(List.of(2, 4, 9), e.diagnostics().stream().map(d -> d.where().line()).toList());
    }

    @Test
    void unknownTopLevelCommandIsReported() throws IOException {
        ScenarioException e = failure("scenaro('x') {\n}\n");
        assertTrue(messages(e).get(0).startsWith("unknown command 'scenaro' at the top level of the script; did you mean 'scenario'?"),
                messages(e).toString());
        assertEquals(1, e.diagnostics().get(0).where().line());
    }

    @Test
    void localVariablesBindingVariablesAndScriptMethodsStayUsableInBlocks() throws IOException {
        ScenarioModel m = loader.load(write("""
                def nodeSize = 32.MiB
                threads = 3
                def cpuOf(int i) { i % 2 }
                scenario('lexical') {
                    duration 10.ms
                    machine {
                        node(0) { memory nodeSize * 2; cpus 0..1 }
                    }
                    process('p') {
                        mapping 'm', nodeSize
                        for (int i = 0; i < threads; i++) {
                            thread(cpu: cpuOf(i)) { workload 'sequential', stride: 64 * (i + 1) }
                        }
                    }
                }
                """), Map.of()).variants().get(0);
        assertEquals(64 * MIB, m.machine().nodes().get(0).sizeBytes());
        assertEquals(2, m.machine().cpus(), "derived from the highest node cpu");
        List<ThreadSpec> threads = m.processes().get(0).threads();
        assertEquals(List.of("t0", "t1", "t2"), threads.stream().map(ThreadSpec::name).toList());
        assertEquals(List.of(0, 1, 0), threads.stream().map(ThreadSpec::cpu).toList());
        assertEquals(192L, threads.get(2).workload().options().get("stride"));
    }

    @Test
    void assignmentsNamedThreadsAndThreadArgumentsWork() throws IOException {
        ScenarioModel m = loader.load(write("""
                scenario('assign') {
                    duration = 10.ms
                    machine { node(0) { memory = 64.MiB; cpus = [0, 1] } }
                    process('p') {
                        mapping('m') { size = 1.MiB }
                        thread(cpu: 0, name: 'main', accesses: 5) { workload 'uniform' }
                        thread { cpu 1; mapping 'm'; workload 'uniform' }
                    }
                }
                """), Map.of()).variants().get(0);
        assertEquals(10_000_000L, m.durationNs());
        assertEquals(List.of(0, 1), m.machine().nodes().get(0).cpus());
        List<ThreadSpec> threads = m.processes().get(0).threads();
        assertEquals(List.of("main", "t1"), threads.stream().map(ThreadSpec::name).toList());
        assertEquals(5L, threads.get(0).accesses());
        assertEquals(1, threads.get(1).cpu());
    }

    @Test
    void settingsCannotBeReadAndThreadArgumentsAreChecked() throws IOException {
        ScenarioException e = failure(minimal("""
                        thread(cpus: 0) { workload 'uniform' }
                        thread(cpu: 1) { workload 'uniform'; accesses accesses }
                """));
        assertEquals(List.of(
                "unknown argument 'cpus' of thread(...); did you mean 'cpu'? arguments: cpu, mapping, file, name, accesses, start",
                "'accesses' is a setting of thread {}: it can be set (accesses 200_000) but not read; keep the value in a local variable instead"),
                messages(e));
    }

    @Test
    void costKeysMayBeDottedQuotedOrNamedArguments() throws IOException {
        ScenarioModel m = loader.load(write("""
                scenario('costs') {
                    duration 10.ms
                    machine { node(0) { memory 64.MiB; cpus 0 } }
                    process('p') { mapping 'm', 1.MiB; thread(cpu: 0) { workload 'uniform' } }
                    costs {
                        fault.minor.anon 1.us
                        tlb.ipi_base = 4.us
                        'swap.read' 80.us
                        minor_fault 2.us
                        link 32.GBps
                    }
                    costs 'oom.kill': 1.ms
                }
                """), Map.of()).variants().get(0);
        assertEquals(Map.of("fault.minor.anon", 1_000L, "tlb.ipi_base", 4_000L, "swap.read", 80_000L, "minor_fault", 2_000L,
                "link", 32_000_000_000L, "oom.kill", 1_000_000L), m.costOverrides());
    }

    @Test
    void costValuesNeedUnitsAndKeysNeedValues() throws IOException {
        ScenarioException e = failure("""
                scenario('costs') {
                    duration 10.ms
                    costs {
                        fault.minor.anon 3
                        tlb.ipi_base
                    }
                }
                """);
        assertEquals(List.of(
                "cost 'fault.minor.anon' expects a duration such as 1.us (or a bandwidth such as 32.GBps), got Integer 3; add a unit, e.g. 3.us",
                "cost 'tlb.ipi_base' needs a value, e.g. tlb.ipi_base 1.us",
                "scenario 'costs' has no machine; add machine { cpus 2; node(0) { memory 64.MiB; cpus 0..1 } }"), messages(e));
        assertEquals(List.of(4, 5, 1), e.diagnostics().stream().map(d -> d.where().line()).toList());
    }

    // ------------------------------------------------------------------ plugins

    @Test
    void unknownPluginListsTheAvailableOnes() throws IOException {
        ScenarioException e = failure("""
                scenario('x') {
                    duration 10.ms
                    policy 'frist-touch'
                }
                """);
        Diagnostic d = e.diagnostics().get(0);
        assertEquals(3, d.where().line());
        assertEquals("unknown migration policy 'frist-touch'; did you mean 'first-touch'? available: first-touch, interleave", d.message());
    }

    @Test
    void badOptionTypeNamesTheOptionAndTheExpectedType() throws IOException {
        ScenarioException e = failure(minimal("        thread(cpu: 0) { workload 'zipf', theta: 'high' }\n"));
        Diagnostic d = e.diagnostics().get(0);
        assertEquals(9, d.where().line());
        assertEquals("option 'theta' of workload generator 'zipf' expects a number, got String 'high'", d.message());
        assertEquals(1, e.diagnostics().size(), "the thread's missing workload is not reported on top");
    }

    @Test
    void unknownOptionSuggestsTheSchemaNames() throws IOException {
        ScenarioException e = failure(minimal("        thread(cpu: 0) { workload 'zipf', thetta: 0.5 }\n"));
        assertEquals("unknown option 'thetta' of workload generator 'zipf'; did you mean 'theta'? options: theta",
                messages(e).get(0));
    }

    @Test
    void optionsAreConvertedToCanonicalValues() throws IOException {
        String text = """
                scenario('opts') {
                    duration 10.ms
                    machine {
                        node(0) { memory 64.MiB; cpus 0 }
                        node(1) { memory 1.GiB; provider 'device-ram', capacity: 1.GiB, bandwidth: 32.GBps, coherent: false, mode: 'zone-device' }
                    }
                    process('p') { mapping 'm', 1.MiB; thread(cpu: 0) { workload 'zipf', theta: 1 } }
                }
                """;
        ScenarioModel m = loader.load(write(text), Map.of()).variants().get(0);
        assertEquals(Map.of("capacity", 1L << 30, "bandwidth", 32_000_000_000L, "coherent", false, "mode", "zone-device"),
                m.machine().nodes().get(1).provider().options());
        assertEquals(1.0, m.processes().get(0).threads().get(0).workload().options().get("theta"), "integers accepted as numbers");
    }

    @Test
    void optionTypeErrorsAreAllReported() throws IOException {
        ScenarioException e = failure("""
                scenario('opts') {
                    duration 10.ms
                    machine {
                        node(0) { memory 1.GiB; provider 'device-ram', capacity: 64, bandwidth: 'fast', coherent: 1, mode: 'cmd' }
                    }
                }
                """);
        assertEquals(List.of(
                "option 'capacity' of memory provider 'device-ram' expects a size such as 64.MiB, got Integer 64; add a unit, e.g. 64.MiB",
                "option 'bandwidth' of memory provider 'device-ram' expects a bandwidth such as 32.GBps, got String 'fast'",
                "option 'coherent' of memory provider 'device-ram' expects true or false, got Integer 1",
                "option 'mode' of memory provider 'device-ram' must be one of cdm, zone-device, got 'cmd'; did you mean 'cdm'?"),
                messages(e));
    }

    @Test
    void missingDefaultPluginIsReportedClearly() throws IOException {
        ScenarioLoader bare = new ScenarioLoader(new TestCatalog(false));
        Path p = write(minimal("        thread(cpu: 0) { workload 'uniform' }\n"));
        ScenarioException e = assertThrows(ScenarioException.class, () -> bare.load(p, Map.of()));
        assertEquals(List.of(
                "the default memory provider 'system-ram' is not available; choose one with provider 'id'; available: device-ram",
                "the default migration policy 'first-touch' is not available; choose one with policy 'id'; available: interleave",
                "the default security hardening 'none' is not available; choose one with hardening 'id'; available: none"),
                messages(e));
        assertEquals(5, e.diagnostics().get(0).where().line());
    }

    // ------------------------------------------------------------------ structure

    @Test
    void missingRequiredPartsAreReportedTogether() throws IOException {
        ScenarioException e = failure("""
                scenario('empty') {
                    description 'nothing yet'
                    process('p') { }
                }
                """);
        assertEquals(List.of(
                "scenario 'empty' has no duration; add e.g. duration 200.ms",
                "scenario 'empty' has no machine; add machine { cpus 2; node(0) { memory 64.MiB; cpus 0..1 } }",
                "process 'p' has no mapping; add one: mapping 'heap', 64.MiB",
                "process 'p' has no thread; add one: thread(cpu: 0) { workload 'uniform' }"),
                messages(e));
    }

    @Test
    void threadMustNameItsMappingWhenThereAreSeveral() throws IOException {
        ScenarioException e = failure(minimal("""
                        mapping('stack') { size 1.MiB }
                        thread(cpu: 0) { workload 'uniform' }
                        thread(cpu: 1, mapping: 'stak') { workload 'uniform' }
                """));
        assertEquals(List.of(
                "thread 't0' of process 'app' must name its mapping, as the process has several (heap, stack); write thread(cpu: 0, mapping: 'heap')",
                "thread 't1' of process 'app' uses mapping 'stak', which the process does not declare; did you mean 'stack'? mappings: heap, stack"),
                messages(e));
        assertEquals(List.of(10, 11), e.diagnostics().stream().map(d -> d.where().line()).toList());
    }

    @Test
    void duplicateNodeIdsAndGapsAreReported() throws IOException {
        ScenarioException dup = failure("""
                scenario('nodes') {
                    duration 10.ms
                    machine {
                        node(0) { memory 64.MiB }
                        node(0) { memory 64.MiB }
                    }
                }
                """);
        assertEquals("node 0 is declared twice (first at line 4)", messages(dup).get(0));
        assertEquals(5, dup.diagnostics().get(0).where().line());

        ScenarioException gap = failure("""
                scenario('nodes') {
                    duration 10.ms
                    machine {
                        node(0) { memory 64.MiB }
                        node(2) { memory 64.MiB }
                    }
                }
                """);
        assertEquals("node ids must be 0..1 (one per node), but node 1 is missing and node 2 is declared", messages(gap).get(0));
    }

    @Test
    void expectationsNeedAComparisonAndANumber() throws IOException {
        ScenarioException e = failure("""
                scenario('expect') {
                    duration 10.ms
                    machine { node(0) { memory 64.MiB; cpus 0 } }
                    process('p') { mapping 'm', 1.MiB; thread(cpu: 0) { workload 'uniform' } }
                    expect {
                        metric 'pgfault' graterThan 0
                        metric 'oom_kill' equalTo 'none'
                        metric 'pgmajfault'
                    }
                }
                """);
        assertEquals(List.of(
                "unknown comparison 'graterThan' for metric 'pgfault'; did you mean 'greaterThan'? comparisons: lessThan, atMost, greaterThan, atLeast, equalTo, notEqualTo",
                "expectation on 'oom_kill' compares with a number, got String 'none'",
                "expectation on 'pgmajfault' has no comparison; write e.g. metric 'pgmajfault' lessThan 10"),
                messages(e));
        assertEquals(List.of(6, 7, 8), e.diagnostics().stream().map(d -> d.where().line()).toList());
    }

    @Test
    void allComparisonsMapToOperators() throws IOException {
        ScenarioModel m = loader.load(write("""
                scenario('expect') {
                    duration 10.ms
                    machine { node(0) { memory 64.MiB; cpus 0 } }
                    process('p') { mapping 'm', 1.MiB; thread(cpu: 0) { workload 'uniform' } }
                    expect {
                        metric 'a' lessThan 1
                        metric 'b' atMost 2.5
                        metric 'c' greaterThan 3
                        metric 'd' atLeast 4
                        metric 'e' equalTo 5
                        metric 'f' notEqualTo 6
                        metric 'latency' lessThan 10.us
                    }
                }
                """), Map.of()).variants().get(0);
        assertEquals(List.of("a < 1", "b <= 2.5", "c > 3", "d >= 4", "e == 5", "f != 6", "latency < 10us"),
                m.expectations().stream().map(ExpectationSpec::text).toList());
        assertEquals(10_000.0, m.expectations().get(6).value());
    }

    @Test
    void missingScenarioCallIsAnError() throws IOException {
        Path p = write("def x = 1\n");
        ScenarioException e = assertThrows(ScenarioException.class, () -> loader.load(p, Map.of()));
        assertEquals(p + ": no scenario: the script must call scenario('name') { ... } once", e.diagnostics().get(0).toString());
    }

    @Test
    void aSecondScenarioCallIsAnError() throws IOException {
        ScenarioException e = failure(minimal("        thread(cpu: 0) { workload 'uniform' }\n") + "scenario('again') { }\n");
        assertEquals("a script holds exactly one scenario, but scenario(...) is called again (first at line 1)", messages(e).get(0));
        assertEquals(12, e.diagnostics().get(0).where().line());
    }

    // ------------------------------------------------------------------ script errors

    @Test
    void syntaxErrorIsLocated() throws IOException {
        Path p = write("""
                scenario('broken') {
                    duration 10.ms
                    machine {
                        node(0) { memory 64.MiB
                    }
                """);
        ScenarioException e = assertThrows(ScenarioException.class, () -> loader.load(p, Map.of()));
        Diagnostic d = e.diagnostics().get(0);
        assertEquals(p.toString(), d.where().file());
        assertTrue(d.where().line() > 0, d.toString());
        assertEquals("syntax error: unexpected end of the script; a closing '}' or ')' may be missing", d.message());
        assertFalse(d.message().contains("@ line"), d.message());
    }

    @Test
    void syntaxErrorLineIsTheOffendingLine() throws IOException {
        ScenarioException e = failure("""
                scenario('broken') {
                    duration 10.ms
                    machine { cpus 4 ) }
                }
                """);
        assertEquals(3, e.diagnostics().get(0).where().line(), e.getMessage());
        assertEquals("syntax error at column 22: unexpected input: 'machine { cpus 4 )'", e.diagnostics().get(0).message());
    }

    @Test
    void runtimeExceptionInUserCodeIsLocated() throws IOException {
        Path p = write("""
                scenario('boom') {
                    duration 10.ms
                    def n = 0
                    machine { cpus 4 / n }
                }
                """);
        ScenarioException e = assertThrows(ScenarioException.class, () -> loader.load(p, Map.of()));
        assertEquals(List.of(p + ":4: Division by zero"), e.diagnostics().stream().map(Diagnostic::toString).toList());
    }

    @Test
    void wrongValueTypesAreExplained() throws IOException {
        ScenarioException e = failure("""
                scenario('types') {
                    duration 10
                    machine { node(0) { memory 'lots'; cpus 'all' } }
                }
                """);
        assertEquals(List.of(
                "'duration' in scenario {} expects a duration such as 10.us, got Integer 10; add a unit, e.g. 10.us",
                "'memory' in node {} expects a size such as 64.MiB, got String 'lots'",
                "'cpus' in node {} expects a CPU number, a range such as 0..3 or a list such as [0, 2], got String 'all'"),
                messages(e));
    }

    @Test
    void diagnosticsOfSomeVariantsNameThem() throws IOException {
        ScenarioException e = failure("""
                scenario('v') {
                    duration 10.ms
                    variants { param 'policy', ['interleave', 'interleaved'] }
                    machine { node(0) { memory 64.MiB; cpus 0 } }
                    policy param('policy')
                    process('p') { mapping 'm', 1.MiB; thread(cpu: 0) { workload 'uniform' } }
                }
                """);
        assertEquals(List.of("unknown migration policy 'interleaved'; did you mean 'interleave'? available: first-touch, interleave"
                + " (in variant policy=interleaved)"), messages(e));
    }

    // ------------------------------------------------------------------ determinism

    @Test
    void loadingIsDeterministic() throws IOException {
        Path p = quickstart();
        LoadedScenario a = loader.load(p, Map.of());
        LoadedScenario b = new ScenarioLoader(new TestCatalog()).load(p, Map.of());
        assertEquals(a, b);
        assertEquals(a.variants().get(2), b.variants().get(2));
    }

    @Test
    void unreadableFileIsAScenarioException() {
        Path missing = dir.resolve("nope.ksim.groovy");
        ScenarioException e = assertThrows(ScenarioException.class, () -> loader.load(missing, Map.of()));
        assertEquals(missing + ": cannot read the scenario file: no such file", e.getMessage());
    }
}

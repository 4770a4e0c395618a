package dev.ksim.dsl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.engine.model.Diagnostic;
import dev.ksim.engine.model.EventSpec;
import dev.ksim.engine.model.EventSpec.Action;
import dev.ksim.engine.model.LargePageSpec;
import dev.ksim.engine.model.Madvise;
import dev.ksim.engine.model.MappingKind;
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
 * Huge pages and compaction in the scenario language: the machine's THP / khugepaged / compaction
 * settings, a node's hugetlbfs pool, hugetlb mappings, a mapping's madvise, a thread's start time,
 * and the actions madvise, compact and hugepages; the model they build and every located error.
 */
class LargePageSyntaxTest {
    @TempDir
    Path dir;

    private final ScenarioLoader loader = new ScenarioLoader(new TestCatalog());

    /** machine {} settings start at line 5, the node's at line 6, the process's lines at 10, the scenario's after them + 3. */
    private Path write(String machine, String node, String process, String scenario) throws IOException {
        Path p = dir.resolve("l.ksim.groovy");
        Files.writeString(p, """
                scenario('l') {
                    duration 10.ms
                    machine {
                        cpus 2
                %s
                        node(0) { memory 64.MiB; cpus 0; %s }
                        node(1) { memory 64.MiB; cpus 1 }
                    }
                    process('app') {
                %s
                        thread(cpu: 1, mapping: 'heap') { workload 'uniform' }
                    }
                    expect { metric 'accesses' greaterThan 0 }
                %s
                }
                """.formatted(machine, node, process, scenario));
        return p;
    }

    private ScenarioModel load(Path p) {
        return loader.load(p, Map.of()).variants().get(0);
    }

    private List<String> errors(Path p) {
        ScenarioException e = assertThrows(ScenarioException.class, () -> load(p));
        return e.diagnostics().stream().map(Object::toString).toList();
    }

    private static List<String> validate(ScenarioModel m) {
        return ScenarioValidator.validate(m).stream().map(Diagnostic::toString).toList();
    }

    @Test
    void withoutSettingsAMachineHasTheKernelsDefaults() throws IOException {
        ScenarioModel m = load(write("", "", "        mapping 'heap', 4.MiB", ""));
        assertEquals(LargePageSpec.DEFAULT, m.machine().largePages());
        assertEquals(LargePageSpec.Thp.ALWAYS, m.machine().largePages().thp());
        assertEquals(LargePageSpec.Defrag.MADVISE, m.machine().largePages().defrag());
        assertEquals(List.of(), validate(m));
    }

    @Test
    void machineSettingsBuildTheLargePageSpec() throws IOException {
        ScenarioModel m = load(write("""
                        thp 'madvise'; thpDefrag 'defer+madvise'; khugepagedDefrag false; khugepagedPagesToScan 1024
                        khugepagedScanSleepMillisecs 100; khugepagedAllocSleepMillisecs 500; khugepagedMaxPtesNone 64
                        khugepagedMaxPtesSwap 0; extfragThreshold 300""", "", "        mapping 'heap', 4.MiB", ""));
        assertEquals(new LargePageSpec(LargePageSpec.Thp.MADVISE, LargePageSpec.Defrag.DEFER_MADVISE, false, 1024, 100, 500,
                64, 0, 300), m.machine().largePages());
    }

    @Test
    void badValuesAreLocatedWithTheChoices() throws IOException {
        Path p = write("""
                        thp 'alwasy'
                        thpDefrag 'defer+madv'
                        khugepagedMaxPtesNone 512
                        extfragThreshold 1001""", "", "        mapping 'heap', 4.MiB", "");
        String f = p.toString();
        assertEquals(List.of(
                f + ":5: unknown thp mode 'alwasy' in machine {}; did you mean 'always'?; available: always, madvise, never",
                f + ":6: unknown thpDefrag setting 'defer+madv' in machine {}; did you mean 'defer+madvise'?; available: "
                        + "always, defer, defer+madvise, madvise, never",
                f + ":7: 'khugepagedMaxPtesNone' in machine {} must be at most 511, got 512",
                f + ":8: 'extfragThreshold' in machine {} must be at most 1000, got 1001"), errors(p));
    }

    @Test
    void strictLruHasNoThpAndRefusesAnExplicitMode() throws IOException {
        ScenarioModel m = load(write("        reclaim 'strict-lru'", "", "        mapping 'heap', 4.MiB", ""));
        assertEquals(LargePageSpec.Thp.NEVER, m.machine().largePages().thp());
        Path p = write("        reclaim 'strict-lru'\n        thp 'always'", "", "        mapping 'heap', 4.MiB", "");
        List<String> e = errors(p);
        assertEquals(1, e.size(), e.toString());
        assertTrue(e.get(0).startsWith(p + ":6: thp 'always' needs reclaim 'lru'"), e.get(0));
    }

    @Test
    void aNodePoolAndHugetlbMappingsAreCheckedAgainstEachOther() throws IOException {
        ScenarioModel m = load(write("", "hugepages 4", """
                        mapping 'heap', 4.MiB
                        mapping 'h', 4.MiB, kind: 'hugetlb'""", ""));
        assertEquals(4, m.machine().nodes().get(0).hugepageCount());
        assertEquals(MappingKind.HUGETLB, m.processes().get(0).mappings().get(1).kind());
        assertEquals(List.of(), validate(m), "hugetlb mappings are simulated");

        Path p = write("", "hugepages 40", """
                        mapping 'heap', 4.MiB
                        mapping('h') { size 6.MiB; kind 'hugetlb' }
                        mapping 'g', 1.MiB, kind: 'hugetlb'""", "");
        m = load(p);
        assertEquals(List.of(p + ":6: node0 hugepages 40 is a pool of 80 MiB, larger than the node's 64 MiB (at most 32 huge pages"
                + " of 2 MiB fit)"), validate(m).subList(0, 1));
        Path q = write("", "hugepages 3", """
                        mapping 'heap', 4.MiB
                        mapping('h') { size 6.MiB; kind 'hugetlb' }
                        mapping 'g', 1.MiB, kind: 'hugetlb'""", "");
        assertEquals(List.of(q + ":12: mapping 'g' of kind 'hugetlb' needs 1 huge pages of 2 MiB, but the hugetlbfs pools hold 3"
                + " and earlier mappings reserve 3: its mmap would fail (ENOMEM); give a node a larger pool: node(0) { hugepages 4 }"),
                validate(load(q)));
    }

    @Test
    void aHugetlbMappingNeedsReclaimLru() throws IOException {
        Path p = write("        reclaim 'strict-lru'", "hugepages 2", "        mapping 'heap', 4.MiB\n        mapping 'h', 2.MiB, kind: 'hugetlb'", "");
        assertEquals(List.of(p + ":11: mapping 'h' of kind 'hugetlb' needs reclaim 'lru' (the machine uses 'strict-lru', which"
                + " simulates 4 KiB pages only)"), validate(load(p)));
    }

    @Test
    void aMappingMayCarryHugepageAdvice() throws IOException {
        ScenarioModel m = load(write("", "", """
                        mapping 'heap', 4.MiB, madvise: 'hugepage'
                        mapping('other') { size 4.MiB; madvise 'nohugepage' }""", ""));
        assertEquals(Madvise.HUGEPAGE, m.processes().get(0).mappings().get(0).advice());
        assertEquals(Madvise.NOHUGEPAGE, m.processes().get(0).mappings().get(1).advice());
        Path p = write("", "", """
                        mapping 'heap', 4.MiB, madvise: 'pageout'
                        mapping 'x', 4.MiB, madvise: 'hugepag'""", "");
        assertEquals(List.of(
                p + ":10: madvise 'pageout' is an action, not something a mapping carries: write it in at(T) { madvise ... }; "
                        + "a mapping may carry: hugepage, nohugepage",
                p + ":11: unknown madvise advice 'hugepag'; did you mean 'hugepage'?; a mapping may carry: hugepage, nohugepage"),
                errors(p));
    }

    @Test
    void aThreadMayStartLater() throws IOException {
        Path p = dir.resolve("t.ksim.groovy");
        Files.writeString(p, """
                scenario('t') {
                    duration 10.ms
                    machine { node(0) { memory 64.MiB; cpus 0..1 } }
                    process('app') {
                        mapping 'heap', 4.MiB
                        thread(cpu: 0, start: 2.ms) { workload 'uniform' }
                        thread(cpu: 1) { workload 'uniform'; start 20.ms }
                    }
                }
                """);
        ScenarioModel m = load(p);
        assertEquals(2_000_000, m.processes().get(0).threads().get(0).startNs());
        assertEquals(List.of(p + ":7: thread 't1' starts at 20 ms, outside the run (0 to before 10 ms)"), validate(m));
    }

    @Test
    void actionsBuildTheirEvents() throws IOException {
        Path p = write("", "", """
                        mapping 'heap', 4.MiB
                        at(1.ms) { madvise 'heap', advice: 'hugepage'; madvise 'heap', advice: 'pageout', from: 8, pages: 4 }""",
                "    at(2.ms) { compact node: 1; hugepages node: 0, count: 8 }");
        ScenarioModel m = load(p);
        String f = p.toString();
        assertEquals(List.of(
                new EventSpec(1_000_000, Action.MADVISE_HUGEPAGE, "app", "heap", 0, EventSpec.WHOLE_MAPPING, -1, new SourceRef(f, 11)),
                new EventSpec(1_000_000, Action.MADVISE_PAGEOUT, "app", "heap", 8, 4, -1, new SourceRef(f, 11)),
                new EventSpec(2_000_000, Action.COMPACT, null, null, 0, 0, 1, new SourceRef(f, 15)),
                new EventSpec(2_000_000, Action.NR_HUGEPAGES, null, null, 0, 8, 0, new SourceRef(f, 15))), m.events());
        assertEquals(List.of(), validate(m));
    }

    @Test
    void actionErrorsAreLocated() throws IOException {
        Path p = write("", "", """
                        mapping 'heap', 4.MiB
                        at(1.ms) { madvise 'heap' }
                        at(1.ms) { madvise 'heap', advice: 'hugepages' }
                        at(1.ms) { compact node: 0 }""", "    at(2.ms) { compact nod: 1; hugepages node: 0 }");
        String f = p.toString();
        assertEquals(List.of(
                f + ":11: madvise needs advice: (hugepage, nohugepage, pageout, dontneed); write madvise 'heap', advice: 'hugepage'",
                f + ":12: unknown madvise advice 'hugepages'; did you mean 'hugepage'? available: hugepage, nohugepage, pageout, dontneed",
                f + ":13: 'compact' is a write to a node's sysfs file, not something process 'app' does: write it in scenario {} or"
                        + " machine {}: at(1ms) { compact node: 0 }",
                f + ":17: unknown argument 'nod' of compact; did you mean 'node'? arguments: node",
                f + ":17: hugepages needs node: and count:; write hugepages node: 0, count: 64"), errors(p));
    }

    @Test
    void theValidatorChecksNodesCountsAndMappingKinds() throws IOException {
        Path p = write("", "hugepages 1", """
                        mapping 'heap', 4.MiB
                        mapping 'h', 2.MiB, kind: 'hugetlb'
                        at(1.ms) { madvise 'h', advice: 'hugepage' }""",
                "    at(2.ms) { compact node: 2; hugepages node: 1, count: 33 }");
        String f = p.toString();
        assertEquals(List.of(
                f + ":12: madvise hugepage of mapping 'h' of kind 'hugetlb': ksim simulates the huge page advice and pageout on anonymous mappings only",
                f + ":16: compact names node 2, but the machine has nodes 0..1",
                f + ":16: hugepages 33 for node1: at most 32 huge pages of 2 MiB fit in the node"), validate(load(p)));
    }
}

package dev.ksim.dsl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ksim.engine.model.Diagnostic;
import dev.ksim.engine.model.MappingKind;
import dev.ksim.engine.model.MappingSpec;
import dev.ksim.engine.model.ScenarioException;
import dev.ksim.engine.model.ScenarioModel;
import dev.ksim.engine.model.ScenarioValidator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code kind:} and {@code file:} of a mapping, in both forms, and their located errors. */
class MappingKindTest {
    @TempDir
    Path dir;

    private final ScenarioLoader loader = new ScenarioLoader(new TestCatalog());

    private static String scenario(String mappings) {
        return """
                scenario('kinds') {
                    duration 1.ms
                    machine {
                        cpus 1
                        node(0) { memory 64.MiB; cpus 0 }
                    }
                    process('app') {
                """ + mappings + """
                        thread(cpu: 0, mapping: 'heap') { workload 'uniform' }
                    }
                }
                """;
    }

    private List<MappingSpec> mappings(String text) throws Exception {
        Path p = dir.resolve("k.ksim.groovy");
        Files.writeString(p, text);
        // parsing only: the validator decides which kinds the engine simulates
        return loader.load(p, Map.of()).variants().get(0).processes().get(0).mappings();
    }

    private List<Diagnostic> errors(String text) throws Exception {
        Path p = dir.resolve("k.ksim.groovy");
        Files.writeString(p, text);
        return assertThrows(ScenarioException.class, () -> loader.load(p, Map.of())).diagnostics();
    }

    @Test
    void defaultKindIsAnonymousWithNoFile() throws Exception {
        MappingSpec m = mappings(scenario("        mapping 'heap', 16.MiB\n")).get(0);
        assertEquals(MappingKind.ANON, m.kind());
        assertNull(m.file());
    }

    @Test
    void namedArgumentsAndBlockFormGiveKindAndFile() throws Exception {
        List<MappingSpec> ms = mappings(scenario("""
                        mapping 'heap', 16.MiB
                        mapping 'db', 8.MiB, kind: 'file-shared', file: 'db.dat'
                        mapping('shm') { size 4.MiB; kind 'shmem' }
                        mapping('log') { size 1.MiB; kind 'file-private'; file 'log.dat' }
                """));
        assertEquals(List.of(MappingKind.ANON, MappingKind.FILE_SHARED, MappingKind.SHMEM, MappingKind.FILE_PRIVATE),
                ms.stream().map(MappingSpec::kind).toList());
        assertEquals("db.dat", ms.get(1).file());
        assertEquals("log.dat", ms.get(3).file());
        assertEquals(8L << 20, ms.get(1).sizeBytes());
    }

    @Test
    void validatorLocatesAMissingFileAndKindsTheEngineDoesNotSimulateYet() throws Exception {
        Path p = dir.resolve("k.ksim.groovy");
        Files.writeString(p, scenario("""
                        mapping 'heap', 16.MiB
                        mapping 'db', 8.MiB, kind: 'file-shared'
                        mapping 'x', 8.MiB, kind: 'anon', file: 'x.dat'
                """));
        ScenarioModel m = loader.load(p, Map.of()).variants().get(0);
        List<String> d = ScenarioValidator.validate(m).stream().map(Diagnostic::toString).toList();
        String f = p.toString();
        assertTrue(d.contains(f + ":9: mapping 'db' of kind 'file-shared' needs the file it maps: file: 'name'"), d.toString());
        assertTrue(d.contains(f + ":10: mapping 'x' of kind 'anon' maps no file; file: is only for file-private, file-shared"
                + " and shmem (a named shmem object)"), d.toString());
        for (String x : d) {
            assertFalse(x.contains("mapping 'heap'"), x);
        }
    }

    @Test
    void unknownKindIsLocatedWithASuggestion() throws Exception {
        List<Diagnostic> d = errors(scenario("""
                        mapping 'heap', 16.MiB
                        mapping 'db', 8.MiB, kind: 'file-shard', file: 'db.dat'
                """));
        assertEquals(1, d.size(), d.toString());
        assertEquals(9, d.get(0).where().line());
        assertEquals("unknown mapping kind 'file-shard'; did you mean 'file-shared'?; available: "
                + "anon, file-private, file-shared, shmem, hugetlb, pfnmap", d.get(0).message());
    }

    @Test
    void unknownArgumentAndUnknownBlockKindAreLocated() throws Exception {
        List<Diagnostic> d = errors(scenario("""
                        mapping 'heap', 16.MiB
                        mapping 'db', 8.MiB, knd: 'shmem'
                        mapping('x') { size 1.MiB; kind 'hugetbl' }
                """));
        assertEquals(2, d.size(), d.toString());
        assertEquals(9, d.get(0).where().line());
        assertEquals("unknown argument 'knd' of mapping(...); did you mean 'kind'? arguments: kind, file, madvise", d.get(0).message());
        assertEquals(10, d.get(1).where().line());
        assertEquals("unknown mapping kind 'hugetbl'; did you mean 'hugetlb'?; available: "
                + "anon, file-private, file-shared, shmem, hugetlb, pfnmap", d.get(1).message());
    }
}

package dev.ksim.dsl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ksim.engine.model.ReclaimMode;
import dev.ksim.engine.model.ScenarioException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code reclaim 'strict-lru'} in {@code machine {}}: the default, explicit, and a located error for an unknown mode. */
class ReclaimSettingTest {
    @TempDir
    Path dir;

    private final ScenarioLoader loader = new ScenarioLoader(new TestCatalog());

    private Path write(String reclaimLine) throws IOException {
        Path p = dir.resolve("r.ksim.groovy");
        Files.writeString(p, """
                scenario('r') {
                    duration 10.ms
                    machine {
                        cpus 1
                        node(0) { memory 64.MiB; cpus 0 }
                %s
                    }
                    process('app') {
                        mapping 'heap', 16.MiB
                        thread(cpu: 0) { workload 'uniform' }
                    }
                }
                """.formatted(reclaimLine));
        return p;
    }

    @Test
    void strictLruIsTheDefaultAndCanBeNamed() throws IOException {
        assertEquals(ReclaimMode.STRICT_LRU, loader.load(write(""), Map.of()).variants().get(0).machine().reclaim());
        assertEquals(ReclaimMode.STRICT_LRU,
                loader.load(write("        reclaim 'strict-lru'"), Map.of()).variants().get(0).machine().reclaim());
    }

    @Test
    void unknownModeIsLocatedWithASuggestion() throws IOException {
        Path p = write("        reclaim 'strict-lur'");
        ScenarioException e = assertThrows(ScenarioException.class, () -> loader.load(p, Map.of()));
        assertEquals(List.of(p + ":6: unknown reclaim mode 'strict-lur' in machine {}; did you mean 'strict-lru'?;"
                + " available: strict-lru"), e.diagnostics().stream().map(Object::toString).toList());
    }
}

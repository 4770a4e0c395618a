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

/**
 * {@code reclaim 'lru' | 'strict-lru'} and the vm tunables in {@code machine {}}, {@code movable} and
 * {@code watermarks} in {@code node {}}: defaults, explicit values and located errors.
 */
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
    void theKernelLruIsTheDefaultAndStrictLruCanBeNamed() throws IOException {
        assertEquals(ReclaimMode.LRU, loader.load(write(""), Map.of()).variants().get(0).machine().reclaim());
        assertEquals(ReclaimMode.LRU, loader.load(write("        reclaim 'lru'"), Map.of()).variants().get(0).machine().reclaim());
        assertEquals(ReclaimMode.STRICT_LRU,
                loader.load(write("        reclaim 'strict-lru'"), Map.of()).variants().get(0).machine().reclaim());
    }

    @Test
    void unknownModeIsLocatedWithASuggestion() throws IOException {
        Path p = write("        reclaim 'strict-lur'");
        ScenarioException e = assertThrows(ScenarioException.class, () -> loader.load(p, Map.of()));
        assertEquals(List.of(p + ":6: unknown reclaim mode 'strict-lur' in machine {}; did you mean 'strict-lru'?;"
                + " available: lru, strict-lru"), e.diagnostics().stream().map(Object::toString).toList());
    }

    @Test
    void vmTunablesDefaultToTheKernelsAndCanBeSet() throws IOException {
        var m = loader.load(write(""), Map.of()).variants().get(0).machine();
        assertEquals(dev.ksim.engine.model.VmSpec.DEFAULT, m.vm());
        m = loader.load(write("        minFreeKbytes 4096; watermarkScaleFactor 100; swappiness 10; demotion true"), Map.of())
                .variants().get(0).machine();
        assertEquals(new dev.ksim.engine.model.VmSpec(4096, 100, 10, true), m.vm());
    }

    @Test
    void outOfRangeTunablesAreLocated() throws IOException {
        Path p = write("        swappiness 300\n        demotion 'yes'");
        ScenarioException e = assertThrows(ScenarioException.class, () -> loader.load(p, Map.of()));
        assertEquals(List.of(p + ":6: 'swappiness' in machine {} must be at most 200, got 300",
                p + ":7: 'demotion' in machine {} expects true or false, got String 'yes'"),
                e.diagnostics().stream().map(Object::toString).toList());
    }

    @Test
    void nodeMovablePartAndWatermarks() throws IOException {
        Path p = dir.resolve("z.ksim.groovy");
        Files.writeString(p, """
                scenario('z') {
                    duration 10.ms
                    machine {
                        node(0) { memory 64.MiB; cpus 0; movable 16.MiB; watermarks min: 1.MiB, low: 2.MiB, high: 3.MiB }
                    }
                    process('app') {
                        mapping 'heap', 16.MiB
                        thread(cpu: 0) { workload 'uniform' }
                    }
                }
                """);
        var node = loader.load(p, Map.of()).variants().get(0).machine().nodes().get(0);
        assertEquals(16L << 20, node.movableBytes());
        assertEquals(1L << 20, node.watermarks().minBytes());
        assertEquals(2L << 20, node.watermarks().lowBytes());
        assertEquals(3L << 20, node.watermarks().highBytes());
        assertEquals(4, node.watermarks().where().line());
    }
}

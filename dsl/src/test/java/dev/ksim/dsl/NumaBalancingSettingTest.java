package dev.ksim.dsl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.engine.model.NumaBalancingSpec;
import dev.ksim.engine.model.NumaBalancingSpec.Mode;
import dev.ksim.engine.model.ScenarioException;
import dev.ksim.engine.model.ScenarioModel;
import dev.ksim.engine.model.ScenarioValidator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code numaBalancing MODE} and {@code numaBalancing(MODE) { tunables }} in {@code machine {}},
 * and {@code explicitPolicy} in {@code mapping {}}: defaults, values, and located errors.
 */
class NumaBalancingSettingTest {
    @TempDir
    Path dir;

    private final ScenarioLoader loader = new ScenarioLoader(new TestCatalog());

    /** A scenario whose machine block has {@code lines} at line 6 on. */
    private Path write(String lines) throws IOException {
        return write(lines, "mapping 'heap', 16.MiB");
    }

    private Path write(String lines, String mapping) throws IOException {
        Path p = dir.resolve("n.ksim.groovy");
        Files.writeString(p, """
                scenario('n') {
                    duration 10.ms
                    machine {
                        cpus 2
                        node(0) { memory 64.MiB; cpus 0..1 }
                %s
                    }
                    process('app') {
                        %s
                        thread(cpu: 0) { workload 'uniform' }
                    }
                }
                """.formatted(lines, mapping));
        return p;
    }

    private ScenarioModel load(Path p) {
        return loader.load(p, Map.of()).variants().get(0);
    }

    private NumaBalancingSpec spec(String lines) throws IOException {
        return load(write(lines)).machine().vm().numaBalancing();
    }

    private List<String> errors(Path p) {
        ScenarioException e = assertThrows(ScenarioException.class, () -> loader.load(p, Map.of()));
        return e.diagnostics().stream().map(Object::toString).toList();
    }

    @Test
    void offByDefaultAndByName() throws IOException {
        assertEquals(NumaBalancingSpec.OFF, spec(""));
        assertEquals(NumaBalancingSpec.OFF, spec("        numaBalancing 'off'"));
    }

    @Test
    void aModeAloneTakesTheKernelsTunables() throws IOException {
        NumaBalancingSpec s = spec("        numaBalancing 'autonuma'");
        assertEquals(Mode.AUTONUMA, s.mode());
        assertEquals(1_000, s.scanDelayMs());
        assertEquals(1_000, s.scanPeriodMinMs());
        assertEquals(60_000, s.scanPeriodMaxMs());
        assertEquals(256, s.scanSizeMb());
        assertEquals(1_000, s.hotThresholdMs());
        assertEquals(65_536L << 20, s.promoteRateLimitBytesPerSec());
        assertEquals(6, s.where().line());
        assertEquals(Mode.AUTONUMA_TIERING, spec("        numaBalancing 'autonuma+tiering'").mode());
    }

    @Test
    void theBlockSetsEveryTunable() throws IOException {
        NumaBalancingSpec s = spec("""
                        numaBalancing('tiering') {
                            scanDelay 10.ms
                            scanPeriodMin 5.ms
                            scanPeriodMax 2.s
                            scanSize 4.MiB
                            hotThreshold 20.ms
                            promoteRateLimit 256.MBps
                        }""");
        assertEquals(new NumaBalancingSpec(Mode.TIERING, 10, 5, 2_000, 4, 20, 256_000_000L, s.where()), s);
        assertEquals(6, s.where().line());
    }

    @Test
    void anUnknownModeIsLocatedWithASuggestion() throws IOException {
        Path p = write("        numaBalancing 'autonum'");
        assertEquals(List.of(p + ":6: unknown NUMA balancing mode 'autonum' in machine {}; did you mean 'autonuma'?;"
                + " available: off, autonuma, tiering, autonuma+tiering"), errors(p));
    }

    @Test
    void tunableErrorsAreLocatedAtTheirLines() throws IOException {
        Path p = write("""
                        numaBalancing('autonuma') {
                            scanDelay 1500.us
                            scanSize 1536.KiB
                            hotThreshold 5.ms
                            scanDelya 5.ms
                            scanPeriodMin 0.ms
                        }""");
        assertEquals(List.of(
                p + ":7: 'scanDelay' in numaBalancing {} counts whole milliseconds, as its sysctl does; got 1500us",
                p + ":8: 'scanSize' in numaBalancing {} counts whole MiB (kernel.numa_balancing_scan_size_mb), at least 1.MiB; got 1536KiB",
                p + ":9: 'hotThreshold' in numaBalancing {} applies to the tiering modes ('tiering', 'autonuma+tiering'); this one is 'autonuma'",
                p + ":10: unknown setting 'scanDelya' in numaBalancing {}; did you mean 'scanDelay'?",
                p + ":11: 'scanPeriodMin' in numaBalancing {} must be at least 1 ms, got 0ns"), errors(p));
    }

    @Test
    void periodBoundsOutOfOrderAndTwoSettingsAreErrors() throws IOException {
        Path p = write("""
                        numaBalancing('autonuma') { scanPeriodMin 2.s; scanPeriodMax 1.s }
                        numaBalancing 'tiering'""");
        assertEquals(List.of(p + ":6: numaBalancing scanPeriodMax (1000 ms) must be at least scanPeriodMin (2000 ms)",
                p + ":7: numaBalancing is given twice (first at line 6)"), errors(p));
        Path q = write("        numaBalancing('tiering') { promoteRateLimit 500 }");
        assertEquals(List.of(q + ":6: 'promoteRateLimit' in numaBalancing {} expects a rate such as 64.GBps, got Integer 500;"
                + " add a unit, e.g. 500.MBps"), errors(q));
        Path r = write("        numaBalancing('off') { scanDelay 5.ms }");
        assertEquals(List.of(r + ":6: numaBalancing 'off' takes no settings; choose a mode: off, autonuma, tiering, autonuma+tiering"),
                errors(r));
    }

    @Test
    void aMappingCanDeclareAnExplicitPolicy() throws IOException {
        ScenarioModel m = load(write("        numaBalancing 'autonuma'", "mapping('heap') { size 16.MiB; explicitPolicy true }"));
        assertTrue(m.processes().get(0).mappings().get(0).explicitPolicy());
        assertFalse(load(write("")).processes().get(0).mappings().get(0).explicitPolicy());
        Path p = write("", "mapping('heap') { size 16.MiB; explicitPolicy 'bind' }");
        assertEquals(List.of(p + ":9: 'explicitPolicy' in mapping {} expects true or false, got String 'bind'"), errors(p));
    }

    @Test
    void theCountersAreKnownToExpectationsAtCheckTime() throws IOException {
        Path p = dir.resolve("e.ksim.groovy");
        Files.writeString(p, """
                scenario('e') {
                    duration 10.ms
                    machine {
                        node(0) { memory 64.MiB; cpus 0 }
                    }
                    process('app') {
                        mapping 'heap', 16.MiB
                        thread(cpu: 0) { workload 'uniform' }
                    }
                    expect {
                        metric 'numa_pages_migrated' equalTo 0
                        metric 'accesses_remote' equalTo 0
                        metric 'tlb_ipi_handler_ns' equalTo 0
                        metric 'numa_hint_fault' equalTo 0
                    }
                }
                """);
        List<String> e = ScenarioValidator.validate(load(p)).stream().map(Object::toString).toList();
        assertEquals(1, e.size(), e.toString());
        assertTrue(e.get(0).startsWith(p + ":14: unknown metric 'numa_hint_fault'; did you mean 'numa_hint_faults'"), e.get(0));
    }
}

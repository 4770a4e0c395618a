package dev.ksim.scenarios;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.engine.results.RunResult;
import dev.ksim.runtime.report.SummaryTable;
import dev.ksim.runtime.run.ScenarioReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every shipped scenario is a test: run with seed 1, its summary must equal
 * {@code golden/<name>.summary.txt}, every run must complete, and invariants must hold. To accept
 * a deliberate change in results, run with {@code -Dksim.golden.update=true} and review the diff.
 */
class ShippedScenariosTest {

    @TestFactory
    List<DynamicTest> shippedScenariosMatchTheirGoldenSummaries() {
        List<Path> files = Scenarios.shipped();
        assertFalse(files.isEmpty(), "no scenarios found in " + Scenarios.dir());
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> check(f))).toList();
    }

    private static void check(Path file) throws IOException {
        ScenarioReport report = Scenarios.run(file, 1);
        for (RunResult r : report.runs()) {
            assertNull(r.error(), r.variant() + " crashed");
            assertTrue(r.invariants().checked() > 0, r.variant() + ": no invariant was checked");
            assertEquals(List.of(), r.invariants().violations(), r.variant() + ": invariant violations");
        }
        String summary = SummaryTable.render(report);
        String name = file.getFileName().toString().replace(".ksim.groovy", "");
        Path golden = Scenarios.dir().resolve("golden").resolve(name + ".summary.txt");
        if (Boolean.getBoolean("ksim.golden.update")) {
            Files.createDirectories(golden.getParent());
            Files.writeString(golden, summary);
        }
        assertTrue(Files.exists(golden), "missing golden file " + golden + " (run with -Dksim.golden.update=true)");
        assertEquals(Files.readString(golden), summary, "summary of " + file.getFileName() + " differs from " + golden);
    }
}

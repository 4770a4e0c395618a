package dev.ksim.scenarios;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ksim.runtime.report.ResultsJson;
import dev.ksim.runtime.run.ScenarioReport;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Same scenario, seed and plugins ⇒ identical results.json apart from wall-clock fields. */
class DeterminismTest {
    private static final Path QUICKSTART = Scenarios.dir().resolve("quickstart.ksim.groovy");

    private static ObjectNode results(long seed) {
        ScenarioReport report = Scenarios.run(QUICKSTART, seed);
        ObjectNode json = ResultsJson.render(report, "test");
        json.remove("wallClock");
        return json;
    }

    @Test
    void sameSeedGivesIdenticalResults() throws Exception {
        String a = ResultsJson.mapper().writeValueAsString(results(1));
        String b = ResultsJson.mapper().writeValueAsString(results(1));
        assertEquals(a, b);
    }

    @Test
    void differentSeedChangesTheWorkload() {
        ObjectNode a = results(1);
        ObjectNode b = results(2);
        assertEquals(a.get("scenario"), b.get("scenario"));
        // The random workloads draw other pages, so fault counts differ.
        assertNotEquals(a.get("runs").get(0).get("metrics"), b.get("runs").get(0).get("metrics"));
    }
}

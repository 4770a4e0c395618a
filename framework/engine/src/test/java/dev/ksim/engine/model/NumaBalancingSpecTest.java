package dev.ksim.engine.model;

import static dev.ksim.engine.testing.ScenarioBuilder.thread;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.engine.mm.MmMetrics;
import dev.ksim.engine.mm.tlb.Tlbs;
import dev.ksim.engine.model.NumaBalancingSpec.Mode;
import dev.ksim.engine.testing.ScenarioBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Check-time validation of the NUMA balancing tunables, located at their {@code numaBalancing} line; the modes' bits. */
class NumaBalancingSpecTest {
    private static final SourceRef AT = new SourceRef("s.ksim.groovy", 7);

    @Test
    void theModesAreTheSysctlsBits() {
        assertEquals(List.of("off", "autonuma", "tiering", "autonuma+tiering"), Mode.keys());
        assertFalse(Mode.OFF.normal() || Mode.OFF.tiering());
        assertTrue(Mode.AUTONUMA.normal() && !Mode.AUTONUMA.tiering());
        assertTrue(!Mode.TIERING.normal() && Mode.TIERING.tiering());
        assertTrue(Mode.AUTONUMA_TIERING.normal() && Mode.AUTONUMA_TIERING.tiering());
        assertEquals(3, Mode.of("autonuma+tiering").sysctl());
        assertEquals(null, Mode.of("on"));
    }

    @Test
    void theKernelDefaultsAreValid() {
        assertEquals(List.of(), NumaBalancingSpec.defaults(Mode.TIERING, AT).validate());
        assertEquals(NumaBalancingSpec.OFF, VmSpec.DEFAULT.numaBalancing());
    }

    @Test
    void everyOutOfRangeTunableIsReportedAtTheLine() {
        NumaBalancingSpec bad = new NumaBalancingSpec(Mode.AUTONUMA, -1, 0, 0, 0, 0, -5, AT);
        assertEquals(List.of("s.ksim.groovy:7: numaBalancing scanDelay must be >= 0 ms, got -1 ms",
                "s.ksim.groovy:7: numaBalancing scanPeriodMin must be at least 1 ms, got 0 ms",
                "s.ksim.groovy:7: numaBalancing scanSize must be at least 1 MiB, got 0 MiB",
                "s.ksim.groovy:7: numaBalancing hotThreshold must be at least 1 ms, got 0 ms",
                "s.ksim.groovy:7: numaBalancing promoteRateLimit must be >= 0, got -5 B/s"),
                bad.validate().stream().map(Object::toString).toList());
        NumaBalancingSpec order = new NumaBalancingSpec(Mode.TIERING, 0, 100, 50, 1, 1, 0, AT);
        assertEquals(List.of("s.ksim.groovy:7: numaBalancing scanPeriodMax (50 ms) must be at least scanPeriodMin (100 ms)"),
                order.validate().stream().map(Object::toString).toList());
    }

    @Test
    void theValidatorReportsThemForAWholeModelAndKnowsTheCounters() {
        NumaBalancingSpec order = new NumaBalancingSpec(Mode.AUTONUMA, 0, 100, 50, 1, 1, 0, AT);
        ScenarioModel m = new ScenarioBuilder().cpus(1).node(1024, List.of(0))
                .reclaim(ReclaimMode.LRU, new VmSpec(0, 10, 60, false, order))
                .process("app", 16, thread("t0", 0, "sequential", Map.of(), 10))
                .expect(MmMetrics.NUMA_PAGES_MIGRATED, ExpectationSpec.Op.EQ, 0)
                .expect(MmMetrics.PGPROMOTE_SUCCESS, ExpectationSpec.Op.EQ, 0)
                .expect(MmMetrics.ACCESSES_REMOTE, ExpectationSpec.Op.EQ, 0)
                .expect(Tlbs.TLB_IPI_HANDLER_NS, ExpectationSpec.Op.EQ, 0)
                .build();
        assertEquals(List.of("s.ksim.groovy:7: numaBalancing scanPeriodMax (50 ms) must be at least scanPeriodMin (100 ms)"),
                ScenarioValidator.validate(m).stream().map(Object::toString).toList());
    }
}

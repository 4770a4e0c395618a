package dev.ksim.engine.mm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.engine.cost.CostModel;
import dev.ksim.engine.invariant.InvariantRegistry;
import dev.ksim.engine.metrics.MetricsRegistry;
import dev.ksim.engine.mm.zone.Watermarks;
import dev.ksim.engine.model.NumaBalancingSpec;
import dev.ksim.engine.model.ReclaimMode;
import dev.ksim.engine.model.SourceRef;
import dev.ksim.engine.model.VmSpec;
import dev.ksim.engine.sim.EventQueue;
import dev.ksim.engine.sim.SimulationClock;
import dev.ksim.spi.mm.MigrationPolicy;
import dev.ksim.spi.mm.NodeMemory;
import dev.ksim.spi.security.SecurityHardening;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * NUMA balancing in tiering mode: which pages are candidates, hotness from scan to fault, the
 * promotion rate limit and its threshold adjustment, the free-space shortcut, the promo watermark
 * and kswapd, and the tiering loop with demotion. The machine: node 0 DRAM (tier 576, CPU 0, load
 * latency 100 ns), node 1 a memory-only slow tier (tier 704, 300 ns, SLIT distance 20: 600 ns from
 * CPU 0). Mapping "hot" of each process is placed on node 1, mapping "near" on node 0.
 */
class NumaTieringTest {
    /** Places mapping 0 on the slow node, mapping 1 on the fast one. */
    private static final MigrationPolicy BY_MAPPING = (f, m) -> f.mapping() == 0 ? 1 : 0;

    private static final class Machine {
        final MetricsRegistry metrics = new MetricsRegistry();
        final EventQueue queue = new EventQueue();
        final SimulationClock clock = new SimulationClock();
        final MemoryManager mm;

        Machine(NumaBalancingSpec spec, long fastFrames, long slowFrames, boolean demotion) {
            NumaTopology topo = new NumaTopology(new int[][] {{10, 20}, {20, 10}}, new int[] {0});
            NodeMemory[] mem = {new NodeMemory(fastFrames, 100, 576, true), new NodeMemory(slowFrames, 300, 704, true)};
            MmSettings settings = new MmSettings(ReclaimMode.LRU, new VmSpec(VmSpec.KERNEL_DEFAULT,
                    VmSpec.DEFAULT_WATERMARK_SCALE_FACTOR, VmSpec.DEFAULT_SWAPPINESS, demotion, spec), null, null);
            mm = new MemoryManager(topo, mem, 0, CostModel.defaults(), BY_MAPPING, "by-mapping", new SecurityHardening() {
            }, "none", metrics, settings);
            mm.attach(queue, clock);
        }

        /**
         * A process with {@code hot} pages on node 1 and {@code near} pages on node 0, touched from
         * CPU 0. No thread is registered, so its scanner never runs on the queue (the tests call
         * task_numa_work themselves) and the single-threaded target_node shortcut does not apply.
         */
        MmStruct process(int hot, int near) {
            MmStruct p = mm.createProcess("p" + (mm.processes.size() + 1), new String[] {"hot", "near"},
                    new long[] {hot, Math.max(1, near)});
            for (int i = 0; i < hot; i++) {
                mm.access(p, 0, i, 0);
            }
            for (int i = 0; i < near; i++) {
                mm.access(p, 1, i, 0);
            }
            return p;
        }

        void at(long ms) {
            clock.advanceTo(ms * 1_000_000L);
        }

        long counter(String name) {
            return metrics.counter(name).get();
        }

        int node(MmStruct p, int vma, int page) {
            return mm.nodeOf(Pte.frame(p.vma(vma).pte(page)));
        }

        List<String> violations() {
            InvariantRegistry r = new InvariantRegistry();
            mm.registerInvariants(r);
            r.checkAll("test");
            return r.report().violations();
        }
    }

    static NumaBalancingSpec tiering(NumaBalancingSpec.Mode mode, long periodMaxMs, long hotMs, long rateBytesPerSec) {
        return new NumaBalancingSpec(mode, 0, 1, periodMaxMs, 256, hotMs, rateBytesPerSec, SourceRef.UNKNOWN);
    }

    static NumaBalancingSpec tiering(long hotMs) {
        return tiering(NumaBalancingSpec.Mode.TIERING, 60_000, hotMs, NumaBalancingSpec.DEFAULT_PROMOTE_RATE_LIMIT_BYTES_PER_SEC);
    }

    @Test
    void theTopTierIsEveryTierUpToTheSlowestOneWithCpus() {
        Machine m = new Machine(tiering(10), 1024, 1024, false);
        assertArrayEquals(new boolean[] {true, false}, m.mm.numab.toptier);
        assertEquals(Watermarks.WMARK_PROMO, m.mm.node(0).balanceMark, "kswapd balances to the promo mark in tiering mode");
        // a CPU on the slow node makes its tier top tier too
        NumaTopology both = new NumaTopology(new int[][] {{10, 20}, {20, 10}}, new int[] {0, 1});
        MemoryManager two = new MemoryManager(both, new NodeMemory[] {new NodeMemory(64, 100, 576, true),
                new NodeMemory(64, 300, 704, true)}, 0, CostModel.defaults(), BY_MAPPING, "p", new SecurityHardening() {
                }, "h", new MetricsRegistry(), MmSettings.of(ReclaimMode.STRICT_LRU));
        assertArrayEquals(new boolean[] {true, true}, NumaBalancing.topTiers(two.nodes));
    }

    @Test
    void tieringOnlyScansSlowTierPagesAndStampsTheirScanTime() {
        Machine m = new Machine(tiering(10), 1024, 1024, false);
        MmStruct p = m.process(8, 8);
        m.at(7);
        m.mm.numab.scanner(p).taskNumaWork(0, 7);
        assertEquals(8, m.counter(MmMetrics.NUMA_PTE_UPDATES), "only the 8 pages on the slow tier");
        for (int i = 0; i < 8; i++) {
            assertTrue(NumaBalancing.isProtNone(p.vma(0), i));
            assertEquals(7, p.vma(0).numaInfo[i], "the scan time, ms");
            assertFalse(NumaBalancing.isProtNone(p.vma(1), i));
        }
        Machine both = new Machine(tiering(NumaBalancingSpec.Mode.AUTONUMA_TIERING, 60_000, 10,
                NumaBalancingSpec.DEFAULT_PROMOTE_RATE_LIMIT_BYTES_PER_SEC), 1024, 1024, false);
        MmStruct q = both.process(8, 8);
        both.mm.numab.scanner(q).taskNumaWork(0, 3);
        assertEquals(16, both.counter(MmMetrics.NUMA_PTE_UPDATES), "mode 3 scans the top tier too");
        assertEquals(0, q.vma(1).numaInfo[0], "a top-tier page keeps its last_cpupid (none yet)");
    }

    @Test
    void aHotPageIsPromotedAColdOneStays() {
        Machine m = new Machine(tiering(10), 1024, 1024, false);
        MmStruct p = m.process(8, 0);
        m.mm.numab.scanner(p).taskNumaWork(0, 0);
        m.at(5);
        long hot = m.mm.access(p, 0, 1, 0);
        assertEquals(0, m.node(p, 0, 1), "5 ms from scan to fault < 10 ms: promoted");
        // walk 30 + fault 500 + migrate_misplaced 2000 + copy 4096 + local INVLPG 60 (only CPU 0 runs the mm) + local load 100
        assertEquals(30 + 500 + 2_000 + 4_096 + 60 + 100, hot);
        assertEquals(1, m.counter(MmMetrics.PGPROMOTE_SUCCESS));
        assertEquals(1, m.counter(MmMetrics.PGPROMOTE_CANDIDATE));
        assertEquals(1, m.counter(MmMetrics.NUMA_PAGES_MIGRATED));
        assertEquals(0, p.vma(0).numaInfo[1], "the page changed tier: last_cpupid reset (it held a time)");
        m.at(10);
        long cold = m.mm.access(p, 0, 2, 0);
        assertEquals(1, m.node(p, 0, 2), "10 ms is not under the 10 ms threshold");
        assertEquals(30 + 500 + 600, cold);
        assertEquals(1, m.counter(MmMetrics.PGPROMOTE_CANDIDATE), "a cold page is no candidate");
        NumaBalancing.Scanner s = m.mm.numab.scanner(p);
        assertEquals(1, s.remote, "the promoted fault counts (its page is on the top tier now), the cold one does not");
        assertEquals(0, s.local);
        assertEquals(List.of(), m.violations());
    }

    @Test
    void promotionsAreCappedPerSecondWindow() {
        // 2 pages per second; hot for 5 s so that every fault below is hot
        Machine m = new Machine(tiering(NumaBalancingSpec.Mode.TIERING, 60_000, 5_000, 2 * 4096), 1024, 1024, false);
        MmStruct p = m.process(10, 0);
        m.mm.numab.scanner(p).taskNumaWork(0, 0);
        m.at(5);
        for (int i = 0; i < 5; i++) {
            m.mm.access(p, 0, i, 0);
        }
        // candidates 1..5 in the window that started at 0: the first is under the limit, the second reaches it
        assertEquals(1, m.counter(MmMetrics.PGPROMOTE_SUCCESS));
        assertEquals(5, m.counter(MmMetrics.PGPROMOTE_CANDIDATE));
        assertEquals(0, m.node(p, 0, 0));
        assertEquals(1, m.node(p, 0, 1));
        m.at(1_006); // more than a second later: a new window starts with this candidate
        for (int i = 5; i < 10; i++) {
            m.mm.access(p, 0, i, 0);
        }
        assertEquals(3, m.counter(MmMetrics.PGPROMOTE_SUCCESS), "two more in the new window");
        assertEquals(0, m.node(p, 0, 5));
        assertEquals(0, m.node(p, 0, 6));
        assertEquals(1, m.node(p, 0, 7));
        assertEquals(List.of(), m.violations());
    }

    @Test
    void theHotThresholdFollowsTheCandidateRate() {
        // rate limit 100 pages/s, statistics period = scanPeriodMax 100 ms: 10 candidates expected per period
        Machine m = new Machine(tiering(NumaBalancingSpec.Mode.TIERING, 100, 80, 100 * 4096), 1024, 1024, false);
        MmStruct p = m.process(40, 0);
        NumaBalancing nb = m.mm.numab;
        nb.scanner(p).taskNumaWork(0, 0);
        m.at(50);
        for (int i = 0; i < 20; i++) {
            m.mm.access(p, 0, i, 0); // 50 ms after the scan: hot; 20 candidates, all under the rate
        }
        assertEquals(20, m.counter(MmMetrics.PGPROMOTE_SUCCESS));
        m.at(90);
        m.mm.access(p, 0, 20, 0); // 90 ms: cold against the default 80
        assertEquals(0, nb.thresholdMs[0], "no adjustment within the first period");
        assertEquals(20, m.counter(MmMetrics.PGPROMOTE_CANDIDATE));
        nb.scanner(p).taskNumaWork(0, 90); // re-marks page 20 (the others are still PROT_NONE)
        m.at(165);
        m.mm.access(p, 0, 20, 0);
        // 165 > 0 + 100: 20 candidates > 110 % of 10 -> one step of 2 x 80 / 16 = 10 down: 70 ms
        assertEquals(70, nb.thresholdMs[0]);
        assertEquals(1, m.node(p, 0, 20), "75 ms would be hot against 80, not against 70");
        assertEquals(20, m.counter(MmMetrics.PGPROMOTE_CANDIDATE));
        m.at(240);
        nb.scanner(p).taskNumaWork(0, 240);
        m.at(300);
        m.mm.access(p, 0, 20, 0);
        // 300 > 165 + 100: no candidate in that period (< 90 % of 10) -> one step up: 80
        assertEquals(80, nb.thresholdMs[0]);
        assertEquals(0, m.node(p, 0, 20), "60 ms is hot");
        assertEquals(21, m.counter(MmMetrics.PGPROMOTE_CANDIDATE));
        assertEquals(List.of(), m.violations());
    }

    @Test
    void plentyOfFreeMemoryPromotesWithoutLookingAtHotness() {
        // node 0 has more than 1 GiB free above its promo watermark
        Machine m = new Machine(tiering(10), 300_000, 1024, false);
        MmStruct p = m.process(4, 0);
        m.mm.numab.thresholdMs[0] = 42;
        m.mm.numab.scanner(p).taskNumaWork(0, 0);
        m.at(5_000);
        m.mm.access(p, 0, 0, 0);
        assertEquals(0, m.node(p, 0, 0), "5 s after the scan, but pgdat_free_space_enough");
        assertEquals(0, m.counter(MmMetrics.PGPROMOTE_CANDIDATE), "not a rate-limited candidate");
        assertEquals(0, m.mm.numab.thresholdMs[0], "the adjusted threshold is reset");
    }

    @Test
    void aFullFastNodeWakesKswapdWhichDemotesToThePromoMarkThenPromotionSucceeds() {
        Machine m = new Machine(tiering(1_000), 1024, 4096, true);
        Watermarks w = m.mm.node(0).zones().get(0).watermarks();
        assertTrue(w.promo() > w.high());
        MmStruct p = m.process(8, 0);
        // a second process fills node 0 to its high watermark (it never sinks below low: kswapd stays asleep)
        MmStruct filler = m.mm.createProcess("filler", new String[] {"slow", "fast"}, new long[] {1, 1024});
        for (int i = 0; m.mm.node(0).nrFreePages() > w.high(); i++) {
            m.mm.access(filler, 1, i, 0);
        }
        assertFalse(m.mm.node(0).kswapd.running());
        m.mm.numab.scanner(p).taskNumaWork(0, 0);
        m.at(1);
        long runs = m.counter(MmMetrics.PAGEOUTRUN);
        m.mm.access(p, 0, 0, 0);
        assertEquals(1, m.node(p, 0, 0), "node 0 is not above high + 1: migrate_balanced_pgdat fails");
        assertEquals(0, m.counter(MmMetrics.PGPROMOTE_SUCCESS));
        assertEquals(1, m.counter(MmMetrics.PGPROMOTE_CANDIDATE));
        assertTrue(m.mm.node(0).kswapd.running(), "the failed promotion woke node 0's kswapd");
        assertEquals(runs + 1, m.counter(MmMetrics.PAGEOUTRUN));
        while (!m.queue.isEmpty()) {
            long t = m.queue.peekTime();
            m.clock.advanceTo(t);
            m.queue.poll().fire(t);
        }
        assertFalse(m.mm.node(0).kswapd.running());
        assertTrue(m.mm.node(0).nrFreePages() > w.promo(), "kswapd reclaimed up to the promo watermark");
        assertTrue(m.counter(MmMetrics.PGDEMOTE_KSWAPD) > 0, "by demoting to the slow tier");
        m.mm.access(p, 0, 1, 0);
        assertEquals(0, m.node(p, 0, 1), "now there is room: promoted");
        assertEquals(1, m.counter(MmMetrics.PGPROMOTE_SUCCESS));
        assertEquals(List.of(), m.violations());
    }
}

package dev.ksim.engine.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.engine.cost.CostModel;
import dev.ksim.engine.invariant.InvariantRegistry;
import dev.ksim.engine.metrics.MetricsRegistry;
import dev.ksim.engine.model.NumaBalancingSpec;
import dev.ksim.engine.model.ReclaimMode;
import dev.ksim.engine.model.SourceRef;
import dev.ksim.engine.model.SwapSpec;
import dev.ksim.engine.model.VmSpec;
import dev.ksim.engine.sim.EventQueue;
import dev.ksim.engine.sim.SimulationClock;
import dev.ksim.spi.mm.NodeMemory;
import dev.ksim.spi.security.SecurityHardening;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Random interleavings of scans, references from every CPU, move_pages, pins and reclaim (a
 * machine too small for its processes, with swap and demotion to a memory-only slow tier), in
 * every NUMA balancing mode. After each step the memory manager's invariants hold — numa.prot_none
 * included — and the counters stay consistent: local hinting faults are hinting faults, migrated
 * pages had a hinting fault, promotions are migrations, every pgpromote_success was a candidate
 * unless the destination had plenty of free memory (never, on this machine).
 */
class NumaBalancingPropertyTest {
    private static final int PAGES = 48;

    @Provide
    Arbitrary<List<int[]>> ops() {
        return Arbitraries.integers().between(0, 1_000_000).array(int[].class).ofSize(4).list().ofMinSize(100).ofMaxSize(500);
    }

    @Provide
    Arbitrary<Integer> modes() {
        return Arbitraries.integers().between(1, 3);
    }

    @Property(tries = 150)
    void invariantsAndCountersHold(@ForAll("ops") List<int[]> ops, @ForAll("modes") int mode) {
        MetricsRegistry metrics = new MetricsRegistry();
        // nodes 0 and 1 DRAM with CPUs 0 and 1, node 2 a slow memory-only tier
        NumaTopology topo = new NumaTopology(new int[][] {{10, 21, 20}, {21, 10, 24}, {20, 24, 10}}, new int[] {0, 1});
        NodeMemory[] mem = {new NodeMemory(24, 80, 576, true), new NodeMemory(24, 80, 576, true),
                new NodeMemory(32, 250, 704, true)};
        NumaBalancingSpec spec = new NumaBalancingSpec(NumaBalancingSpec.Mode.values()[mode], 0, 1, 50, 1, 20,
                64 * 4096, SourceRef.UNKNOWN);
        MmSettings settings = new MmSettings(ReclaimMode.LRU, new VmSpec(0, 10, 60, true, spec), null, null);
        MemoryManager m = new MemoryManager(topo, mem, 128, CostModel.of(new SwapSpec(128 * 4096, 1_000, 1_000,
                SourceRef.UNKNOWN), java.util.Map.of()), (f, v) -> f.cpuNode(), "local", new SecurityHardening() {
                }, "none", metrics, settings);
        EventQueue queue = new EventQueue();
        SimulationClock clock = new SimulationClock();
        m.attach(queue, clock);
        MmStruct a = m.createProcess("a", new String[] {"heap"}, new long[] {PAGES});
        MmStruct b = m.createProcess("b", new String[] {"heap"}, new long[] {PAGES});
        MmStruct[] procs = {a, b};
        int[] pinned = new int[1];
        long now = 0;
        for (int[] op : ops) {
            MmStruct p = procs[op[1] % 2];
            if (p.killed()) {
                continue;
            }
            int page = op[2] % PAGES;
            int cpu = op[3] % 2;
            switch (op[0] % 8) {
                case 0, 1, 2, 3 -> m.access(p, 0, page, cpu);
                case 4 -> m.numab.scanner(p).taskNumaWork(cpu, now / 1_000_000);
                case 5 -> {
                    int[] status = new int[1];
                    m.movePages(p.pid(), new long[] {p.vma(0).startVpn() + page}, new int[] {op[3] % 3}, status, cpu);
                }
                case 6 -> {
                    if (Pte.isPresent(p.vma(0).pte(page)) && m.frames.pins[Pte.frame(p.vma(0).pte(page))] == 0
                            && op[3] % 4 == 0) {
                        m.pinUserPages(p, 0, page, 1, cpu, pinned);
                        m.unpinUserPages(pinned, 1);
                    }
                }
                default -> {
                    now += 1 + op[2] % 5_000_000; // time passes; kswapd and the other events run
                    while (!queue.isEmpty() && queue.peekTime() <= now) {
                        long t = queue.peekTime();
                        clock.advanceTo(t);
                        queue.poll().fire(t);
                    }
                    clock.advanceTo(now);
                }
            }
            InvariantRegistry r = new InvariantRegistry();
            m.registerInvariants(r);
            r.checkAll("after op");
            assertEquals(List.of(), r.report().violations());
        }
        long hint = metrics.counter(MmMetrics.NUMA_HINT_FAULTS).get();
        assertTrue(metrics.counter(MmMetrics.NUMA_HINT_FAULTS_LOCAL).get() <= hint);
        long migrated = metrics.counter(MmMetrics.NUMA_PAGES_MIGRATED).get();
        assertTrue(migrated <= hint);
        long promoted = metrics.counter(MmMetrics.PGPROMOTE_SUCCESS).get();
        assertTrue(promoted <= migrated);
        assertTrue(promoted <= metrics.counter(MmMetrics.PGPROMOTE_CANDIDATE).get());
        if (!NumaBalancingSpec.Mode.values()[mode].tiering()) {
            assertEquals(0, promoted);
            assertEquals(0, metrics.counter(MmMetrics.PGPROMOTE_CANDIDATE).get());
        }
        assertTrue(metrics.counter(MmMetrics.NUMA_PTE_UPDATES).get() >= hint, "every hinting fault follows a marking");
    }
}

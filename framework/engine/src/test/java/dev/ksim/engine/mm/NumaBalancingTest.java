package dev.ksim.engine.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.engine.mm.tlb.Tlbs;
import dev.ksim.engine.model.NumaBalancingSpec;
import dev.ksim.engine.model.ReclaimMode;
import dev.ksim.engine.model.SourceRef;
import dev.ksim.engine.model.VmSpec;
import dev.ksim.engine.sim.EventQueue;
import dev.ksim.engine.sim.SimulationClock;
import dev.ksim.spi.mm.MigrationPolicy;
import dev.ksim.spi.security.SecurityHardening;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * NUMA balancing in mode autonuma: the scanner (change_prot_numa, its skips, chunks, offset and
 * passes, its cost), the hinting fault and the two-stage filter, the migration, the adaptive scan
 * period and the scanner's life on the event queue. Costs are the defaults: load latency 100 ns
 * (remote 210), tlb.walk 30, numa.hint_fault 500, numa.scan_pte 10, numa.migrate_call 2000,
 * migrate.copy_page 4096, tlb.ipi_base 1000 + 150 per target, tlb.invlpg 60, tlb.flush_all 200.
 */
class NumaBalancingTest {
    private static final MigrationPolicy LOCAL = (f, m) -> f.cpuNode();

    static MmSettings settings(NumaBalancingSpec spec) {
        return new MmSettings(ReclaimMode.LRU, new VmSpec(VmSpec.KERNEL_DEFAULT, VmSpec.DEFAULT_WATERMARK_SCALE_FACTOR,
                VmSpec.DEFAULT_SWAPPINESS, false, spec), null, null);
    }

    static NumaBalancingSpec spec(NumaBalancingSpec.Mode mode, long scanSizeMb) {
        return new NumaBalancingSpec(mode, 1_000, 1_000, 60_000, scanSizeMb, 1_000,
                NumaBalancingSpec.DEFAULT_PROMOTE_RATE_LIMIT_BYTES_PER_SEC, SourceRef.UNKNOWN);
    }

    /** {@code nodes} nodes of 1024 frames, CPU i on node i, NUMA balancing {@code spec}. */
    static MmFixture fixture(int nodes, NumaBalancingSpec spec) {
        return new MmFixture(filled(nodes, 1024), new int[nodes], 100, 0, LOCAL, new SecurityHardening() {
        }, settings(spec));
    }

    private static long[] filled(int n, long v) {
        long[] a = new long[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    /** A process of {@code pages} pages, all touched from {@code fromCpu}, whose one thread runs on {@code threadCpu}. */
    static MmStruct resident(MmFixture fx, int pages, int fromCpu, int threadCpu) {
        MmStruct p = fx.process("p", pages);
        for (int i = 0; i < pages; i++) {
            fx.mm.access(p, 0, i, fromCpu);
        }
        fx.mm.addCpu(p, threadCpu);
        return p;
    }

    private static NumaBalancing.Scanner scanner(MmFixture fx, MmStruct p) {
        return fx.mm.numab.scanner(p);
    }

    private static int nodeOfPage(MmFixture fx, MmStruct p, int page) {
        return fx.mm.nodeOf(Pte.frame(p.vma(0).pte(page)));
    }

    @Test
    void offMeansNoStateAndZeroCounters() {
        MmFixture fx = fixture(2, NumaBalancingSpec.OFF);
        MmStruct p = resident(fx, 8, 0, 1);
        assertNull(fx.mm.numab);
        assertNull(p.vma(0).protNone);
        for (String c : MmMetrics.NUMA_BALANCING_COUNTERS) {
            assertTrue(fx.metrics.finalValues().containsKey(c), c + " is reported even when off");
        }
        assertEquals(0, fx.counter(MmMetrics.NUMA_HINT_FAULTS));
    }

    @Test
    void aScanMarksEveryPresentPteAndShootsTheRangeDown() {
        MmFixture fx = fixture(2, spec(NumaBalancingSpec.Mode.AUTONUMA, 256));
        MmStruct p = resident(fx, 64, 0, 1); // the cpumask is {0, 1}: CPU 0 touched the pages
        long cost = scanner(fx, p).taskNumaWork(1, 0);
        assertEquals(64, fx.counter(MmMetrics.NUMA_PTE_UPDATES));
        for (int i = 0; i < 64; i++) {
            assertTrue(NumaBalancing.isProtNone(p.vma(0), i));
            assertFalse(fx.mm.tlbs.cached(0, p.pid(), p.vma(0).startVpn() + i), "flushed from CPU 0's TLB");
        }
        // 64 PTEs x 10 + a full flush (64 > 33 pages) with one target: IPI round trip 1150 + flush_all 200
        assertEquals(64 * 10 + 1_150 + 200, cost);
        assertEquals(1, fx.counter(Tlbs.NR_TLB_REMOTE_FLUSH));
        assertEquals(400 + 200, fx.mm.tlbs.pendingInterruptNs(0), "CPU 0 lost the handler and its full flush");
        assertEquals(List.of(), fx.violations());
        assertEquals(0, scanner(fx, p).taskNumaWork(1, 0) - 64 * 10, "a second scan finds nothing to mark: no flush");
        assertEquals(64, fx.counter(MmMetrics.NUMA_PTE_UPDATES));
    }

    @Test
    void twoFaultsInARowFromTheSameRemoteNodeMigrateThePage() {
        MmFixture fx = fixture(2, spec(NumaBalancingSpec.Mode.AUTONUMA, 256));
        MmStruct p = resident(fx, 64, 0, 1);
        NumaBalancing.Scanner s = scanner(fx, p);
        s.taskNumaWork(1, 0);
        long faults = fx.counter(MmMetrics.PGFAULT);

        // first hinting fault: no previous CPU recorded, the page stays on node 0
        long c1 = fx.mm.access(p, 0, 5, 1);
        assertEquals(30 + 500 + 210, c1, "walk + hinting fault + remote load");
        assertEquals(1, fx.counter(MmMetrics.NUMA_HINT_FAULTS));
        assertEquals(0, fx.counter(MmMetrics.NUMA_HINT_FAULTS_LOCAL));
        assertEquals(faults + 1, fx.counter(MmMetrics.PGFAULT), "a hinting fault is a page fault");
        assertEquals(0, nodeOfPage(fx, p, 5));
        assertFalse(NumaBalancing.isProtNone(p.vma(0), 5), "the PTE was restored");
        assertEquals(210, fx.mm.access(p, 0, 5, 1), "then an L1 hit, no fault");
        assertEquals(1, s.remote);

        // the next scan marks it again (only it: one single-page shootdown)
        assertEquals(64 * 10 + 1_150 + 60, s.taskNumaWork(1, 0));
        assertEquals(65, fx.counter(MmMetrics.NUMA_PTE_UPDATES));

        // second hinting fault from node 1: migrated to node 1
        long c2 = fx.mm.access(p, 0, 5, 1);
        // walk 30 + fault 500 + migrate_misplaced 2000 + copy 4096 + unmap shootdown to CPU 0 (1150 + 60) + local load 100
        assertEquals(30 + 500 + 2_000 + 4_096 + 1_210 + 100, c2);
        assertEquals(1, nodeOfPage(fx, p, 5));
        assertEquals(1, fx.counter(MmMetrics.NUMA_PAGES_MIGRATED));
        assertEquals(1, fx.counter(MmMetrics.PGMIGRATE_SUCCESS));
        assertEquals(2, fx.counter(MmMetrics.NUMA_HINT_FAULTS));
        assertEquals(2, s.remote, "the fault counts where the page was when it faulted");
        assertEquals(100, fx.mm.access(p, 0, 5, 1), "now a local L1 hit");
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void faultsFromTwoNodesInTurnNeverPassTheFilter() {
        MmFixture fx = fixture(3, spec(NumaBalancingSpec.Mode.AUTONUMA, 256));
        MmStruct p = resident(fx, 16, 0, 1);
        fx.mm.addCpu(p, 2);
        NumaBalancing.Scanner s = scanner(fx, p);
        for (int round = 0; round < 4; round++) {
            s.taskNumaWork(1, 0);
            fx.mm.access(p, 0, 3, round % 2 == 0 ? 1 : 2);
        }
        assertEquals(0, nodeOfPage(fx, p, 3), "node 1, node 2, node 1, node 2: never twice in a row");
        assertEquals(0, fx.counter(MmMetrics.NUMA_PAGES_MIGRATED));
        s.taskNumaWork(1, 0);
        fx.mm.access(p, 0, 3, 2);
        assertEquals(2, nodeOfPage(fx, p, 3), "node 2 twice in a row");
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void aSingleThreadedProcessDoesNotMarkPagesAlreadyOnItsNode() {
        MmFixture fx = fixture(2, spec(NumaBalancingSpec.Mode.AUTONUMA, 256));
        MmStruct p = fx.process("p", 32);
        for (int i = 0; i < 32; i++) {
            fx.mm.access(p, 0, i, i < 20 ? 0 : 1); // 20 pages on node 0, 12 on node 1
        }
        fx.mm.addCpu(p, 0);
        scanner(fx, p).taskNumaWork(0, 0);
        assertEquals(12, fx.counter(MmMetrics.NUMA_PTE_UPDATES), "only the pages away from CPU 0's node");
        fx.mm.addCpu(p, 1); // a second thread: target_node no longer applies
        scanner(fx, p).taskNumaWork(0, 0);
        assertEquals(32, fx.counter(MmMetrics.NUMA_PTE_UPDATES));
    }

    @Test
    void explicitPolicyMappingsAndPinnedPagesAreSkipped() {
        MmFixture fx = fixture(2, spec(NumaBalancingSpec.Mode.AUTONUMA, 256));
        MmStruct p = fx.mm.createProcess("p", new String[] {"bound", "heap"}, new long[] {16, 16});
        fx.mm.setExplicitPolicy(p, 0);
        for (int i = 0; i < 16; i++) {
            fx.mm.access(p, 0, i, 0);
            fx.mm.access(p, 1, i, 0);
        }
        fx.mm.addCpu(p, 1);
        int[] pinned = new int[2];
        fx.mm.pinUserPages(p, 1, 4, 2, 0, pinned);
        scanner(fx, p).taskNumaWork(1, 0);
        assertEquals(14, fx.counter(MmMetrics.NUMA_PTE_UPDATES), "heap less its 2 pinned pages; 'bound' not at all");
        for (int i = 0; i < 16; i++) {
            assertFalse(NumaBalancing.isProtNone(p.vma(0), i));
            assertEquals(i != 4 && i != 5, NumaBalancing.isProtNone(p.vma(1), i), "heap page " + i);
        }
    }

    @Test
    void scansAdvanceInTwoMegabyteChunksAndWrapIntoTheNextPass() {
        MmFixture fx = new MmFixture(new long[] {2048, 2048}, new int[2], 100, 0, LOCAL, new SecurityHardening() {
        }, settings(spec(NumaBalancingSpec.Mode.AUTONUMA, 1))); // scanSize 1 MiB = 256 pages
        MmStruct p = resident(fx, 1000, 0, 1);
        NumaBalancing.Scanner s = scanner(fx, p);
        long start = p.vma(0).startVpn();
        assertEquals(512, start);
        // [512, 1024): the chunk ends at the 2 MiB boundary after 512 + 256; 512 updated pages use up the budget
        s.taskNumaWork(1, 0);
        assertEquals(512, fx.counter(MmMetrics.NUMA_PTE_UPDATES));
        assertEquals(1024, s.scanOffset);
        assertEquals(0, s.scanSeq);
        // [1024, 1512): the rest of the mapping
        s.taskNumaWork(1, 0);
        assertEquals(1000, fx.counter(MmMetrics.NUMA_PTE_UPDATES));
        assertEquals(1512, s.scanOffset);
        // past the last mapping: a new pass from the start; nothing left to mark, so it runs through
        // 512 + 488 pages of virtual space (under 8 x 256) and off the end again
        long flushes = fx.counter(Tlbs.NR_TLB_REMOTE_FLUSH);
        long cost = s.taskNumaWork(1, 0);
        assertEquals(2, s.scanSeq);
        assertEquals(0, s.scanOffset);
        assertEquals(1000 * 10, cost, "only the PTE walk: no update, no flush");
        assertEquals(flushes, fx.counter(Tlbs.NR_TLB_REMOTE_FLUSH));
    }

    @Test
    void thePeriodAdaptsToTheLocalityOfThePassesFaults() {
        MmFixture fx = fixture(2, spec(NumaBalancingSpec.Mode.AUTONUMA, 256));
        MmStruct p = resident(fx, 64, 0, 1);
        NumaBalancing.Scanner s = scanner(fx, p);
        // one scan window (64 pages < 256 MiB): min 1000 ms (floor 1000 / (2560 / 256) = 100), max 60000
        assertEquals(1_000, s.taskScanMin());
        assertEquals(60_000, s.taskScanMax());
        s.periodMs = 5_000; // slot 500
        s.remote = 10;
        s.updateTaskScanPeriod();
        assertEquals(5_000 - 7 * 500, s.periodMs, "all remote: 7 slots faster");
        s.periodMs = 5_000;
        s.local = 7;
        s.remote = 3;
        s.updateTaskScanPeriod();
        assertEquals(5_500, s.periodMs, "70 % local: one slot slower");
        s.periodMs = 5_000;
        s.local = 10;
        s.updateTaskScanPeriod();
        assertEquals(6_500, s.periodMs, "all local: three slots slower");
        s.periodMs = 5_000;
        s.local = 5;
        s.remote = 5;
        s.updateTaskScanPeriod();
        assertEquals(5_000 - 2 * 500, s.periodMs);
        s.updateTaskScanPeriod();
        assertEquals(8_000, s.periodMs, "no hinting fault in the pass: doubled");
        s.local = 10;
        s.failed = 1;
        s.updateTaskScanPeriod();
        assertEquals(16_000, s.periodMs, "a failed migration: doubled");
        s.periodMs = 1_200;
        s.remote = 3;
        s.updateTaskScanPeriod();
        assertEquals(1_000, s.periodMs, "never below the minimum");
        s.periodMs = 40_000;
        s.updateTaskScanPeriod();
        assertEquals(60_000, s.periodMs, "never above the maximum");
    }

    @Test
    void theScanWindowsDivideThePeriodBounds() {
        MmFixture fx = new MmFixture(new long[] {2048, 2048}, new int[2], 100, 0, LOCAL, new SecurityHardening() {
        }, settings(new NumaBalancingSpec(NumaBalancingSpec.Mode.AUTONUMA, 0, 10, 600, 2, 1_000,
                NumaBalancingSpec.DEFAULT_PROMOTE_RATE_LIMIT_BYTES_PER_SEC, SourceRef.UNKNOWN)));
        MmStruct p = resident(fx, 1500, 0, 1); // 1500 pages over 512-page (2 MiB) windows: 3
        NumaBalancing.Scanner s = scanner(fx, p);
        assertEquals(3, s.scanWindows());
        // floor 1000 / (2560 / 2) = 0; 10 / 3 = 3 ms; max 600 / 3 = 200 ms
        assertEquals(3, s.taskScanMin());
        assertEquals(200, s.taskScanMax());
    }

    @Test
    void theScannerRunsOnTheQueueWhileTheProcessHasALiveThread() {
        MmFixture fx = fixture(2, new NumaBalancingSpec(NumaBalancingSpec.Mode.AUTONUMA, 5, 10, 600, 4, 1_000,
                NumaBalancingSpec.DEFAULT_PROMOTE_RATE_LIMIT_BYTES_PER_SEC, SourceRef.UNKNOWN));
        EventQueue queue = new EventQueue();
        SimulationClock clock = new SimulationClock();
        fx.mm.attach(queue, clock);
        MmStruct p = fx.process("p", 16);
        assertTrue(queue.isEmpty(), "no thread yet, no scanner");
        for (int i = 0; i < 16; i++) {
            fx.mm.access(p, 0, i, 0);
        }
        fx.mm.addCpu(p, 1);
        assertEquals(5_000_000, queue.peekTime(), "first scan after scanDelay");
        NumaBalancing.Scanner s = scanner(fx, p);
        fire(queue, clock);
        assertEquals(16, fx.counter(MmMetrics.NUMA_PTE_UPDATES));
        // task_scan_min: one window, floor 1000 / (2560 / 4) = 1 ms, 10 / 1 = 10 ms
        assertEquals(5_000_000 + 10 * 1_000_000L, queue.peekTime(), "then every task_scan_min");
        long work = 16 * 10 + 1_150 + 60 * 16; // 16 PTEs, 16-page range flush with one target (CPU 0)
        assertEquals(work, fx.mm.takeCpuTime(1), "the scan's cost waits for the thread on CPU 1");
        assertEquals(0, fx.mm.takeCpuTime(1));
        assertEquals(400 + 60 * 16, fx.mm.takeCpuTime(0), "CPU 0 took the flush IPI");
        fx.mm.threadExited(p, 1);
        fire(queue, clock);
        assertTrue(queue.isEmpty(), "no live thread: the scanner stops");
        assertEquals(1, s.scans);
    }

    private static void fire(EventQueue q, SimulationClock clock) {
        long t = q.peekTime();
        clock.advanceTo(t);
        q.poll().fire(t);
    }

    @Test
    void aFullDestinationFailsTheMigrationAndCountsItForThePeriod() {
        MmFixture fx = fixture(2, spec(NumaBalancingSpec.Mode.AUTONUMA, 256));
        MmStruct p = resident(fx, 8, 0, 1);
        MmStruct hog = fx.process("hog", 1024);
        for (int i = 0; fx.mm.node(1).nrFreePages() > fx.mm.node(1).zones().get(0).watermarks().high(); i++) {
            fx.mm.access(hog, 0, i, 1);
        }
        NumaBalancing.Scanner s = scanner(fx, p);
        s.taskNumaWork(1, 0);
        fx.mm.access(p, 0, 2, 1);
        s.taskNumaWork(1, 0);
        long c = fx.mm.access(p, 0, 2, 1);
        assertEquals(0, nodeOfPage(fx, p, 2), "node 1 is at its high watermark: migrate_balanced_pgdat says no");
        assertEquals(30 + 500 + 210, c, "no migration was attempted");
        assertEquals(1, s.failed);
        assertEquals(0, fx.counter(MmMetrics.NUMA_PAGES_MIGRATED));
        assertNotNull(fx.mm.numab);
    }

    @Test
    void theProtNoneInvariantCatchesAMarkWithoutAPageAndACachedTranslation() {
        MmFixture fx = fixture(2, spec(NumaBalancingSpec.Mode.AUTONUMA, 256));
        MmStruct p = fx.process("p", 8);
        fx.mm.access(p, 0, 0, 0);
        fx.mm.addCpu(p, 1);
        assertEquals(List.of(), fx.violations());
        p.vma(0).protNone[0] |= 1L << 3; // page 3 was never touched
        assertEquals(1, fx.violations().stream().filter(v -> v.contains("numa.prot_none")
                || v.contains("PROT_NONE but its PTE maps no page")).count(), fx.violations().toString());
        p.vma(0).protNone[0] = 1L; // page 0 is present and cached in CPU 0's TLB
        assertTrue(fx.violations().stream().anyMatch(v -> v.contains("cpu 0 caches its translation")), fx.violations().toString());
    }

    @Test
    void swappingOutAndMigratingAPageClearItsMark() {
        MmFixture fx = fixture(2, spec(NumaBalancingSpec.Mode.AUTONUMA, 256));
        MmStruct p = resident(fx, 8, 0, 1);
        scanner(fx, p).taskNumaWork(1, 0);
        int[] status = new int[1];
        fx.mm.movePages(p.pid(), new long[] {p.vma(0).startVpn() + 6}, new int[] {1}, status, 0);
        assertEquals(1, status[0]);
        assertFalse(NumaBalancing.isProtNone(p.vma(0), 6), "remove_migration_ptes builds the PTE from the VMA's protection");
        long faults = fx.counter(MmMetrics.NUMA_HINT_FAULTS);
        fx.mm.access(p, 0, 6, 1);
        assertEquals(faults, fx.counter(MmMetrics.NUMA_HINT_FAULTS), "no hinting fault on the migrated page");
        NumaBalancing.unmapped(p.vma(0), 7);
        assertFalse(NumaBalancing.isProtNone(p.vma(0), 7));
        assertEquals(List.of(), fx.violations());
    }
}

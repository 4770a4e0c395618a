package dev.ksim.engine.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.engine.cost.CostModel;
import dev.ksim.engine.mm.tlb.TlbCosts;
import dev.ksim.engine.mm.zone.Watermarks;
import dev.ksim.engine.mm.zone.ZoneType;
import dev.ksim.engine.model.ReclaimMode;
import dev.ksim.engine.model.VmSpec;
import dev.ksim.engine.sim.EventHandler;
import dev.ksim.engine.sim.EventQueue;
import dev.ksim.engine.sim.SimulationClock;
import dev.ksim.spi.mm.MigrationPolicy;
import dev.ksim.spi.security.SecurityHardening;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The kernel reclaim mode ('lru'): two-list LRU, watermarks, kswapd, direct reclaim, demotion, TLB shootdowns. */
class KernelLruTest {
    private static final MigrationPolicy LOCAL = (f, m) -> f.cpuNode();
    /** 1024 frames: min_free_kbytes = max(128, sqrt(4096 * 16)) = 256 KiB = 64 pages; step max(16, 1) = 16. */
    private static final long FRAMES = 1024;

    /** Runs queued events (kswapd) until the queue is empty or {@code limit} events fired. */
    private static int drain(EventQueue q, SimulationClock clock, int limit) {
        int n = 0;
        while (!q.isEmpty() && n < limit) {
            long t = q.peekTime();
            EventHandler h = q.poll();
            clock.advanceTo(t);
            h.fire(t);
            n++;
        }
        return n;
    }

    @Test
    void watermarksAreTheKernelsForTheZone() {
        MmFixture fx = MmFixture.lru(new long[] {FRAMES}, 0, LOCAL);
        Watermarks w = fx.mm.nodes[0].zones[0].watermarks();
        assertEquals(Watermarks.of(64, 80, 96).low(), w.low());
        assertEquals(64, w.min());
        assertEquals(96, w.high());
    }

    @Test
    void aSecondReferenceActivatesAnInactivePage() {
        MmFixture fx = MmFixture.lru(new long[] {FRAMES}, 0, LOCAL);
        MmStruct p = fx.process("p", 4);
        fx.mm.access(p, 0, 0, 0); // fault: inactive, not referenced
        Lruvec lv = fx.mm.nodes[0].lruvec;
        assertEquals(1, lv.nrPages(Lruvec.LRU_INACTIVE_ANON));
        fx.mm.access(p, 0, 0, 0); // first reference: PG_referenced
        assertEquals(1, lv.nrPages(Lruvec.LRU_INACTIVE_ANON));
        assertEquals(0, fx.counter("pgactivate"));
        fx.mm.access(p, 0, 0, 0); // second reference: activated
        assertEquals(0, lv.nrPages(Lruvec.LRU_INACTIVE_ANON));
        assertEquals(1, lv.nrPages(Lruvec.LRU_ACTIVE_ANON));
        assertEquals(1, fx.counter("pgactivate"));
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void directReclaimBelowMinSwapsOutUnreferencedPagesAndRotatesReferencedOnes() {
        // no event queue: kswapd cannot run, so the allocator must reclaim directly below min
        MmFixture fx = MmFixture.lru(new long[] {FRAMES}, 4096, LOCAL);
        MmStruct p = fx.process("p", 2000);
        int resident = (int) FRAMES - 64; // what fits above the min watermark
        for (int i = 0; i < resident; i++) {
            fx.mm.access(p, 0, i, 0);
        }
        assertEquals(0, fx.counter("allocstall"));
        assertEquals(0, fx.counter("pswpout"));
        fx.mm.access(p, 0, 0, 0); // page 0 referenced: the scanner will rotate it, not evict it
        fx.mm.access(p, 0, resident, 0); // the first allocation below min
        assertEquals(1, fx.counter("allocstall"));
        assertEquals(Vmscan.SWAP_CLUSTER_MAX, fx.counter("pgsteal_direct"));
        assertEquals(Vmscan.SWAP_CLUSTER_MAX, fx.counter("pswpout"));
        assertEquals(1, fx.counter("pgrotated"), "page 0 was at the tail and referenced");
        assertTrue(Pte.isPresent(p.vma(0).pte(0)), "the referenced page survived");
        assertTrue(Pte.isSwap(p.vma(0).pte(1)), "the next-oldest unreferenced page went to swap");
        assertEquals(Vmscan.SWAP_CLUSTER_MAX + 1, fx.counter("pgscan_direct"));
        assertTrue(fx.counter("pageoutrun") == 0, "kswapd has no event queue here");
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void kswapdWakesBelowLowAndReclaimsToHighInTheBackground() {
        MmFixture fx = MmFixture.lru(new long[] {FRAMES}, 4096, LOCAL);
        EventQueue q = new EventQueue();
        SimulationClock clock = new SimulationClock();
        fx.mm.attach(q, clock);
        MmStruct p = fx.process("p", 2000);
        int aboveLow = (int) FRAMES - 80;
        for (int i = 0; i < aboveLow; i++) {
            fx.mm.access(p, 0, i, 0);
        }
        assertTrue(q.isEmpty(), "kswapd sleeps while the zone is above low");
        fx.mm.access(p, 0, aboveLow, 0); // fails the low watermark: kswapd wakes, the min-watermark retry succeeds
        assertEquals(1, fx.counter("pageoutrun"));
        assertFalse(q.isEmpty());
        drain(q, clock, 1000);
        assertTrue(fx.mm.nodes[0].balanced());
        assertTrue(fx.mm.nodes[0].nrFreePages() > 96, "reclaimed above high");
        assertTrue(fx.counter("pgsteal_kswapd") >= 96 - 79);
        assertEquals(fx.counter("pgsteal_kswapd"), fx.counter("pswpout"));
        assertEquals(0, fx.counter("allocstall"), "kswapd kept the allocator out of direct reclaim");
        assertFalse(fx.mm.nodes[0].kswapd.running(), "asleep again");
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void refillingDeactivatesActivePagesWhenInactiveIsLow() {
        MmFixture fx = MmFixture.lru(new long[] {FRAMES}, 4096, LOCAL);
        MmStruct p = fx.process("p", 2000);
        int resident = (int) FRAMES - 64;
        for (int r = 0; r < 3; r++) { // fault, reference, reference: every page active
            for (int i = 0; i < resident; i++) {
                fx.mm.access(p, 0, i, 0);
            }
        }
        Lruvec lv = fx.mm.nodes[0].lruvec;
        assertEquals(resident, lv.nrPages(Lruvec.LRU_ACTIVE_ANON));
        fx.mm.access(p, 0, resident, 0);
        assertTrue(fx.counter("pgdeactivate") > 0);
        assertEquals(Vmscan.SWAP_CLUSTER_MAX, fx.counter("pgsteal_direct"));
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void withoutSwapNothingIsReclaimableAndTheOomKillerRuns() {
        MmFixture fx = MmFixture.lru(new long[] {FRAMES}, 0, LOCAL);
        MmStruct big = fx.process("big", 2000);
        MmStruct small = fx.process("small", 10);
        for (int i = 0; i < 10; i++) {
            fx.mm.access(small, 0, i, 1 % 1);
        }
        for (int i = 0; i < FRAMES; i++) {
            fx.mm.access(big, 0, i, 0);
            if (big.oomKilled()) {
                break;
            }
        }
        assertTrue(big.oomKilled());
        assertFalse(small.oomKilled());
        assertEquals(1, fx.counter("oom_kill"));
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void demotionMovesVictimsToTheNextTierBeforeSwap() {
        MmSettings demote = new MmSettings(ReclaimMode.LRU, new VmSpec(VmSpec.KERNEL_DEFAULT, 10, 60, true), null, null);
        MmFixture fx = new MmFixture(new long[] {FRAMES, FRAMES}, new int[] {576, 706}, 100, 4096, (f, m) -> 0,
                new SecurityHardening() {
                }, demote);
        assertEquals(1, fx.mm.nodes[0].demotionTarget());
        assertEquals(-1, fx.mm.nodes[1].demotionTarget());
        MmStruct p = fx.process("p", 2000);
        int i = 0;
        while (fx.counter("numa_miss") == 0) { // fill node 0 down to its low watermark
            fx.mm.access(p, 0, i++, 0);
        }
        long node1Before = fx.mm.nodes[1].lruvec.nrPages();
        // kswapd's batch on node 0 (run directly: the zonelist let node 1 absorb the overflow)
        Vmscan.ScanControl sc = new Vmscan.ScanControl();
        sc.reset(true, 0, Vmscan.SWAP_CLUSTER_MAX);
        fx.mm.vmscan.shrinkNode(fx.mm.nodes[0], sc);
        assertEquals(Vmscan.SWAP_CLUSTER_MAX, sc.nrReclaimed);
        assertEquals(Vmscan.SWAP_CLUSTER_MAX, fx.counter("pgdemote_kswapd"));
        assertEquals(Vmscan.SWAP_CLUSTER_MAX, fx.counter("pgsteal_kswapd"));
        assertEquals(0, fx.counter("pswpout"), "demoted, not swapped");
        assertEquals(node1Before + Vmscan.SWAP_CLUSTER_MAX, fx.mm.nodes[1].lruvec.nrPages());
        assertEquals(1, fx.mm.nodeOf(Pte.frame(p.vma(0).pte(0))), "the oldest page now lives on node 1");
        assertTrue(sc.costNs >= Vmscan.SWAP_CLUSTER_MAX * 3_900L);
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void movableZoneTakesUserPagesFirst() {
        MmSettings s = new MmSettings(ReclaimMode.LRU, VmSpec.DEFAULT, new long[] {512}, null);
        MmFixture fx = new MmFixture(new long[] {FRAMES}, new int[1], 100, 0, LOCAL, new SecurityHardening() {
        }, s);
        assertEquals(2, fx.mm.nodes[0].zones.length);
        assertEquals(ZoneType.MOVABLE, fx.mm.nodes[0].zones[1].type());
        assertEquals(512, fx.mm.nodes[0].zones[1].managedPages());
        MmStruct p = fx.process("p", 10);
        for (int i = 0; i < 10; i++) {
            fx.mm.access(p, 0, i, 0);
        }
        assertEquals(10, fx.counter("pgalloc_movable"));
        assertEquals(0, fx.counter("pgalloc_normal"));
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void unmappingAPageOtherCpusRunSendsAShootdown() {
        MmFixture fx = new MmFixture(new long[] {2, 1}, 8, (f, m) -> 0);
        MmStruct p = fx.process("p", 4);
        fx.mm.addCpu(p, 0);
        fx.mm.addCpu(p, 1);
        fx.mm.access(p, 0, 0, 0);
        fx.mm.access(p, 0, 1, 0);
        fx.mm.access(p, 0, 2, 0); // lands on node 1 (fallback)
        long evicting = fx.mm.access(p, 0, 3, 0); // evicts page 0 from node 0 and takes its frame
        assertEquals(1, fx.counter("nr_tlb_remote_flush"));
        assertEquals(1, fx.counter("nr_tlb_remote_flush_received"));
        TlbCosts c = TlbCosts.defaults();
        assertEquals(60_000 + 500 + c.ipiRoundTripNs(1) + c.invlpgNs() + 1000 + 100, evicting,
                "swap write + unmap + IPI round trip to one CPU + INVLPG + minor fault + load");
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void tlbCostsComeFromTheCostModel() {
        assertEquals(TlbCosts.defaults(), TlbCosts.of(CostModel.defaults()));
        assertEquals(123, TlbCosts.of(CostModel.of(null, java.util.Map.of(CostModel.TLB_WALK, 123L))).pageWalkNs());
    }

    @Test
    void aTlbMissWalksThePageTableAndAnStlbHitCostsLess() {
        MmFixture fx = new MmFixture(new long[] {4096}, 0, LOCAL);
        MmStruct p = fx.process("p", 200);
        for (int i = 0; i < 200; i++) {
            fx.mm.access(p, 0, i, 0); // faults fill both levels; L1 holds the last 64
        }
        assertEquals(100 + 3, fx.mm.access(p, 0, 0, 0), "L1 miss, STLB hit");
        assertEquals(100, fx.mm.access(p, 0, 0, 0), "L1 hit");
        fx.mm.tlbs.mmExit(p.pid);
        assertEquals(100 + 30, fx.mm.access(p, 0, 0, 0), "both levels miss: page walk");
        assertEquals(List.of(), fx.violations());
    }
}

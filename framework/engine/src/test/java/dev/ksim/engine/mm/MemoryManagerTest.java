package dev.ksim.engine.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.engine.run.PluginCrashException;
import dev.ksim.spi.mm.FaultContext;
import dev.ksim.spi.mm.MigrationPolicy;
import dev.ksim.spi.security.SecurityHardening;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MemoryManagerTest {
    private static final MigrationPolicy LOCAL = (f, m) -> f.cpuNode();

    @Test
    void firstTouchIsAMinorFaultThenAHit() {
        MmFixture fx = new MmFixture(new long[] {4}, 0, LOCAL);
        MmStruct p = fx.process("p", 2);
        long fault = fx.mm.access(p, 0, 1, 0);
        long hit = fx.mm.access(p, 0, 1, 0);
        assertEquals(1000 + 100, fault, "minor fault default + local load");
        assertEquals(100, hit);
        assertEquals(1, fx.counter("pgfault"));
        assertEquals(0, fx.counter("pgmajfault"));
        assertEquals(2, fx.counter("accesses"));
        assertEquals(1, fx.counter("pgalloc"));
        assertEquals(3, fx.mm.node(0).nrFreePages());
        assertEquals(1, p.rss());
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void swapOutTheLruTailAndSwapInOnMajorFault() {
        MmFixture fx = new MmFixture(new long[] {2}, 8, LOCAL);
        MmStruct p = fx.process("p", 3);
        fx.mm.access(p, 0, 0, 0);
        fx.mm.access(p, 0, 1, 0);
        fx.mm.access(p, 0, 0, 0); // page 0 is now most recent; page 1 is the LRU tail
        long evicting = fx.mm.access(p, 0, 2, 0);
        assertEquals(1, fx.counter("pswpout"));
        assertTrue(Pte.isSwap(p.vma(0).pte(1)), "page 1 was the least recently used");
        assertTrue(Pte.isPresent(p.vma(0).pte(0)));
        assertEquals(60_000 + 500 + 60 + 1000 + 100, evicting, "swap write + unmap + local INVLPG + minor fault + load");
        long major = fx.mm.access(p, 0, 1, 0);
        assertEquals(1, fx.counter("pgmajfault"));
        assertEquals(1, fx.counter("pswpin"));
        assertEquals(2, fx.counter("pswpout"), "page 0 was evicted to make room");
        assertEquals(4, fx.counter("pgfault"), "3 minor + 1 major");
        assertEquals(60_000 + 500 + 60 + 2_000 + 50_000 + 100, major);
        assertEquals(1, fx.mm.swap().nrUsed());
        assertEquals(1, p.swapents());
        assertEquals(2, p.rss());
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void fallsBackToTheOtherNodeWhenThePolicysNodeIsFull() {
        MigrationPolicy node0 = (f, m) -> 0;
        MmFixture fx = new MmFixture(new long[] {4, 4}, 0, node0);
        MmStruct p = fx.process("p", 6);
        for (int i = 0; i < 6; i++) {
            fx.mm.access(p, 0, i, 0);
        }
        assertEquals(4, fx.counter("numa_hit"));
        assertEquals(2, fx.counter("numa_miss"));
        assertEquals(2, fx.counter("numa_foreign"));
        assertEquals(4, fx.counter("numa_local"));
        assertEquals(2, fx.counter("numa_other"));
        assertEquals(0, fx.counter("pswpout"));
        assertEquals(0, fx.mm.node(0).nrFreePages());
        assertEquals(2, fx.mm.node(1).nrFreePages());
        assertEquals(210, fx.mm.access(p, 0, 5, 0), "remote reference costs latency x 21 / 10");
        assertEquals(100, fx.mm.access(p, 0, 0, 0));
        assertEquals(30 + 210, fx.mm.access(p, 0, 0, 1), "node 0 is remote from CPU 1, whose TLB misses: walk + load");
        assertEquals(210, fx.mm.access(p, 0, 0, 1), "now a TLB hit");
        java.util.Map<String, Number> nodes = new java.util.TreeMap<>();
        fx.mm.reportNodeMetrics(nodes);
        assertEquals(2L, nodes.get("node1.numa_miss"));
        assertEquals(2L, nodes.get("node0.numa_foreign"));
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void zonelistFallsBackByDistanceThenId() {
        int[][] d = {{10, 30, 20, 20}, {30, 10, 20, 20}, {20, 20, 10, 20}, {20, 20, 20, 10}};
        NumaTopology t = new NumaTopology(d, new int[] {0, 1, 2, 3});
        assertEquals(List.of(0, 2, 3, 1), toList(t.zonelistOf(0)));
        assertEquals(List.of(1, 2, 3, 0), toList(t.zonelistOf(1)));
    }

    private static List<Integer> toList(int[] a) {
        List<Integer> l = new ArrayList<>();
        for (int x : a) {
            l.add(x);
        }
        return l;
    }

    @Test
    void oomWithoutSwapKillsTheLargestProcess() {
        MmFixture fx = new MmFixture(new long[] {8}, 0, LOCAL);
        MmStruct big = fx.process("big", 6);
        MmStruct small = fx.process("small", 4);
        for (int i = 0; i < 6; i++) {
            fx.mm.access(big, 0, i, 0);
        }
        fx.mm.access(small, 0, 0, 0);
        fx.mm.access(small, 0, 1, 0);
        assertEquals(0, fx.mm.node(0).nrFreePages());
        fx.mm.access(small, 0, 2, 0);
        assertEquals(1, fx.counter("oom_kill"));
        assertTrue(big.oomKilled());
        assertFalse(small.oomKilled());
        assertEquals(0, big.rss());
        assertEquals(3, small.rss());
        assertEquals(5, fx.mm.node(0).nrFreePages());
        assertEquals(6, fx.counter("pgfree"));
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void oomMayKillTheFaultingProcessItself() {
        MmFixture fx = new MmFixture(new long[] {4}, 0, LOCAL);
        MmStruct p = fx.process("p", 5);
        for (int i = 0; i < 5; i++) {
            fx.mm.access(p, 0, i, 0);
        }
        assertTrue(p.oomKilled());
        assertEquals(1, fx.counter("oom_kill"));
        assertEquals(4, fx.mm.node(0).nrFreePages());
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void fullSwapFallsBackToOom() {
        MmFixture fx = new MmFixture(new long[] {2}, 1, LOCAL);
        MmStruct a = fx.process("a", 3);
        MmStruct b = fx.process("b", 1);
        fx.mm.access(a, 0, 0, 0);
        fx.mm.access(a, 0, 1, 0);
        fx.mm.access(a, 0, 2, 0); // swaps page 0 out: swap is now full
        assertEquals(1, fx.counter("pswpout"));
        fx.mm.access(b, 0, 0, 0); // nothing can be swapped: OOM kills a (rss 2)
        assertTrue(a.oomKilled());
        assertEquals(0, fx.mm.swap().nrUsed(), "the victim's swap slots are freed too");
        assertEquals(1, b.rss());
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void policyErrorsBecomePluginCrashes() {
        MigrationPolicy bad = (f, m) -> m.nodeCount();
        MmFixture fx = new MmFixture(new long[] {2}, 0, bad);
        MmStruct p = fx.process("p", 1);
        PluginCrashException e = assertThrows(PluginCrashException.class, () -> fx.mm.access(p, 0, 0, 0));
        assertTrue(e.getMessage().startsWith("migration policy 'test-policy' crashed: placeFault returned node 1"), e.getMessage());
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void faultContextDescribesTheFaultAndIsReused() {
        List<FaultContext> seen = new ArrayList<>();
        List<String> described = new ArrayList<>();
        MigrationPolicy spy = (f, m) -> {
            seen.add(f);
            described.add(f.cpu() + "/" + f.cpuNode() + "/" + f.pid() + "/" + f.mapping() + "/" + f.pageOffset());
            return 1;
        };
        MmFixture fx = new MmFixture(new long[] {2, 2}, 0, spy);
        MmStruct p = fx.process("p", 8);
        fx.mm.access(p, 0, 7, 1);
        fx.mm.access(p, 0, 3, 0);
        assertEquals(List.of("1/1/1/0/7", "0/0/1/0/3"), described);
        assertTrue(seen.get(0) == seen.get(1), "one FaultContext object for every fault");
    }

    @Test
    void hardeningHooksChargeTheFaultingThread() {
        long[] calls = new long[2];
        SecurityHardening xpfo = new SecurityHardening() {
            @Override
            public long onUserPageAllocated(int node, long pfn) {
                calls[0]++;
                return 700;
            }

            @Override
            public long onUserPageFreed(int node, long pfn) {
                calls[1]++;
                return 300;
            }
        };
        MmFixture fx = new MmFixture(new long[] {1}, 100, 4, (f, m) -> 0, xpfo);
        MmStruct p = fx.process("p", 2);
        assertEquals(1000 + 700 + 100, fx.mm.access(p, 0, 0, 0));
        assertEquals(60_000 + 500 + 60 + 300 + 1000 + 700 + 100, fx.mm.access(p, 0, 1, 0));
        assertEquals(2, calls[0]);
        assertEquals(1, calls[1]);
    }
}

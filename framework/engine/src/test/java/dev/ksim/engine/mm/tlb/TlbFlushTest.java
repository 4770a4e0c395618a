package dev.ksim.engine.mm.tlb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.engine.invariant.InvariantCheck;
import dev.ksim.engine.invariant.InvariantRegistry;
import dev.ksim.engine.metrics.MetricsRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Shootdowns: who is interrupted, the 33-page ceiling, counters, costs, kernel flushes, invariants. */
class TlbFlushTest {
    private final MetricsRegistry metrics = new MetricsRegistry();
    /** A toy page table: (mm, vpn) -> frame; absent = not mapped. */
    private final Map<Long, Integer> pageTable = new HashMap<>();
    private final TranslationLookup lookup = (mm, vpn) -> pageTable.getOrDefault(Tlbs.key(mm, vpn), -1);

    static List<String> violations(Tlbs t, TranslationLookup lookup) {
        List<String> v = new ArrayList<>();
        for (InvariantCheck c : t.invariants(lookup)) {
            List<String> one = new ArrayList<>();
            c.check(one);
            for (String s : one) {
                v.add(c.name() + " " + s);
            }
        }
        return v;
    }

    private long count(String name) {
        return metrics.counter(name).get();
    }

    private void map(Tlbs t, int cpu, int mm, long vpn, int frame) {
        pageTable.put(Tlbs.key(mm, vpn), frame);
        if (t.lookup(cpu, mm, vpn) < 0) {
            t.fill(cpu, mm, vpn, frame);
        }
    }

    private void unmap(int mm, long vpn) {
        pageTable.remove(Tlbs.key(mm, vpn));
    }

    /** 8 CPUs; mm 1 runs on CPUs 0, 2, 5 and caches vpns 0..99 there; mm 2 on CPU 3 caches the same vpns. */
    private Tlbs machine() {
        Tlbs t = new Tlbs(8, TlbConfig.defaults(), TlbCosts.defaults(), metrics);
        for (int c : new int[] {0, 2, 5}) {
            t.switchMm(c, 1);
            for (int v = 0; v < 100; v++) {
                map(t, c, 1, v, 1000 + v);
            }
        }
        t.switchMm(3, 2);
        for (int v = 0; v < 100; v++) {
            map(t, 3, 2, v, 2000 + v);
        }
        assertEquals(List.of(), violations(t, lookup));
        return t;
    }

    @Test
    void shootdownReachesExactlyTheCpumask() {
        Tlbs t = machine();
        unmap(1, 7);
        long ns = t.flushTlbPage(0, 1, 7);
        Shootdown s = t.lastFlush();
        assertEquals(2, s.targets());
        for (int c = 0; c < 8; c++) {
            assertEquals(c == 2 || c == 5, s.targeted(c), "cpu " + c);
        }
        assertTrue(s.localFlush());
        assertFalse(s.fullFlush());
        for (int c : new int[] {0, 2, 5}) {
            assertFalse(t.cached(c, 1, 7));
            assertTrue(t.cached(c, 1, 8));
        }
        assertTrue(t.cached(3, 2, 7), "another mm's entry for the same vpn survives");
        assertEquals(1, count(Tlbs.NR_TLB_REMOTE_FLUSH));
        assertEquals(2, count(Tlbs.NR_TLB_REMOTE_FLUSH_RECEIVED));
        assertEquals(1, count(Tlbs.NR_TLB_LOCAL_FLUSH_ONE));
        assertEquals(0, count(Tlbs.NR_TLB_LOCAL_FLUSH_ALL));
        // defaults: IPI 1000 + 2 x 150, plus one invlpg 60 on the targets that the initiator waits for
        assertEquals(1360, ns);
        assertEquals(400 + 60, s.perTargetNs());
        assertEquals(List.of(), violations(t, lookup));
    }

    @Test
    void initiatorOutsideTheCpumaskOnlySendsIpis() {
        Tlbs t = machine();
        unmap(1, 7);
        long ns = t.flushTlbPage(7, 1, 7); // e.g. kswapd on cpu 7 reclaiming mm 1's page
        Shootdown s = t.lastFlush();
        assertEquals(3, s.targets());
        assertFalse(s.localFlush());
        assertEquals(0, count(Tlbs.NR_TLB_LOCAL_FLUSH_ONE), "local counters count the initiator's own flush only");
        assertEquals(3, count(Tlbs.NR_TLB_REMOTE_FLUSH_RECEIVED));
        assertEquals(1000 + 3 * 150 + 60, ns);
        assertEquals(List.of(), violations(t, lookup));
    }

    @Test
    void anMmOnlyOnTheLocalCpuNeedsNoIpi() {
        Tlbs t = machine();
        unmap(2, 1);
        long ns = t.flushTlbPage(3, 2, 1);
        assertEquals(0, t.lastFlush().targets());
        assertEquals(0, count(Tlbs.NR_TLB_REMOTE_FLUSH));
        assertEquals(1, count(Tlbs.NR_TLB_LOCAL_FLUSH_ONE));
        assertEquals(60, ns, "one local invlpg");
        assertEquals(0, t.lastFlush().perTargetNs());
    }

    @Test
    void thirtyThreePagesAreFlushedOneByOne() {
        Tlbs t = machine();
        for (int v = 10; v < 43; v++) {
            unmap(1, v);
        }
        long ns = t.flushTlbMmRange(0, 1, 10, 33);
        assertFalse(t.lastFlush().fullFlush());
        assertEquals(33, count(Tlbs.NR_TLB_LOCAL_FLUSH_ONE));
        assertEquals(0, count(Tlbs.NR_TLB_LOCAL_FLUSH_ALL));
        assertTrue(t.cached(0, 1, 9));
        assertTrue(t.cached(0, 1, 43), "pages outside the range stay cached");
        assertFalse(t.cached(2, 1, 42));
        assertEquals(1000 + 2 * 150 + 33 * 60, ns);
        assertEquals(List.of(), violations(t, lookup));
    }

    @Test
    void thirtyFourPagesBecomeAFullFlushOfTheMm() {
        Tlbs t = machine();
        for (int v = 10; v < 44; v++) {
            unmap(1, v);
        }
        long ns = t.flushTlbMmRange(0, 1, 10, 34);
        assertTrue(t.lastFlush().fullFlush());
        assertEquals(1, count(Tlbs.NR_TLB_LOCAL_FLUSH_ALL));
        assertEquals(0, count(Tlbs.NR_TLB_LOCAL_FLUSH_ONE));
        assertEquals(2, count(Tlbs.NR_TLB_REMOTE_FLUSH_RECEIVED));
        for (int c : new int[] {0, 2, 5}) {
            assertEquals(0, t.l1Size(c) + t.stlbSize(c), "every entry of mm 1 on cpu " + c);
        }
        assertTrue(t.cached(3, 2, 50), "other mms keep their entries (PCID)");
        assertEquals(1000 + 2 * 150 + 200, ns);
        assertEquals(400 + 200, t.lastFlush().perTargetNs());
        assertEquals(List.of(), violations(t, lookup));
    }

    @Test
    void tunableCeiling() {
        Tlbs t = new Tlbs(2, TlbConfig.defaults(), TlbCosts.defaults(), metrics, 1);
        t.switchMm(0, 1);
        t.flushTlbMmRange(0, 1, 0, 2);
        assertTrue(t.lastFlush().fullFlush());
        t.flushTlbMm(0, 1);
        assertTrue(t.lastFlush().fullFlush());
        assertEquals(2, count(Tlbs.NR_TLB_LOCAL_FLUSH_ALL));
    }

    @Test
    void ipiCostGrowsWithTheCpumask() {
        Tlbs t = new Tlbs(16, TlbConfig.defaults(), TlbCosts.defaults(), metrics);
        for (int c = 0; c < 16; c++) {
            t.switchMm(c, 9);
        }
        long all = t.flushTlbPage(0, 9, 0);
        assertEquals(15, t.lastFlush().targets());
        assertEquals(1000 + 15 * 150 + 60, all);
        TlbCosts c = TlbCosts.defaults();
        assertTrue(c.ipiRoundTripNs(1) >= 1000 && c.ipiRoundTripNs(13) <= 3000, "1-3 us, memory spec section 8");
        assertEquals(0, c.ipiRoundTripNs(0));
    }

    @Test
    void kernelRangeFlushReachesEveryCpu() {
        Tlbs t = machine();
        // physmap translations of frames 500..509 cached on every CPU (XPFO's concern)
        for (int c = 0; c < 8; c++) {
            for (int v = 500; v < 510; v++) {
                map(t, c, Tlbs.INIT_MM, v, v);
            }
        }
        for (int v = 500; v < 502; v++) {
            unmap(Tlbs.INIT_MM, v); // XPFO: the user page leaves the physmap
        }
        long ns = t.flushTlbKernelRange(2, 500, 2);
        Shootdown s = t.lastFlush();
        assertEquals(7, s.targets());
        assertFalse(s.targeted(2));
        for (int c = 0; c < 8; c++) {
            assertFalse(t.cached(c, Tlbs.INIT_MM, 500));
            assertTrue(t.cached(c, Tlbs.INIT_MM, 502));
        }
        assertTrue(t.cached(0, 1, 5), "user entries are untouched by a ranged kernel flush");
        assertEquals(1000 + 7 * 150 + 2 * 60, ns);
        assertEquals(2, count(Tlbs.NR_TLB_LOCAL_FLUSH_ONE));
        assertEquals(7, count(Tlbs.NR_TLB_REMOTE_FLUSH_RECEIVED));
        assertEquals(List.of(), violations(t, lookup));
        // beyond the ceiling: do_flush_tlb_all on every CPU, user entries included
        t.flushTlbKernelRange(0, 500, 34);
        for (int c = 0; c < 8; c++) {
            assertEquals(0, t.l1Size(c) + t.stlbSize(c));
        }
        assertEquals(1, count(Tlbs.NR_TLB_LOCAL_FLUSH_ALL));
        t.flushTlbAll(1);
        assertEquals(2, count(Tlbs.NR_TLB_LOCAL_FLUSH_ALL));
    }

    @Test
    void staleEntryAfterUnmapWithoutFlushIsDetected() {
        Tlbs t = machine();
        unmap(1, 42);
        List<String> v = violations(t, lookup);
        assertEquals(3, v.stream().filter(s -> s.startsWith("tlb.coherence ") && s.contains("vpn 42")).count() / 2,
                "cpus 0, 2 and 5 each hold it in L1 and STLB: " + v);
        assertTrue(v.stream().allMatch(s -> s.startsWith("tlb.coherence ")), v.toString());
        // a remap to another frame without flush is stale too
        t.flushTlbPage(0, 1, 42);
        pageTable.put(Tlbs.key(1, 43), 7777);
        assertFalse(violations(t, lookup).isEmpty());
        t.flushTlbPage(0, 1, 43);
        assertEquals(List.of(), violations(t, lookup));
        InvariantRegistry r = new InvariantRegistry();
        TlbInvariants.register(t, lookup, r);
        r.checkAll("end");
        assertEquals(4, r.report().checked());
        assertEquals(List.of(), r.report().violations());
    }

    @Test
    void corruptedStructuresAreDetected() {
        Tlbs t = machine();
        TlbLevel l = t.l1[0];
        l.size++;
        assertTrue(violations(t, lookup).stream().anyMatch(s -> s.startsWith("tlb.capacity ")));
        l.size--;
        // unhash an entry but leave it on the LRU list
        int e = l.lruNext[l.head];
        int b = l.bucketOf(l.key[e]);
        if (l.bucket[b] == e) {
            l.bucket[b] = l.chain[e];
        } else {
            int p = l.bucket[b];
            while (l.chain[p] != e) {
                p = l.chain[p];
            }
            l.chain[p] = l.chain[e];
        }
        assertTrue(violations(t, lookup).stream().anyMatch(s -> s.startsWith("tlb.lru_hash ")));
    }

    @Test
    void entryOnACpuOutsideTheCpumaskIsDetected() {
        Tlbs t = machine();
        t.cpumask[1 * ((8 + 63) >>> 6)] &= ~(1L << 5); // cpu 5 leaves mm 1's cpumask but keeps its entries
        assertTrue(violations(t, lookup).stream().anyMatch(s -> s.startsWith("tlb.cpumask ") && s.contains("cpu5")));
    }
}

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

    private static List<String> named(List<String> v, String check, String text) {
        return v.stream().filter(x -> x.startsWith(check + " ") && x.contains(text)).toList();
    }

    /** A used entry of {@code l} and a blank way in a set other than its own (the STLB of {@link #machine} has plenty). */
    private static int[] usedAndBlankElsewhere(TlbLevel l) {
        int used = -1;
        for (int e = 0; e < l.capacity && used < 0; e++) {
            if (l.key[e] != TlbLevel.EMPTY) {
                used = e;
            }
        }
        for (int e = 0; e < l.capacity; e++) {
            if (l.key[e] == TlbLevel.EMPTY && e / l.ways != used / l.ways) {
                return new int[] {used, e};
            }
        }
        throw new AssertionError("no blank way");
    }

    private static void copy(TlbLevel l, int from, int to) {
        l.key[to] = l.key[from];
        l.frame[to] = l.frame[from];
        l.gen[to] = l.gen[from];
    }

    private static void blank(TlbLevel l, int e) {
        l.key[e] = TlbLevel.EMPTY;
        l.frame[e] = 0;
        l.gen[e] = 0;
    }

    @Test
    void corruptedGeometryIsDetected() {
        Tlbs t = machine();
        TlbLevel good = t.l1[0];
        t.l1[0] = new TlbLevel(128, 4); // twice the configured capacity
        assertEquals(1, named(violations(t, lookup), "tlb.capacity", "cpu0 L1 has 32 sets x 4 ways").size(), violations(t, lookup).toString());
        t.l1[0] = new TlbLevel(64, 8); // the capacity, but 8 sets of 8 ways
        assertEquals(1, named(violations(t, lookup), "tlb.capacity", "cpu0 L1").size());
        t.l1[0] = good;
        assertEquals(List.of(), violations(t, lookup));
    }

    @Test
    void entryInTheWrongSetIsDetected() {
        Tlbs t = machine();
        TlbLevel l = t.stlb[2];
        int[] ue = usedAndBlankElsewhere(l);
        long[] order = l.order.clone();
        copy(l, ue[0], ue[1]);
        blank(l, ue[0]);
        int from = ue[0] / l.ways;
        int to = ue[1] / l.ways;
        // keep both order words consistent (used ways first) so that only the set index is wrong
        l.order[from] = l.toTail(l.order[from], TlbLevel.positionOf(l.order[from], ue[0] - from * l.ways));
        l.order[to] = TlbLevel.toFront(l.order[to], TlbLevel.positionOf(l.order[to], ue[1] - to * l.ways));
        List<String> v = violations(t, lookup);
        assertEquals(1, v.size(), v.toString());
        assertEquals(1, named(v, "tlb.sets", "cpu2 STLB entry " + ue[1] + " ").size(), v.toString());
        assertTrue(v.get(0).endsWith("is in set " + to + ", its set is " + from), v.toString());
        copy(l, ue[1], ue[0]);
        blank(l, ue[1]);
        System.arraycopy(order, 0, l.order, 0, order.length);
        assertEquals(List.of(), violations(t, lookup));
    }

    @Test
    void duplicateOrderAndGenerationCorruptionsAreDetected() {
        Tlbs t = machine();
        TlbLevel l = t.stlb[0];
        int e = usedAndBlankElsewhere(l)[0];
        int set = e / l.ways;
        long order = l.order[set];
        int twin = set * l.ways + (int) (order >>> l.tailShift & 15); // the tail: a blank way (machine() fills < 12 per set)
        assertEquals(TlbLevel.EMPTY, l.key[twin]);
        // the same translation twice in its set
        copy(l, e, twin);
        l.order[set] = TlbLevel.toFront(order, TlbLevel.positionOf(order, twin - set * l.ways));
        List<String> v = violations(t, lookup);
        assertEquals(1, named(v, "tlb.sets", "twice").size(), v.toString());
        assertEquals(1, v.size(), v.toString());
        blank(l, twin);
        // a used way listed behind the blank one: the next fill would not take the free way
        assertEquals(1, named(violations(t, lookup), "tlb.sets", "behind a blank way").size());
        l.order[set] = order;
        assertEquals(List.of(), violations(t, lookup));
        // an order word that is not a permutation: way 0 listed twice
        l.order[set] = order & ~0xFFL | (order >>> 4 & 0xF) | (order >>> 4 & 0xF) << 4;
        assertEquals(1, named(violations(t, lookup), "tlb.sets", "is not a permutation").size());
        l.order[set] = order | 0xFL << 4 * l.ways; // a nibble beyond the ways
        assertEquals(1, named(violations(t, lookup), "tlb.sets", "is not a permutation").size());
        l.order[set] = order;
        // a generation the mm has not reached: invalid now, but it would revive after the next full flush
        l.gen[e] = t.gens[1] + 1;
        assertEquals(1, named(violations(t, lookup), "tlb.sets", "has generation 1, its mm is at 0").size());
        l.gen[e] = 0;
        // a set marked clean after a bump it never saw
        long epoch = l.epoch[set];
        l.epoch[set] = t.bumps + 1;
        assertEquals(1, named(violations(t, lookup), "tlb.sets", "was cleaned at bump").size());
        l.epoch[set] = epoch;
        // an unused way that is not blank
        l.frame[twin] = 9;
        assertEquals(1, named(violations(t, lookup), "tlb.sets", "unused entry " + twin + " is not blank").size());
        l.frame[twin] = 0;
        assertEquals(List.of(), violations(t, lookup));
    }

    @Test
    void staleWayInACleanedSetIsDetected() {
        Tlbs t = machine();
        t.flushTlbMm(0, 1); // bump: cpu 0's sets hold stale ways of mm 1 until their next fill
        assertEquals(List.of(), violations(t, lookup));
        TlbLevel l = t.stlb[0];
        int s = l.setOf(5, Tlbs.mmSalt(1));
        map(t, 0, 1, 5, 1005); // refills vpn 5: cleans its set
        assertEquals(t.bumps, l.epoch[s]);
        assertEquals(List.of(), violations(t, lookup));
        for (int e = s * l.ways; e < (s + 1) * l.ways; e++) {
            assertTrue(l.key[e] == TlbLevel.EMPTY || l.key[e] == Tlbs.key(1, 5), "the set's stale ways were blanked");
        }
        // a stale way in the cleaned set (its fill would now evict a valid entry instead)
        int blankWay = s * l.ways + (int) (l.order[s] >>> l.tailShift & 15);
        l.key[blankWay] = Tlbs.key(1, 5 + 128);
        l.frame[blankWay] = 1133;
        l.gen[blankWay] = t.gens[1] - 1;
        assertEquals(1, named(violations(t, lookup), "tlb.sets", "which was cleaned since the last generation bump").size(),
                violations(t, lookup).toString());
    }

    @Test
    void fullFlushIsAGenerationBumpAndItsStaleWaysAreReusedFirst() {
        Tlbs t = machine();
        int before = t.gens[1];
        for (int v = 0; v < 100; v++) {
            unmap(1, v); // munmap of everything: the page tables no longer map any of it
        }
        t.flushTlbMm(0, 1);
        assertEquals(before + 1, t.gens[1], "one bump for the whole cpumask");
        long physical = java.util.Arrays.stream(t.stlb[2].key).filter(k -> k != TlbLevel.EMPTY).count();
        assertEquals(100, physical, "the entries are still in the arrays, O(1) flush");
        assertEquals(0, t.l1Size(2) + t.stlbSize(2));
        for (int v = 0; v < 100; v++) {
            assertFalse(t.cached(0, 1, v));
            assertEquals(-1, t.lookup(5, 1, v), "a stale way never hits");
        }
        assertEquals(List.of(), violations(t, lookup), "stale ways are not translations: no false alarm");
        assertEquals(100, t.l1Size(3) + t.stlbSize(3) - 64, "mm 2 on cpu 3 untouched (64 in L1, 100 in the STLB)");
        // cpu 0's L1 sets are full of stale mm-1 ways: new fills take them, not the LRU valid ways
        t.switchMm(0, 2);
        for (int v = 0; v < 64; v++) {
            map(t, 0, 2, 1000 + v, 3000 + v);
        }
        for (int v = 0; v < 64; v++) {
            assertEquals(3000 + v, t.lookup(0, 2, 1000 + v), "no eviction while stale ways were free: vpn " + (1000 + v));
            assertEquals(Tlbs.LEVEL_L1, t.lastLookupLevel());
        }
        // reviving the old generation would resurrect translations the page tables dropped: caught
        t.gens[1] = before;
        List<String> v = violations(t, lookup);
        assertTrue(v.stream().anyMatch(x -> x.startsWith("tlb.coherence ") && x.contains("stale entry")), v.toString());
        t.gens[1] = before + 1;
        // mmExit is a bump too
        t.mmExit(2);
        assertEquals(0, t.l1Size(3) + t.stlbSize(3));
        assertEquals(0, t.cpumaskWeight(2));
        assertEquals(List.of(), violations(t, lookup));
    }

    @Test
    void generationWrapPurgesTheMmPhysically() {
        Tlbs t = machine();
        t.gens[1] = Integer.MAX_VALUE - 1; // as after 2^31 - 1 full flushes of mm 1
        t.bumps += Integer.MAX_VALUE - 1;
        for (int c : new int[] {0, 2, 5}) { // re-fill under the new generation
            for (int v = 0; v < 10; v++) {
                t.fill(c, 1, v, 1000 + v);
            }
        }
        assertEquals(List.of(), violations(t, lookup));
        t.flushTlbMm(0, 1); // -> MAX_VALUE
        assertEquals(Integer.MAX_VALUE, t.gens[1]);
        for (int v = 0; v < 10; v++) {
            t.fill(0, 1, v, 1000 + v);
        }
        t.flushTlbMm(0, 1); // wraps: every way of mm 1 is dropped, whatever its generation
        assertEquals(0, t.gens[1]);
        for (int c = 0; c < 8; c++) {
            for (TlbLevel l : new TlbLevel[] {t.l1[c], t.stlb[c]}) {
                for (long k : l.key) {
                    assertTrue(k == TlbLevel.EMPTY || Tlbs.mmOf(k) != 1, "cpu " + c + " kept a way of mm 1");
                }
            }
        }
        assertTrue(t.cached(3, 2, 5), "other mms keep theirs");
        assertFalse(t.cached(0, 1, 5));
        assertEquals(List.of(), violations(t, lookup));
    }

    @Test
    void entryOnACpuOutsideTheCpumaskIsDetected() {
        Tlbs t = machine();
        t.cpumask[1 * ((8 + 63) >>> 6)] &= ~(1L << 5); // cpu 5 leaves mm 1's cpumask but keeps its entries
        assertTrue(violations(t, lookup).stream().anyMatch(s -> s.startsWith("tlb.cpumask ") && s.contains("cpu5")));
    }
}

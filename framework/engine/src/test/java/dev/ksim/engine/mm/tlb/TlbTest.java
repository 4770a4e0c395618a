package dev.ksim.engine.mm.tlb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.engine.metrics.MetricsRegistry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** Per-CPU TLB lookups: hits, misses, LRU eviction order across L1 and STLB. */
class TlbTest {
    private final MetricsRegistry metrics = new MetricsRegistry();

    private long count(String name) {
        return metrics.counter(name).get();
    }

    private static long[] keys(int mm, long... vpns) {
        long[] k = new long[vpns.length];
        for (int i = 0; i < vpns.length; i++) {
            k[i] = Tlbs.key(mm, vpns[i]);
        }
        return k;
    }

    @Test
    void defaultsAreSkylakeSizes() {
        Tlbs t = new Tlbs(2, TlbConfig.defaults(), TlbCosts.defaults(), metrics);
        assertEquals(64, t.config().l1Entries());
        assertEquals(1536, t.config().stlbEntries());
        assertEquals(33, TlbConfig.TLB_SINGLE_PAGE_FLUSH_CEILING);
        assertThrows(IllegalArgumentException.class, () -> new TlbConfig(0, 10));
    }

    @Test
    void fillAfterMissBehavesAsFillAndReportsTheLookupLevel() {
        Tlbs a = new Tlbs(1, new TlbConfig(2, 4), TlbCosts.defaults(), metrics);
        Tlbs b = new Tlbs(1, new TlbConfig(2, 4), TlbCosts.defaults(), new MetricsRegistry());
        a.switchMm(0, 1);
        b.switchMm(0, 1);
        for (int v = 1; v <= 6; v++) {
            assertEquals(-1, a.lookup(0, 1, v));
            assertEquals(Tlbs.LEVEL_MISS, a.lastLookupLevel());
            a.fillAfterMiss(0, 1, v, 100 + v);
            b.fill(0, 1, v, 100 + v);
            assertArrayEquals(b.l1[0].keysMruFirst(), a.l1[0].keysMruFirst());
            assertArrayEquals(b.stlb[0].keysMruFirst(), a.stlb[0].keysMruFirst());
        }
        assertEquals(106, a.lookup(0, 1, 6));
        assertEquals(Tlbs.LEVEL_L1, a.lastLookupLevel());
        assertEquals(103, a.lookup(0, 1, 3)); // evicted from L1 (2 entries), still in the STLB (4)
        assertEquals(Tlbs.LEVEL_STLB, a.lastLookupLevel());
        assertEquals(List.of(), violations(a));
        assertThrows(IllegalStateException.class, () -> a.fillAfterMiss(0, 2, 1, 1), "cpu 0 never ran mm 2");
    }

    private static List<String> violations(Tlbs t) {
        List<String> v = new ArrayList<>();
        for (dev.ksim.engine.invariant.InvariantCheck c : t.invariants((mm, vpn) -> mm == 1 ? 100 + (int) vpn : -1)) {
            c.check(v);
        }
        return v;
    }

    @Test
    void singleLevelEvictsTheLeastRecentlyUsed() {
        Tlbs t = new Tlbs(1, new TlbConfig(4, 0), TlbCosts.defaults(), metrics);
        t.switchMm(0, 1);
        assertEquals(-1, t.lookup(0, 1, 1));
        for (int v = 1; v <= 4; v++) {
            t.fill(0, 1, v, 100 + v);
        }
        assertEquals(101, t.lookup(0, 1, 1)); // 1 becomes most recent; LRU order now 2, 3, 4, 1
        assertArrayEquals(keys(1, 1, 4, 3, 2), t.l1[0].keysMruFirst());
        t.fill(0, 1, 5, 105); // evicts 2
        assertFalse(t.cached(0, 1, 2));
        assertArrayEquals(keys(1, 5, 1, 4, 3), t.l1[0].keysMruFirst());
        assertEquals(-1, t.lookup(0, 1, 2));
        t.fill(0, 1, 3, 333); // refill of a cached page updates and touches it, evicts nothing
        assertEquals(4, t.l1Size(0));
        assertArrayEquals(keys(1, 3, 5, 1, 4), t.l1[0].keysMruFirst());
        assertEquals(333, t.lookup(0, 1, 3));
        assertEquals(2, count(Tlbs.TLB_HIT_L1));
        assertEquals(2, count(Tlbs.TLB_MISS));
        assertEquals(0, count(Tlbs.TLB_HIT_STLB));
    }

    @Test
    void stlbCatchesL1EvictionsAndRefillsL1() {
        Tlbs t = new Tlbs(1, new TlbConfig(2, 4), TlbCosts.defaults(), metrics);
        t.switchMm(0, 7);
        for (int v = 1; v <= 3; v++) {
            t.fill(0, 7, v, v * 10);
        }
        assertArrayEquals(keys(7, 3, 2), t.l1[0].keysMruFirst());
        assertArrayEquals(keys(7, 3, 2, 1), t.stlb[0].keysMruFirst());
        assertEquals(10, t.lookup(0, 7, 1)); // L1 miss, STLB hit, refills L1 (evicting 2 from L1)
        assertEquals(1, count(Tlbs.TLB_HIT_STLB));
        assertArrayEquals(keys(7, 1, 3), t.l1[0].keysMruFirst());
        assertEquals(10, t.lookup(0, 7, 1));
        assertEquals(1, count(Tlbs.TLB_HIT_L1));
        assertEquals(20, t.lookup(0, 7, 2)); // still in the STLB
        assertEquals(2, count(Tlbs.TLB_HIT_STLB));
        t.fill(0, 7, 4, 40);
        t.fill(0, 7, 5, 50); // STLB full: evicts its LRU, vpn 3
        assertFalse(t.cached(0, 7, 3));
        assertEquals(-1, t.lookup(0, 7, 3));
        assertEquals(1, count(Tlbs.TLB_MISS));
        assertEquals(List.of(), TlbFlushTest.violations(t, (mm, vpn) -> (int) vpn * 10));
    }

    @Test
    void entriesAreTaggedByMmAndCpu() {
        Tlbs t = new Tlbs(2, new TlbConfig(8, 16), TlbCosts.defaults(), metrics);
        t.switchMm(0, 1);
        t.switchMm(0, 2);
        t.fill(0, 1, 5, 11);
        t.fill(0, 2, 5, 22);
        assertEquals(11, t.lookup(0, 1, 5));
        assertEquals(22, t.lookup(0, 2, 5));
        assertEquals(-1, t.lookup(1, 1, 5), "another CPU's TLB is separate");
        assertThrows(IllegalStateException.class, () -> t.fill(1, 1, 5, 11), "cpu 1 never ran mm 1");
        t.fill(1, Tlbs.INIT_MM, 5, 99); // kernel translations may be cached anywhere
        assertEquals(99, t.lookup(1, Tlbs.INIT_MM, 5));
        assertThrows(IllegalArgumentException.class, () -> t.switchMm(0, Tlbs.INIT_MM));
    }

    @Test
    void mmExitDropsEverythingOfTheMm() {
        Tlbs t = new Tlbs(3, new TlbConfig(8, 16), TlbCosts.defaults(), metrics);
        for (int c = 0; c < 3; c++) {
            t.switchMm(c, 4);
            t.switchMm(c, 5);
            t.fill(c, 4, 1, 1);
            t.fill(c, 5, 1, 2);
        }
        t.mmExit(4);
        assertEquals(0, t.cpumaskWeight(4));
        for (int c = 0; c < 3; c++) {
            assertFalse(t.cached(c, 4, 1));
            assertTrue(t.cached(c, 5, 1));
        }
        assertEquals(0, count(Tlbs.NR_TLB_REMOTE_FLUSH));
    }

    /** The O(1) structure behaves exactly like a reference LRU (access-ordered LinkedHashMap). */
    @Property(tries = 200)
    void matchesAReferenceLru(@ForAll @Size(min = 1, max = 300) List<@IntRange(max = 40) Integer> refs,
                              @ForAll @IntRange(min = 1, max = 16) int capacity) {
        MetricsRegistry m = new MetricsRegistry();
        Tlbs t = new Tlbs(1, new TlbConfig(capacity, 0), TlbCosts.defaults(), m);
        t.switchMm(0, 3);
        Map<Integer, Integer> ref = new LinkedHashMap<>(16, 0.75f, true);
        List<Boolean> expected = new ArrayList<>();
        List<Boolean> actual = new ArrayList<>();
        for (int v : refs) {
            boolean hit = ref.get(v) != null;
            expected.add(hit);
            if (!hit) {
                if (ref.size() == capacity) {
                    ref.remove(ref.keySet().iterator().next());
                }
                ref.put(v, v + 1000);
            }
            int f = t.lookup(0, 3, v);
            actual.add(f >= 0);
            if (f < 0) {
                t.fill(0, 3, v, v + 1000);
            } else {
                assertEquals(v + 1000, f);
            }
        }
        assertEquals(expected, actual);
        assertEquals(List.of(), TlbFlushTest.violations(t, (mm, vpn) -> (int) vpn + 1000));
    }
}

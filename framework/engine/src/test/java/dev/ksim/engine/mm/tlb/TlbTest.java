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

/** Per-CPU TLB lookups: hits, misses, set indexing, LRU eviction order within a set across L1 and STLB. */
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

    private static long[] mru(TlbLevel l, Tlbs t) {
        return l.keysMruFirst(t.gens);
    }

    @Test
    void defaultsAreSkylakeSizes() {
        Tlbs t = new Tlbs(2, TlbConfig.defaults(), TlbCosts.defaults(), metrics);
        assertEquals(64, t.config().l1Entries());
        assertEquals(4, t.config().l1Ways());
        assertEquals(16, t.config().l1Sets());
        assertEquals(1536, t.config().stlbEntries());
        assertEquals(12, t.config().stlbWays());
        assertEquals(128, t.config().stlbSets());
        assertEquals(16, t.l1[1].sets);
        assertEquals(128, t.stlb[1].sets);
        assertEquals(12, t.stlb[1].ways);
        assertEquals(33, TlbConfig.TLB_SINGLE_PAGE_FLUSH_CEILING);
        assertThrows(IllegalArgumentException.class, () -> new TlbConfig(0, 10));
        assertThrows(IllegalArgumentException.class, () -> new TlbConfig(64, 3, 1536, 12), "64 / 3 sets");
        assertThrows(IllegalArgumentException.class, () -> new TlbConfig(64, 4, 1536, 8), "192 sets, not a power of two");
        assertThrows(IllegalArgumentException.class, () -> new TlbConfig(64, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new TlbConfig(64, 4, 0, 4), "an absent STLB has no ways");
        TlbConfig full = new TlbConfig(8, 16);
        assertEquals(1, full.l1Sets(), "the two-argument form is fully associative");
        assertEquals(1, full.stlbSets());
        assertEquals(0, new TlbConfig(8, 0).stlbSets());
        assertThrows(IllegalArgumentException.class, () -> new TlbConfig(8, 32), "at most 16 ways (one order word per set)");
    }

    @Test
    void aSetAssociativeLevelEvictsWithinTheSetOnly() {
        // 8 entries, 2 ways: 4 sets; init_mm's salt is 0, so vpn v lives in set v mod 4
        Tlbs t = new Tlbs(1, new TlbConfig(8, 2, 0, 0), TlbCosts.defaults(), metrics);
        int k = Tlbs.INIT_MM;
        t.fill(0, k, 0, 100);
        t.fill(0, k, 4, 104);
        t.fill(0, k, 1, 101); // another set
        assertEquals(100, t.lookup(0, k, 0)); // set 0: 4 is now its LRU
        t.fill(0, k, 8, 108); // set 0 is full: evicts 4 although the level has 5 free ways
        assertFalse(t.cached(0, k, 4));
        assertTrue(t.cached(0, k, 0));
        assertTrue(t.cached(0, k, 8));
        assertTrue(t.cached(0, k, 1));
        assertEquals(3, t.l1Size(0));
        for (int v = 2; v < 32; v += 4) { // eight pages of set 2: only the last two stay
            t.fill(0, k, v, 100 + v);
        }
        assertEquals(5, t.l1Size(0));
        assertTrue(t.cached(0, k, 26) && t.cached(0, k, 30) && !t.cached(0, k, 22));
        assertEquals(List.of(), TlbFlushTest.violations(t, (mm, vpn) -> mm == k ? 100 + (int) vpn : -1));
    }

    @Test
    void setIndexIsTheVpnXorTheMmSalt() {
        Tlbs t = new Tlbs(1, TlbConfig.defaults(), TlbCosts.defaults(), metrics);
        t.switchMm(0, 1);
        t.switchMm(0, 2);
        t.fill(0, 1, 5, 11);
        t.fill(0, 2, 5, 22);
        int salt1 = 0x9E3779B9 >>> 16;
        int salt2 = 2 * 0x9E3779B9 >>> 16;
        assertEquals(salt1, Tlbs.mmSalt(1));
        assertEquals(salt2, Tlbs.mmSalt(2));
        assertEquals(0, Tlbs.mmSalt(Tlbs.INIT_MM));
        TlbLevel s = t.stlb[0];
        int set1 = (5 ^ salt1) & 127;
        int set2 = (5 ^ salt2) & 127;
        assertTrue(set1 != set2, "the same vpn of two mms lands in different sets");
        assertEquals(set1, s.setOf(5, salt1));
        assertEquals(Tlbs.key(1, 5), s.key[s.find(set1, Tlbs.key(1, 5), 0)]);
        assertEquals(Tlbs.key(2, 5), s.key[s.find(set2, Tlbs.key(2, 5), 0)]);
        TlbLevel l = t.l1[0];
        assertTrue(l.find((5 ^ salt1) & 15, Tlbs.key(1, 5), 0) >= 0);
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
            assertArrayEquals(mru(b.l1[0], b), mru(a.l1[0], a));
            assertArrayEquals(mru(b.stlb[0], b), mru(a.stlb[0], a));
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
        assertArrayEquals(keys(1, 1, 4, 3, 2), mru(t.l1[0], t));
        t.fill(0, 1, 5, 105); // evicts 2
        assertFalse(t.cached(0, 1, 2));
        assertArrayEquals(keys(1, 5, 1, 4, 3), mru(t.l1[0], t));
        assertEquals(-1, t.lookup(0, 1, 2));
        t.fill(0, 1, 3, 333); // refill of a cached page updates and touches it, evicts nothing
        assertEquals(4, t.l1Size(0));
        assertArrayEquals(keys(1, 3, 5, 1, 4), mru(t.l1[0], t));
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
        assertArrayEquals(keys(7, 3, 2), mru(t.l1[0], t));
        assertArrayEquals(keys(7, 3, 2, 1), mru(t.stlb[0], t));
        assertEquals(10, t.lookup(0, 7, 1)); // L1 miss, STLB hit, refills L1 (evicting 2 from L1)
        assertEquals(1, count(Tlbs.TLB_HIT_STLB));
        assertArrayEquals(keys(7, 1, 3), mru(t.l1[0], t));
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

    /** A reference set-associative LRU level: per set an access-ordered LinkedHashMap of at most {@code ways} keys. */
    static final class ModelLevel {
        final int sets;
        final int ways;
        final List<LinkedHashMap<Long, Integer>> set = new ArrayList<>();

        ModelLevel(int sets, int ways) {
            this.sets = sets;
            this.ways = ways;
            for (int i = 0; i < sets; i++) {
                set.add(new LinkedHashMap<>(16, 0.75f, true));
            }
        }

        /** The documented index: (vpn ^ hash(mm)) mod sets, hash(mm) = mm * 0x9E3779B9 >>> 16. */
        Map<Long, Integer> of(int mm, long vpn) {
            return set.get((int) ((vpn ^ (mm * 0x9E3779B9 >>> 16)) & (sets - 1)));
        }

        Integer get(int mm, long vpn) {
            return of(mm, vpn).get(Tlbs.key(mm, vpn));
        }

        void put(int mm, long vpn, int frame) {
            Map<Long, Integer> s = of(mm, vpn);
            long k = Tlbs.key(mm, vpn);
            if (!s.containsKey(k) && s.size() == ways) {
                s.remove(s.keySet().iterator().next());
            }
            s.put(k, frame);
        }

        void remove(int mm, long vpn) {
            of(mm, vpn).remove(Tlbs.key(mm, vpn));
        }

        void removeMm(int mm) {
            for (Map<Long, Integer> s : set) {
                s.keySet().removeIf(k -> Tlbs.mmOf(k) == mm);
            }
        }

        List<Long> keys() {
            List<Long> out = new ArrayList<>();
            for (Map<Long, Integer> s : set) {
                out.addAll(s.keySet());
            }
            out.sort(null);
            return out;
        }
    }

    private static List<Long> sorted(long[] keys) {
        List<Long> out = new ArrayList<>();
        for (long k : keys) {
            out.add(k);
        }
        out.sort(null);
        return out;
    }

    /**
     * The array structure, generations included, behaves exactly like a per-set LRU model of the
     * non-exclusive two-level hierarchy (and of a single level): same hit level for every reference,
     * same frames, same contents after page and full-mm flushes. Ops: x % 16 == 0 flushes one page,
     * x % 16 == 1 flushes the whole mm, else a reference; mm = 1 + x / 16 % 3, vpn = x / 48.
     */
    @Property(tries = 300)
    void matchesAPerSetLruModel(@ForAll @Size(min = 1, max = 400) List<@IntRange(max = 48 * 40 - 1) Integer> ops,
                                @ForAll @IntRange(max = 2) int l1SetBits, @ForAll @IntRange(min = 1, max = 4) int l1Ways,
                                @ForAll @IntRange(max = 3) int stlbSetBits, @ForAll @IntRange(max = 6) int stlbWays) {
        int l1Sets = 1 << l1SetBits;
        int stlbSets = stlbWays == 0 ? 0 : 1 << stlbSetBits;
        MetricsRegistry m = new MetricsRegistry();
        Tlbs t = new Tlbs(1, new TlbConfig(l1Sets * l1Ways, l1Ways, stlbSets * stlbWays, stlbWays), TlbCosts.defaults(), m);
        ModelLevel l1 = new ModelLevel(l1Sets, l1Ways);
        ModelLevel stlb = stlbWays == 0 ? null : new ModelLevel(stlbSets, stlbWays);
        for (int mm = 1; mm <= 3; mm++) {
            t.switchMm(0, mm);
        }
        for (int x : ops) {
            int mm = 1 + x / 16 % 3;
            long vpn = x / 48;
            int frame = (int) vpn * 7 + mm;
            if (x % 16 == 0) {
                t.flushTlbPage(0, mm, vpn);
                l1.remove(mm, vpn);
                if (stlb != null) {
                    stlb.remove(mm, vpn);
                }
                continue;
            }
            if (x % 16 == 1) {
                t.flushTlbMm(0, mm);
                l1.removeMm(mm);
                if (stlb != null) {
                    stlb.removeMm(mm);
                }
                continue;
            }
            int expectedLevel;
            if (l1.get(mm, vpn) != null) {
                expectedLevel = Tlbs.LEVEL_L1;
            } else if (stlb != null && stlb.get(mm, vpn) != null) {
                expectedLevel = Tlbs.LEVEL_STLB;
                l1.put(mm, vpn, frame);
            } else {
                expectedLevel = Tlbs.LEVEL_MISS;
                l1.put(mm, vpn, frame);
                if (stlb != null) {
                    stlb.put(mm, vpn, frame);
                }
            }
            int f = t.lookup(0, mm, vpn);
            assertEquals(expectedLevel, t.lastLookupLevel(), "mm " + mm + " vpn " + vpn);
            if (f < 0) {
                t.fillAfterMiss(0, mm, vpn, frame);
            } else {
                assertEquals(frame, f);
            }
        }
        assertEquals(l1.keys(), sorted(mru(t.l1[0], t)));
        if (stlb != null) {
            assertEquals(stlb.keys(), sorted(mru(t.stlb[0], t)));
        }
        assertEquals(List.of(), TlbFlushTest.violations(t, (mm, vpn) -> (int) vpn * 7 + mm));
    }

    /** A fully associative level (the two-argument config) is an exact LRU: an access-ordered LinkedHashMap. */
    @Property(tries = 200)
    void fullyAssociativeMatchesAReferenceLru(@ForAll @Size(min = 1, max = 300) List<@IntRange(max = 40) Integer> refs,
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

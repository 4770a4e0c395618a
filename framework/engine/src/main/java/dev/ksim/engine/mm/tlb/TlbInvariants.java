package dev.ksim.engine.mm.tlb;

import dev.ksim.engine.invariant.InvariantCheck;
import dev.ksim.engine.invariant.InvariantRegistry;
import java.util.List;

/**
 * The TLBs' executable invariants. An entry is <em>valid</em> when it is used and carries its mm's
 * current generation (see {@link TlbLevel}); invalid ways are free and never hit, so the checks
 * below concern valid entries only — and are exact for them.
 * <ol>
 * <li>{@code tlb.capacity}: each level has the geometry of the {@link TlbConfig} (sets × ways =
 *     entries, a power-of-two number of sets, arrays of that length), so no level or set ever holds
 *     more entries than its capacity, and the count of valid entries is within it;</li>
 * <li>{@code tlb.sets}: every valid entry sits in the set its (mm, vpn) indexes (a lookup would
 *     never find it elsewhere) and no translation is validly cached twice in a level; each set's
 *     recency order is a permutation of its ways with the blank ways behind the used ones (so the
 *     fill's victim is a free way whenever there is one, else the LRU way); unused ways are blank;
 *     a set cleaned since the last generation bump holds no stale way; and no entry carries a
 *     generation its mm has not reached yet (which would revive it later);</li>
 * <li>{@code tlb.cpumask}: a CPU caches translations of a user mm only if it is in that mm's
 *     cpumask (otherwise a shootdown could miss it);</li>
 * <li>{@code tlb.coherence}: no entry outlives the translation it caches — every validly cached
 *     frame equals the page tables' current translation ({@link TranslationLookup}).</li>
 * </ol>
 * O(total entries); run at check points.
 */
public final class TlbInvariants {
    private TlbInvariants() {
    }

    public static void register(Tlbs tlbs, TranslationLookup lookup, InvariantRegistry registry) {
        for (InvariantCheck c : checks(tlbs, lookup)) {
            registry.register(c);
        }
    }

    static List<InvariantCheck> checks(Tlbs t, TranslationLookup lookup) {
        return List.of(InvariantCheck.of("tlb.capacity", v -> capacity(t, v)), InvariantCheck.of("tlb.sets", v -> sets(t, v)),
                InvariantCheck.of("tlb.cpumask", v -> cpumask(t, v)), InvariantCheck.of("tlb.coherence", v -> coherence(t, lookup, v)));
    }


    private interface LevelVisitor {
        void visit(int cpu, String level, TlbLevel l);
    }

    private static void eachLevel(Tlbs t, LevelVisitor v) {
        for (int c = 0; c < t.nrCpus; c++) {
            v.visit(c, "L1", t.l1[c]);
            if (t.stlb[c] != null) {
                v.visit(c, "STLB", t.stlb[c]);
            }
        }
    }

    static void capacity(Tlbs t, List<String> v) {
        eachLevel(t, (c, name, l) -> {
            int entries = name.equals("L1") ? t.config.l1Entries() : t.config.stlbEntries();
            int ways = name.equals("L1") ? t.config.l1Ways() : t.config.stlbWays();
            if (l.capacity != entries || l.ways != ways || l.sets * l.ways != l.capacity || Integer.bitCount(l.sets) != 1
                    || l.setMask != l.sets - 1 || l.ways > TlbLevel.MAX_WAYS) {
                v.add("cpu" + c + " " + name + " has " + l.sets + " sets x " + l.ways + " ways (capacity " + l.capacity
                        + "), configured " + entries + " entries in " + ways + " ways");
            }
            if (l.key.length != l.capacity || l.frame.length != l.capacity || l.gen.length != l.capacity
                    || l.order.length != l.sets || l.epoch.length != l.sets) {
                v.add("cpu" + c + " " + name + " arrays hold " + l.key.length + "/" + l.frame.length + "/" + l.gen.length
                        + " entries and " + l.order.length + "/" + l.epoch.length + " sets, geometry " + l.sets + " x " + l.ways);
                return;
            }
            int size = l.size(t.gens);
            if (size > entries) {
                v.add("cpu" + c + " " + name + " holds " + size + " entries, capacity " + entries);
            }
        });
    }

    static void sets(Tlbs t, List<String> v) {
        eachLevel(t, (c, name, l) -> {
            if (l.key.length != l.capacity || l.order.length != l.sets || l.epoch.length != l.sets) {
                return; // tlb.capacity reports it
            }
            String at = "cpu" + c + " " + name + " ";
            for (int s = 0; s < l.sets; s++) {
                int base = s * l.ways;
                long o = l.order[s];
                // the order word: a permutation of the ways, blank ways behind used ones
                int seen = 0;
                boolean blankSeen = false;
                boolean ok = l.ways == TlbLevel.MAX_WAYS || o >>> 4 * l.ways == 0;
                for (int p = 0; p < l.ways && ok; p++) {
                    int w = (int) (o >>> 4 * p & 15);
                    if (w >= l.ways || (seen >>> w & 1) != 0) {
                        ok = false;
                        break;
                    }
                    seen |= 1 << w;
                    boolean blank = l.key[base + w] == TlbLevel.EMPTY;
                    if (!blank && blankSeen) {
                        v.add(at + "set " + s + " lists used way " + w + " behind a blank way (order " + Long.toHexString(o) + ")");
                    }
                    blankSeen |= blank;
                }
                if (!ok) {
                    v.add(at + "set " + s + " order " + Long.toHexString(o) + " is not a permutation of its " + l.ways + " ways");
                }
                if (l.epoch[s] > t.bumps || l.epoch[s] < -1) {
                    v.add(at + "set " + s + " was cleaned at bump " + l.epoch[s] + ", only " + t.bumps + " so far");
                }
                for (int e = base; e < base + l.ways; e++) {
                    long k = l.key[e];
                    if (k == TlbLevel.EMPTY) {
                        if (l.gen[e] != 0 || l.frame[e] != 0) {
                            v.add(at + "unused entry " + e + " is not blank");
                        }
                        continue;
                    }
                    int mm = Tlbs.mmOf(k);
                    long vpn = Tlbs.vpnOf(k);
                    int current = mm < t.gens.length ? t.gens[mm] : 0;
                    if (l.gen[e] > current || l.gen[e] < 0) {
                        v.add(at + "entry " + e + " (mm " + mm + " vpn " + vpn + ") has generation " + l.gen[e]
                                + ", its mm is at " + current);
                    }
                    if (!l.valid(e, t.gens)) {
                        if (l.epoch[s] == t.bumps) {
                            v.add(at + "entry " + e + " (mm " + mm + " vpn " + vpn + ") is stale in set " + s
                                    + ", which was cleaned since the last generation bump");
                        }
                        continue;
                    }
                    int home = l.setOf(vpn, Tlbs.mmSalt(mm));
                    if (home != s) {
                        v.add(at + "entry " + e + " (mm " + mm + " vpn " + vpn + ") is in set " + s + ", its set is " + home);
                    }
                    for (int o2 = e + 1; o2 < base + l.ways; o2++) { // a copy elsewhere is in a wrong set
                        if (l.key[o2] == k && l.valid(o2, t.gens)) {
                            v.add(at + "caches mm " + mm + " vpn " + vpn + " twice (entries " + e + ", " + o2 + ")");
                        }
                    }
                }
            }
        });
    }

    static void cpumask(Tlbs t, List<String> v) {
        eachLevel(t, (c, name, l) -> {
            for (int e = 0; e < l.capacity; e++) {
                long k = l.key[e];
                if (l.valid(e, t.gens) && !t.cpumaskTest(Tlbs.mmOf(k), c)) {
                    v.add("cpu" + c + " " + name + " caches mm " + Tlbs.mmOf(k) + " vpn " + Tlbs.vpnOf(k)
                            + " but is not in that mm's cpumask");
                }
            }
        });
    }

    static void coherence(Tlbs t, TranslationLookup lookup, List<String> v) {
        eachLevel(t, (c, name, l) -> {
            for (int e = 0; e < l.capacity; e++) {
                long k = l.key[e];
                if (!l.valid(e, t.gens)) {
                    continue;
                }
                int mm = Tlbs.mmOf(k);
                long vpn = Tlbs.vpnOf(k);
                int now = lookup.translate(mm, vpn);
                if (now != l.frame[e]) {
                    v.add("cpu" + c + " " + name + " caches mm " + mm + " vpn " + vpn + " -> frame " + l.frame[e]
                            + " but the page table says " + (now < 0 ? "not mapped" : "frame " + now) + " (stale entry)");
                }
            }
        });
    }
}

package dev.ksim.engine.mm.tlb;

import dev.ksim.engine.invariant.InvariantCheck;
import dev.ksim.engine.invariant.InvariantRegistry;
import java.util.List;

/**
 * The TLBs' executable invariants:
 * <ol>
 * <li>{@code tlb.capacity}: no level holds more entries than its capacity, and its size equals
 *     the length of its LRU list (which is acyclic and doubly linked consistently);</li>
 * <li>{@code tlb.lru_hash}: the LRU list and the hash table hold the same entries: every listed
 *     entry is found under its key, no key is cached twice, every hashed entry is listed, unused
 *     entries are empty;</li>
 * <li>{@code tlb.cpumask}: a CPU caches translations of a user mm only if it is in that mm's
 *     cpumask (otherwise a shootdown could miss it);</li>
 * <li>{@code tlb.coherence}: no entry outlives the translation it caches — every cached frame
 *     equals the page tables' current translation ({@link TranslationLookup}).</li>
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
        return List.of(check("tlb.capacity", v -> capacity(t, v)), check("tlb.lru_hash", v -> lruHash(t, v)),
                check("tlb.cpumask", v -> cpumask(t, v)), check("tlb.coherence", v -> coherence(t, lookup, v)));
    }

    private interface Body {
        void run(List<String> v);
    }

    private static InvariantCheck check(String name, Body body) {
        return new InvariantCheck() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public void check(List<String> violations) {
                body.run(violations);
            }
        };
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
            if (l.size > l.capacity || l.size < 0) {
                v.add("cpu" + c + " " + name + " holds " + l.size + " entries, capacity " + l.capacity);
            }
            int n = 0;
            int prev = l.head;
            for (int e = l.lruNext[l.head]; e != l.head; e = l.lruNext[e]) {
                if (e < 0 || e >= l.capacity || ++n > l.capacity) {
                    v.add("cpu" + c + " " + name + " LRU list is corrupt at " + e);
                    return;
                }
                if (l.lruPrev[e] != prev) {
                    v.add("cpu" + c + " " + name + " LRU entry " + e + " has prev " + l.lruPrev[e] + ", expected " + prev);
                }
                prev = e;
            }
            if (n != l.size) {
                v.add("cpu" + c + " " + name + " LRU list has " + n + " entries but size is " + l.size);
            }
        });
    }

    static void lruHash(Tlbs t, List<String> v) {
        eachLevel(t, (c, name, l) -> {
            boolean[] listed = new boolean[l.capacity];
            int steps = 0;
            for (int e = l.lruNext[l.head]; e != l.head && e >= 0 && e < l.capacity && steps++ <= l.capacity; e = l.lruNext[e]) {
                listed[e] = true;
                long k = l.key[e];
                if (k == TlbLevel.EMPTY) {
                    v.add("cpu" + c + " " + name + " LRU lists empty entry " + e);
                } else if (l.find(k) != e) {
                    v.add("cpu" + c + " " + name + " entry " + e + " (mm " + Tlbs.mmOf(k) + " vpn " + Tlbs.vpnOf(k)
                            + ") is not found under its key (found " + l.find(k) + ")");
                }
            }
            boolean[] hashed = new boolean[l.capacity];
            for (int b = 0; b < l.bucket.length; b++) {
                int n = 0;
                for (int e = l.bucket[b]; e != TlbLevel.NIL; e = l.chain[e]) {
                    if (e < 0 || e >= l.capacity || ++n > l.capacity) {
                        v.add("cpu" + c + " " + name + " hash bucket " + b + " is corrupt");
                        break;
                    }
                    if (hashed[e]) {
                        v.add("cpu" + c + " " + name + " entry " + e + " is hashed twice");
                    }
                    hashed[e] = true;
                    if (!listed[e]) {
                        v.add("cpu" + c + " " + name + " entry " + e + " is hashed but not on the LRU list");
                    }
                    if (l.key[e] == TlbLevel.EMPTY || l.bucketOf(l.key[e]) != b) {
                        v.add("cpu" + c + " " + name + " entry " + e + " is in the wrong bucket " + b);
                    }
                }
            }
            for (int e = 0; e < l.capacity; e++) {
                if (listed[e] && !hashed[e]) {
                    v.add("cpu" + c + " " + name + " entry " + e + " is on the LRU list but not hashed");
                }
                if (!listed[e] && l.key[e] != TlbLevel.EMPTY) {
                    v.add("cpu" + c + " " + name + " unused entry " + e + " still holds a key");
                }
            }
        });
    }

    static void cpumask(Tlbs t, List<String> v) {
        eachLevel(t, (c, name, l) -> {
            for (int e = 0; e < l.capacity; e++) {
                long k = l.key[e];
                if (k != TlbLevel.EMPTY && !t.cpumaskTest(Tlbs.mmOf(k), c)) {
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
                if (k == TlbLevel.EMPTY) {
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

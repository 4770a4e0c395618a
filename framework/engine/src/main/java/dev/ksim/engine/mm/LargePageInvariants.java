package dev.ksim.engine.mm;

import dev.ksim.engine.invariant.InvariantCheck;
import dev.ksim.engine.invariant.InvariantRegistry;
import dev.ksim.engine.mm.zone.MemMap;
import dev.ksim.engine.mm.zone.Zone;
import dev.ksim.engine.model.MappingKind;
import java.util.List;

/**
 * The executable invariants of huge pages and compaction, one {@link InvariantCheck} each,
 * checked with the memory manager's ({@link MmInvariants}, which leaves compound frames to these):
 * <ol>
 * <li>{@code thp.compound}: every frame with PG_compound outside hugetlbfs belongs to a THP whose
 *     head (the aligned frame) is PG_compound, heads an allocated order-9 block, is on an LRU and
 *     swap-backed; every tail has PG_compound alone (so no tail is on an LRU) and reverse-maps to
 *     the head's mapping at the head's page offset plus its own; the THP's region of the mapping is
 *     aligned and huge-mapped. Every huge-mapped region's 512 PTEs map one THP's frames in order,
 *     and a {@code pmd_none} region has only empty PTEs; per node, {@code nr_anon_transparent_hugepages}
 *     equals a recount of THP heads.</li>
 * <li>{@code hugetlb.pool}: per node, HugePages_Total and HugePages_Free equal a recount of the
 *     hugetlb pages on the node and of the unmapped ones, the free list holds exactly the unmapped
 *     ones, each once; every hugetlb page heads an allocated order-9 block, its frames are
 *     PG_compound and never PG_lru; a mapped one is mapped by 512 consecutive PTEs of one hugetlb
 *     mapping; HugePages_Rsvd equals the sum of the mappings' reservations and is not negative.</li>
 * <li>{@code compaction.scanners}: each zone's cached migrate and free positions lie within the
 *     zone; a kcompactd run in progress has its scanners within its zone and holds no isolated page
 *     between events.</li>
 * </ol>
 * O(frames + PTEs), allocation at check points only.
 */
final class LargePageInvariants {
    private LargePageInvariants() {
    }

    static void register(MemoryManager m, InvariantRegistry r) {
        r.register(InvariantCheck.of("thp.compound", v -> compound(m, v)));
        r.register(InvariantCheck.of("hugetlb.pool", v -> pool(m, v)));
        r.register(InvariantCheck.of("compaction.scanners", v -> scanners(m, v)));
    }

    /** Whether {@link MmInvariants} leaves frame {@code f} to these checks (a THP or hugetlb frame). */
    static boolean compoundFrame(MemoryManager m, int f) {
        return m.frames.flags[f] < 0 || m.hugetlb.isHugetlb(f);
    }

    static void compound(MemoryManager m, List<String> v) {
        FrameTable t = m.frames;
        int nr = Thp.HPAGE_PMD_NR;
        long[] heads = new long[m.nodes.length];
        for (PglistData n : m.nodes) {
            for (int f = n.startPfn; f < n.startPfn + n.spannedPages; f++) {
                if (t.flags[f] >= 0 || m.hugetlb.isHugetlb(f)) {
                    continue;
                }
                int h = Thp.head(f);
                if (h < n.startPfn || t.flags[h] >= 0) {
                    v.add("THP tail " + f + " has no compound head (frame " + h + " is not PG_compound)");
                    continue;
                }
                if (f == h) {
                    heads[n.nodeId]++;
                    Zone z = n.memMap.zoneOf(h);
                    if (z == null || z.allocatedOrder(h) != Thp.HPAGE_PMD_ORDER) {
                        v.add("THP head " + h + " is not an allocated order-9 block"
                                + (z == null ? "" : " (order " + z.allocatedOrder(h) + ")"));
                    }
                    if ((t.flags[h] & PageFlags.PG_LRU) == 0 || (t.flags[h] & PageFlags.PG_SWAPBACKED) == 0) {
                        v.add("THP head " + h + " has flags " + t.flags[h] + ": not on an LRU or not swap-backed");
                    }
                    if (t.rmapVma[h] == FrameTable.FREE) {
                        v.add("THP head " + h + " is mapped by nobody");
                        continue;
                    }
                    VmArea vma = m.vmas[t.rmapVma[h]];
                    int p0 = t.rmapIndex[h];
                    int r = Thp.regionOf(vma, p0);
                    byte[] rg = m.thp.regionsOrNull(vma);
                    if (Thp.regionFirstPage(vma, r) != p0 || rg == null || (rg[r] & Thp.STATE_MASK) != Thp.PMD_MAPPED) {
                        v.add("THP head " + h + " maps at page " + p0 + " of " + vma.name
                                + ", which is not the start of a huge-mapped 2 MiB region");
                    }
                } else {
                    if (t.flags[f] != (byte) PageFlags.PG_COMPOUND) {
                        v.add("THP tail " + f + " has flags " + t.flags[f] + " besides PG_compound (a tail is on no LRU)");
                    }
                    if (t.rmapVma[f] != t.rmapVma[h] || t.rmapIndex[f] != t.rmapIndex[h] + (f - h)) {
                        v.add("THP tail " + f + " reverse-maps to vma " + t.rmapVma[f] + " page " + t.rmapIndex[f]
                                + ", not its head's vma " + t.rmapVma[h] + " page " + (t.rmapIndex[h] + (f - h)));
                    }
                }
            }
        }
        for (VmArea vma : m.vmas) {
            byte[] rg = m.thp.regionsOrNull(vma);
            if (rg == null || vma.kind != MappingKind.ANON) {
                continue;
            }
            for (int r = 0; r < rg.length; r++) {
                int state = rg[r] & Thp.STATE_MASK;
                int p0 = Thp.regionFirstPage(vma, r);
                if (state == Thp.PMD_MAPPED) {
                    if (!Thp.regionInside(vma, r) || !Pte.isPresent(vma.pte[p0])) {
                        v.add(vma.name + " region " + r + " is huge-mapped but its first PTE maps nothing");
                        continue;
                    }
                    int h = Pte.frame(vma.pte[p0]);
                    if ((h & ~Thp.HPAGE_MASK) != 0 || t.flags[h] >= 0) {
                        v.add(vma.name + " region " + r + " is huge-mapped but maps frame " + h + ", not a THP head");
                        continue;
                    }
                    for (int i = 0; i < nr; i++) {
                        if (vma.pte[p0 + i] != Pte.present(h + i)) {
                            v.add(vma.name + " region " + r + ": PTE " + (p0 + i) + " does not map frame " + (h + i)
                                    + " of the THP at " + h);
                            break;
                        }
                    }
                } else if (state == Thp.PMD_NONE && !vma.mm.killed()) {
                    for (int i = Math.max(0, p0); i < Math.min(vma.pte.length, p0 + nr); i++) {
                        if (vma.pte[i] != Pte.NONE) {
                            v.add(vma.name + " region " + r + " has no page table (pmd_none) but PTE " + i + " is " + vma.pte[i]);
                            break;
                        }
                    }
                }
            }
        }
        for (PglistData n : m.nodes) {
            if (heads[n.nodeId] != m.thp.nrThps[n.nodeId]) {
                v.add("node" + n.nodeId + " nr_anon_transparent_hugepages " + m.thp.nrThps[n.nodeId] + " but "
                        + heads[n.nodeId] + " THP heads");
            }
        }
    }

    static void pool(MemoryManager m, List<String> v) {
        Hugetlb h = m.hugetlb;
        FrameTable t = m.frames;
        int nr = Hugetlb.NR;
        for (PglistData n : m.nodes) {
            long total = 0;
            long free = 0;
            int first = (n.startPfn + nr - 1) & ~(nr - 1);
            for (int b = first; b + nr <= n.startPfn + n.spannedPages; b += nr) {
                if (!h.isHugetlb(b)) {
                    continue;
                }
                total++;
                Zone z = n.memMap.zoneOf(b);
                if (z == null || z.allocatedOrder(b) != Hugetlb.ORDER) {
                    v.add("hugetlb page " + b + " is not an allocated order-9 block");
                }
                boolean mapped = t.rmapVma[b] != FrameTable.FREE;
                if (!mapped) {
                    free++;
                    int seen = 0;
                    for (int i = 0; i < h.nrFree[n.nodeId]; i++) {
                        if (h.freeList[n.nodeId][i] == b) {
                            seen++;
                        }
                    }
                    if (seen != 1) {
                        v.add("free hugetlb page " + b + " is on node" + n.nodeId + "'s free list " + seen + " times");
                    }
                }
                VmArea vma = mapped ? m.vmas[t.rmapVma[b]] : null;
                if (vma != null && vma.kind != MappingKind.HUGETLB) {
                    v.add("hugetlb page " + b + " is mapped by " + vma.name + ", which is not a hugetlb mapping");
                    vma = null;
                }
                for (int i = 0; i < nr; i++) {
                    int f = b + i;
                    if (t.flags[f] >= 0 || (t.flags[f] & PageFlags.PG_LRU) != 0) {
                        v.add("hugetlb frame " + f + " has flags " + t.flags[f] + " (must be PG_compound, never PG_lru)");
                        break;
                    }
                    if (vma != null && (t.rmapVma[f] != t.rmapVma[b] || t.rmapIndex[f] != t.rmapIndex[b] + i
                            || vma.pte[t.rmapIndex[f]] != Pte.present(f))) {
                        v.add("hugetlb frame " + f + " is not mapped by the PTE after its predecessor's in " + vma.name);
                        break;
                    }
                    if (!mapped && t.rmapVma[f] != FrameTable.FREE) {
                        v.add("free hugetlb page " + b + " has frame " + f + " mapped");
                        break;
                    }
                }
            }
            if (total != h.nrHuge[n.nodeId]) {
                v.add("node" + n.nodeId + " HugePages_Total " + h.nrHuge[n.nodeId] + " but " + total + " hugetlb pages");
            }
            if (free != h.nrFree[n.nodeId]) {
                v.add("node" + n.nodeId + " HugePages_Free " + h.nrFree[n.nodeId] + " but " + free + " unmapped hugetlb pages");
            }
        }
        long resv = 0;
        for (long x : h.vmaResv) {
            if (x < 0) {
                v.add("a hugetlb mapping has a negative reservation " + x);
            }
            resv += x;
        }
        if (resv != h.resv || h.resv < 0) {
            v.add("HugePages_Rsvd " + h.resv + " but the mappings reserve " + resv);
        }
    }

    static void scanners(MemoryManager m, List<String> v) {
        Compaction c = m.compaction;
        for (int zi = 0; zi < c.zones.length; zi++) {
            Zone z = c.zones[zi];
            if (z.presentPages() == 0) {
                continue;
            }
            int lo = z.zoneStartPfn() & ~(MemMap.PAGEBLOCK_NR_PAGES - 1);
            int hi = z.zoneEndPfn();
            int[] pos = {c.cachedMigrateAsync[zi], c.cachedMigrateSync[zi], c.cachedFree[zi]};
            for (int p : pos) {
                if (p < lo || p > hi) {
                    v.add(z.name() + " compaction scanner position " + p + " is outside the zone [" + lo + ", " + hi + ")");
                    break;
                }
            }
        }
        for (Kcompactd k : c.kcompactd) {
            Compaction.Control cc = k.current();
            if (cc == null) {
                continue;
            }
            int lo = cc.zone.zoneStartPfn() & ~(MemMap.PAGEBLOCK_NR_PAGES - 1);
            int hi = cc.zone.zoneEndPfn();
            if (cc.migratePfn < lo || cc.migratePfn > hi || cc.freePfn < lo - MemMap.PAGEBLOCK_NR_PAGES || cc.freePfn > hi) {
                v.add("kcompactd of " + cc.zone.name() + " has its scanners at " + cc.migratePfn + " and " + cc.freePfn
                        + ", outside the zone [" + lo + ", " + hi + ")");
            }
            if (cc.nrFree != 0 || cc.nrMigrate != 0) {
                v.add("kcompactd of " + cc.zone.name() + " holds " + cc.nrFree + " free and " + cc.nrMigrate
                        + " isolated pages between events");
            }
        }
    }
}

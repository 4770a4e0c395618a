package dev.ksim.engine.mm.zone;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The page allocator's fallback order ({@code ZONELIST_FALLBACK}, mm/page_alloc.c
 * {@code build_zonelists}): for each preferred node, nodes by increasing SLIT distance (the node
 * itself first, ties by id), and on each node its zones from the highest zone index down
 * (ZONE_MOVABLE before ZONE_NORMAL). ZONE_DEVICE zones are never listed: nothing general is
 * allocated from them.
 *
 * <p>Eligibility of a zone for an allocation, as {@code gfp_zone()} and cpuset/mempolicy
 * filtering decide it:
 * <ul>
 * <li>only MIGRATE_MOVABLE allocations (GFP_HIGHUSER_MOVABLE) may land in ZONE_MOVABLE; unmovable
 *     and reclaimable (kernel) allocations never do;</li>
 * <li>an <em>isolated</em> node (the CDM proposal: coherent device memory outside the default
 *     zonelists, cpusets and hugetlb) is skipped unless the allocation carries an explicit
 *     nodemask that includes it (mbind MPOL_BIND, {@code __GFP_THISNODE}-style binding);</li>
 * <li>with a nodemask, only zones on its nodes are eligible.</li>
 * </ul>
 * Nodemasks are {@code long} bitmaps (nodes 0..63); {@link #NO_NODEMASK} means the default
 * policy. {@link #allocPages} is {@code get_page_from_freelist}: the first eligible zone that
 * passes the watermark check and has a block of the order wins; reclaim and compaction are the
 * caller's slow path. It does not allocate.
 */
public final class Zonelist {
    /** No explicit nodemask: default policy, isolated nodes excluded. */
    public static final long NO_NODEMASK = 0L;

    private final Zone[][] byNode;
    private final boolean[] isolated;
    private int lastNode = -1;

    /**
     * @param distance SLIT distances [from][to] of every node
     * @param zones    every zone of the machine (any order; ZONE_DEVICE ones are left out)
     * @param isolated per node, whether it is an isolated (CDM) node; may be null (none)
     */
    public Zonelist(int[][] distance, List<Zone> zones, boolean[] isolated) {
        int n = distance.length;
        if (n > 64) {
            throw new IllegalArgumentException("at most 64 nodes, got " + n);
        }
        this.isolated = isolated == null ? new boolean[n] : isolated.clone();
        if (this.isolated.length != n) {
            throw new IllegalArgumentException("isolated has " + this.isolated.length + " entries for " + n + " nodes");
        }
        for (Zone z : zones) {
            if (z.nodeId() < 0 || z.nodeId() >= n) {
                throw new IllegalArgumentException("zone " + z.name() + " is on unknown node " + z.nodeId());
            }
        }
        byNode = new Zone[n][];
        for (int from = 0; from < n; from++) {
            final int f = from;
            List<Zone> list = new ArrayList<>();
            for (Zone z : zones) {
                if (z.type() != ZoneType.DEVICE) {
                    list.add(z);
                }
            }
            list.sort(Comparator.<Zone>comparingInt(z -> z.nodeId() == f ? 0 : 1)
                    .thenComparingInt(z -> distance[f][z.nodeId()])
                    .thenComparingInt(Zone::nodeId)
                    .thenComparing(Comparator.comparingInt((Zone z) -> z.type().ordinal()).reversed())
                    .thenComparingInt(Zone::id));
            byNode[from] = list.toArray(new Zone[0]);
        }
    }

    /** The full fallback order for allocations preferring {@code node} (a copy). */
    public Zone[] zonelist(int node) {
        return byNode[node].clone();
    }

    public boolean isolated(int node) {
        return isolated[node];
    }

    /** Whether an allocation of migratetype {@code mt} under {@code nodemask} may use {@code z}. */
    public boolean eligible(Zone z, int mt, long nodemask) {
        if (z.type() == ZoneType.DEVICE) {
            return false;
        }
        if (z.type() == ZoneType.MOVABLE && mt != MigrateType.MIGRATE_MOVABLE) {
            return false;
        }
        int node = z.nodeId();
        if (nodemask == NO_NODEMASK) {
            return !isolated[node];
        }
        return (nodemask >>> node & 1L) != 0;
    }

    /**
     * get_page_from_freelist: allocates 2^{@code order} pages of migratetype {@code mt} from the
     * first eligible zone in {@code preferredNode}'s zonelist that passes watermark
     * {@code wmarkLevel} ({@link Watermarks#WMARK_MIN} … or {@link Watermarks#ALLOC_NO_WATERMARKS});
     * returns the pfn or -1. {@link #lastNode()} then tells which node it came from.
     */
    public int allocPages(int preferredNode, int order, int mt, long nodemask, int wmarkLevel) {
        Zone[] list = byNode[preferredNode];
        for (int i = 0; i < list.length; i++) {
            Zone z = list[i];
            if (!eligible(z, mt, nodemask) || !z.watermarkOkAt(order, wmarkLevel)) {
                continue;
            }
            int pfn = z.allocPages(order, mt);
            if (pfn >= 0) {
                lastNode = z.nodeId();
                return pfn;
            }
        }
        lastNode = -1;
        return -1;
    }

    /** The node of the last successful {@link #allocPages}, -1 after a failure. */
    public int lastNode() {
        return lastNode;
    }
}

package dev.ksim.engine.mm;

import dev.ksim.engine.mm.zone.MemMap;
import dev.ksim.engine.mm.zone.Zone;
import java.util.List;

/**
 * One memory node ({@code pg_data_t}): its frame range [startPfn, startPfn + spannedPages) of the
 * global {@link FrameTable}, what its provider said about it, its memmap ({@code node_mem_map})
 * and buddy zones (ZONE_NORMAL, then ZONE_MOVABLE when the node has a movable part), its LRU
 * lists, its kswapd, its demotion target, and its per-node NUMA allocation statistics
 * ({@code /sys/devices/system/node/nodeN/numastat}).
 */
public final class PglistData {
    final int nodeId;
    final int startPfn;
    final int spannedPages;
    final long loadLatencyNs;
    final int tier;
    final boolean cpuAccessible;
    final boolean hasCpus;
    final MemMap memMap;
    /** Buddy zones of the node, lowest zone index first (ZONE_NORMAL, ZONE_MOVABLE). */
    final Zone[] zones;
    final Lruvec lruvec;
    /** Node reclaim demotes to, -1 for none ({@code next_demotion_node}). */
    int demotionTarget = -1;
    Kswapd kswapd;
    /** The mark {@link #balanced} checks: high, or promo in NUMA-tiering mode (pgdat_balanced). */
    int balanceMark = dev.ksim.engine.mm.zone.Watermarks.WMARK_HIGH;

    long numaHit;
    long numaMiss;
    long numaForeign;
    long numaLocal;
    long numaOther;

    PglistData(int nodeId, int startPfn, int spannedPages, long loadLatencyNs, int tier, boolean cpuAccessible,
               boolean hasCpus, FrameTable table, MemMap memMap, List<Zone> zones) {
        this.nodeId = nodeId;
        this.startPfn = startPfn;
        this.spannedPages = spannedPages;
        this.loadLatencyNs = loadLatencyNs;
        this.tier = tier;
        this.cpuAccessible = cpuAccessible;
        this.hasCpus = hasCpus;
        this.memMap = memMap;
        this.zones = zones.toArray(new Zone[0]);
        this.lruvec = new Lruvec(table, table.sentinel(Lruvec.NR_LRU_LISTS * nodeId));
    }

    boolean contains(int pfn) {
        return pfn >= startPfn && pfn < startPfn + spannedPages;
    }

    public int nodeId() {
        return nodeId;
    }

    public long spannedPages() {
        return spannedPages;
    }

    /** Pages the buddy allocator manages on the node (the sum over its zones); 0 = the node has no N_MEMORY. */
    public long managedPages() {
        long n = 0;
        for (Zone z : zones) {
            n += z.managedPages();
        }
        return n;
    }

    /** NR_FREE_PAGES of the node: the sum over its zones. */
    public long nrFreePages() {
        long n = 0;
        for (Zone z : zones) {
            n += z.nrFreePages();
        }
        return n;
    }

    public long loadLatencyNs() {
        return loadLatencyNs;
    }

    public int tier() {
        return tier;
    }

    /** The node's buddy zones (ZONE_NORMAL first). */
    public List<Zone> zones() {
        return List.of(zones);
    }

    public Lruvec lruvec() {
        return lruvec;
    }

    /** The node reclaim demotes to, or -1. */
    public int demotionTarget() {
        return demotionTarget;
    }

    /**
     * pgdat_balanced: some zone of the node with managed pages has free pages above its high
     * watermark — its promo watermark in NUMA-tiering mode ({@link #balanceMark}) — or the node has
     * no managed pages.
     */
    boolean balanced() {
        boolean any = false;
        for (Zone z : zones) {
            if (z.managedPages() == 0) {
                continue;
            }
            any = true;
            if (z.watermarkOk(0, z.watermarks().get(balanceMark))) {
                return true;
            }
        }
        return !any;
    }

    /** Whether some zone of the node with managed pages is at or below its low watermark. */
    boolean belowLow() {
        for (Zone z : zones) {
            if (z.managedPages() > 0 && !z.watermarkOk(0, z.watermarks().low())) {
                return true;
            }
        }
        return false;
    }

    /**
     * The node's unusable free space index for {@code order} (mm/vmstat.c {@code unusable_free_index})
     * over all its zones, in thousandths; 1000 when nothing is free.
     */
    int unusableFreeIndex(int order) {
        long freePages = 0;
        long suitable = 0;
        for (Zone z : zones) {
            for (int o = 0; o < MemMap.NR_PAGE_ORDERS; o++) {
                long n = z.nrFree(o);
                freePages += n << o;
                if (o >= order) {
                    suitable += n << (o - order);
                }
            }
        }
        if (freePages == 0) {
            return 1000;
        }
        return (int) ((freePages - (suitable << order)) * 1000 / freePages);
    }
}

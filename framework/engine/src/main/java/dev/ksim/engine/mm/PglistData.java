package dev.ksim.engine.mm;

/**
 * One memory node ({@code pg_data_t}): its frame range [startPfn, startPfn + spannedPages) of the
 * global {@link FrameTable}, what its provider said about it, its free frames and its LRU, and
 * its per-node NUMA allocation statistics ({@code /sys/devices/system/node/nodeN/numastat}).
 */
public final class PglistData {
    final int nodeId;
    final int startPfn;
    final int spannedPages;
    final long loadLatencyNs;
    final int tier;
    final boolean cpuAccessible;
    final boolean hasCpus;
    final FreeArea freeArea;
    final Lruvec lruvec;

    long numaHit;
    long numaMiss;
    long numaForeign;
    long numaLocal;
    long numaOther;

    PglistData(int nodeId, int startPfn, int spannedPages, long loadLatencyNs, int tier, boolean cpuAccessible,
               boolean hasCpus, FrameTable table) {
        this.nodeId = nodeId;
        this.startPfn = startPfn;
        this.spannedPages = spannedPages;
        this.loadLatencyNs = loadLatencyNs;
        this.tier = tier;
        this.cpuAccessible = cpuAccessible;
        this.hasCpus = hasCpus;
        this.freeArea = new FreeArea(table, table.sentinel(2 * nodeId));
        this.lruvec = new Lruvec(table, table.sentinel(2 * nodeId + 1));
        freeArea.populate(startPfn, spannedPages);
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

    public long nrFreePages() {
        return freeArea.nrFree;
    }

    public long loadLatencyNs() {
        return loadLatencyNs;
    }

    public int tier() {
        return tier;
    }
}

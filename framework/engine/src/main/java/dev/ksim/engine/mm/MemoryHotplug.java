package dev.ksim.engine.mm;

import dev.ksim.engine.metrics.LongCounter;
import dev.ksim.engine.metrics.MetricsRegistry;
import dev.ksim.engine.mm.zone.MemMap;
import dev.ksim.engine.mm.zone.OfflineResult;
import dev.ksim.engine.mm.zone.Zone;
import dev.ksim.engine.mm.zone.ZoneType;

/**
 * Memory hotplug at a simulated time (mm/memory_hotplug.c, Documentation/admin-guide/mm/memory-hotplug.rst).
 * A node may have hot-pluggable memory at its top: the frame table is sized at boot, so its frames
 * exist but stay ABSENT in the node's memmap (a hole) until it is added. Granularity is a pageblock
 * (2 MiB; the kernel's memory block is 128 MiB or more): the range starts at the pageblock
 * boundary at or below {@code end - hotplug} ({@link #bootEnd}).
 * <ul>
 * <li>{@link #addMemory} ({@code add_memory} + {@code online_pages}): the range becomes present,
 *     then online in ZONE_NORMAL or ZONE_MOVABLE of its node (both exist, empty, from boot, so the
 *     zonelists know them): its pages are freed into the buddy, the node has memory (N_MEMORY,
 *     gauge {@code node<N>.managed_pages}) and the watermarks are recomputed as the kernel does
 *     after onlining ({@code init_per_zone_wmark_min}: min_free_kbytes from the new lowmem unless
 *     the scenario set it, then {@code setup_per_zone_wmarks}). Ordinary allocations may land
 *     there at once — CDM's concern. Device memory is not onlined but memremap'd into its driver's
 *     pool ({@code memremap_pages}: the device initialising). Adding memory that is online already
 *     does nothing ({@code memory_online_pages} counts pages that came online).</li>
 * <li>{@link #offlineMemory} ({@code offline_pages}): the range is isolated (MIGRATE_ISOLATE:
 *     nothing new is allocated there) and every allocated page in it migrated away with
 *     migrate_pages ({@code MR_MEMORY_HOTPLUG}: to another node with memory if there is one, else
 *     elsewhere on the node; {@code memory_offline_migrated}, and {@code pgmigrate_*}), pass after
 *     pass, up to {@value #MAX_PASSES} passes; then the pages go offline
 *     ({@code memory_offline_success}, {@code memory_offline_pages}) and the watermarks are
 *     recomputed. A pinned page in the range fails it with -EBUSY and the isolation is undone
 *     ({@code memory_offline_fail}), as does a page still there after the last pass (not
 *     migratable, or no room elsewhere). Pins here are never moved out of ZONE_MOVABLE before
 *     they are taken (Linux 5.13+ migrates FOLL_LONGTERM pins out of it): a pinned page blocks
 *     offlining as it did in the CDM era. Retired (hwpoisoned) frames go offline with the range.
 *     For device memory, offlining is the driver's removal: it evicts every device page of the
 *     range back to RAM ({@link DeviceMemory#evict}) and then {@code memunmap_pages}; a page it
 *     cannot evict, or a migrate_vma in flight to the range, fails it.</li>
 * </ul>
 * Both run in kernel context (a sysfs write, the driver): charged to no thread. Counters are
 * registered on first use.
 */
final class MemoryHotplug {
    /** Passes of isolate-migrate-retry before offline_pages gives up (the kernel retries until a signal). */
    static final int MAX_PASSES = 10;

    private final MemoryManager m;
    /** Per node, the first pfn of its hot-pluggable range (= its end when it has none). */
    private final int[] hotStart;
    private LongCounter onlined;
    private LongCounter offlined;
    private LongCounter success;
    private LongCounter fail;
    private LongCounter migrated;

    MemoryHotplug(MemoryManager m, MmSettings settings, MetricsRegistry metrics) {
        this.m = m;
        this.hotStart = new int[m.nodes.length];
        for (PglistData n : m.nodes) {
            hotStart[n.nodeId] = bootEnd(n.startPfn, n.spannedPages, settings.hotplug(n.nodeId));
            if (hasHotplug(n.nodeId)) {
                final PglistData node = n;
                metrics.gauge(MmMetrics.nodeMetric(n.nodeId, MmMetrics.MANAGED_PAGES), node::managedPages);
            }
        }
    }

    /**
     * The end of the memory a node of {@code count} frames from {@code start} has at boot when its
     * top {@code hotplug} pages are hot-pluggable: the pageblock boundary at or below
     * {@code start + count - hotplug}, not below {@code start}.
     */
    static int bootEnd(int start, int count, long hotplug) {
        if (hotplug <= 0) {
            return start + count;
        }
        long b = (start + (long) count - Math.min(hotplug, count)) & ~(long) (MemMap.PAGEBLOCK_NR_PAGES - 1);
        return (int) Math.max(start, b);
    }

    boolean hasHotplug(int node) {
        PglistData n = m.nodes[node];
        return hotStart[node] < n.startPfn + n.spannedPages;
    }

    private void counters() {
        if (onlined == null) {
            onlined = m.metrics.counter(MmMetrics.MEMORY_ONLINE_PAGES);
            offlined = m.metrics.counter(MmMetrics.MEMORY_OFFLINE_PAGES);
            success = m.metrics.counter(MmMetrics.MEMORY_OFFLINE_SUCCESS);
            fail = m.metrics.counter(MmMetrics.MEMORY_OFFLINE_FAIL);
            migrated = m.metrics.counter(MmMetrics.MEMORY_OFFLINE_MIGRATED);
        }
    }

    /** The node's zone of {@code type}. */
    private static Zone zone(PglistData n, ZoneType type) {
        for (Zone z : n.zones) {
            if (z.type() == type) {
                return z;
            }
        }
        throw new IllegalStateException("node" + n.nodeId + " has no " + type.kernelName() + " zone");
    }

    /**
     * Adds node {@code node}'s hot-pluggable memory and onlines it into {@code online}
     * (NORMAL or MOVABLE; null, and ignored, for device memory, which is memremap'd). Returns the
     * pages that came online, 0 when they were online already.
     *
     * @throws IllegalArgumentException when the node has no hot-pluggable memory (and is not a
     *                                  device node), or a RAM node is given no buddy zone type
     */
    long addMemory(int node, ZoneType online) {
        PglistData n = m.nodes[node];
        Zone dev = m.device.zone(node);
        int start = dev != null && !hasHotplug(node) ? n.startPfn : hotStart[node];
        int end = n.startPfn + n.spannedPages;
        if (start >= end) {
            throw new IllegalArgumentException("node" + node + " has no hot-pluggable memory");
        }
        if (dev == null && (online == null || !online.buddyManaged())) {
            throw new IllegalArgumentException("node" + node + ": online into ZONE_NORMAL or ZONE_MOVABLE, not " + online);
        }
        counters();
        MemMap map = n.memMap;
        if (map.zoneOf(start) != null) {
            return 0; // online already: the sysfs write fails with -EINVAL
        }
        if (!map.present(start)) {
            map.addMemory(start, end - start); // add_memory: the hole becomes present, offline
        }
        if (dev != null) {
            dev.memremapPages(start, end - start);
        } else {
            Zone z = zone(n, online);
            z.onlinePages(start, end - start);
            m.compaction.zoneResized(z);
            m.setupWatermarks(m.settings);
        }
        onlined.add(end - start);
        return end - start;
    }

    /**
     * Offlines node {@code node}'s hot-pluggable memory (a device node without any: all its
     * memory), on {@code cpu}; see the class comment. True when it went offline (or already was).
     */
    boolean offlineMemory(int node, int cpu) {
        PglistData n = m.nodes[node];
        Zone dev = m.device.zone(node);
        int start = dev != null && !hasHotplug(node) ? n.startPfn : hotStart[node];
        int end = n.startPfn + n.spannedPages;
        if (start >= end) {
            throw new IllegalArgumentException("node" + node + " has no hot-pluggable memory");
        }
        counters();
        Zone z = n.memMap.zoneOf(start);
        if (z == null) {
            return true; // offline already
        }
        int count = end - start;
        if (dev != null) {
            m.device.evict(node, start, end, null, cpu);
            for (int f = start; f < end; f++) {
                if (dev.deviceAllocated(f)) {
                    fail.inc(); // a page the driver could not evict, or a migrate_vma in flight to it
                    return false;
                }
            }
            dev.memunmapPages(start, count);
            offlined.add(count);
            success.inc();
            return true;
        }
        FrameTable t = m.frames;
        for (int pass = 0; pass < MAX_PASSES; pass++) {
            OfflineResult r = z.offlinePages(start, count, pfn -> t.pins[pfn] > 0);
            switch (r.status()) {
                case OFFLINED -> {
                    for (int f = start; f < end; f++) {
                        t.flags[f] = 0; // retired frames went offline with the range (num_poisoned_pages_sub)
                    }
                    m.compaction.zoneResized(z);
                    m.setupWatermarks(m.settings);
                    offlined.add(count);
                    success.inc();
                    return true;
                }
                case BUSY_PINNED -> {
                    if (pass > 0) {
                        z.undoIsolatePageRange(start, count);
                    }
                    fail.inc();
                    return false;
                }
                case MIGRATE_FIRST -> {
                    int[] heads = r.pfns();
                    int[] orders = r.orders();
                    for (int i = 0; i < heads.length; i++) {
                        for (int f = Math.max(heads[i], start); f < Math.min(end, heads[i] + (1 << orders[i])); f++) {
                            if (t.rmapVma[f] != FrameTable.FREE && m.migrate().migrateForHotplug(f, cpu) >= 0) {
                                migrated.inc();
                            }
                        }
                    }
                }
                default -> throw new IllegalStateException("unknown offline result " + r.status());
            }
        }
        z.undoIsolatePageRange(start, count);
        fail.inc();
        return false;
    }
}

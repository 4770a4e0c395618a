package dev.ksim.engine.mm.zone;

import java.util.List;

/**
 * A zone's watermarks in pages ({@code zone->_watermark[]}): below {@code low} kswapd wakes and
 * reclaims until {@code high}; below {@code min} the allocating task reclaims directly; {@code promo}
 * gates NUMA-tiering promotion. Validated {@code min < low < high <= promo} (all zero only for a
 * zone with no managed pages).
 *
 * <p>{@link #setupPerZoneWmarks} computes them as {@code __setup_per_zone_wmarks()} in
 * mm/page_alloc.c does (Linux 6.x):
 * <pre>
 * pages_min    = min_free_kbytes / 4                       (4 KiB pages)
 * lowmem_pages = sum of managed pages of all non-MOVABLE zones
 * tmp          = pages_min * managed / lowmem_pages          (this zone's share)
 * min          = tmp, or for ZONE_MOVABLE clamp(managed / 1024, SWAP_CLUSTER_MAX = 32, 128)
 * step         = max(tmp / 4, managed * watermark_scale_factor / 10000)
 * low = min + step;  high = low + step;  promo = high + step
 * </pre>
 * Defaults: {@code watermark_scale_factor} 10 (0.1 % of the zone), {@code min_free_kbytes} from
 * {@code calculate_min_free_kbytes()}: {@code int_sqrt(lowmem_kbytes * 16)} clamped to
 * [128, 262144]. One deviation, for toy-sized simulated zones: {@code step} is at least one page,
 * so the marks of a non-empty zone are always strictly ordered.
 */
public record Watermarks(long min, long low, long high, long promo) {
    /** Index of the min mark (WMARK_MIN). */
    public static final int WMARK_MIN = 0;
    public static final int WMARK_LOW = 1;
    public static final int WMARK_HIGH = 2;
    public static final int WMARK_PROMO = 3;
    /** No watermark check (ALLOC_NO_WATERMARKS, e.g. PF_MEMALLOC). */
    public static final int ALLOC_NO_WATERMARKS = -1;

    /** Default vm.watermark_scale_factor (mm/page_alloc.c), in units of 0.01 %. */
    public static final int DEFAULT_WATERMARK_SCALE_FACTOR = 10;
    /** Bounds of the computed vm.min_free_kbytes (calculate_min_free_kbytes). */
    public static final long MIN_FREE_KBYTES_FLOOR = 128;
    public static final long MIN_FREE_KBYTES_CEILING = 262_144;
    /** SWAP_CLUSTER_MAX (include/linux/swap.h), the floor of ZONE_MOVABLE's min mark. */
    public static final long SWAP_CLUSTER_MAX = 32;

    /** All zero: a zone without managed pages. */
    public static final Watermarks NONE = new Watermarks(0, 0, 0, 0);

    public Watermarks {
        boolean empty = min == 0 && low == 0 && high == 0 && promo == 0;
        if (!empty && !(min >= 0 && min < low && low < high && high <= promo)) {
            throw new IllegalArgumentException("watermarks must satisfy 0 <= min < low < high <= promo, got min "
                    + min + " low " + low + " high " + high + " promo " + promo);
        }
    }

    /** Marks given min, low and high, with promo = high (no tiering headroom). */
    public static Watermarks of(long min, long low, long high) {
        return new Watermarks(min, low, high, high);
    }

    /** The mark at {@code level} (WMARK_MIN … WMARK_PROMO). */
    public long get(int level) {
        switch (level) {
            case WMARK_MIN: return min;
            case WMARK_LOW: return low;
            case WMARK_HIGH: return high;
            case WMARK_PROMO: return promo;
            default: throw new IllegalArgumentException("no watermark level " + level);
        }
    }

    /** calculate_min_free_kbytes(): int_sqrt(lowmem_kbytes * 16) clamped to [128, 262144]. */
    public static long defaultMinFreeKbytes(long lowmemKbytes) {
        long v = isqrt(lowmemKbytes * 16);
        return Math.max(MIN_FREE_KBYTES_FLOOR, Math.min(MIN_FREE_KBYTES_CEILING, v));
    }

    /**
     * Sets the watermarks of every buddy zone in {@code zones} (ZONE_DEVICE zones are skipped), as
     * {@code setup_per_zone_wmarks()} does after boot and after each online/offline.
     */
    public static void setupPerZoneWmarks(List<Zone> zones, long minFreeKbytes, int watermarkScaleFactor) {
        if (minFreeKbytes < 0 || watermarkScaleFactor < 1 || watermarkScaleFactor > 3000) {
            throw new IllegalArgumentException("min_free_kbytes must be >= 0 and watermark_scale_factor in [1, 3000]");
        }
        long pagesMin = minFreeKbytes >> 2;
        long lowmem = 0;
        for (Zone z : zones) {
            if (z.type() == ZoneType.NORMAL) {
                lowmem += z.managedPages();
            }
        }
        for (Zone z : zones) {
            if (z.type().buddyManaged()) {
                z.setWatermarks(compute(z.managedPages(), z.type() == ZoneType.MOVABLE, pagesMin, lowmem,
                        watermarkScaleFactor));
            }
        }
    }

    /** Sets watermarks with the default min_free_kbytes (from all NORMAL zones) and scale factor. */
    public static void setupPerZoneWmarks(List<Zone> zones) {
        long lowmem = 0;
        for (Zone z : zones) {
            if (z.type() == ZoneType.NORMAL) {
                lowmem += z.managedPages();
            }
        }
        setupPerZoneWmarks(zones, defaultMinFreeKbytes(lowmem * 4), DEFAULT_WATERMARK_SCALE_FACTOR);
    }

    static Watermarks compute(long managed, boolean movable, long pagesMin, long lowmemPages, int scaleFactor) {
        if (managed == 0) {
            return NONE;
        }
        long tmp = lowmemPages == 0 ? 0 : pagesMin * managed / lowmemPages;
        long min = movable ? Math.max(SWAP_CLUSTER_MAX, Math.min(128, managed / 1024)) : tmp;
        long step = Math.max(1, Math.max(tmp >> 2, managed * scaleFactor / 10_000));
        return new Watermarks(min, min + step, min + 2 * step, min + 3 * step);
    }

    static long isqrt(long x) {
        long r = (long) Math.sqrt((double) x);
        while (r * r > x) {
            r--;
        }
        while ((r + 1) * (r + 1) <= x) {
            r++;
        }
        return r;
    }
}

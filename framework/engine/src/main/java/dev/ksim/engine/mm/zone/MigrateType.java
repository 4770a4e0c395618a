package dev.ksim.engine.mm.zone;

/**
 * Pageblock migratetypes ({@code enum migratetype}, include/linux/mmzone.h) as int constants,
 * in the kernel's order, and the fallback table of mm/page_alloc.c:
 *
 * <pre>
 * static int fallbacks[MIGRATE_PCPTYPES][MIGRATE_PCPTYPES - 1] = {
 *     [MIGRATE_UNMOVABLE]   = { MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE   },
 *     [MIGRATE_MOVABLE]     = { MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE },
 *     [MIGRATE_RECLAIMABLE] = { MIGRATE_UNMOVABLE,   MIGRATE_MOVABLE   },
 * };
 * </pre>
 *
 * MIGRATE_HIGHATOMIC and MIGRATE_CMA are not modelled. {@link #MIGRATE_ISOLATE} marks pageblocks
 * being offlined: nothing is ever allocated from them and their free pages do not merge with
 * non-isolated buddies at or above pageblock_order.
 */
public final class MigrateType {
    public static final int MIGRATE_UNMOVABLE = 0;
    public static final int MIGRATE_MOVABLE = 1;
    public static final int MIGRATE_RECLAIMABLE = 2;
    /** Number of types an allocation may ask for (MIGRATE_PCPTYPES). */
    public static final int MIGRATE_PCPTYPES = 3;
    public static final int MIGRATE_ISOLATE = 3;
    /** Number of free lists per order (MIGRATE_TYPES). */
    public static final int MIGRATE_TYPES = 4;

    private static final String[] NAMES = {"Unmovable", "Movable", "Reclaimable", "Isolate"};

    static final int[][] FALLBACKS = {
            {MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE},
            {MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE},
            {MIGRATE_UNMOVABLE, MIGRATE_MOVABLE},
    };

    private MigrateType() {
    }

    /** The name /proc/pagetypeinfo prints for {@code mt}. */
    public static String name(int mt) {
        return NAMES[mt];
    }

    /** The fallback types of {@code mt}, most preferred first; do not modify. */
    public static int[] fallbacks(int mt) {
        return FALLBACKS[mt].clone();
    }

    static void checkAllocatable(int mt) {
        if (mt < 0 || mt >= MIGRATE_PCPTYPES) {
            throw new IllegalArgumentException("not an allocation migratetype: " + mt);
        }
    }
}

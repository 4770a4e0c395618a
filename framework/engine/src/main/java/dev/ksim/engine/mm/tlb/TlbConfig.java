package dev.ksim.engine.mm.tlb;

/**
 * Geometry of each CPU's TLB: a first-level data TLB and a second-level shared TLB (STLB), each
 * set-associative with exact LRU within a set. A level of {@code entries} entries and {@code ways}
 * ways has {@code entries / ways} sets (a power of two); a translation of ({@code mm}, {@code vpn})
 * lives in set {@code (vpn ^ mmSalt(mm)) mod sets} ({@link Tlbs}), so {@code ways == entries} is a
 * fully associative level. Ways are 1 to {@value #MAX_WAYS}.
 *
 * <p>Defaults: the 4 KiB-page TLBs of Intel's Skylake-family server cores (Skylake-SP, Cascade Lake):
 * a 64-entry 4-way L1 dTLB (16 sets) and a 1536-entry 12-way STLB (128 sets) — Intel 64 and IA-32
 * Architectures Optimization Reference Manual, Skylake microarchitecture, table "TLB Parameters of the
 * Skylake Microarchitecture" (DTLB 4 KiB: 64 entries, 4 ways; STLB 4 KiB + 2 MiB: 1536 entries,
 * 12 ways). {@code stlbEntries} 0 means a single level. A page walk fills both levels; an STLB hit
 * refills L1; an L1 eviction does not touch the STLB (a non-exclusive hierarchy).
 */
public record TlbConfig(int l1Entries, int l1Ways, int stlbEntries, int stlbWays) {
    public static final int DEFAULT_L1_ENTRIES = 64;
    public static final int DEFAULT_L1_WAYS = 4;
    public static final int DEFAULT_STLB_ENTRIES = 1536;
    public static final int DEFAULT_STLB_WAYS = 12;
    /** Most ways per set a level may have (the per-set LRU order is one 64-bit word of 4-bit way numbers). */
    public static final int MAX_WAYS = 16;
    /**
     * tlb_single_page_flush_ceiling (arch/x86/mm/tlb.c; /sys/kernel/debug/x86/tlb_single_page_flush_ceiling):
     * a range flush of more pages than this becomes a full flush of the mm.
     */
    public static final int TLB_SINGLE_PAGE_FLUSH_CEILING = 33;

    public TlbConfig {
        if (l1Entries <= 0 || stlbEntries < 0) {
            throw new IllegalArgumentException("TLB sizes must be l1 > 0 and stlb >= 0, got " + l1Entries + " / " + stlbEntries);
        }
        checkGeometry("L1", l1Entries, l1Ways);
        if (stlbEntries > 0) {
            checkGeometry("STLB", stlbEntries, stlbWays);
        } else if (stlbWays != 0) {
            throw new IllegalArgumentException("an absent STLB has 0 ways, got " + stlbWays);
        }
    }

    /** Fully associative levels (one set each) of the given sizes, {@value #MAX_WAYS} entries at most. */
    public TlbConfig(int l1Entries, int stlbEntries) {
        this(l1Entries, l1Entries, stlbEntries, stlbEntries);
    }

    private static void checkGeometry(String level, int entries, int ways) {
        if (ways <= 0 || ways > entries || ways > MAX_WAYS || entries % ways != 0 || Integer.bitCount(entries / ways) != 1) {
            throw new IllegalArgumentException(level + " TLB of " + entries + " entries cannot have " + ways
                    + " ways: 1 to " + MAX_WAYS + " ways, and the number of sets (entries / ways) a power of two");
        }
    }

    /** Sets of the L1 dTLB. */
    public int l1Sets() {
        return l1Entries / l1Ways;
    }

    /** Sets of the STLB (0 without one). */
    public int stlbSets() {
        return stlbEntries == 0 ? 0 : stlbEntries / stlbWays;
    }

    public static TlbConfig defaults() {
        return new TlbConfig(DEFAULT_L1_ENTRIES, DEFAULT_L1_WAYS, DEFAULT_STLB_ENTRIES, DEFAULT_STLB_WAYS);
    }
}

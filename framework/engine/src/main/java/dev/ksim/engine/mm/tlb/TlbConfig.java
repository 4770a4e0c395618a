package dev.ksim.engine.mm.tlb;

/**
 * Sizes of each CPU's TLB: a first-level data TLB and a second-level shared TLB (STLB), each
 * modelled fully associative with exact LRU. Defaults are Intel Skylake-SP's 4 KiB entries: a
 * 64-entry L1 dTLB (4-way) and a 1536-entry STLB (12-way) (Intel 64 and IA-32 Architectures
 * Optimization Reference Manual, Skylake microarchitecture, "TLB" table). {@code stlbEntries}
 * 0 means a single level. A page walk fills both levels; an STLB hit refills L1; an L1 eviction
 * does not touch the STLB (a non-exclusive hierarchy).
 */
public record TlbConfig(int l1Entries, int stlbEntries) {
    public static final int DEFAULT_L1_ENTRIES = 64;
    public static final int DEFAULT_STLB_ENTRIES = 1536;
    /**
     * tlb_single_page_flush_ceiling (arch/x86/mm/tlb.c; /sys/kernel/debug/x86/tlb_single_page_flush_ceiling):
     * a range flush of more pages than this becomes a full flush of the mm.
     */
    public static final int TLB_SINGLE_PAGE_FLUSH_CEILING = 33;

    public TlbConfig {
        if (l1Entries <= 0 || stlbEntries < 0) {
            throw new IllegalArgumentException("TLB sizes must be l1 > 0 and stlb >= 0, got " + l1Entries + " / " + stlbEntries);
        }
    }

    public static TlbConfig defaults() {
        return new TlbConfig(DEFAULT_L1_ENTRIES, DEFAULT_STLB_ENTRIES);
    }
}

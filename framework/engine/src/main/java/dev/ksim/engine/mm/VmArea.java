package dev.ksim.engine.mm;

import dev.ksim.engine.model.MappingKind;

/**
 * A mapping of one process ({@code vm_area_struct}) of a {@link MappingKind} with its page table: a
 * dense {@code int} per virtual page, encoded by {@link Pte}. {@code id} is global across the run
 * and is what a frame's reverse map points at. Its pages are virtual pages
 * [startVpn, startVpn + pages) of its process (mappings of one process never overlap), which is
 * how the TLBs tag its translations.
 */
public final class VmArea {
    final int id;
    final MmStruct mm;
    final int index;
    final String name;
    final int[] pte;
    final long startVpn;
    final MappingKind kind;
    /**
     * NUMA balancing, else null: bit i set = page i's PTE is PROT_NONE for a hinting fault
     * ({@link NumaBalancing}); the PTE itself stays present, as pte_protnone PTEs do.
     */
    long[] protNone;
    /**
     * NUMA balancing, else null: per page the folio's last_cpupid field — the CPU of the last
     * hinting fault + 1 (0 = none), or, for a slow-tier page in tiering mode, the ms of its scan.
     */
    int[] numaInfo;
    /** The mapping has an explicit memory policy: NUMA balancing leaves it alone ({@code vma_policy_mof}). */
    boolean explicitPolicy;
    /** The anonymous pages' family ({@link AnonVma}): this VMA and its fork copies. */
    AnonVma anon;
    /** What a non-anonymous mapping maps (a file's or shmem's page cache, a driver region), else null. */
    PageOwner owner;
    /**
     * Write-protected pages, one bit per page ({@code !pte_write}): a store to a present page whose
     * bit is set takes a write-protect fault (copy-on-write, or dirtying a shared file page). The
     * kernel keeps the bit in the PTE; ksim keeps it beside the page table, which costs 1 bit per
     * virtual page and nothing per frame.
     */
    final long[] rdonly;
    /** Pages unmapped by munmap (VMA holes); null until the first munmap. An access there is SIGSEGV. */
    long[] holes;
    /** Unmapped entirely (munmap of every page, or its process exited): out of every reverse-map list. */
    boolean detached;
    /** The mbind policy of ranges of the mapping ({@link Mempolicy}), or null. */
    Mempolicy.Ranges policy;

    VmArea(int id, MmStruct mm, int index, String name, int pages, long startVpn) {
        this(id, mm, index, name, pages, startVpn, MappingKind.ANON);
    }

    VmArea(int id, MmStruct mm, int index, String name, int pages, long startVpn, MappingKind kind) {
        this.id = id;
        this.mm = mm;
        this.index = index;
        this.name = name;
        this.pte = new int[pages];
        this.startVpn = startVpn;
        this.kind = kind;
        this.rdonly = new long[(pages + 63) >>> 6];
    }

    /** Whether page {@code p} is write-protected. */
    boolean isRdonly(int p) {
        return (rdonly[p >>> 6] & 1L << p) != 0;
    }

    void setRdonly(int p, boolean wp) {
        if (wp) {
            rdonly[p >>> 6] |= 1L << p;
        } else {
            rdonly[p >>> 6] &= ~(1L << p);
        }
    }

    /** Whether page {@code p} lies in a hole munmap left. */
    boolean isHole(int p) {
        long[] h = holes;
        return h != null && (h[p >>> 6] & 1L << p) != 0;
    }

    /** Whether page {@code p} is write-protected (the PTE's write bit clear). */
    public boolean writeProtected(int page) {
        return isRdonly(page);
    }

    /** The page cache or driver this mapping maps, null for an anonymous one. */
    public String ownerName() {
        return owner == null ? null : owner.name;
    }

    /** What the mapping maps. */
    public MappingKind kind() {
        return kind;
    }

    /** The virtual page number of page 0 of the mapping. */
    public long startVpn() {
        return startVpn;
    }

    public int pages() {
        return pte.length;
    }

    public String name() {
        return name;
    }

    /** The raw PTE of {@code page} (see {@link Pte}). */
    public int pte(int page) {
        return pte[page];
    }
}

package dev.ksim.engine.mm;

/**
 * An anonymous private mapping of one process ({@code vm_area_struct}) with its page table: a
 * dense {@code int} per virtual page, encoded by {@link Pte}. {@code id} is global across the run
 * and is what a frame's reverse map points at.
 */
public final class VmArea {
    final int id;
    final MmStruct mm;
    final int index;
    final String name;
    final int[] pte;

    VmArea(int id, MmStruct mm, int index, String name, int pages) {
        this.id = id;
        this.mm = mm;
        this.index = index;
        this.name = name;
        this.pte = new int[pages];
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

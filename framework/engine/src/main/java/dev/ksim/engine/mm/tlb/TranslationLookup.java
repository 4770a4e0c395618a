package dev.ksim.engine.mm.tlb;

/**
 * The current translation of a virtual page, as the page tables hold it: the frame mapped at
 * {@code vpn} in address space {@code mm} ({@link Tlbs#INIT_MM} for kernel virtual addresses,
 * e.g. the physmap), or -1 when nothing is mapped there. Used by the TLB coherence invariant.
 */
@FunctionalInterface
public interface TranslationLookup {
    int translate(int mm, long vpn);
}

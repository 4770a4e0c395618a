/**
 * Per-CPU TLBs and shootdowns: {@link dev.ksim.engine.mm.tlb.Tlbs} (lookups, fills, mm cpumasks,
 * flush_tlb_mm_range / flush_tlb_kernel_range with IPIs, counters and simulated cost),
 * {@link dev.ksim.engine.mm.tlb.TlbConfig}, {@link dev.ksim.engine.mm.tlb.TlbCosts},
 * {@link dev.ksim.engine.mm.tlb.Shootdown} and {@link dev.ksim.engine.mm.tlb.TlbInvariants}.
 * Semantics follow arch/x86/mm/tlb.c.
 */
package dev.ksim.engine.mm.tlb;

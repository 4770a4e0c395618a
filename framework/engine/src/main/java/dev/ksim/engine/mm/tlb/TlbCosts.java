package dev.ksim.engine.mm.tlb;

/**
 * Simulated costs (ns) of TLB maintenance. The values of a run come from
 * {@link dev.ksim.engine.cost.CostModel} (keys in brackets; {@link #of}), where the defaults below
 * and their sources are recorded, so a scenario may override any of them in {@code costs { }}.
 * <ul>
 * <li>{@code invlpgNs} [tlb.invlpg] 60: one INVLPG of a 4 KiB page, ~100–200 cycles
 *     (memory spec §8), ≈ 180 cycles at 3 GHz.</li>
 * <li>{@code fullFlushNs} [tlb.flush_all] 200: a local flush of one mm or of everything (CR3
 *     reload / INVPCID), direct cost only — the refills show up as later misses. Consistent with
 *     the x86 ceiling of 33: 33 × INVLPG ≈ 2 µs is where a full flush plus refills wins (commit
 *     "x86/mm: Set TLB flush tunable to sane value (33)", Dave Hansen, 2014).</li>
 * <li>{@code ipiBaseNs} [tlb.ipi_base] 1000 and {@code ipiPerTargetNs} [tlb.ipi_per_target] 150:
 *     the initiator's IPI round trip, {@code base + perTarget × targets}, so 1.15 µs for one target
 *     and 3.1 µs for 14: the 1–3 µs growing with the cpumask of the memory spec §8 (and Amit,
 *     "Optimizing the TLB Shootdown Algorithm with Page Access Tracking", USENIX ATC 2017).</li>
 * <li>{@code ipiHandlerNs} [tlb.ipi_handler] 400: what each target CPU loses to the interrupt
 *     (entry, flush_tlb_func, exit), on top of its invalidation work. Estimate.</li>
 * <li>{@code stlbHitNs} [tlb.stlb_hit] 3 (~9 cycles, Skylake STLB hit latency) and
 *     {@code pageWalkNs} [tlb.walk] 30 (a walk served by the paging-structure caches and L1/L2,
 *     ~20–40 cycles; a walk missing to DRAM costs more): for the memory manager to charge on an
 *     L1 miss; the TLB itself does not add them.</li>
 * </ul>
 */
public record TlbCosts(long invlpgNs, long fullFlushNs, long ipiBaseNs, long ipiPerTargetNs, long ipiHandlerNs,
                       long stlbHitNs, long pageWalkNs) {

    public TlbCosts {
        if (invlpgNs < 0 || fullFlushNs < 0 || ipiBaseNs < 0 || ipiPerTargetNs < 0 || ipiHandlerNs < 0
                || stlbHitNs < 0 || pageWalkNs < 0) {
            throw new IllegalArgumentException("TLB costs must be >= 0");
        }
    }

    /** The TLB costs of a run's cost model. */
    public static TlbCosts of(dev.ksim.engine.cost.CostModel c) {
        return new TlbCosts(c.get(dev.ksim.engine.cost.CostModel.TLB_INVLPG), c.get(dev.ksim.engine.cost.CostModel.TLB_FLUSH_ALL),
                c.get(dev.ksim.engine.cost.CostModel.TLB_IPI_BASE), c.get(dev.ksim.engine.cost.CostModel.TLB_IPI_PER_TARGET),
                c.get(dev.ksim.engine.cost.CostModel.TLB_IPI_HANDLER), c.get(dev.ksim.engine.cost.CostModel.TLB_STLB_HIT),
                c.get(dev.ksim.engine.cost.CostModel.TLB_WALK));
    }

    public static TlbCosts defaults() {
        return new TlbCosts(60, 200, 1_000, 150, 400, 3, 30);
    }

    /** The initiator's IPI round trip to {@code targets} CPUs (0 for none). */
    public long ipiRoundTripNs(int targets) {
        return targets == 0 ? 0 : ipiBaseNs + ipiPerTargetNs * targets;
    }
}

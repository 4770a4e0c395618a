package dev.ksim.engine.mm;

import dev.ksim.engine.model.LargePageSpec;
import dev.ksim.engine.model.Madvise;
import dev.ksim.engine.model.MappingKind;
import dev.ksim.engine.model.ReclaimMode;
import dev.ksim.engine.sim.EventLoop;
import dev.ksim.engine.sim.EventQueue;
import dev.ksim.engine.sim.SimulationClock;
import dev.ksim.spi.mm.MigrationPolicy;
import dev.ksim.spi.security.SecurityHardening;

/** Memory managers with THP, compaction and hugetlbfs for the large-page tests, and a way to fragment memory. */
final class LargePageFixtures {
    /** Pages on the faulting CPU's node. */
    static final MigrationPolicy LOCAL = (f, m) -> f.cpuNode();
    static final int NR = Thp.HPAGE_PMD_NR;

    private LargePageFixtures() {
    }

    /** lru mode, {@code spec}'s THP settings, per-node pools {@code pools} (may be null), CPU i on node i. */
    static MmFixture of(long[] framesPerNode, long swapSlots, LargePageSpec spec, long[] pools) {
        return new MmFixture(framesPerNode, new int[framesPerNode.length], 100, swapSlots, LOCAL, new SecurityHardening() {
        }, MmSettings.of(ReclaimMode.LRU).withLargePages(spec, pools));
    }

    static LargePageSpec thp(String enabled, String defrag) {
        LargePageSpec d = LargePageSpec.DEFAULT;
        return new LargePageSpec(LargePageSpec.Thp.of(enabled), LargePageSpec.Defrag.of(defrag), d.khugepagedDefrag(),
                d.pagesToScan(), d.scanSleepMillisecs(), d.allocSleepMillisecs(), d.maxPtesNone(), d.maxPtesSwap(),
                d.extfragThreshold());
    }

    /** A process with one anonymous mapping of {@code pages}. */
    static MmStruct process(MmFixture fx, String name, long pages) {
        return fx.mm.createProcess(name, new String[] {"heap"}, new long[] {pages});
    }

    /** A process with one mapping of {@code kind}. */
    static MmStruct process(MmFixture fx, String name, long pages, MappingKind kind) {
        return fx.mm.createProcess(name, new String[] {"heap"}, new long[] {pages}, new MappingKind[] {kind});
    }

    /** Touches pages [from, from + n) of mapping 0 from CPU {@code cpu}. */
    static void touch(MmFixture fx, MmStruct p, int from, int n, int cpu) {
        for (int i = from; i < from + n; i++) {
            fx.mm.access(p, 0, i, cpu);
        }
    }

    /**
     * Fragments node 0: a process 'frag' (MADV_NOHUGEPAGE) faults {@code pages} 4 KiB pages in
     * (contiguous frames), then pages out all but one page of every {@code keepEvery}: every 2 MiB
     * block it spanned keeps some pages. Needs swap. Returns the process.
     */
    static MmStruct fragment(MmFixture fx, int pages, int keepEvery) {
        MmStruct frag = process(fx, "frag", pages);
        fx.mm.madvise(frag, 0, 0, pages, Madvise.NOHUGEPAGE, 0);
        touch(fx, frag, 0, pages, 0);
        for (int i = 0; i < pages; i += keepEvery) {
            if (keepEvery > 1) {
                fx.mm.madvise(frag, 0, i + 1, Math.min(keepEvery - 1, pages - i - 1), Madvise.PAGEOUT, 0);
            }
        }
        return frag;
    }

    /** Attaches an event loop and runs it until {@code endNs}. */
    static void runUntil(MmFixture fx, long endNs) {
        SimulationClock clock = new SimulationClock();
        EventQueue q = new EventQueue();
        fx.mm.attach(q, clock);
        new EventLoop(clock, q).run(endNs, 0, () -> { });
    }

    /** The frame mapped at page {@code p} of mapping 0, -1 if none. */
    static int frame(MmStruct p, int page) {
        int e = p.vma(0).pte(page);
        return Pte.isPresent(e) ? Pte.frame(e) : -1;
    }
}

package dev.ksim.engine.mm.tlb;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ksim.engine.metrics.MetricsRegistry;
import org.junit.jupiter.api.Test;

/**
 * The per-CPU account of interrupt time: every target of a shootdown is charged
 * {@code tlb.ipi_handler} plus its invalidation work, nobody else; the account is handed over once.
 */
class TlbInterruptChargeTest {
    private final MetricsRegistry metrics = new MetricsRegistry();

    /** 8 CPUs; mm 1 runs on CPUs 0, 2, 5; mm 2 on CPU 3. */
    private Tlbs machine() {
        Tlbs t = new Tlbs(8, TlbConfig.defaults(), TlbCosts.defaults(), metrics);
        for (int c : new int[] {0, 2, 5}) {
            t.switchMm(c, 1);
        }
        t.switchMm(3, 2);
        return t;
    }

    private long[] pending(Tlbs t) {
        long[] p = new long[t.nrCpus()];
        for (int c = 0; c < p.length; c++) {
            p[c] = t.pendingInterruptNs(c);
        }
        return p;
    }

    @Test
    void aPageFlushChargesEachTargetTheHandlerPlusOneInvlpg() {
        Tlbs t = machine();
        t.flushTlbPage(0, 1, 7);
        // defaults: tlb.ipi_handler 400 + tlb.invlpg 60 per target; CPU 0 initiated, CPU 3 runs another mm
        assertEquals(460, t.lastFlush().perTargetNs());
        assertEquals(java.util.Arrays.toString(new long[] {0, 0, 460, 0, 0, 460, 0, 0}), java.util.Arrays.toString(pending(t)));
        assertEquals(920, metrics.counter(Tlbs.TLB_IPI_HANDLER_NS).get());
    }

    @Test
    void chargesAccumulateAndAreHandedOverOnce() {
        Tlbs t = machine();
        t.flushTlbMmRange(0, 1, 0, 4);   // 4 pages: 400 + 4 x 60 = 640 per target
        t.flushTlbMmRange(2, 1, 0, 50);  // beyond the 33-page ceiling: a full flush, 400 + 200 per target
        assertEquals(640 + 600, t.pendingInterruptNs(5));
        assertEquals(640, t.pendingInterruptNs(2), "CPU 2 initiated the second flush: its own work is its caller's");
        assertEquals(600, t.pendingInterruptNs(0));
        assertEquals(0, t.pendingInterruptNs(3), "mm 1's flushes never interrupt CPU 3 (not in its cpumask)");
        assertEquals(2 * 640 + 2 * 600, metrics.counter(Tlbs.TLB_IPI_HANDLER_NS).get());
        assertEquals(1240, t.takeInterruptNs(5));
        assertEquals(0, t.takeInterruptNs(5), "handed over once");
        assertEquals(0, t.pendingInterruptNs(5));
    }

    @Test
    void aLocalOnlyFlushChargesNobody() {
        Tlbs t = machine();
        t.flushTlbPage(3, 2, 9); // mm 2 runs only on CPU 3, the initiator
        assertEquals(0, t.lastFlush().targets());
        for (long p : pending(t)) {
            assertEquals(0, p);
        }
        assertEquals(0, metrics.counter(Tlbs.TLB_IPI_HANDLER_NS).get());
    }

    @Test
    void aKernelFlushChargesEveryOtherCpu() {
        Tlbs t = machine();
        t.flushTlbKernelRange(1, 100, 2); // 400 + 2 x 60 on each of the 7 other CPUs
        for (int c = 0; c < 8; c++) {
            assertEquals(c == 1 ? 0 : 520, t.pendingInterruptNs(c), "cpu " + c);
        }
        assertEquals(7 * 520, metrics.counter(Tlbs.TLB_IPI_HANDLER_NS).get());
    }

    @Test
    void aZeroCostHandlerStillChargesTheInvalidationWork() {
        Tlbs t = new Tlbs(2, TlbConfig.defaults(), new TlbCosts(60, 200, 1_000, 150, 0, 3, 30), metrics);
        t.switchMm(0, 1);
        t.switchMm(1, 1);
        t.flushTlbPage(0, 1, 1);
        assertEquals(60, t.takeInterruptNs(1));
    }
}

package dev.ksim.engine.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.engine.mm.tlb.Tlbs;
import dev.ksim.engine.sim.EventLoop;
import dev.ksim.engine.sim.EventQueue;
import dev.ksim.engine.sim.SimulationClock;
import dev.ksim.engine.task.SimThread;
import dev.ksim.engine.task.TaskStats;
import dev.ksim.spi.mm.MigrationPolicy;
import org.junit.jupiter.api.Test;

/**
 * A TLB shootdown's interrupt time lands on the threads of the CPUs it interrupted: a thread on a
 * target CPU finishes exactly the charged time later; a thread on a CPU outside the mm's cpumask
 * is not delayed at all.
 */
class IpiChargeTest {
    private static final MigrationPolicy LOCAL = (f, m) -> f.cpuNode();
    private static final int ACCESSES = 20_000;

    /** End times of thread X (pid 1, CPU 1) and Z (pid 2, CPU 2), and the ipi counter. */
    private record Ends(long x, long z, long ipiNs) {
    }

    /**
     * Three nodes, CPU i on node i. Process P has 64 pages resident on node 0 (touched from CPU 0)
     * and a thread X on CPU 1 cycling over pages 0..9; process Q has a thread Z on CPU 2 doing the
     * same on its own memory. With {@code movePages}, at 5 us CPU 0 migrates P's pages 40..47 to
     * node 2 (pages X never touches): 8 single-page shootdowns to P's cpumask {0, 1}.
     */
    private static Ends run(boolean movePages) {
        MmFixture fx = new MmFixture(new long[] {1024, 1024, 1024}, new int[3], 100, 0, LOCAL,
                new dev.ksim.spi.security.SecurityHardening() {
                }, MmSettings.of(dev.ksim.engine.model.ReclaimMode.LRU));
        MemoryManager m = fx.mm;
        EventQueue queue = new EventQueue();
        SimulationClock clock = new SimulationClock();
        m.attach(queue, clock);
        MmStruct p = fx.process("p", 64);
        for (int i = 0; i < 64; i++) {
            m.access(p, 0, i, 0);
        }
        MmStruct q = fx.process("q", 64);
        m.addCpu(p, 1);
        m.addCpu(q, 2);
        TaskStats xs = new TaskStats();
        TaskStats zs = new TaskStats();
        SimThread x = new SimThread("p.x", p, 0, 1, cycle(10), "cycle", ACCESSES, Long.MAX_VALUE / 4, m, queue, xs);
        SimThread z = new SimThread("q.z", q, 0, 2, cycle(10), "cycle", ACCESSES, Long.MAX_VALUE / 4, m, queue, zs);
        x.start(0);
        z.start(0);
        if (movePages) {
            queue.schedule(5_000, 5, now -> {
                long[] vpns = new long[8];
                int[] nodes = new int[8];
                for (int i = 0; i < 8; i++) {
                    vpns[i] = p.vma(0).startVpn() + 40 + i;
                    nodes[i] = 2;
                }
                int[] status = new int[8];
                m.movePages(p.pid(), vpns, nodes, status, 0);
                for (int s : status) {
                    assertEquals(2, s);
                }
            });
        }
        new EventLoop(clock, queue).run(Long.MAX_VALUE / 2, 0, () -> { });
        assertEquals(ACCESSES, x.done());
        assertEquals(ACCESSES, z.done());
        assertEquals(java.util.List.of(), fx.violations());
        return new Ends(xs.lastEndNs(), zs.lastEndNs(), fx.counter(Tlbs.TLB_IPI_HANDLER_NS));
    }

    private static dev.ksim.spi.workload.WorkloadGenerator cycle(int pages) {
        long[] next = {0};
        return () -> next[0]++ % pages;
    }

    @Test
    void theTargetThreadIsDelayedByExactlyTheHandlerTimeAndNobodyElseIs() {
        Ends before = run(false);
        Ends after = run(true);
        // each of the 8 shootdowns costs its one target (CPU 1) tlb.ipi_handler + one INVLPG
        long perShootdown = 400 + 60;
        assertEquals(8 * perShootdown, after.ipiNs());
        assertEquals(0, before.ipiNs());
        assertEquals(before.x() + 8 * perShootdown, after.x(), "X on the target CPU finishes exactly the charged time later");
        assertEquals(before.z(), after.z(), "Z runs another mm on a CPU outside P's cpumask: not charged");
        assertTrue(before.x() > 5_000, "X was still running when the shootdowns came");
    }
}

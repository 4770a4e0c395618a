package dev.ksim.engine.bench;

import dev.ksim.engine.ipc.GuardedPolicy;
import dev.ksim.engine.ipc.IpcAccounting;
import dev.ksim.engine.ipc.IpcBus;
import dev.ksim.engine.ipc.IpcLimits;
import dev.ksim.engine.ipc.RecvResult;
import dev.ksim.engine.sim.SimulationClock;
import dev.ksim.spi.ipc.IpcAccountingPolicy;
import dev.ksim.spi.ipc.IpcTransport;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code ksim bench ipc}: how fast the bus1 mechanism ({@link IpcBus}) runs, against the targets
 * of issue 4.
 *
 * <ul>
 *   <li><b>pairs/s</b>: simulated SEND (staged and committed) + RECV + slice release of a 64-byte
 *       message between two peers of different users, with n+1 quota accounting, on one core
 *       (target ≥ 5 M pairs/s);</li>
 *   <li><b>ns/pair at depth D</b> for D = 10, 1,000, 100,000: the same pair while the receiver's
 *       queue holds D committed entries from 8 senders (each pair adds one at the tail and
 *       removes the head), showing that ordering and accounting grow as O(log D);</li>
 *   <li>the ratio of the 100,000 figure to the 10 figure, and log2(100,000) / log2(10) = 5 for
 *       comparison (a linear structure would give 10,000).</li>
 * </ul>
 *
 * <p>The policy is the n+1 rule of dbus-broker (the {@code quota-n1} plugin's rule, restated here
 * because the engine does not depend on plugins), wrapped in {@link GuardedPolicy} as a run wraps
 * it. Each figure is the best of several timed repetitions after a warm-up; the mechanism is
 * measured directly, without the event loop (a scenario adds one event per operation).
 */
public final class IpcBenchmark implements Benchmark {
    static final String NAME = "ipc";
    static final double TARGET_PAIRS = 5e6;
    static final int REPETITIONS = 5;
    static final int SENDERS = 8;
    static final long PAYLOAD = 64;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "bus1 send+recv pairs/s with quota-n1 (>= 5 M), ns/pair at queue depths 10 / 1,000 / 100,000 (O(log n))";
    }

    @Override
    public List<BenchResult> run(double scale) {
        List<BenchResult> out = new ArrayList<>();
        int pairs = Math.max(1 << 16, (int) (4_000_000 * scale));
        double perSecond = 1e9 / nsPerPair(0, pairs);
        out.add(new BenchResult(NAME, "send+recv pairs/s", perSecond, TARGET_PAIRS, true,
                "one 64 B message per pair, quota-n1, staged + committed + received + slice released"));
        int[] depths = {10, 1_000, 100_000};
        double[] ns = new double[depths.length];
        for (int i = 0; i < depths.length; i++) {
            ns[i] = nsPerPair(depths[i], pairs);
            out.add(new BenchResult(NAME, String.format(java.util.Locale.ROOT, "ns/pair at depth %,d", depths[i]), ns[i], Double.NaN,
                    false, "receiver queue holds " + depths[i] + " committed entries from " + SENDERS + " senders"));
        }
        out.add(new BenchResult(NAME, "ns ratio depth 100,000 / 10", ns[2] / ns[0], Double.NaN, false,
                "O(log n) predicts <= log2(100000)/log2(10) = 5; O(n) would give 10,000"));
        return out;
    }

    /** Best wall-clock ns per send+recv pair over the repetitions, the receiver's queue holding {@code depth} entries. */
    static double nsPerPair(int depth, int pairs) {
        double best = Double.MAX_VALUE;
        for (int rep = 0; rep <= REPETITIONS; rep++) {
            Setup s = new Setup(depth);
            long t0 = System.nanoTime();
            long sum = s.pairs(pairs);
            long dt = System.nanoTime() - t0;
            if (sum != pairs) {
                throw new IllegalStateException("received " + sum + " of " + pairs + " messages");
            }
            List<String> v = s.bus.violations();
            if (!v.isEmpty()) {
                throw new IllegalStateException("invariants violated: " + v);
            }
            if (rep > 0) {
                best = Math.min(best, (double) dt / pairs);
            }
        }
        return best;
    }

    /** One bus: a receiver, {@link #SENDERS} senders of distinct users, the queue pre-filled to a depth. */
    private static final class Setup {
        final SimulationClock clock = new SimulationClock();
        final IpcBus bus;
        final int receiver;
        final int[] senders = new int[SENDERS];
        final int[][] dest = new int[1][1];
        final RecvResult out = new RecvResult();

        Setup(int depth) {
            IpcLimits big = new IpcLimits(1L << 22, 1L << 22, 1L << 34, 1L << 22);
            IpcAccounting acct = new IpcAccounting(new GuardedPolicy(new QuotaN1(), "quota-n1"), "quota-n1");
            bus = new IpcBus(clock, acct, new Bus1Transport());
            int user = acct.addUser(0, big);
            receiver = bus.connect(user, big);
            int node = bus.createNode(receiver);
            dest[0][0] = node;
            for (int i = 0; i < SENDERS; i++) {
                senders[i] = bus.connect(acct.addUser(1000 + i, big), big);
                bus.grant(senders[i], node);
            }
            for (int i = 0; i < depth; i++) {
                if (bus.sendNow(senders[i % SENDERS], dest[0], 1, PAYLOAD, null, 0, 0, 0, i, 0, null) < 0) {
                    throw new IllegalStateException("pre-fill refused at " + i);
                }
            }
        }

        /** {@code n} pairs: one SEND (stage + commit) at the tail, one RECV + slice release at the head. */
        long pairs(int n) {
            long received = 0;
            int[] d = dest[0];
            for (int i = 0; i < n; i++) {
                clock.advanceTo(i);
                int m = bus.sendNow(senders[i & (SENDERS - 1)], d, 1, PAYLOAD, null, 0, 0, 0, i, 0, null);
                if (m < 0) {
                    throw new IllegalStateException("SEND refused: " + m);
                }
                if (bus.recv(receiver, out) == IpcBus.DATA) {
                    received++;
                    bus.releaseSlice(receiver, out.slice);
                }
            }
            return received;
        }
    }

    /** The n+1 rule (dbus-broker user.c): (S + c)·(n + 1) − S ≤ R without overflow; self-charges limited by R. */
    static final class QuotaN1 implements IpcAccountingPolicy {
        @Override
        public boolean admit(long remaining, long held, long charge, int holders, boolean selfCharge) {
            if (selfCharge) {
                return charge <= remaining;
            }
            try {
                return Math.multiplyExact(Math.addExact(held, charge), (long) holders + 1) - held <= remaining;
            } catch (ArithmeticException overflow) {
                return false;
            }
        }
    }

    /** bus1 as a transport: handles, multicast, charges to the receiver. */
    static final class Bus1Transport implements IpcTransport {
        @Override
        public boolean supportsHandles() {
            return true;
        }

        @Override
        public boolean supportsMulticast() {
            return true;
        }

        @Override
        public boolean chargesReceiver() {
            return true;
        }
    }
}

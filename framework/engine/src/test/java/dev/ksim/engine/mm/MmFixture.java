package dev.ksim.engine.mm;

import dev.ksim.engine.cost.CostModel;
import dev.ksim.engine.invariant.InvariantRegistry;
import dev.ksim.engine.metrics.MetricsRegistry;
import dev.ksim.engine.model.SourceRef;
import dev.ksim.engine.model.SwapSpec;
import dev.ksim.spi.mm.MigrationPolicy;
import dev.ksim.spi.mm.NodeMemory;
import dev.ksim.spi.security.SecurityHardening;
import java.util.List;
import java.util.Map;

/** A memory manager built directly (no Simulation), for mechanism-level tests. */
final class MmFixture {
    final MetricsRegistry metrics = new MetricsRegistry();
    final InvariantRegistry invariants = new InvariantRegistry();
    final MemoryManager mm;

    /**
     * @param framesPerNode frames of each node; CPU i belongs to node i
     */
    MmFixture(long[] framesPerNode, long latencyNs, long swapSlots, MigrationPolicy policy, SecurityHardening hardening) {
        this(framesPerNode, new int[framesPerNode.length], latencyNs, swapSlots, policy, hardening, MmSettings.of(dev.ksim.engine.model.ReclaimMode.STRICT_LRU));
    }

    /** As above with per-node tiers (0 = 576) and explicit settings (reclaim mode, tunables, zones). */
    MmFixture(long[] framesPerNode, int[] tiers, long latencyNs, long swapSlots, MigrationPolicy policy, SecurityHardening hardening,
              MmSettings settings) {
        int n = framesPerNode.length;
        int[][] d = new int[n][n];
        int[] cpuNode = new int[n];
        NodeMemory[] mem = new NodeMemory[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                d[i][j] = i == j ? 10 : 21;
            }
            cpuNode[i] = i;
            mem[i] = new NodeMemory(framesPerNode[i], latencyNs, tiers[i] == 0 ? 576 : tiers[i], true);
        }
        CostModel costs = CostModel.of(new SwapSpec(swapSlots * 4096, 50_000, 60_000, SourceRef.UNKNOWN), Map.of());
        mm = new MemoryManager(new NumaTopology(d, cpuNode), mem, swapSlots, costs, policy, "test-policy",
                hardening, "test-hardening", metrics, settings);
        mm.registerInvariants(invariants);
    }

    MmFixture(long[] framesPerNode, long swapSlots, MigrationPolicy policy) {
        this(framesPerNode, 100, swapSlots, policy, new SecurityHardening() {
        });
    }

    /** The lru (kernel) mode with default tunables. */
    static MmFixture lru(long[] framesPerNode, long swapSlots, MigrationPolicy policy) {
        return new MmFixture(framesPerNode, new int[framesPerNode.length], 100, swapSlots, policy, new SecurityHardening() {
        }, MmSettings.of(dev.ksim.engine.model.ReclaimMode.LRU));
    }

    private dev.ksim.engine.sim.EventQueue queue;
    private dev.ksim.engine.sim.SimulationClock clock;
    private dev.ksim.engine.sim.EventLoop loop;

    /** Attaches an event loop (kswapd, the flusher, writeback completions run on it); see {@link #advanceTo}. */
    MmFixture withLoop() {
        queue = new dev.ksim.engine.sim.EventQueue();
        clock = new dev.ksim.engine.sim.SimulationClock();
        loop = new dev.ksim.engine.sim.EventLoop(clock, queue);
        mm.attach(queue, clock);
        return this;
    }

    /** Runs every event before {@code t} and moves the clock to {@code t}. */
    void advanceTo(long t) {
        queue.schedule(t, 100, now -> { });
        loop.run(t + 1, 0, null);
    }

    long now() {
        return clock.nowNs();
    }

    /** A process with one mapping of {@code kind} ({@code file} for file kinds and named shmem, else null). */
    MmStruct process(String name, long pages, dev.ksim.engine.model.MappingKind kind, String file) {
        return mm.createProcess(name, new String[] {"m"}, new long[] {pages}, new dev.ksim.engine.model.MappingKind[] {kind},
                new String[] {file});
    }

    MmStruct process(String name, long pages) {
        return mm.createProcess(name, new String[] {"heap"}, new long[] {pages});
    }

    long counter(String name) {
        return metrics.counter(name).get();
    }

    List<String> violations() {
        InvariantRegistry r = new InvariantRegistry();
        mm.registerInvariants(r);
        r.checkAll("test");
        return r.report().violations();
    }
}

package dev.ksim.example;

import dev.ksim.spi.PluginOptions;
import dev.ksim.spi.mm.FaultContext;
import dev.ksim.spi.mm.MemoryView;
import dev.ksim.spi.mm.MigrationPolicy;
import jakarta.inject.Inject;

/**
 * Weighted interleave: page offset {@code off} goes to the node whose weight interval contains
 * {@code off mod sum(weights)}, the way weighted_interleave_nid() in mm/mempolicy.c walks the
 * node weights. With weights 3,1 three of every four pages land on node 0.
 */
public final class WeightedInterleave implements MigrationPolicy {
    static final String WEIGHTS = "weights";

    private final int[] configured;
    private int[] table; // node per slot of one weight period, built at the first fault

    @Inject
    public WeightedInterleave(PluginOptions options) {
        this.configured = parse(options.getString(WEIGHTS));
    }

    @Override
    public int placeFault(FaultContext fault, MemoryView memory) {
        int[] t = table;
        if (t == null) {
            t = table = build(memory.nodeCount());
        }
        return t[(int) Long.remainderUnsigned(fault.pageOffset(), t.length)];
    }

    private int[] build(int nodes) {
        if (configured.length > nodes) {
            throw new IllegalArgumentException(configured.length + " weights given for a machine with " + nodes + " nodes");
        }
        int total = 0;
        for (int n = 0; n < nodes; n++) {
            total += weight(n);
        }
        int[] t = new int[total];
        int slot = 0;
        for (int n = 0; n < nodes; n++) {
            for (int w = weight(n); w > 0; w--) {
                t[slot++] = n;
            }
        }
        return t;
    }

    private int weight(int node) {
        return node < configured.length ? configured[node] : 1;
    }

    static int[] parse(String list) {
        String[] parts = list.split(",");
        int[] w = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                w[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("weights must be integers like '3,1', got '" + list + "'");
            }
            // The kernel's sysfs node weights are u8 values 1..255.
            if (w[i] < 1 || w[i] > 255) {
                throw new IllegalArgumentException("node weight must be 1..255, got " + w[i]);
            }
        }
        return w;
    }
}

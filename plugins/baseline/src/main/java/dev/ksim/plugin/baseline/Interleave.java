package dev.ksim.plugin.baseline;

import dev.ksim.spi.PluginOptions;
import dev.ksim.spi.mm.FaultContext;
import dev.ksim.spi.mm.MemoryView;
import dev.ksim.spi.mm.MigrationPolicy;
import jakarta.inject.Inject;
import java.util.BitSet;

/**
 * Interleaved placement: page offset {@code off} of a mapping goes to the {@code (off mod n)}-th
 * node of the set, as {@code interleave_nid()}/{@code offset_il_node()} in mm/mempolicy.c do for a
 * VMA policy. Nodes of the set that do not exist on the machine are an error at the first fault.
 */
public final class Interleave implements MigrationPolicy {
    static final String NODES = "nodes";

    private final BitSet requested;
    private int[] nodes; // resolved lazily against the machine, then fixed for the run

    @Inject
    public Interleave(PluginOptions options) {
        this.requested = parseNodeList(options.getString(NODES));
    }

    @Override
    public int placeFault(FaultContext fault, MemoryView memory) {
        int[] set = nodes;
        if (set == null) {
            set = nodes = resolve(memory.nodeCount());
        }
        return set[(int) Long.remainderUnsigned(fault.pageOffset(), set.length)];
    }

    private int[] resolve(int nodeCount) {
        if (requested == null) {
            int[] all = new int[nodeCount];
            for (int i = 0; i < nodeCount; i++) {
                all[i] = i;
            }
            return all;
        }
        if (requested.length() > nodeCount) {
            throw new IllegalArgumentException("node " + (requested.length() - 1)
                    + " in 'nodes' does not exist; the machine has nodes 0-" + (nodeCount - 1));
        }
        return requested.stream().toArray();
    }

    /** Parses "all" (null result) or a kernel-style node list "0,2-3". */
    static BitSet parseNodeList(String list) {
        String s = list.trim();
        if (s.equals("all")) {
            return null;
        }
        BitSet set = new BitSet();
        for (String part : s.split(",")) {
            String p = part.trim();
            try {
                int dash = p.indexOf('-');
                if (dash < 0) {
                    set.set(Integer.parseInt(p));
                } else {
                    int lo = Integer.parseInt(p.substring(0, dash).trim());
                    int hi = Integer.parseInt(p.substring(dash + 1).trim());
                    if (hi < lo) {
                        throw new IllegalArgumentException("empty range '" + p + "' in node list '" + list + "'");
                    }
                    set.set(lo, hi + 1);
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad node list '" + list + "': expected 'all' or e.g. '0,2-3'");
            }
        }
        if (set.isEmpty()) {
            throw new IllegalArgumentException("empty node list '" + list + "'");
        }
        return set;
    }
}

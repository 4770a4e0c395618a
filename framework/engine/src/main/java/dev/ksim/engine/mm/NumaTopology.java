package dev.ksim.engine.mm;

import dev.ksim.engine.model.MachineSpec;
import dev.ksim.engine.model.NodeSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * The machine's NUMA shape: the ACPI SLIT distance matrix, the node of each CPU, and per node
 * its zonelist (every node ordered by increasing distance, then id, the node itself first:
 * the order the page allocator falls back in).
 *
 * <p>Defaults: a node without a distance row has 10 to itself and 21 to every other node (the
 * common two-socket SLIT). A CPU no node lists belongs to node 0, so a one-node scenario need
 * not list its CPUs.
 */
public final class NumaTopology {
    /** SLIT distance of a node to itself. */
    public static final int LOCAL_DISTANCE = 10;
    /** Default SLIT distance between two different nodes. */
    public static final int REMOTE_DISTANCE = 21;

    private final int[][] distance;
    private final int[] cpuToNode;
    private final int[][] zonelist;
    private final boolean[] hasCpus;

    public NumaTopology(int[][] distance, int[] cpuToNode) {
        int n = distance.length;
        this.distance = new int[n][];
        for (int i = 0; i < n; i++) {
            if (distance[i].length != n) {
                throw new IllegalArgumentException("distance row " + i + " has " + distance[i].length + " entries, expected " + n);
            }
            this.distance[i] = distance[i].clone();
        }
        this.cpuToNode = cpuToNode.clone();
        this.hasCpus = new boolean[n];
        for (int node : cpuToNode) {
            hasCpus[node] = true;
        }
        this.zonelist = new int[n][];
        for (int i = 0; i < n; i++) {
            List<Integer> order = new ArrayList<>();
            for (int j = 0; j < n; j++) {
                order.add(j);
            }
            final int from = i;
            order.sort((a, b) -> {
                if (a == from || b == from) {
                    return a == from ? (b == from ? 0 : -1) : 1;
                }
                int c = Integer.compare(this.distance[from][a], this.distance[from][b]);
                return c != 0 ? c : Integer.compare(a, b);
            });
            zonelist[i] = new int[n];
            for (int k = 0; k < n; k++) {
                zonelist[i][k] = order.get(k);
            }
        }
    }

    /** The topology a machine spec describes (spec assumed valid). */
    public static NumaTopology of(MachineSpec machine) {
        int n = machine.nodes().size();
        int[][] d = new int[n][n];
        int[] cpuNode = new int[machine.cpus()];
        for (NodeSpec node : machine.nodes()) {
            int i = node.id();
            for (int j = 0; j < n; j++) {
                d[i][j] = node.distances().isEmpty()
                        ? (i == j ? LOCAL_DISTANCE : REMOTE_DISTANCE)
                        : node.distances().get(j);
            }
            for (int cpu : node.cpus()) {
                cpuNode[cpu] = i;
            }
        }
        return new NumaTopology(d, cpuNode);
    }

    public int nodeCount() {
        return distance.length;
    }

    public int cpuCount() {
        return cpuToNode.length;
    }

    public int distance(int from, int to) {
        return distance[from][to];
    }

    public int cpuNode(int cpu) {
        return cpuToNode[cpu];
    }

    public boolean hasCpus(int node) {
        return hasCpus[node];
    }

    /** Fallback order for allocations preferring {@code node}; do not modify. */
    int[] zonelist(int node) {
        return zonelist[node];
    }

    /** A copy of the zonelist of {@code node}. */
    public int[] zonelistOf(int node) {
        return zonelist[node].clone();
    }
}

package dev.ksim.engine.mm;

import dev.ksim.spi.mm.MemoryView;

/** The policies' read-only window on the nodes: sizes, free frames, CPUs and distances. */
final class NumaMemoryView implements MemoryView {
    private final PglistData[] nodes;
    private final NumaTopology topology;

    NumaMemoryView(PglistData[] nodes, NumaTopology topology) {
        this.nodes = nodes;
        this.topology = topology;
    }

    @Override
    public int nodeCount() {
        return nodes.length;
    }

    @Override
    public long totalPages(int node) {
        return nodes[node].spannedPages;
    }

    @Override
    public long freePages(int node) {
        return nodes[node].nrFreePages();
    }

    @Override
    public boolean hasCpus(int node) {
        return topology.hasCpus(node);
    }

    @Override
    public int distance(int fromNode, int toNode) {
        return topology.distance(fromNode, toNode);
    }
}

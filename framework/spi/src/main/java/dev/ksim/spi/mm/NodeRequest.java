package dev.ksim.spi.mm;

/**
 * What the scenario asks of a node.
 *
 * @param nodeId    the node's id
 * @param sizeBytes the memory size the scenario gave the node
 * @param hasCpus   whether any CPU is local to this node
 */
public record NodeRequest(int nodeId, long sizeBytes, boolean hasCpus) {
}

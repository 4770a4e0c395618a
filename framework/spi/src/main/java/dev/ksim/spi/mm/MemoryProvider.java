package dev.ksim.spi.mm;

/**
 * A memory provider says what the memory behind a node is: how many frames it brings, how fast
 * it is and where it sits in the tiering order. The engine owns the frames; the provider only
 * describes them. Called once per node at run start.
 */
public interface MemoryProvider {
    NodeMemory describe(NodeRequest request);
}

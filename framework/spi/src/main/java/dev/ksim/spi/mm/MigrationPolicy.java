package dev.ksim.spi.mm;

/**
 * A migration policy decides where pages live: the node a page is allocated on when a thread
 * first touches it. (Later engine versions add hooks for moving pages after placement.)
 * Called on the simulation's hot path: no allocation, no blocking.
 */
public interface MigrationPolicy {

    /**
     * The node to allocate the faulting page on. The engine falls back along the zonelist
     * (nearest node with free frames) when that node is full, and reclaims from the returned node
     * when all are full. A value outside {@code [0, memory.nodeCount())} is a plugin error.
     */
    int placeFault(FaultContext fault, MemoryView memory);
}

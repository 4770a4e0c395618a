package dev.ksim.spi.mm;

/**
 * The page fault being placed. A view reused by the engine between calls: read it during the
 * call, do not keep it.
 */
public interface FaultContext {
    /** CPU the faulting thread runs on. */
    int cpu();

    /** Node local to that CPU. */
    int cpuNode();

    /** Process id of the faulting task. */
    int pid();

    /** Index of the mapping within the process. */
    int mapping();

    /** Page index of the fault within the mapping (virtual page offset). */
    long pageOffset();
}

package dev.ksim.engine.mm;

import dev.ksim.spi.mm.FaultContext;

/** The one mutable {@link FaultContext} the memory manager refills for every fault (no allocation per fault). */
final class FaultInfo implements FaultContext {
    int cpu;
    int cpuNode;
    int pid;
    int mapping;
    long pageOffset;

    @Override
    public int cpu() {
        return cpu;
    }

    @Override
    public int cpuNode() {
        return cpuNode;
    }

    @Override
    public int pid() {
        return pid;
    }

    @Override
    public int mapping() {
        return mapping;
    }

    @Override
    public long pageOffset() {
        return pageOffset;
    }
}

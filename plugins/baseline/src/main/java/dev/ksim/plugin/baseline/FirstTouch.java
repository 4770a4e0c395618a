package dev.ksim.plugin.baseline;

import dev.ksim.spi.mm.FaultContext;
import dev.ksim.spi.mm.MemoryView;
import dev.ksim.spi.mm.MigrationPolicy;

/**
 * First-touch placement: the faulting CPU's node. When it is full the engine falls back along the
 * zonelist, as the kernel's page allocator does for MPOL_LOCAL.
 */
public final class FirstTouch implements MigrationPolicy {
    @Override
    public int placeFault(FaultContext fault, MemoryView memory) {
        return fault.cpuNode();
    }
}

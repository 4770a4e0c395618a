package dev.ksim.engine.mm.zone;

/**
 * The zones ksim models ({@code enum zone_type}, include/linux/mmzone.h), in zone-index order:
 * a higher index is preferred first by allocations allowed to use it, as in the kernel's
 * zonelists (ZONE_MOVABLE before ZONE_NORMAL on the same node).
 */
public enum ZoneType {
    /** Buddy-managed; any allocation, kernel ones included. */
    NORMAL("Normal"),
    /** Buddy-managed; only movable (migratable user) allocations, so it can be compacted and offlined. */
    MOVABLE("Movable"),
    /** Frames with a memmap but never in the buddy allocator; the owning driver hands them out. */
    DEVICE("Device");

    private final String kernelName;

    ZoneType(String kernelName) {
        this.kernelName = kernelName;
    }

    /** The name /proc/zoneinfo prints ("Normal", "Movable", "Device"). */
    public String kernelName() {
        return kernelName;
    }

    /** Whether the buddy allocator manages this zone's frames. */
    public boolean buddyManaged() {
        return this != DEVICE;
    }
}

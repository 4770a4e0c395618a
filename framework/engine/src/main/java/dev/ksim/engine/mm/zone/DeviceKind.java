package dev.ksim.engine.mm.zone;

/**
 * What a ZONE_DEVICE range is ({@code enum memory_type}, include/linux/memremap.h). Recorded on a
 * device zone; what the CPU may do with such a page is the memory manager's business.
 */
public enum DeviceKind {
    /** MEMORY_DEVICE_PRIVATE: the CPU cannot touch it; CPU PTEs hold a device-private swap entry. */
    PRIVATE,
    /** MEMORY_DEVICE_COHERENT (Linux 6.0, 2022): cache-coherent, mapped with normal PTEs, never pinned. */
    COHERENT,
    /** MEMORY_DEVICE_PUBLIC (HMM-CDM, 2017–2019, removed unused): the predecessor of COHERENT. */
    PUBLIC
}

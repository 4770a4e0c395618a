package dev.ksim.engine.model;

import java.util.List;

/**
 * A node whose memory is device memory in ZONE_DEVICE ({@code device 'coherent'} in its node
 * block): {@code kind} is one of {@link #KINDS} — {@code private} (MEMORY_DEVICE_PRIVATE: the CPU
 * cannot touch it), {@code coherent} (MEMORY_DEVICE_COHERENT, Linux 6.0) or {@code public}
 * (MEMORY_DEVICE_PUBLIC, HMM-CDM 2017–2019). {@code where} locates the declaration for errors.
 */
public record DeviceSpec(String kind, SourceRef where) {
    /** The kinds a scenario may write, as include/linux/memremap.h's {@code enum memory_type} names them. */
    public static final List<String> KINDS = List.of("private", "coherent", "public");

    /** Whether the CPU can load from such memory with a normal PTE. */
    public boolean cpuAccessible() {
        return !"private".equals(kind);
    }
}

package dev.ksim.engine.model;

/**
 * The machine's memory-management tunables, named after the sysctls they model
 * ({@code /proc/sys/vm/*}); scenarios set them in {@code machine { }}.
 *
 * @param minFreeKbytes        {@code vm.min_free_kbytes}; {@link #KERNEL_DEFAULT} = computed as the
 *                             kernel does at boot ({@code calculate_min_free_kbytes})
 * @param watermarkScaleFactor {@code vm.watermark_scale_factor}, 1..3000 (units of 0.01 % of a zone); kernel default 10
 * @param swappiness           {@code vm.swappiness}, 0..200: relative cost of reclaiming anon against file pages; kernel default 60
 * @param demotion             {@code /sys/kernel/mm/numa/demotion_enabled}: reclaim migrates victims to the next
 *                             memory tier before swapping them; kernel default false
 * @param numaBalancing        {@code kernel.numa_balancing} and its tunables ({@link NumaBalancingSpec}; null is
 *                             read as {@link NumaBalancingSpec#OFF})
 */
public record VmSpec(long minFreeKbytes, int watermarkScaleFactor, int swappiness, boolean demotion,
                     NumaBalancingSpec numaBalancing) {
    /** {@link #minFreeKbytes} value meaning "as the kernel computes it". */
    public static final long KERNEL_DEFAULT = -1;
    public static final int DEFAULT_WATERMARK_SCALE_FACTOR = 10;
    public static final int DEFAULT_SWAPPINESS = 60;
    /** The kernel's defaults. */
    public static final VmSpec DEFAULT = new VmSpec(KERNEL_DEFAULT, DEFAULT_WATERMARK_SCALE_FACTOR, DEFAULT_SWAPPINESS, false);

    public VmSpec {
        if (numaBalancing == null) {
            numaBalancing = NumaBalancingSpec.OFF;
        }
    }

    /** Tunables with NUMA balancing off. */
    public VmSpec(long minFreeKbytes, int watermarkScaleFactor, int swappiness, boolean demotion) {
        this(minFreeKbytes, watermarkScaleFactor, swappiness, demotion, NumaBalancingSpec.OFF);
    }
}

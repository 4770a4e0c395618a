package dev.ksim.engine.model;

import java.util.ArrayList;
import java.util.List;

/**
 * Automatic NUMA balancing: the {@code kernel.numa_balancing} mode and its tunables, named after
 * the kernel's sysctls ({@code kernel.numa_balancing_*}, some of them in debugfs since Linux 5.13);
 * scenarios set them in {@code machine { numaBalancing 'autonuma' }} or with a block
 * {@code numaBalancing('tiering') { scanDelay 10.ms; hotThreshold 5.ms }}. Times are whole
 * milliseconds, as the sysctls count them.
 *
 * @param mode                        {@code kernel.numa_balancing}: 0 off, 1 autonuma, 2 memory tiering, 3 both
 * @param scanDelayMs                 {@code numa_balancing_scan_delay_ms}: a task's first scan, after it starts (1000)
 * @param scanPeriodMinMs             {@code numa_balancing_scan_period_min_ms}: shortest time to scan the whole address space (1000)
 * @param scanPeriodMaxMs             {@code numa_balancing_scan_period_max_ms}: longest (60000)
 * @param scanSizeMb                  {@code numa_balancing_scan_size_mb}: MiB of the address space marked per scan (256)
 * @param hotThresholdMs              {@code numa_balancing_hot_threshold_ms}: tiering — a slow-tier page is hot when its
 *                                    hinting fault comes sooner than this after the scan (1000)
 * @param promoteRateLimitBytesPerSec {@code numa_balancing_promote_rate_limit_MBps}, in bytes per second: tiering — the
 *                                    per-node cap on promotion candidates (65536 MiB/s; the kernel's MB is MiB)
 * @param where                       the {@code numaBalancing} line of the scenario
 */
public record NumaBalancingSpec(Mode mode, long scanDelayMs, long scanPeriodMinMs, long scanPeriodMaxMs, long scanSizeMb,
                                long hotThresholdMs, long promoteRateLimitBytesPerSec, SourceRef where) {

    /** The values of {@code kernel.numa_balancing} (NUMA_BALANCING_NORMAL = 1, NUMA_BALANCING_MEMORY_TIERING = 2). */
    public enum Mode {
        OFF("off", 0),
        AUTONUMA("autonuma", 1),
        TIERING("tiering", 2),
        AUTONUMA_TIERING("autonuma+tiering", 3);

        private final String key;
        private final int sysctl;

        Mode(String key, int sysctl) {
            this.key = key;
            this.sysctl = sysctl;
        }

        /** The scenario word. */
        public String key() {
            return key;
        }

        /** The {@code kernel.numa_balancing} value. */
        public int sysctl() {
            return sysctl;
        }

        /** NUMA_BALANCING_NORMAL: misplaced pages move towards the CPUs that touch them. */
        public boolean normal() {
            return (sysctl & 1) != 0;
        }

        /** NUMA_BALANCING_MEMORY_TIERING: hot pages of slower tiers are promoted. */
        public boolean tiering() {
            return (sysctl & 2) != 0;
        }

        /** The mode a scenario word names, or null. */
        public static Mode of(String key) {
            for (Mode m : values()) {
                if (m.key.equals(key)) {
                    return m;
                }
            }
            return null;
        }

        /** Every scenario word, in sysctl order. */
        public static List<String> keys() {
            List<String> out = new ArrayList<>();
            for (Mode m : values()) {
                out.add(m.key);
            }
            return out;
        }
    }

    public static final long DEFAULT_SCAN_DELAY_MS = 1_000;
    public static final long DEFAULT_SCAN_PERIOD_MIN_MS = 1_000;
    public static final long DEFAULT_SCAN_PERIOD_MAX_MS = 60_000;
    public static final long DEFAULT_SCAN_SIZE_MB = 256;
    public static final long DEFAULT_HOT_THRESHOLD_MS = 1_000;
    /** 65536 MB/s, the kernel's MB being 2^20 bytes (MB_TO_PAGES shifts by 20 - PAGE_SHIFT). */
    public static final long DEFAULT_PROMOTE_RATE_LIMIT_BYTES_PER_SEC = 65_536L << 20;

    /** NUMA balancing off, the kernel's tunables. */
    public static final NumaBalancingSpec OFF = defaults(Mode.OFF, SourceRef.UNKNOWN);

    public NumaBalancingSpec {
        if (mode == null) {
            mode = Mode.OFF;
        }
        if (where == null) {
            where = SourceRef.UNKNOWN;
        }
    }

    /** {@code mode} with the kernel's default tunables. */
    public static NumaBalancingSpec defaults(Mode mode, SourceRef where) {
        return new NumaBalancingSpec(mode, DEFAULT_SCAN_DELAY_MS, DEFAULT_SCAN_PERIOD_MIN_MS, DEFAULT_SCAN_PERIOD_MAX_MS,
                DEFAULT_SCAN_SIZE_MB, DEFAULT_HOT_THRESHOLD_MS, DEFAULT_PROMOTE_RATE_LIMIT_BYTES_PER_SEC, where);
    }

    /**
     * The problems of these settings, located at {@link #where}: scanDelay >= 0, 1 ms <= scanPeriodMin
     * <= scanPeriodMax, scanSize >= 1 MiB, hotThreshold >= 1 ms, promoteRateLimit >= 0.
     */
    public List<Diagnostic> validate() {
        List<Diagnostic> out = new ArrayList<>();
        if (scanDelayMs < 0) {
            out.add(new Diagnostic(where, "numaBalancing scanDelay must be >= 0 ms, got " + scanDelayMs + " ms"));
        }
        if (scanPeriodMinMs < 1) {
            out.add(new Diagnostic(where, "numaBalancing scanPeriodMin must be at least 1 ms, got " + scanPeriodMinMs + " ms"));
        } else if (scanPeriodMaxMs < scanPeriodMinMs) {
            out.add(new Diagnostic(where, "numaBalancing scanPeriodMax (" + scanPeriodMaxMs + " ms) must be at least scanPeriodMin ("
                    + scanPeriodMinMs + " ms)"));
        }
        if (scanSizeMb < 1) {
            out.add(new Diagnostic(where, "numaBalancing scanSize must be at least 1 MiB, got " + scanSizeMb + " MiB"));
        }
        if (hotThresholdMs < 1) {
            out.add(new Diagnostic(where, "numaBalancing hotThreshold must be at least 1 ms, got " + hotThresholdMs + " ms"));
        }
        if (promoteRateLimitBytesPerSec < 0) {
            out.add(new Diagnostic(where, "numaBalancing promoteRateLimit must be >= 0, got " + promoteRateLimitBytesPerSec + " B/s"));
        }
        return out;
    }
}

package dev.ksim.dsl;

import dev.ksim.dsl.internal.Values;
import dev.ksim.engine.model.NumaBalancingSpec;
import dev.ksim.engine.model.NumaBalancingSpec.Mode;
import dev.ksim.engine.model.SourceRef;
import java.util.Map;

/**
 * {@code numaBalancing('tiering') { scanDelay 10.ms; hotThreshold 5.ms }} in {@code machine {}}:
 * the tunables of automatic NUMA balancing, named after the kernel's
 * {@code kernel.numa_balancing_*} sysctls. Times are whole milliseconds (the sysctls' unit), the
 * scan size whole MiB; {@code hotThreshold} and {@code promoteRateLimit} belong to the tiering
 * modes; mode {@code 'off'} takes no settings. Defaults are the kernel's.
 */
public final class NumaBalancingBlock extends Block {
    static final Map<String, String> SETTINGS = usage(
            "scanDelay", "scanDelay 1.s",
            "scanPeriodMin", "scanPeriodMin 1.s",
            "scanPeriodMax", "scanPeriodMax 60.s",
            "scanSize", "scanSize 256.MiB",
            "hotThreshold", "hotThreshold 1.s",
            "promoteRateLimit", "promoteRateLimit 64.GBps");

    private final Mode mode;
    private long scanDelayMs = NumaBalancingSpec.DEFAULT_SCAN_DELAY_MS;
    private long scanPeriodMinMs = NumaBalancingSpec.DEFAULT_SCAN_PERIOD_MIN_MS;
    private long scanPeriodMaxMs = NumaBalancingSpec.DEFAULT_SCAN_PERIOD_MAX_MS;
    private long scanSizeMb = NumaBalancingSpec.DEFAULT_SCAN_SIZE_MB;
    private long hotThresholdMs = NumaBalancingSpec.DEFAULT_HOT_THRESHOLD_MS;
    private long promoteRateLimit = NumaBalancingSpec.DEFAULT_PROMOTE_RATE_LIMIT_BYTES_PER_SEC;

    NumaBalancingBlock(Evaluation ev, SourceRef where, Mode mode) {
        super(ev, where);
        this.mode = mode;
    }

    @Override
    String blockName() {
        return "numaBalancing";
    }

    @Override
    Map<String, String> settings() {
        return SETTINGS;
    }

    /** {@code kernel.numa_balancing_scan_delay_ms}: the first scan of a process, after its first thread starts. */
    public void scanDelay(Object time) {
        Long ms = msArg("scanDelay", time, 0);
        if (ms != null) {
            scanDelayMs = ms;
        }
    }

    /** {@code kernel.numa_balancing_scan_period_min_ms}: the shortest time to scan a whole address space. */
    public void scanPeriodMin(Object time) {
        Long ms = msArg("scanPeriodMin", time, 1);
        if (ms != null) {
            scanPeriodMinMs = ms;
        }
    }

    /** {@code kernel.numa_balancing_scan_period_max_ms}: the longest. */
    public void scanPeriodMax(Object time) {
        Long ms = msArg("scanPeriodMax", time, 1);
        if (ms != null) {
            scanPeriodMaxMs = ms;
        }
    }

    /** {@code kernel.numa_balancing_scan_size_mb}: address space marked per scan, whole MiB. */
    public void scanSize(Object size) {
        Long bytes = sizeArg("scanSize", size);
        if (bytes == null) {
            return;
        }
        if (bytes < (1L << 20) || bytes % (1L << 20) != 0) {
            report(what("scanSize") + " counts whole MiB (kernel.numa_balancing_scan_size_mb), at least 1.MiB; got " + size);
            return;
        }
        scanSizeMb = bytes >> 20;
    }

    /** {@code kernel.numa_balancing_hot_threshold_ms} (tiering): a page faulting sooner after its scan is hot. */
    public void hotThreshold(Object time) {
        if (!tieringOnly("hotThreshold")) {
            return;
        }
        Long ms = msArg("hotThreshold", time, 1);
        if (ms != null) {
            hotThresholdMs = ms;
        }
    }

    /** {@code kernel.numa_balancing_promote_rate_limit_MBps} (tiering): promotion candidates per second and node. */
    public void promoteRateLimit(Object rate) {
        if (!tieringOnly("promoteRateLimit")) {
            return;
        }
        if (!(rate instanceof Bandwidth b)) {
            report(what("promoteRateLimit") + " expects a rate such as 64.GBps, got " + Values.describe(rate)
                    + (rate instanceof Number n ? "; add a unit, e.g. " + Values.render(n) + ".MBps" : ""));
            return;
        }
        promoteRateLimit = b.bytesPerSecond();
    }

    private boolean tieringOnly(String setting) {
        if (mode.tiering()) {
            return true;
        }
        report(what(setting) + " applies to the tiering modes ('tiering', 'autonuma+tiering'); this one is '" + mode.key() + "'");
        return false;
    }

    /** A duration in whole milliseconds, at least {@code minMs}. */
    private Long msArg(String setting, Object v, long minMs) {
        Long ns = durationArg(setting, v);
        if (ns == null) {
            return null;
        }
        if (ns % 1_000_000L != 0) {
            report(what(setting) + " counts whole milliseconds, as its sysctl does; got " + v);
            return null;
        }
        long ms = ns / 1_000_000L;
        if (ms < minMs) {
            report(what(setting) + " must be at least " + minMs + " ms, got " + v);
            return null;
        }
        return ms;
    }

    @Override
    void finish() {
        if (mode == Mode.OFF && (scanDelayMs != NumaBalancingSpec.DEFAULT_SCAN_DELAY_MS
                || scanPeriodMinMs != NumaBalancingSpec.DEFAULT_SCAN_PERIOD_MIN_MS
                || scanPeriodMaxMs != NumaBalancingSpec.DEFAULT_SCAN_PERIOD_MAX_MS
                || scanSizeMb != NumaBalancingSpec.DEFAULT_SCAN_SIZE_MB)) {
            report(where, "numaBalancing 'off' takes no settings; choose a mode: " + String.join(", ", Mode.keys()));
        } else if (scanPeriodMaxMs < scanPeriodMinMs && !dirty) {
            report(where, "numaBalancing scanPeriodMax (" + scanPeriodMaxMs + " ms) must be at least scanPeriodMin ("
                    + scanPeriodMinMs + " ms)");
        }
    }

    NumaBalancingSpec build() {
        if (dirty) {
            return null;
        }
        if (mode == Mode.OFF) {
            return NumaBalancingSpec.OFF;
        }
        return new NumaBalancingSpec(mode, scanDelayMs, scanPeriodMinMs, scanPeriodMaxMs, scanSizeMb, hotThresholdMs,
                promoteRateLimit, where);
    }
}

package dev.ksim.engine.model;

/**
 * The writeback sysctls ({@code machine { writeback { ... } }}): {@code vm.dirty_background_ratio}
 * and {@code vm.dirty_ratio} (percent of dirtyable memory), {@code vm.dirty_expire_centisecs} and
 * {@code vm.dirty_writeback_centisecs} (as durations; an interval of 0 turns periodic writeback off).
 */
public record WritebackSpec(int dirtyBackgroundRatio, int dirtyRatio, long dirtyExpireNs, long dirtyWritebackIntervalNs,
                            SourceRef where) {
    /** The kernel's defaults: 10 %, 20 %, 30 s, 5 s. */
    public static final WritebackSpec DEFAULT = new WritebackSpec(10, 20, 30_000_000_000L, 5_000_000_000L, SourceRef.UNKNOWN);
}

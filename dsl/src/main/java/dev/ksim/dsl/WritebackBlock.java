package dev.ksim.dsl;

import dev.ksim.engine.model.SourceRef;
import dev.ksim.engine.model.WritebackSpec;
import java.util.Map;

/**
 * {@code writeback { dirtyBackgroundRatio 10; dirtyRatio 20; dirtyExpire 30.s; dirtyWritebackInterval 5.s }}
 * in {@code machine { }}: the writeback sysctls {@code vm.dirty_background_ratio},
 * {@code vm.dirty_ratio} (percent of dirtyable memory), {@code vm.dirty_expire_centisecs} and
 * {@code vm.dirty_writeback_centisecs} (durations; an interval of 0 turns periodic writeback off).
 * Each defaults to the kernel's value.
 */
public final class WritebackBlock extends Block {
    static final Map<String, String> SETTINGS = usage(
            "dirtyBackgroundRatio", "dirtyBackgroundRatio 10",
            "dirtyRatio", "dirtyRatio 20",
            "dirtyExpire", "dirtyExpire 30.s",
            "dirtyWritebackInterval", "dirtyWritebackInterval 5.s");

    private int backgroundRatio = WritebackSpec.DEFAULT.dirtyBackgroundRatio();
    private int ratio = WritebackSpec.DEFAULT.dirtyRatio();
    private long expireNs = WritebackSpec.DEFAULT.dirtyExpireNs();
    private long intervalNs = WritebackSpec.DEFAULT.dirtyWritebackIntervalNs();

    WritebackBlock(Evaluation ev, SourceRef where) {
        super(ev, where);
    }

    @Override
    String blockName() {
        return "writeback";
    }

    @Override
    Map<String, String> settings() {
        return SETTINGS;
    }

    /** vm.dirty_background_ratio: above this share of dirtyable memory the flusher writes in the background. */
    public void dirtyBackgroundRatio(Object v) {
        Long n = percent("dirtyBackgroundRatio", v, 0);
        if (n != null) {
            backgroundRatio = n.intValue();
        }
    }

    /** vm.dirty_ratio: above this share writers are throttled. */
    public void dirtyRatio(Object v) {
        Long n = percent("dirtyRatio", v, 1);
        if (n != null) {
            ratio = n.intValue();
        }
    }

    /** vm.dirty_expire_centisecs: dirty data older than this is written by the periodic flusher. */
    public void dirtyExpire(Object time) {
        Long ns = durationArg("dirtyExpire", time);
        if (ns != null) {
            expireNs = ns;
        }
    }

    /** vm.dirty_writeback_centisecs: the periodic flusher's interval (0 = off). */
    public void dirtyWritebackInterval(Object time) {
        Long ns = durationArg("dirtyWritebackInterval", time);
        if (ns != null) {
            intervalNs = ns;
        }
    }

    private Long percent(String setting, Object v, long min) {
        Long n = integerArg(setting, v, min);
        if (n != null && n > 100) {
            report(what(setting) + " is a percentage, at most 100, got " + n);
            return null;
        }
        return n;
    }

    WritebackSpec build() {
        return new WritebackSpec(backgroundRatio, ratio, expireNs, intervalNs, where);
    }
}

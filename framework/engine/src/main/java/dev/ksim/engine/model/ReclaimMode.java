package dev.ksim.engine.model;

import java.util.ArrayList;
import java.util.List;

/**
 * How a node chooses the pages reclaim evicts, by the name scenarios use
 * ({@code reclaim 'lru'} or {@code reclaim 'strict-lru'} in {@code machine {}}); {@link #LRU},
 * the kernel's, is the default.
 *
 * <p>{@link #LRU}: the kernel's (mm/vmscan.c): per node inactive/active × anon/file lists plus
 * unevictable, second-reference activation, inactive-tail scanning that rotates referenced pages,
 * refilling inactive from active, swappiness; zone watermarks, kswapd per node, direct reclaim
 * below the min watermark, demotion, OOM.
 *
 * <p>{@link #STRICT_LRU}: one exact LRU list per node; every reference moves its page to the
 * head and reclaim evicts the tail, one page when an allocation finds no free frame at all (no
 * watermarks, no kswapd). Page faults then equal an exact LRU cache's misses, which is what
 * validation against cache simulators (libCacheSim) needs.
 */
public enum ReclaimMode {
    LRU("lru"),
    STRICT_LRU("strict-lru");

    /** The mode a machine gets when the scenario names none. */
    public static final ReclaimMode DEFAULT = LRU;

    private final String key;

    ReclaimMode(String key) {
        this.key = key;
    }

    public String key() {
        return key;
    }

    /** The mode named {@code key}, or null. */
    public static ReclaimMode of(String key) {
        for (ReclaimMode m : values()) {
            if (m.key.equals(key)) {
                return m;
            }
        }
        return null;
    }

    public static List<String> keys() {
        List<String> out = new ArrayList<>();
        for (ReclaimMode m : values()) {
            out.add(m.key);
        }
        return out;
    }
}

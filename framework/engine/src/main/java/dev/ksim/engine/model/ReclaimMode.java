package dev.ksim.engine.model;

import java.util.ArrayList;
import java.util.List;

/**
 * How a node chooses the pages reclaim evicts, by the name scenarios use
 * ({@code reclaim 'strict-lru'} in {@code machine {}}).
 *
 * <p>{@link #STRICT_LRU}: one exact LRU list per node; every reference moves its page to the
 * head and reclaim evicts the tail. Page faults then equal an exact LRU cache's misses, which is
 * what validation against cache simulators (libCacheSim) needs. It is the default until the
 * kernel's two-list LRU (active/inactive × anon/file with second-reference activation) arrives as
 * a further mode.
 */
public enum ReclaimMode {
    STRICT_LRU("strict-lru");

    /** The mode a machine gets when the scenario names none. */
    public static final ReclaimMode DEFAULT = STRICT_LRU;

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

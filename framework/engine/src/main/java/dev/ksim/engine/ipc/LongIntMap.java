package dev.ksim.engine.ipc;

import java.util.Arrays;

/**
 * A map from non-negative {@code long} keys to {@code int} values without boxing: open
 * addressing with linear probing and backward-shift deletion (no tombstones), so lookups stay
 * O(1) expected however many removals happen. {@link #get} returns -1 for an absent key.
 */
final class LongIntMap {
    private static final long EMPTY = -1L;
    private long[] keys;
    private int[] values;
    private int size;
    private int mask;

    LongIntMap(int expected) {
        int cap = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
        keys = new long[cap];
        values = new int[cap];
        Arrays.fill(keys, EMPTY);
        mask = cap - 1;
    }

    private static int mix(long k) {
        long h = k * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }

    int get(long key) {
        int i = mix(key) & mask;
        while (true) {
            long k = keys[i];
            if (k == key) {
                return values[i];
            }
            if (k == EMPTY) {
                return -1;
            }
            i = (i + 1) & mask;
        }
    }

    void put(long key, int value) {
        if (key < 0) {
            throw new IllegalArgumentException("negative key " + key);
        }
        if ((size + 1) * 2 > keys.length) {
            grow();
        }
        int i = mix(key) & mask;
        while (true) {
            long k = keys[i];
            if (k == key) {
                values[i] = value;
                return;
            }
            if (k == EMPTY) {
                keys[i] = key;
                values[i] = value;
                size++;
                return;
            }
            i = (i + 1) & mask;
        }
    }

    /** Removes the key; returns its value or -1. */
    int remove(long key) {
        int i = mix(key) & mask;
        while (true) {
            long k = keys[i];
            if (k == EMPTY) {
                return -1;
            }
            if (k == key) {
                break;
            }
            i = (i + 1) & mask;
        }
        int old = values[i];
        size--;
        // backward-shift: move later members of the probe run into the hole
        int hole = i;
        int j = (i + 1) & mask;
        while (keys[j] != EMPTY) {
            int home = mix(keys[j]) & mask;
            boolean movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
            if (movable) {
                keys[hole] = keys[j];
                values[hole] = values[j];
                hole = j;
            }
            j = (j + 1) & mask;
        }
        keys[hole] = EMPTY;
        return old;
    }

    int size() {
        return size;
    }

    private void grow() {
        long[] ok = keys;
        int[] ov = values;
        keys = new long[ok.length * 2];
        values = new int[ok.length * 2];
        Arrays.fill(keys, EMPTY);
        mask = keys.length - 1;
        size = 0;
        for (int i = 0; i < ok.length; i++) {
            if (ok[i] != EMPTY) {
                put(ok[i], ov[i]);
            }
        }
    }
}

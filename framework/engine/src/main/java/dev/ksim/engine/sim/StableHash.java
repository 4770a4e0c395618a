package dev.ksim.engine.sim;

import java.nio.charset.StandardCharsets;

/**
 * A 64-bit hash that is the same on every JVM, platform and release: FNV-1a 64 over bytes,
 * finished with the SplitMix64 mixer so that near-identical inputs give unrelated seeds.
 * ({@code String.hashCode} is 32-bit and collides far too easily to seed streams.)
 */
public final class StableHash {
    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private StableHash() {
    }

    /** Hash of (seed, variant, componentId); the strings are length-prefixed so no two tuples share an encoding. */
    public static long of(long seed, String variant, String componentId) {
        long h = FNV_OFFSET;
        h = mixLong(h, seed);
        h = mixString(h, variant);
        h = mixString(h, componentId);
        return splitMix64(h);
    }

    private static long mixLong(long h, long v) {
        for (int i = 0; i < 8; i++) {
            h ^= (v >>> (8 * i)) & 0xff;
            h *= FNV_PRIME;
        }
        return h;
    }

    private static long mixString(long h, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        h = mixLong(h, bytes.length);
        for (byte b : bytes) {
            h ^= b & 0xff;
            h *= FNV_PRIME;
        }
        return h;
    }

    /** The SplitMix64 finaliser (Steele, Lea, Flood 2014). */
    public static long splitMix64(long z) {
        z += 0x9e3779b97f4a7c15L;
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}

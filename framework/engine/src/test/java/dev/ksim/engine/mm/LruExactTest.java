package dev.ksim.engine.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** Page faults under exact LRU equal an independent LRU cache simulation's misses. */
class LruExactTest {

    /** Misses of a textbook LRU cache of {@code capacity} entries over {@code refs}. */
    static long referenceLruMisses(int[] refs, int capacity) {
        LinkedHashSet<Integer> cache = new LinkedHashSet<>();
        long misses = 0;
        for (int r : refs) {
            if (cache.remove(r)) {
                cache.add(r);
                continue;
            }
            misses++;
            if (cache.size() == capacity) {
                Iterator<Integer> oldest = cache.iterator();
                oldest.next();
                oldest.remove();
            }
            cache.add(r);
        }
        return misses;
    }

    private static MmFixture replay(int[] refs, int frames, int pages) {
        MmFixture fx = new MmFixture(new long[] {frames}, pages, (f, m) -> 0);
        MmStruct p = fx.process("p", pages);
        for (int r : refs) {
            fx.mm.access(p, 0, r, 0);
        }
        return fx;
    }

    private static void assertMatchesReference(int[] refs, int frames, int pages) {
        MmFixture fx = replay(refs, frames, pages);
        long expected = referenceLruMisses(refs, frames);
        long distinct = java.util.Arrays.stream(refs).distinct().count();
        assertEquals(expected, fx.counter("pgfault"), "faults = LRU misses");
        assertEquals(expected - distinct, fx.counter("pgmajfault"), "every non-cold miss is a swap-in");
        assertEquals(fx.counter("pgmajfault"), fx.counter("pswpin"));
        assertEquals(Math.max(0, expected - frames), fx.counter("pswpout"), "one eviction per miss once full");
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void cyclicOverOneMorePageThanFramesFaultsEveryTime() {
        int frames = 16;
        int[] refs = new int[10 * (frames + 1)];
        for (int i = 0; i < refs.length; i++) {
            refs[i] = i % (frames + 1);
        }
        MmFixture fx = replay(refs, frames, frames + 1);
        assertEquals(refs.length, fx.counter("pgfault"));
        assertEquals(refs.length - (frames + 1), fx.counter("pgmajfault"));
        assertMatchesReference(refs, frames, frames + 1);
    }

    @Test
    void randomReferenceStringMatchesReferenceLru() {
        SplittableRandom r = new SplittableRandom(12345);
        int pages = 64;
        int[] refs = new int[20_000];
        for (int i = 0; i < refs.length; i++) {
            // skewed: half the references go to 8 hot pages
            refs[i] = r.nextBoolean() ? r.nextInt(8) : r.nextInt(pages);
        }
        assertMatchesReference(refs, 24, pages);
    }

    @Property(tries = 100)
    void anyReferenceStringMatchesReferenceLru(@ForAll @Size(min = 1, max = 400) List<@IntRange(max = 29) Integer> refs,
                                               @ForAll @IntRange(min = 1, max = 12) int frames) {
        int[] a = new int[refs.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = refs.get(i);
        }
        assertMatchesReference(a, frames, 30);
    }
}

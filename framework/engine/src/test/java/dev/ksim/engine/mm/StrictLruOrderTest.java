package dev.ksim.engine.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** The access-log recency order against a textbook move-to-front list, through many compactions. */
class StrictLruOrderTest {
    private static final int START = 100;

    /**
     * Each op: 0..9 touch (add if absent) frame op%N, 10 evict the oldest, 11 del a frame; the
     * order must name the same oldest frame and the same sequence as a LinkedHashSet kept in recency order.
     */
    @Property(tries = 300)
    void sameOrderAsMoveToFront(@ForAll @Size(min = 1, max = 600) List<@IntRange(max = 11) Integer> kinds,
                                @ForAll @Size(min = 1, max = 600) List<@IntRange(max = 19) Integer> targets,
                                @ForAll @IntRange(min = 1, max = 20) int frames) {
        StrictLruOrder order = new StrictLruOrder(START, frames);
        LinkedHashSet<Integer> ref = new LinkedHashSet<>(); // iteration order = least recent first
        int n = Math.min(kinds.size(), targets.size());
        for (int i = 0; i < n; i++) {
            int f = START + targets.get(i) % frames;
            int k = kinds.get(i);
            if (k <= 9) {
                if (ref.remove(f)) {
                    order.touch(f);
                } else {
                    order.add(f);
                }
                ref.add(f);
            } else if (k == 10) {
                int oldest = order.oldest();
                assertEquals(ref.isEmpty() ? -1 : ref.iterator().next(), oldest);
                if (oldest >= 0) {
                    order.del(oldest);
                    ref.remove(oldest);
                }
            } else if (ref.remove(f)) {
                order.del(f);
            }
            assertEquals(ref.size(), order.size());
        }
        List<Integer> walk = new ArrayList<>();
        for (int f = order.oldest(); f >= 0; f = order.newerThan(f)) {
            walk.add(f);
        }
        assertEquals(new ArrayList<>(ref), walk);
        List<String> v = new ArrayList<>();
        order.invariant("t", ref::contains).check(v);
        assertEquals(List.of(), v);
    }

    @Test
    void invariantSeesAFrameOnTheLruThatTheOrderLost() {
        StrictLruOrder order = new StrictLruOrder(START, 4);
        order.add(START);
        order.add(START + 1);
        List<String> v = new ArrayList<>();
        order.invariant("t", f -> f == START || f == START + 1 || f == START + 2).check(v);
        assertEquals(1, v.size(), v.toString());
        assertTrue(v.get(0).contains("frame 102 is on the LRU but not in the order"), v.get(0));
        v.clear();
        order.del(START); // the order forgets a frame the LRU still has
        order.invariant("t", f -> f == START || f == START + 1).check(v);
        assertTrue(v.get(0).contains("frame 100 is on the LRU but not in the order"), v.toString());
    }

    @Test
    void compactionKeepsOrderAfterManyTouches() {
        StrictLruOrder order = new StrictLruOrder(START, 8);
        for (int i = 0; i < 8; i++) {
            order.add(START + i);
        }
        for (int round = 0; round < 1000; round++) {
            order.touch(START + round % 7); // frame 107 is never touched again: it stays the oldest
        }
        assertEquals(START + 7, order.oldest());
        order.del(START + 7);
        assertEquals(START + (1000 % 7), order.oldest()); // the least recently touched of the rest
    }
}

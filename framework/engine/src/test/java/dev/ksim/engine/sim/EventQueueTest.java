package dev.ksim.engine.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class EventQueueTest {

    /** A handler that records its label when fired. */
    private static EventHandler recorder(List<String> log, String label) {
        return t -> log.add(label + "@" + t);
    }

    private static List<String> drain(EventQueue q) {
        List<String> log = new ArrayList<>();
        while (!q.isEmpty()) {
            long t = q.peekTime();
            q.poll().fire(t);
        }
        return log;
    }

    @Test
    void ordersByTimeThenPriorityThenInsertion() {
        EventQueue q = new EventQueue();
        List<String> log = new ArrayList<>();
        q.schedule(20, 0, recorder(log, "late"));
        q.schedule(10, 5, recorder(log, "p5-first"));
        q.schedule(10, 1, recorder(log, "p1"));
        q.schedule(10, 5, recorder(log, "p5-second"));
        q.schedule(5, 9, recorder(log, "early"));
        q.schedule(10, 5, recorder(log, "p5-third"));
        drain(q);
        assertEquals(List.of("early@5", "p1@10", "p5-first@10", "p5-second@10", "p5-third@10", "late@20"), log);
    }

    @Test
    void pollOnEmptyQueueFails() {
        assertThrows(IllegalStateException.class, () -> new EventQueue().poll());
    }

    @Test
    void eventLoopStopsBeforeEndAndMovesClock() {
        SimulationClock clock = new SimulationClock();
        EventQueue q = new EventQueue();
        EventLoop loop = new EventLoop(clock, q);
        List<Long> seen = new ArrayList<>();
        EventHandler tick = new EventHandler() {
            @Override
            public void fire(long t) {
                seen.add(clock.nowNs());
                q.schedule(t + 100, 0, this);
            }
        };
        q.schedule(0, 0, tick);
        int[] hooks = {0};
        loop.run(350, 2, () -> hooks[0]++);
        assertEquals(List.of(0L, 100L, 200L, 300L), seen);
        assertEquals(4, loop.dispatched());
        assertEquals(2, hooks[0]);
        assertEquals(400, q.peekTime(), "the event at the end is left pending");
    }

    @Test
    void clockNeverRunsBackwards() {
        SimulationClock c = new SimulationClock();
        c.advanceTo(10);
        assertThrows(IllegalStateException.class, () -> c.advanceTo(9));
    }

    record Ev(long time, int prio, int seq) {
    }

    @Property(tries = 200)
    void pollsInTotalOrder(@ForAll @Size(max = 300) List<@IntRange(max = 20) Integer> times,
                           @ForAll @Size(max = 300) List<@IntRange(max = 3) Integer> prios) {
        EventQueue q = new EventQueue();
        List<Ev> expected = new ArrayList<>();
        List<Ev> fired = new ArrayList<>();
        int n = Math.min(times.size(), prios.size());
        for (int i = 0; i < n; i++) {
            Ev e = new Ev(times.get(i), prios.get(i), i);
            expected.add(e);
            q.schedule(e.time(), e.prio(), t -> fired.add(e));
        }
        expected.sort(Comparator.comparingLong(Ev::time).thenComparingInt(Ev::prio).thenComparingInt(Ev::seq));
        assertEquals(n, q.size());
        while (!q.isEmpty()) {
            long t = q.peekTime();
            q.poll().fire(t);
        }
        assertEquals(expected, fired);
        assertTrue(q.isEmpty());
    }
}

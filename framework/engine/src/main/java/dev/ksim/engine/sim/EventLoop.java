package dev.ksim.engine.sim;

/**
 * Dispatches events in queue order, moving the clock to each event's time, until the queue is
 * empty or the next event lies at or beyond the end of the run. Counts dispatched events and can
 * call a hook after every {@code hookEvery} events (the run's periodic invariant checks).
 */
public final class EventLoop {
    private final SimulationClock clock;
    private final EventQueue queue;
    private long dispatched;

    public EventLoop(SimulationClock clock, EventQueue queue) {
        this.clock = clock;
        this.queue = queue;
    }

    /**
     * Runs events with time {@code < endNs}.
     *
     * @param hookEvery call {@code hook} after every this many events (0 = never)
     */
    public void run(long endNs, long hookEvery, Runnable hook) {
        while (!queue.isEmpty()) {
            long t = queue.peekTime();
            if (t >= endNs) {
                return;
            }
            EventHandler h = queue.poll();
            clock.advanceTo(t);
            h.fire(t);
            dispatched++;
            if (hookEvery > 0 && dispatched % hookEvery == 0) {
                hook.run();
            }
        }
    }

    /** Events dispatched so far. */
    public long dispatched() {
        return dispatched;
    }
}

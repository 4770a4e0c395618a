package dev.ksim.engine.sim;

import java.util.Arrays;

/**
 * Pending events in a total, reproducible order: by time, then priority (lower first), then
 * insertion sequence (earlier first). A binary min-heap over parallel primitive arrays, so
 * scheduling allocates nothing once the arrays have grown to the run's working size.
 */
public final class EventQueue {
    private long[] time = new long[64];
    private int[] priority = new int[64];
    private long[] seq = new long[64];
    private EventHandler[] handler = new EventHandler[64];
    private int size;
    private long nextSeq;

    /** Schedules {@code h} at {@code timeNs} with {@code prio} (lower runs first among equal times). */
    public void schedule(long timeNs, int prio, EventHandler h) {
        if (h == null) {
            throw new NullPointerException("handler");
        }
        if (size == time.length) {
            int n = size * 2;
            time = Arrays.copyOf(time, n);
            priority = Arrays.copyOf(priority, n);
            seq = Arrays.copyOf(seq, n);
            handler = Arrays.copyOf(handler, n);
        }
        int i = size++;
        time[i] = timeNs;
        priority[i] = prio;
        seq[i] = nextSeq++;
        handler[i] = h;
        siftUp(i);
    }

    public boolean isEmpty() {
        return size == 0;
    }

    public int size() {
        return size;
    }

    /** Time of the first event; undefined when empty. */
    public long peekTime() {
        if (size == 0) {
            throw new IllegalStateException("empty event queue");
        }
        return time[0];
    }

    /** Priority of the first event; undefined when empty. */
    public int peekPriority() {
        if (size == 0) {
            throw new IllegalStateException("empty event queue");
        }
        return priority[0];
    }

    /** Removes the first event and returns its handler; read its time with {@link #peekTime()} before. */
    public EventHandler poll() {
        if (size == 0) {
            throw new IllegalStateException("empty event queue");
        }
        EventHandler h = handler[0];
        size--;
        if (size > 0) {
            move(size, 0);
            siftDown(0);
        }
        handler[size] = null;
        return h;
    }

    private boolean less(int a, int b) {
        if (time[a] != time[b]) {
            return time[a] < time[b];
        }
        if (priority[a] != priority[b]) {
            return priority[a] < priority[b];
        }
        return seq[a] < seq[b];
    }

    private void siftUp(int i) {
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!less(i, parent)) {
                break;
            }
            swap(i, parent);
            i = parent;
        }
    }

    private void siftDown(int i) {
        while (true) {
            int l = 2 * i + 1;
            if (l >= size) {
                return;
            }
            int m = l;
            int r = l + 1;
            if (r < size && less(r, l)) {
                m = r;
            }
            if (!less(m, i)) {
                return;
            }
            swap(i, m);
            i = m;
        }
    }

    private void move(int from, int to) {
        time[to] = time[from];
        priority[to] = priority[from];
        seq[to] = seq[from];
        handler[to] = handler[from];
    }

    private void swap(int a, int b) {
        long t = time[a];
        time[a] = time[b];
        time[b] = t;
        int p = priority[a];
        priority[a] = priority[b];
        priority[b] = p;
        long s = seq[a];
        seq[a] = seq[b];
        seq[b] = s;
        EventHandler h = handler[a];
        handler[a] = handler[b];
        handler[b] = h;
    }
}

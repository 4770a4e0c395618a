package dev.ksim.engine.mm;

/**
 * A node's free frames: one LIFO list of order-0 frames (the seed of a buddy allocator's
 * {@code free_area}; higher orders come with THP). Frames are handed out lowest pfn first on a
 * fresh node, and a just-freed (cache-hot) frame is reused first.
 */
public final class FreeArea {
    private final FrameTable table;
    final int head;
    long nrFree;

    FreeArea(FrameTable table, int head) {
        this.table = table;
        this.head = head;
    }

    /** Puts frames [start, start + count) on the list, so that {@code start} is allocated first. */
    void populate(int start, int count) {
        for (int f = start + count - 1; f >= start; f--) {
            table.listAdd(head, f);
        }
        nrFree += count;
    }

    /** Takes a free frame off the list; -1 when none is free. */
    int alloc() {
        int f = table.first(head);
        if (f < 0) {
            return -1;
        }
        table.listDel(f);
        nrFree--;
        return f;
    }

    void free(int f) {
        table.listAdd(head, f);
        nrFree++;
    }

    public long nrFree() {
        return nrFree;
    }
}

package dev.ksim.engine.mm;

/**
 * A node's exact LRU ("strict LRU" mode of memory spec section 4): one list of the node's
 * allocated user frames, most recently used at the head. Every reference moves its frame to the
 * head in O(1); reclaim takes the tail. Active/inactive and anon/file lists replace it later.
 */
public final class Lruvec {
    private final FrameTable table;
    final int head;
    long nrPages;

    Lruvec(FrameTable table, int head) {
        this.table = table;
        this.head = head;
    }

    /** Adds a newly mapped frame as most recently used. */
    void add(int f) {
        table.listAdd(head, f);
        nrPages++;
    }

    /** Marks {@code f} (on this list) as just referenced. */
    void touch(int f) {
        table.listMoveToHead(head, f);
    }

    void del(int f) {
        table.listDel(f);
        nrPages--;
    }

    /** The least recently used frame, or -1 when the list is empty. */
    int tail() {
        return table.last(head);
    }

    public long nrPages() {
        return nrPages;
    }
}

package dev.ksim.engine.mm;

/**
 * The swap device as an array of 4 KiB slots with a free-slot stack (lowest slot first on a fresh
 * device), a used flag per slot and its reference count ({@code swap_map}): how many swap PTEs
 * and shmem page-cache entries hold the slot — more than one after fork shared a swapped-out
 * page ({@link #dup}); the slot is free again when the last reference goes ({@link #free}). Zero
 * slots = no swap: nothing anonymous can be evicted.
 */
public final class SwapDevice {
    final int slots;
    private final int[] freeStack;
    private int top;
    final boolean[] used;
    /** References per slot (swap_map); used[s] iff refs[s] > 0. */
    final int[] refs;
    int nrUsed;

    SwapDevice(int slots) {
        this.slots = slots;
        this.freeStack = new int[slots];
        this.used = new boolean[slots];
        this.refs = new int[slots];
        for (int i = 0; i < slots; i++) {
            freeStack[i] = slots - 1 - i;
        }
        top = slots;
    }

    /** A free slot, marked used; -1 when the device is full or absent. */
    int alloc() {
        if (top == 0) {
            return -1;
        }
        int s = freeStack[--top];
        used[s] = true;
        refs[s] = 1;
        nrUsed++;
        return s;
    }

    /** swap_duplicate: one more reference to a used slot. */
    void dup(int slot) {
        if (!used[slot]) {
            throw new IllegalStateException("swap slot " + slot + " duplicated while free");
        }
        refs[slot]++;
    }

    /** swap_free: drops one reference; the slot is free when none is left. */
    void free(int slot) {
        if (!used[slot]) {
            throw new IllegalStateException("swap slot " + slot + " freed twice");
        }
        if (--refs[slot] > 0) {
            return;
        }
        used[slot] = false;
        nrUsed--;
        freeStack[top++] = slot;
    }

    /** References held on a slot (0 when free). */
    public int refs(int slot) {
        return refs[slot];
    }

    public int slots() {
        return slots;
    }

    public int nrUsed() {
        return nrUsed;
    }
}

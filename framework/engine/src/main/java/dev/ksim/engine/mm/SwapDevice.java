package dev.ksim.engine.mm;

/**
 * The swap device as an array of 4 KiB slots with a free-slot stack (lowest slot first on a fresh
 * device) and a used flag per slot. Zero slots = no swap: nothing anonymous can be evicted.
 */
public final class SwapDevice {
    final int slots;
    private final int[] freeStack;
    private int top;
    final boolean[] used;
    int nrUsed;

    SwapDevice(int slots) {
        this.slots = slots;
        this.freeStack = new int[slots];
        this.used = new boolean[slots];
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
        nrUsed++;
        return s;
    }

    void free(int slot) {
        if (!used[slot]) {
            throw new IllegalStateException("swap slot " + slot + " freed twice");
        }
        used[slot] = false;
        nrUsed--;
        freeStack[top++] = slot;
    }

    public int slots() {
        return slots;
    }

    public int nrUsed() {
        return nrUsed;
    }
}

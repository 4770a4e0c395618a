package dev.ksim.engine.mm;

/**
 * Encoding of a page-table entry in an {@code int}: {@code 0} = none (never touched, or
 * freed by an OOM kill), {@code > 0} = present, mapping global frame {@code value - 1},
 * {@code < 0} = swapped out to slot {@code -value - 1} (the kernel's swap entry).
 */
public final class Pte {
    public static final int NONE = 0;

    private Pte() {
    }

    public static int present(int frame) {
        return frame + 1;
    }

    public static int swap(int slot) {
        return -slot - 1;
    }

    public static boolean isPresent(int pte) {
        return pte > 0;
    }

    public static boolean isSwap(int pte) {
        return pte < 0;
    }

    public static int frame(int pte) {
        return pte - 1;
    }

    public static int slot(int pte) {
        return -pte - 1;
    }
}

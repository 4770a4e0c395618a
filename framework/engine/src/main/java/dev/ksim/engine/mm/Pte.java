package dev.ksim.engine.mm;

/**
 * Encoding of a page-table entry in an {@code int}: {@code 0} = none (never touched, or
 * freed by an OOM kill), {@code > 0} = present, mapping global frame {@code value - 1},
 * {@code < 0} = swapped out to slot {@code -value - 1} (the kernel's swap entry), except the two
 * non-swap entries at the bottom of the range (swap slots never reach them, see
 * {@link MemoryManager#MAX_FRAMES}): {@link #HWPOISON} (the page was poisoned and unmapped: an
 * access raises SIGBUS) and {@link #MIGRATION} (the page is being migrated; it exists only inside
 * one {@code migrate_pages} call, the frame being known to the migration, not to the entry).
 */
public final class Pte {
    public static final int NONE = 0;
    /** A hwpoison entry ({@code make_hwpoison_entry}). */
    public static final int HWPOISON = Integer.MIN_VALUE;
    /** A migration entry ({@code make_readable_migration_entry}). */
    public static final int MIGRATION = Integer.MIN_VALUE + 1;

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
        return pte < 0 && pte > MIGRATION;
    }

    public static boolean isHwpoison(int pte) {
        return pte == HWPOISON;
    }

    public static boolean isMigration(int pte) {
        return pte == MIGRATION;
    }

    public static int frame(int pte) {
        return pte - 1;
    }

    public static int slot(int pte) {
        return -pte - 1;
    }
}

package dev.ksim.engine.mm;

/**
 * Encoding of a page-table entry in an {@code int}: {@code 0} = none (never touched, or
 * freed by an OOM kill), {@code > 0} = present, mapping global frame {@code value - 1},
 * {@code < 0} = swapped out to slot {@code -value - 1} (the kernel's swap entry), except the two
 * non-swap entries at the bottom of the range (swap slots never reach them, see
 * {@link MemoryManager#MAX_FRAMES}, which leaves 1024 values below the last slot's): {@link #HWPOISON}
 * (the page was poisoned and unmapped: an access raises SIGBUS), {@link #MIGRATION} (the page is
 * being migrated: inside one {@code migrate_pages} call, or between a {@code migrate_vma} call's
 * setup and finalize; the frame is known to the migration, not to the entry) and
 * {@link #DEVICE_PRIVATE} (the page lives in DEVICE_PRIVATE memory the CPU cannot access: an
 * access faults into the driver's {@code migrate_to_ram}). An int has no room for a frame number
 * beside the swap slots, so a device-private entry carries none: the device frame is kept by
 * {@link DeviceMemory} per (mapping, page), as the kernel keeps it in the entry's offset field.
 */
public final class Pte {
    public static final int NONE = 0;
    /** A hwpoison entry ({@code make_hwpoison_entry}). */
    public static final int HWPOISON = Integer.MIN_VALUE;
    /** A migration entry ({@code make_readable_migration_entry}). */
    public static final int MIGRATION = Integer.MIN_VALUE + 1;
    /** A device-private entry ({@code make_writable_device_private_entry}); its frame is {@link DeviceMemory}'s to know. */
    public static final int DEVICE_PRIVATE = Integer.MIN_VALUE + 2;

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
        return pte < 0 && pte > DEVICE_PRIVATE;
    }

    public static boolean isHwpoison(int pte) {
        return pte == HWPOISON;
    }

    public static boolean isMigration(int pte) {
        return pte == MIGRATION;
    }

    public static boolean isDevicePrivate(int pte) {
        return pte == DEVICE_PRIVATE;
    }

    public static int frame(int pte) {
        return pte - 1;
    }

    public static int slot(int pte) {
        return -pte - 1;
    }
}

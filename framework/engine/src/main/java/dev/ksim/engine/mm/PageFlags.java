package dev.ksim.engine.mm;

/**
 * The page flags ksim keeps per frame, one bit each in {@link FrameTable#flags} (the kernel's
 * {@code enum pageflags}, include/linux/page-flags.h, for the bits reclaim reads):
 * <ul>
 * <li>{@link #PG_LRU}: the frame is on one of its node's LRU lists;</li>
 * <li>{@link #PG_ACTIVE}: on an active list (meaningful with PG_lru);</li>
 * <li>{@link #PG_REFERENCED}: referenced since reclaim last looked ({@code mark_page_accessed});</li>
 * <li>{@link #PG_SWAPBACKED}: anonymous (or shmem) memory, reclaimed to swap: the anon lists,
 *     the file lists otherwise;</li>
 * <li>{@link #PG_UNEVICTABLE}: on the unevictable list (set with {@link #PG_MLOCKED} by mlock);</li>
 * <li>{@link #PG_MLOCKED}: mapped by a VM_LOCKED range ({@code mlock}); implies PG_unevictable
 *     while the page is on an LRU;</li>
 * <li>{@link #PG_HWPOISON}: the frame had an uncorrected (or soft-offlined) memory error and is
 *     retired: never allocated again, mapped by nobody ({@link MemoryFailure});</li>
 * <li>{@link #PG_COMPOUND}: the frame is one of the 512 of a 2 MiB compound page (PG_head / a tail
 *     page): a transparent huge page ({@link Thp}) or a hugetlbfs page ({@link Hugetlb}). Its head
 *     is the frame at {@code pfn & ~511} (compound pages are order-9 buddy blocks, aligned); the
 *     folio's other flags live on the head, a THP's tails carry PG_COMPOUND alone. It is the sign
 *     bit of the flags byte, so {@code flags[f] < 0} tests it.</li>
 * </ul>
 * A free frame has no flags; a retired frame has only PG_hwpoison.
 */
public final class PageFlags {
    public static final int PG_LRU = 1;
    public static final int PG_ACTIVE = 1 << 1;
    public static final int PG_REFERENCED = 1 << 2;
    public static final int PG_SWAPBACKED = 1 << 3;
    public static final int PG_UNEVICTABLE = 1 << 4;
    public static final int PG_MLOCKED = 1 << 5;
    public static final int PG_HWPOISON = 1 << 6;
    public static final int PG_COMPOUND = 1 << 7;

    private PageFlags() {
    }
}

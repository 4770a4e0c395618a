package dev.ksim.engine.mm;

/**
 * One file's or shmem object's page cache ({@code struct address_space} with its inode's size and
 * dirty time): which frame caches each page index, the xarray marks of each index, the VMAs that
 * map it ({@link PageOwner}), the backing device a file's pages are read from and written back to.
 *
 * <p><b>Entries</b> ({@link #entry}) use the {@link Pte} encoding: {@link Pte#NONE} (not cached),
 * a present frame, or — for shmem only — a swap entry (shmem keeps a swapped-out page's swap
 * entry in its page cache, not in the PTEs, which are cleared; mm/shmem.c).
 *
 * <p><b>Dirty and writeback</b> are kept as the xarray marks {@code PAGECACHE_TAG_DIRTY} and
 * {@code PAGECACHE_TAG_WRITEBACK} (bitsets over page indices), which the kernel keeps in step
 * with {@code PG_dirty} / {@code PG_writeback}; ksim keeps only the marks, because the per-frame
 * flag byte is full: 0 bytes per frame, 2 bits per page index of a cached file. A third mark
 * stands for {@code PG_reclaim} (reclaim wants the page once its writeback ends). Shmem pages are
 * never marked dirty: they are swap-backed and reclaimed to swap like anonymous memory.
 *
 * <p>{@link #dirtiedWhen} is the inode's {@code dirtied_when}: the time its first page became
 * dirty since it was last clean (-1 when clean); periodic writeback writes inodes older than
 * {@code dirty_expire}. {@link #wbErr} counts write errors ({@code mapping->wb_err}, an errseq):
 * an fsync after an error returns -EIO once ({@link #fsyncSeen}).
 */
final class AddressSpace extends PageOwner {
    final PageCache pc;
    final boolean shmem;
    /** i_size in pages; page indices run 0..pages-1. */
    final int pages;
    private final int[] cache;
    private final long[] dirtyTag;
    private final long[] writebackTag;
    private final long[] reclaimTag;
    /** The device a file's pages come from; null for shmem. */
    final BackingDev dev;
    long nrpages;
    long nrDirty;
    long nrWriteback;
    long dirtiedWhen = -1;
    long wbErr;
    long fsyncSeen;

    AddressSpace(PageCache pc, int id, String name, boolean shmem, int pages, BackingDev dev) {
        super(id, name);
        this.pc = pc;
        this.shmem = shmem;
        this.pages = pages;
        this.cache = new int[pages];
        int words = (pages + 63) >>> 6;
        this.dirtyTag = new long[words];
        this.writebackTag = new long[words];
        this.reclaimTag = new long[words];
        this.dev = dev;
    }

    @Override
    boolean swapBacked() {
        return shmem;
    }

    /** The cache entry of index {@code i} ({@link Pte} encoding). */
    int entry(int i) {
        return cache[i];
    }

    void setEntry(int i, int e) {
        cache[i] = e;
    }

    /** The frame caching index {@code i}, or -1. */
    int find(int i) {
        int e = cache[i];
        return Pte.isPresent(e) ? Pte.frame(e) : -1;
    }

    @Override
    void replaceFrame(int index, int from, int to) {
        cache[index] = Pte.present(to);
        pc.moved(this, index, from, to);
    }

    boolean testDirty(int i) {
        return (dirtyTag[i >>> 6] & 1L << i) != 0;
    }

    boolean testWriteback(int i) {
        return (writebackTag[i >>> 6] & 1L << i) != 0;
    }

    boolean testReclaim(int i) {
        return (reclaimTag[i >>> 6] & 1L << i) != 0;
    }

    void markDirty(int i, boolean on) {
        dirtyTag[i >>> 6] = on ? dirtyTag[i >>> 6] | 1L << i : dirtyTag[i >>> 6] & ~(1L << i);
    }

    void markWriteback(int i, boolean on) {
        writebackTag[i >>> 6] = on ? writebackTag[i >>> 6] | 1L << i : writebackTag[i >>> 6] & ~(1L << i);
    }

    void markReclaim(int i, boolean on) {
        reclaimTag[i >>> 6] = on ? reclaimTag[i >>> 6] | 1L << i : reclaimTag[i >>> 6] & ~(1L << i);
    }

    /** The next dirty index at or after {@code from}, or -1 (find_get_pages_range_tag with PAGECACHE_TAG_DIRTY). */
    int nextDirty(int from) {
        for (int w = from >>> 6; w < dirtyTag.length; w++) {
            long bits = dirtyTag[w];
            if (w == from >>> 6) {
                bits &= -1L << (from & 63);
            }
            if (bits != 0) {
                int i = (w << 6) + Long.numberOfTrailingZeros(bits);
                return i < pages ? i : -1;
            }
        }
        return -1;
    }

    /** Whether the file or shmem object is a file (not shmem). */
    boolean isFile() {
        return !shmem;
    }
}

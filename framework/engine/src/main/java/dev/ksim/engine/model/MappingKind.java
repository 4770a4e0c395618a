package dev.ksim.engine.model;

import java.util.ArrayList;
import java.util.List;

/**
 * What a mapping maps, by the name scenarios use ({@code mapping 'db', 1.GiB, kind: 'file-shared', file: 'db.dat'}),
 * as the flags of the mmap(2) call that would create it:
 * <ul>
 * <li>{@link #ANON}: {@code MAP_ANONYMOUS | MAP_PRIVATE}, the default: anonymous pages on the anon
 *     LRU lists, reclaimed to swap;</li>
 * <li>{@link #FILE_PRIVATE}: {@code MAP_PRIVATE} of a file: page-cache pages until the first write,
 *     which copies the page into a private anonymous one (copy-on-write);</li>
 * <li>{@link #FILE_SHARED}: {@code MAP_SHARED} of a file: the page cache's pages, dirtied by
 *     writes and written back to the file's backing store;</li>
 * <li>{@link #SHMEM}: {@code MAP_SHARED | MAP_ANONYMOUS} (or tmpfs): swap-backed page-cache pages on
 *     the anon lists;</li>
 * <li>{@link #HUGETLB}: {@code MAP_HUGETLB} (hugetlbfs): huge pages from the node pools, reserved at
 *     mmap, never on the LRU, never reclaimed;</li>
 * <li>{@link #PFNMAP}: a driver's {@code remap_pfn_range} ({@code VM_PFNMAP | VM_IO}): special PTEs
 *     to driver-owned frames without struct page semantics: not on the LRU, not migratable.</li>
 * </ul>
 * Which of them a run supports is the memory manager's business; the validator rejects the others
 * at check time.
 */
public enum MappingKind {
    ANON("anon"),
    FILE_PRIVATE("file-private"),
    FILE_SHARED("file-shared"),
    SHMEM("shmem"),
    HUGETLB("hugetlb"),
    PFNMAP("pfnmap");

    private final String key;

    MappingKind(String key) {
        this.key = key;
    }

    /** The scenario language's name. */
    public String key() {
        return key;
    }

    /** Whether the mapping is of a named file (and so needs {@code file:}). */
    public boolean fileBacked() {
        return this == FILE_PRIVATE || this == FILE_SHARED;
    }

    /** The kind named {@code key}, or null. */
    public static MappingKind of(String key) {
        for (MappingKind k : values()) {
            if (k.key.equals(key)) {
                return k;
            }
        }
        return null;
    }

    public static List<String> keys() {
        List<String> out = new ArrayList<>();
        for (MappingKind k : values()) {
            out.add(k.key);
        }
        return out;
    }
}

package dev.ksim.engine.mm;

import java.util.Arrays;

/**
 * Whoever owns a frame that is not an anonymous page: a file's or a shmem object's page cache
 * ({@link AddressSpace}, the kernel's {@code struct address_space}) or a driver
 * ({@link DriverPages}: PFNMAP regions, pages with movable ops). Its frames carry the owner's
 * encoded id in {@link FrameTable#rmapVma} ({@link Rmap#ownerRef}) and their index within the
 * owner in {@link FrameTable#rmapIndex}. The VMAs that map the owner ({@code i_mmap}) map owner
 * index {@code i} at their page {@code i} (every mapping starts at file offset 0).
 */
abstract class PageOwner {
    /** Index in {@link Rmap#owners}. */
    final int id;
    final String name;
    private VmArea[] iMmap = new VmArea[2];
    private int nrMmap;

    PageOwner(int id, String name) {
        this.id = id;
        this.name = name;
    }

    /** vma_interval_tree_insert: {@code vma} maps this owner. */
    void mmapAdd(VmArea vma) {
        if (nrMmap == iMmap.length) {
            iMmap = Arrays.copyOf(iMmap, nrMmap * 2);
        }
        iMmap[nrMmap++] = vma;
    }

    /** vma_interval_tree_remove. */
    void mmapRemove(VmArea vma) {
        for (int i = 0; i < nrMmap; i++) {
            if (iMmap[i] == vma) {
                System.arraycopy(iMmap, i + 1, iMmap, i, nrMmap - i - 1);
                iMmap[--nrMmap] = null;
                return;
            }
        }
    }

    int nrMmap() {
        return nrMmap;
    }

    VmArea mmap(int i) {
        return iMmap[i];
    }

    /** Moves the owner's reference from frame {@code from} at {@code index} to {@code to} (migration, demotion). */
    abstract void replaceFrame(int index, int from, int to);

    /** Whether the owner's pages are swap-backed (shmem: the anon LRU lists, swapped out). */
    boolean swapBacked() {
        return false;
    }

    public String name() {
        return name;
    }
}

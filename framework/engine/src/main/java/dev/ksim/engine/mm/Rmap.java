package dev.ksim.engine.mm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The reverse map (mm/rmap.c): from a frame to every PTE that maps it. The one place that walks
 * it — reclaim's try_to_unmap, migration's try_to_migrate and remove_migration_ptes, memory
 * failure's collect_procs, exit, munmap and fork all go through here.
 *
 * <h2>Encoding (per frame: the existing {@link FrameTable#rmapVma} and {@link FrameTable#rmapIndex}, no new bytes)</h2>
 * <ul>
 * <li>{@code rmapVma >= 0}: an anonymous page, created in VMA {@code rmapVma} at page
 *     {@code rmapIndex}; its mappers are the members of that VMA's {@link AnonVma} family whose
 *     PTE at {@code rmapIndex} maps the frame (after fork: parent and children);</li>
 * <li>{@code rmapVma == FREE (-1)}: not a user page (free, retired, or a kernel allocation);</li>
 * <li>{@code rmapVma <= -2}: owned by {@link PageOwner} {@code -2 - rmapVma} (a file's or shmem's
 *     page cache, or a driver) at index {@code rmapIndex}; its mappers are the VMAs of the owner's
 *     {@code i_mmap} whose PTE at that index maps the frame.</li>
 * </ul>
 * The map count ({@code folio_mapcount}) is not stored: it is derived by the walk, which visits
 * the few VMAs of one family or one file. Walks never allocate; {@link #collect} leaves its
 * result in this object's buffers ({@link #vma}, {@link #index}) until the next walk, so a caller
 * must not start a second walk while it still needs the first one's result.
 */
final class Rmap {
    private final MemoryManager m;
    private final FrameTable frames;
    /** Owners by id; an owner's frames carry {@link #ownerRef}(id). */
    final List<PageOwner> owners = new ArrayList<>();
    private VmArea[] vmaBuf = new VmArea[8];
    private int[] idxBuf = new int[8];
    private int count;

    Rmap(MemoryManager m) {
        this.m = m;
        this.frames = m.frames;
    }

    /** The {@link FrameTable#rmapVma} value of a frame owned by owner {@code id}. */
    static int ownerRef(int id) {
        return -2 - id;
    }

    /** Whether an {@link FrameTable#rmapVma} value names an anonymous page. */
    static boolean isAnon(int rmapVma) {
        return rmapVma >= 0;
    }

    /** Whether an {@link FrameTable#rmapVma} value names an owner. */
    static boolean isOwned(int rmapVma) {
        return rmapVma <= -2;
    }

    /** Registers {@code owner} (its id must be the next index). */
    <T extends PageOwner> T addOwner(T owner) {
        if (owner.id != owners.size()) {
            throw new IllegalArgumentException("owner id " + owner.id + ", expected " + owners.size());
        }
        owners.add(owner);
        return owner;
    }

    /** Next owner id. */
    int nextOwnerId() {
        return owners.size();
    }

    /** The owner of frame {@code f}, or null for an anonymous or non-user frame. */
    PageOwner owner(int f) {
        int r = frames.rmapVma[f];
        return r <= -2 ? owners.get(-2 - r) : null;
    }

    /** The page cache {@code f} belongs to, or null. */
    AddressSpace addressSpace(int f) {
        return owner(f) instanceof AddressSpace as ? as : null;
    }

    /**
     * rmap_walk: collects every (vma, page) whose PTE maps frame {@code f} into {@link #vma}/{@link #index};
     * returns how many there are. {@code f} must be mapped as usual (not replaced by migration
     * entries): an anonymous page whose family has one member is taken to be mapped by it without
     * reading the PTE ({@link #mapcount} always reads them; invariant {@code mm.rmap} checks both).
     */
    int collect(int f) {
        count = 0;
        int r = frames.rmapVma[f];
        int i = frames.rmapIndex[f];
        int present = Pte.present(f);
        if (r >= 0) {
            AnonVma av = m.vmas[r].anon;
            int n = av.size();
            if (n == 1) {
                // an anonymous page is freed when its last PTE goes, so the only member of its family
                // maps it: no PTE to read (the common case, no fork; reclaim's hot path)
                push(av.member(0), i);
                return count;
            }
            for (int k = 0; k < n; k++) {
                VmArea v = av.member(k);
                if (i < v.pte.length && v.pte[i] == present) {
                    push(v, i);
                }
            }
        } else if (r <= -2) {
            PageOwner o = owners.get(-2 - r);
            for (int k = 0, n = o.nrMmap(); k < n; k++) {
                VmArea v = o.mmap(k);
                if (i < v.pte.length && v.pte[i] == present) {
                    push(v, i);
                }
            }
        }
        return count;
    }

    private void push(VmArea v, int i) {
        if (count == vmaBuf.length) {
            vmaBuf = Arrays.copyOf(vmaBuf, count * 2);
            idxBuf = Arrays.copyOf(idxBuf, count * 2);
        }
        vmaBuf[count] = v;
        idxBuf[count++] = i;
    }

    /** The k-th mapper VMA of the last {@link #collect}. */
    VmArea vma(int k) {
        return vmaBuf[k];
    }

    /** The k-th mapper's page of the last {@link #collect}. */
    int index(int k) {
        return idxBuf[k];
    }

    /** Mappers found by the last {@link #collect}. */
    int count() {
        return count;
    }

    /** folio_mapcount: PTEs mapping {@code f} (a walk; does not disturb the buffers). */
    int mapcount(int f) {
        int r = frames.rmapVma[f];
        int i = frames.rmapIndex[f];
        int present = Pte.present(f);
        int n = 0;
        if (r >= 0) {
            AnonVma av = m.vmas[r].anon;
            for (int k = 0, s = av.size(); k < s; k++) {
                VmArea v = av.member(k);
                if (i < v.pte.length && v.pte[i] == present) {
                    n++;
                }
            }
        } else if (r <= -2) {
            PageOwner o = owners.get(-2 - r);
            for (int k = 0, s = o.nrMmap(); k < s; k++) {
                VmArea v = o.mmap(k);
                if (i < v.pte.length && v.pte[i] == present) {
                    n++;
                }
            }
        }
        return n;
    }

    /**
     * try_to_unmap / try_to_migrate: every PTE mapping {@code f} becomes {@code entry}
     * ({@link Pte#NONE}, a swap entry, {@link Pte#HWPOISON} or {@link Pte#MIGRATION}) and its
     * translation is shot down from the TLBs of that mapper's mm, initiated on {@code cpu}. Each
     * unmapped PTE but a migration entry drops its mm's rss (and a swap entry raises swapents).
     * The mappers stay in the buffers ({@link #vma}, {@link #index}) for {@link #restore}.
     * Returns the initiator's TLB flush cost (ns).
     */
    long unmap(int f, int entry, int cpu) {
        int n = collect(f);
        long cost = 0;
        boolean migration = entry == Pte.MIGRATION;
        boolean swap = Pte.isSwap(entry);
        for (int k = 0; k < n; k++) {
            VmArea v = vmaBuf[k];
            int i = idxBuf[k];
            v.pte[i] = entry;
            if (!migration) {
                m.numaUnmapped(v, i); // a PROT_NONE mark goes with the PTE
                v.mm.rss--;
                if (swap) {
                    v.mm.swapents++;
                }
            }
            cost += m.tlbs.flushTlbMmRange(cpu, v.mm.pid, v.startVpn + i, 1);
        }
        if (n > 0 && !migration) {
            PageOwner o = owner(f);
            if (o instanceof AddressSpace as) {
                as.pc.unmappedAll(f);
            }
        }
        return cost;
    }

    /**
     * remove_migration_ptes: the PTEs of the last {@link #unmap} (which hold migration entries)
     * map {@code frame} again.
     */
    void restore(int frame) {
        int e = Pte.present(frame);
        for (int k = 0; k < count; k++) {
            vmaBuf[k].pte[idxBuf[k]] = e;
        }
    }

    /**
     * folio_migrate_mapping's bookkeeping: frame {@code to} takes over {@code from}'s reverse map
     * and, for an owned page, its slot in the owner (the page cache's per-node counts follow the
     * page). {@code from}'s reverse map is cleared. Flags and LRU are the caller's business.
     */
    void move(int from, int to) {
        int r = frames.rmapVma[from];
        int i = frames.rmapIndex[from];
        frames.rmapVma[to] = r;
        frames.rmapIndex[to] = i;
        frames.rmapVma[from] = FrameTable.FREE;
        frames.rmapIndex[from] = 0;
        if (r <= -2) {
            owners.get(-2 - r).replaceFrame(i, from, to);
        }
    }
}

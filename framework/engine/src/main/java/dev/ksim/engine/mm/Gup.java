package dev.ksim.engine.mm;

/**
 * get_user_pages with FOLL_PIN (mm/gup.c {@code pin_user_pages} / {@code unpin_user_pages}): a
 * driver (RDMA, vfio, io_uring fixed buffers) pins a process's pages for DMA. A pin is a count
 * per frame ({@link FrameTable#pinCount}); while it is positive the page is
 * {@code folio_maybe_dma_pinned}: reclaim keeps it ({@link Vmscan}), migration fails with
 * {@code extra_ref} ({@link Migrate}), memory failure cannot free it ({@link MemoryFailure}).
 *
 * <p>Contract: {@link #pinUserPages} faults absent pages in first, and breaks copy-on-write of
 * write-protected pages (FOLL_WRITE: the pin lands on the process's own copy), as GUP does (the faults count
 * as {@code pgfault} and {@code fault_latency} but are charged to no simulated thread: the caller
 * is a driver) and hands back the pinned frames, which is what {@link #unpinUserPages} takes, as
 * in the kernel. Pins are long-term (FOLL_LONGTERM, as DMA pins are): a page in coherent device
 * memory is migrated to RAM before it is pinned ({@link DeviceMemory#migrateCoherentToRam}); a
 * device-private page was faulted back to RAM by the fault-in. A pin outlives a migration attempt and a memory failure of its frame; it is
 * dropped when its process exits ({@link MemoryManager#exitMmap}). Pin counts never go negative:
 * unpinning an unpinned frame is a caller bug and throws. Not on the access path.
 */
final class Gup {
    private final MemoryManager m;

    Gup(MemoryManager m) {
        this.m = m;
    }

    /**
     * Pins pages [from, from + n) of mapping {@code vmaIndex} of {@code mm}, storing their frames in
     * {@code pages[0..)}. Returns how many were pinned: fewer than {@code n} only when the process
     * was killed while faulting them in (OOM, or SIGBUS on a poisoned page), a page is under a
     * migrate_vma in flight, or a coherent device page found no RAM to move to, as GUP returns a
     * short count.
     *
     * @throws IllegalArgumentException for a range outside the mapping or a too small {@code pages}
     * @throws IllegalStateException    when a frame's pin count would overflow
     */
    int pinUserPages(MmStruct mm, int vmaIndex, long from, int n, int cpu, int[] pages) {
        VmArea vma = Mlock.range(mm, vmaIndex, from, n);
        if (pages.length < n) {
            throw new IllegalArgumentException("pages[] holds " + pages.length + " frames, " + n + " asked");
        }
        int[] pins = m.frames.pins;
        for (int i = 0; i < n; i++) {
            int p = (int) (from + i);
            m.faultIn(mm, vma, p, cpu, true); // FOLL_WRITE: a page shared copy-on-write is unshared first
            int e = vma.pte[p];
            if (!Pte.isPresent(e)) {
                return i;
            }
            int f = Pte.frame(e);
            if (m.device.isDeviceFrame(f)) {
                // a DEVICE_COHERENT page is never pinned: FOLL_LONGTERM migrates it to RAM first
                f = m.device.migrateCoherentToRam(f, cpu);
                if (f < 0) {
                    return i;
                }
            }
            if (pins[f] == Integer.MAX_VALUE) {
                throw new IllegalStateException("pin count of frame " + f + " overflows");
            }
            pins[f]++;
            pages[i] = f;
        }
        return n;
    }

    /**
     * Drops one pin from each of {@code pages[0..n)}.
     *
     * @throws IllegalStateException when a frame is not pinned (nothing is changed then)
     */
    void unpinUserPages(int[] pages, int n) {
        int[] pins = m.frames.pins;
        for (int i = 0; i < n; i++) {
            int f = pages[i];
            if (f < 0 || f >= m.frames.frames || pins[f] <= 0) {
                throw new IllegalStateException("unpin of frame " + f + " which is not pinned");
            }
        }
        for (int i = 0; i < n; i++) {
            pins[pages[i]]--;
        }
    }
}

package dev.ksim.engine.mm;

import dev.ksim.engine.metrics.LongCounter;
import dev.ksim.engine.metrics.MetricsRegistry;

/**
 * What shrink_folio_list (mm/vmscan.c) does with a page-cache page taken from an inactive tail
 * that is neither referenced nor pinned ({@link Vmscan} checked those):
 * <ul>
 * <li>under writeback: marked PG_reclaim and activated ({@code pgactivate}; "case 2");</li>
 * <li>with a demotion target that has room: demoted, as an anonymous page would be;</li>
 * <li>shmem: swapped out like anonymous memory — every PTE is cleared (shmem PTEs never hold swap
 *     entries) and the page-cache entry becomes the swap entry ({@code pswpout}); without a free
 *     swap slot it is activated;</li>
 * <li>a file page: unmapped from every PTE (try_to_unmap, a TLB flush per mapper); then, if
 *     clean, dropped from the page cache and freed — no I/O at all; if dirty:
 *     <ul>
 *     <li>direct reclaim, or kswapd meeting the page for the first time: the page gets PG_reclaim,
 *         the flusher is woken to write everything dirty (WB_REASON_VMSCAN) and the page is
 *         activated ({@code nr_vmscan_immediate_reclaim});</li>
 *     <li>kswapd meeting it again (PG_reclaim set): pageout — its writeback starts now
 *         ({@code nr_vmscan_write}) and it stays at the inactive head; when the write completes
 *         it moves to the inactive tail and the next scan frees it.</li>
 *     </ul></li>
 * </ul>
 * Costs go to the scan ({@code reclaim.unmap} per page taken, the flushes, {@code swap.write}).
 */
final class PageCacheReclaim {
    private final PageCache pc;
    private final MemoryManager m;
    private final FrameTable frames;
    final LongCounter nrVmscanWrite;
    final LongCounter nrVmscanImmediate;

    PageCacheReclaim(PageCache pc, MetricsRegistry metrics) {
        this.pc = pc;
        this.m = pc.m;
        this.frames = pc.frames;
        nrVmscanWrite = metrics.counter(MmMetrics.NR_VMSCAN_WRITE);
        nrVmscanImmediate = metrics.counter(MmMetrics.NR_VMSCAN_IMMEDIATE_RECLAIM);
    }

    /**
     * Reclaims page-cache frame {@code f} from inactive list {@code lru} of {@code node}, or puts it
     * back where the kernel would. True when the frame was freed (or demoted).
     */
    boolean shrinkFolio(PglistData node, int f, int lru, Vmscan.ScanControl sc) {
        AddressSpace as = pc.rmap.addressSpace(f);
        if (as == null) {
            throw new IllegalStateException("frame " + f + " on " + Lruvec.NAMES[lru] + " belongs to no page cache");
        }
        int i = frames.rmapIndex[f];
        Lruvec lv = node.lruvec;
        if (as.testWriteback(i)) {
            as.markReclaim(i, true);
            activate(lv, f, lru);
            return false;
        }
        if (node.demotionTarget >= 0 && m.vmscan.demote(node, f, sc)) {
            (sc.kswapd ? m.vmscan.pgdemoteKswapd : m.vmscan.pgdemoteDirect).inc();
            return true;
        }
        if (as.shmem) {
            if (m.swap.nrUsed >= m.swap.slots) {
                activate(lv, f, lru);
                return false;
            }
            int slot = m.swap.alloc();
            sc.costNs += m.costSwapWrite + m.costReclaimUnmap + pc.rmap.unmap(f, Pte.NONE, sc.cpu);
            pc.deleteFromPageCache(as, i, f, Pte.swap(slot));
            m.pswpout.inc();
            free(node, f, sc);
            return true;
        }
        sc.costNs += m.costReclaimUnmap;
        if (pc.rmap.mapcount(f) > 0) {
            sc.costNs += pc.rmap.unmap(f, Pte.NONE, sc.cpu);
        }
        if (as.testDirty(i)) {
            if (!sc.kswapd || !as.testReclaim(i)) {
                as.markReclaim(i, true);
                nrVmscanImmediate.inc();
                pc.writeback.wakeBackground(true);
                activate(lv, f, lru);
                return false;
            }
            sc.costNs += pc.writeback.startWriteback(as, i, f, true, sc.cpu);
            nrVmscanWrite.inc();
            lv.move(f, lru); // keep: back to the inactive head until the write completes
            return false;
        }
        pc.deleteFromPageCache(as, i, f, Pte.NONE);
        free(node, f, sc);
        return true;
    }

    private void activate(Lruvec lv, int f, int lru) {
        lv.move(f, lru + 1);
        m.vmscan.pgactivate.inc();
    }

    private void free(PglistData node, int f, Vmscan.ScanControl sc) {
        long before = m.pending;
        m.freeUserFrame(node, f);
        sc.costNs += m.pending - before;
        m.pending = before;
    }
}

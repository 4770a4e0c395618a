package dev.ksim.engine.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.engine.cost.CostModel;
import dev.ksim.engine.mm.tlb.Tlbs;
import dev.ksim.spi.mm.MigrationPolicy;
import java.util.List;
import org.junit.jupiter.api.Test;

/** migrate_pages through move_pages(2): the steps, the per-page status, the failure reasons, the cost. */
class MigrateTest {
    private static final MigrationPolicy LOCAL = (f, m) -> f.cpuNode();
    private static final long FRAMES = 1024;

    private static MmFixture twoNodes() {
        return MmFixture.lru(new long[] {FRAMES, FRAMES}, 0, LOCAL);
    }

    /** A process with {@code n} pages resident on node 0 (touched from CPU 0). */
    private static MmStruct resident(MmFixture fx, int n) {
        MmStruct p = fx.process("p", n);
        for (int i = 0; i < n; i++) {
            fx.mm.access(p, 0, i, 0);
        }
        return p;
    }

    private static long[] vpns(MmStruct p, int from, int n) {
        long[] v = new long[n];
        for (int i = 0; i < n; i++) {
            v[i] = p.vma(0).startVpn() + from + i;
        }
        return v;
    }

    private static int[] fill(int n, int node) {
        int[] a = new int[n];
        java.util.Arrays.fill(a, node);
        return a;
    }

    @Test
    void movePagesMigratesToTheTargetNodeAndRemaps() {
        MmFixture fx = twoNodes();
        MmStruct p = resident(fx, 8);
        fx.mm.addCpu(p, 1); // a second CPU runs the mm: the unmaps are shootdowns
        int old = Pte.frame(p.vma(0).pte(3));
        int[] status = new int[8];
        long faults = fx.counter("pgfault");
        long cost = fx.mm.movePages(p.pid(), vpns(p, 0, 8), fill(8, 1), status, 0);
        for (int i = 0; i < 8; i++) {
            assertEquals(1, status[i]);
            assertEquals(1, fx.mm.nodeOf(Pte.frame(p.vma(0).pte(i))), "page " + i + " now on node 1");
        }
        assertEquals(8, fx.counter(MmMetrics.PGMIGRATE_SUCCESS));
        assertEquals(0, fx.counter(MmMetrics.PGMIGRATE_FAIL));
        assertEquals(8, p.rss());
        assertEquals(FrameTable.FREE, fx.mm.frames.rmapVma[old], "the old frame was freed");
        assertEquals(FRAMES, fx.mm.nodes[0].nrFreePages());
        assertEquals(8, fx.mm.nodes[1].lruvec.nrPages());
        assertEquals(8, fx.counter(Tlbs.NR_TLB_REMOTE_FLUSH), "one shootdown per unmapped page");
        long floor = CostModel.defaults().get(CostModel.MIGRATE_CALL) + 8 * CostModel.defaults().get(CostModel.MIGRATE_COPY_PAGE);
        assertTrue(cost > floor, "per-call + per-page copy + shootdowns: " + cost);
        assertEquals(1, fx.metrics.histogram(MmMetrics.MIGRATION_LATENCY).summary().count());
        fx.mm.access(p, 0, 3, 0);
        assertEquals(faults, fx.counter("pgfault"), "the PTE was restored: no fault after migration");
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void aPinnedPageFailsWithExtraRefAfterEveryPass() {
        MmFixture fx = twoNodes();
        MmStruct p = resident(fx, 4);
        int[] pinned = new int[1];
        fx.mm.pinUserPages(p, 0, 1, 1, 0, pinned);
        int[] status = new int[4];
        long flushes = fx.counter(Tlbs.NR_TLB_LOCAL_FLUSH_ONE);
        fx.mm.movePages(p.pid(), vpns(p, 0, 4), fill(4, 1), status, 0);
        assertEquals(-Migrate.EBUSY, status[1]);
        assertEquals(1, status[0]);
        assertEquals(Pte.present(pinned[0]), p.vma(0).pte(1), "the pinned page stays where it was, mapped");
        assertEquals(1, fx.counter(MmMetrics.PGMIGRATE_FAIL_EXTRA_REF));
        assertEquals(1, fx.counter(MmMetrics.PGMIGRATE_FAIL));
        assertEquals(3, fx.counter(MmMetrics.PGMIGRATE_SUCCESS));
        assertEquals(3 + Migrate.NR_MAX_MIGRATE_PAGES_RETRY, fx.counter(Tlbs.NR_TLB_LOCAL_FLUSH_ONE) - flushes,
                "the pinned page was unmapped and restored once per pass");
        assertEquals(1023, fx.mm.nodes[0].nrFreePages());
        assertEquals(1021, fx.mm.nodes[1].nrFreePages(), "the destination of the failed page was freed");
        assertEquals(List.of(), fx.violations());
        fx.mm.unpinUserPages(pinned, 1);
        fx.mm.movePages(p.pid(), vpns(p, 1, 1), fill(1, 1), status, 0);
        assertEquals(1, status[0], "unpinned, it migrates");
    }

    @Test
    void aFullTargetFailsWithDstAllocFail() {
        MmFixture fx = twoNodes();
        MmStruct p = resident(fx, 200);
        MmStruct filler = fx.mm.createProcess("filler", new String[] {"heap"}, new long[] {1100});
        for (int i = 0; i < 1100; i++) {
            fx.mm.access(filler, 0, i, 1); // node 1 down to its low watermark, the rest falls back to node 0
        }
        long min = fx.mm.nodes[1].zones[0].watermarks().min();
        long room = fx.mm.nodes[1].nrFreePages() - min;
        assertTrue(room > 0 && room < 200, "room " + room);
        int[] status = new int[200];
        fx.mm.movePages(p.pid(), vpns(p, 0, 200), fill(200, 1), status, 0);
        int moved = 0;
        for (int i = 0; i < 200; i++) {
            if (status[i] == 1) {
                assertEquals(moved++, i, "pages move in order until the target runs out");
            } else {
                assertEquals(-Migrate.ENOMEM, status[i]);
            }
        }
        assertEquals(room, moved, "the destination is allocated above the min watermark, without reclaim");
        assertEquals(200 - moved, fx.counter(MmMetrics.PGMIGRATE_FAIL_DST_ALLOC_FAIL));
        assertEquals(200 - moved, fx.counter(MmMetrics.PGMIGRATE_FAIL));
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void statusReportsEveryKindOfPage() {
        MmFixture fx = twoNodes();
        MmStruct p = fx.process("p", 8);
        fx.mm.access(p, 0, 0, 0);
        fx.mm.access(p, 0, 1, 0);
        long base = p.vma(0).startVpn();
        long[] pages = {base, base + 1, base + 5, base - 1, base};
        int[] status = new int[5];
        fx.mm.movePages(p.pid(), pages, new int[] {0, 7, 1, 1, 1}, status, 0);
        assertEquals(0, status[0], "already on the target: reported, not migrated");
        assertEquals(-Migrate.ENODEV, status[1]);
        assertEquals(-Migrate.ENOENT, status[2], "never touched");
        assertEquals(-Migrate.EFAULT, status[3], "no mapping there");
        assertEquals(1, status[4]);
        assertEquals(1, fx.counter(MmMetrics.PGMIGRATE_SUCCESS));
        fx.mm.movePages(p.pid(), pages, null, status, 0);
        assertEquals(1, status[0], "query form: the node each page is on");
        assertEquals(0, status[1]);
        assertEquals(-Migrate.ENOENT, status[2]);
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void anMlockedPageMigratesOntoTheTargetsUnevictableList() {
        MmFixture fx = twoNodes();
        MmStruct p = resident(fx, 2);
        fx.mm.mlock(p, 0, 0, 1, 0);
        int[] status = new int[1];
        fx.mm.movePages(p.pid(), vpns(p, 0, 1), fill(1, 1), status, 0);
        assertEquals(1, status[0]);
        assertEquals(1, fx.mm.nodes[1].lruvec.nrPages(Lruvec.LRU_UNEVICTABLE));
        assertEquals(0, fx.mm.nodes[0].lruvec.nrPages(Lruvec.LRU_UNEVICTABLE));
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void anOffLruPageIsNotIsolatable() {
        MmFixture fx = twoNodes();
        MmStruct p = resident(fx, 1);
        int f = Pte.frame(p.vma(0).pte(0));
        fx.mm.nodes[0].lruvec.del(f); // as if isolated by someone else
        int[] status = new int[1];
        fx.mm.movePages(p.pid(), vpns(p, 0, 1), fill(1, 1), status, 0);
        assertEquals(-Migrate.EBUSY, status[0]);
        assertEquals(1, fx.counter(MmMetrics.PGMIGRATE_FAIL_NOT_ISOLATABLE));
        assertEquals(Pte.present(f), p.vma(0).pte(0));
    }
}

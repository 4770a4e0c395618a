package dev.ksim.engine.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.engine.mm.tlb.Tlbs;
import dev.ksim.spi.mm.MigrationPolicy;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code pgmigrate_fail_still_mapped}: the rmap walk of migrate_pages could not replace the PTE
 * of a page, which then stays mapped where it was. No mechanism of ksim produces that today — every
 * anon page has exactly the one PTE its reverse map names ({@code mm.rmap}), and the case that
 * makes Linux's try_to_migrate_one keep a PTE, an exclusive anon page that may be pinned
 * (folio_try_share_anon_rmap_pte), ksim reports as {@code extra_ref} after the unmap instead — so
 * the test reaches it through {@link Migrate#unmapRefusal}, a seam that refuses the unmap of one
 * frame without changing any state. Everything after the refusal is the real failure path.
 */
class MigrateStillMappedTest {
    private static final MigrationPolicy LOCAL = (f, m) -> f.cpuNode();

    @Test
    void aPteTheWalkCannotReplaceFailsThatPageAloneAndLeavesItMapped() {
        MmFixture fx = MmFixture.lru(new long[] {1024, 1024}, 0, LOCAL);
        MmStruct p = fx.process("p", 4);
        for (int i = 0; i < 4; i++) {
            fx.mm.access(p, 0, i, 0);
        }
        fx.mm.addCpu(p, 1);
        fx.mm.access(p, 0, 2, 1); // CPU 1 caches page 2's translation too
        int stuck = Pte.frame(p.vma(0).pte(2));
        int lru = Lruvec.lruOf(fx.mm.frames.flags[stuck]);
        long[] vpns = new long[4];
        int[] nodes = new int[4];
        for (int i = 0; i < 4; i++) {
            vpns[i] = p.vma(0).startVpn() + i;
            nodes[i] = 1;
        }
        int[] asked = {0};
        fx.mm.migrate().unmapRefusal = f -> {
            asked[0]++;
            return f == stuck;
        };
        int[] status = new int[4];
        fx.mm.movePages(p.pid(), vpns, nodes, status, 0);

        assertEquals(-Migrate.EBUSY, status[2]);
        assertEquals(1, status[0]);
        assertEquals(1, status[1]);
        assertEquals(1, status[3]);
        assertEquals(1, fx.counter(MmMetrics.PGMIGRATE_FAIL_STILL_MAPPED));
        assertEquals(1, fx.counter(MmMetrics.PGMIGRATE_FAIL));
        assertEquals(3, fx.counter(MmMetrics.PGMIGRATE_SUCCESS));
        assertEquals(0, fx.counter(MmMetrics.PGMIGRATE_FAIL_EXTRA_REF));
        assertEquals(Pte.present(stuck), p.vma(0).pte(2), "still mapped, to the same frame");
        assertEquals(0, fx.mm.nodeOf(stuck));
        assertEquals(lru, Lruvec.lruOf(fx.mm.frames.flags[stuck]), "back on the list it was isolated from");
        assertEquals(1024 - 3, fx.mm.node(1).nrFreePages(), "the failed page's destination was freed");
        assertEquals(1024 - 1, fx.mm.node(0).nrFreePages());
        assertEquals(3, fx.counter(Tlbs.NR_TLB_REMOTE_FLUSH), "only the three unmapped pages were shot down");
        assertTrue(fx.mm.tlbs.cached(1, p.pid(), vpns[2]), "the mapping left in place keeps its translation");
        assertEquals(4, asked[0], "the seam was asked once per page");
        assertEquals(List.of(), fx.violations());
        fx.mm.access(p, 0, 2, 1);
        assertEquals(Pte.present(stuck), p.vma(0).pte(2));
    }
}

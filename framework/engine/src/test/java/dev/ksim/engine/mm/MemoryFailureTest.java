package dev.ksim.engine.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.engine.mm.zone.MigrateType;
import dev.ksim.engine.mm.zone.Zone;
import dev.ksim.spi.mm.MigrationPolicy;
import java.util.List;
import org.junit.jupiter.api.Test;

/** memory_failure and soft_offline_page, one test per page kind of the spec's table (§7) that exists. */
class MemoryFailureTest {
    private static final MigrationPolicy LOCAL = (f, m) -> f.cpuNode();
    private static final long FRAMES = 1024;

    private static MmStruct resident(MmFixture fx, int n) {
        MmStruct p = fx.process("p", n);
        for (int i = 0; i < n && !p.killed(); i++) {
            fx.mm.access(p, 0, i, 0);
        }
        return p;
    }

    private static int freeFrame(MmFixture fx) {
        for (int f = fx.mm.frames.frames - 1; f >= 0; f--) {
            if (fx.mm.frames.rmapVma[f] == FrameTable.FREE && fx.mm.frames.flags[f] == 0) {
                return f;
            }
        }
        throw new AssertionError("no free frame");
    }

    @Test
    void aFreeBuddyPageIsTakenOffTheFreeListsAndNeverAllocatedAgain() {
        MmFixture fx = MmFixture.lru(new long[] {FRAMES}, 0, LOCAL);
        int pfn = 700;
        assertEquals(MemoryFailure.Result.RECOVERED, fx.mm.memoryFailure(pfn, 0));
        assertEquals(1, fx.counter(MmMetrics.MEMORY_FAILURE_RECOVERED));
        assertEquals(FRAMES - 1, fx.mm.nodes[0].nrFreePages());
        assertEquals(MemoryFailure.Result.ALREADY_POISONED, fx.mm.memoryFailure(pfn, 0));
        assertEquals(1, fx.counter(MmMetrics.MEMORY_FAILURE_RECOVERED));
        MmStruct p = resident(fx, 1000); // every allocatable frame and then some (no swap: OOM at the end)
        for (int i = 0; i < 1000; i++) {
            int e = p.vma(0).pte(i);
            assertFalse(Pte.isPresent(e) && Pte.frame(e) == pfn, "the retired frame was handed out");
        }
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void anAnonPageIsUnmappedAndItsProcessDiesOfSigbusOnTheNextAccess() {
        MmFixture fx = MmFixture.lru(new long[] {FRAMES}, 0, LOCAL);
        MmStruct p = resident(fx, 8);
        fx.mm.addCpu(p, 0);
        int f = Pte.frame(p.vma(0).pte(3));
        long flushes = fx.counter("nr_tlb_local_flush_one");
        assertEquals(MemoryFailure.Result.RECOVERED, fx.mm.memoryFailure(f, 0));
        assertEquals(Pte.HWPOISON, p.vma(0).pte(3));
        assertEquals(7, p.rss());
        assertEquals(flushes + 1, fx.counter("nr_tlb_local_flush_one"), "the poisoned translation was flushed");
        assertEquals(7, fx.mm.nodes[0].lruvec.nrPages());
        assertEquals(List.of(), fx.violations());
        fx.mm.access(p, 0, 2, 0);
        assertFalse(p.killed(), "vm.memory_failure_early_kill = 0: no signal before the access");
        fx.mm.access(p, 0, 3, 0);
        assertTrue(p.sigbusKilled() && p.killed());
        assertFalse(p.oomKilled());
        assertEquals(1, fx.counter(MmMetrics.MEMORY_FAILURE_SIGBUS));
        assertEquals(0, p.rss());
        assertEquals(FRAMES - 1, fx.mm.nodes[0].nrFreePages(), "everything but the retired frame is free again");
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void aPinnedAnonPageFailsAndStaysRetiredWithItsPin() {
        MmFixture fx = MmFixture.lru(new long[] {FRAMES}, 0, LOCAL);
        MmStruct p = resident(fx, 4);
        int[] pinned = new int[1];
        fx.mm.pinUserPages(p, 0, 1, 1, 0, pinned);
        assertEquals(MemoryFailure.Result.FAILED, fx.mm.memoryFailure(pinned[0], 0));
        assertEquals(1, fx.counter(MmMetrics.MEMORY_FAILURE_FAILED));
        assertEquals(Pte.HWPOISON, p.vma(0).pte(1), "unmapped all the same");
        assertEquals(1, fx.mm.frames.pinCount(pinned[0]));
        assertEquals(List.of(), fx.violations());
        fx.mm.unpinUserPages(pinned, 1);
        assertEquals(0, fx.mm.frames.pinCount(pinned[0]));
        assertTrue(fx.mm.nodes[0].zones[0].isRetired(pinned[0]), "the driver's last put does not free it");
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void aKernelPageIsIgnored() {
        MmFixture fx = MmFixture.lru(new long[] {FRAMES}, 0, LOCAL);
        Zone z = fx.mm.nodes[0].zones[0];
        int pfn = z.allocPages(0, MigrateType.MIGRATE_UNMOVABLE); // a kernel allocation: no user mapping
        assertEquals(MemoryFailure.Result.IGNORED, fx.mm.memoryFailure(pfn, 0));
        assertEquals(1, fx.counter(MmMetrics.MEMORY_FAILURE_IGNORED));
        assertFalse(z.isRetired(pfn));
        assertFalse(fx.mm.softOfflinePage(pfn, 0));
        assertEquals(1, fx.counter(MmMetrics.SOFT_OFFLINE_FAIL));
    }

    @Test
    void softOfflineMigratesTheContentAwayAndRetiresTheFrame() {
        MmFixture fx = MmFixture.lru(new long[] {FRAMES}, 0, LOCAL);
        MmStruct p = resident(fx, 4);
        int f = Pte.frame(p.vma(0).pte(2));
        long faults = fx.counter("pgfault");
        assertTrue(fx.mm.softOfflinePage(f, 0));
        assertEquals(1, fx.counter(MmMetrics.SOFT_OFFLINE_SUCCESS));
        assertEquals(1, fx.counter(MmMetrics.PGMIGRATE_SUCCESS));
        int nf = Pte.frame(p.vma(0).pte(2));
        assertTrue(Pte.isPresent(p.vma(0).pte(2)) && nf != f);
        assertTrue(fx.mm.nodes[0].zones[0].isRetired(f));
        assertEquals(4, p.rss());
        fx.mm.access(p, 0, 2, 0);
        assertFalse(p.killed(), "nobody is killed");
        assertEquals(faults, fx.counter("pgfault"));
        assertEquals(FRAMES - 5, fx.mm.nodes[0].nrFreePages());
        int free = freeFrame(fx);
        assertTrue(fx.mm.softOfflinePage(free, 0), "a free page is simply taken off the buddy");
        assertEquals(2, fx.counter(MmMetrics.SOFT_OFFLINE_SUCCESS));
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void softOfflineOfAPinnedPageFailsAndLeavesItAlone() {
        MmFixture fx = MmFixture.lru(new long[] {FRAMES}, 0, LOCAL);
        MmStruct p = resident(fx, 4);
        int[] pinned = new int[1];
        fx.mm.pinUserPages(p, 0, 0, 1, 0, pinned);
        assertFalse(fx.mm.softOfflinePage(pinned[0], 0));
        assertEquals(1, fx.counter(MmMetrics.SOFT_OFFLINE_FAIL));
        assertEquals(1, fx.counter(MmMetrics.PGMIGRATE_FAIL_EXTRA_REF));
        assertEquals(Pte.present(pinned[0]), p.vma(0).pte(0));
        assertFalse(fx.mm.nodes[0].zones[0].isRetired(pinned[0]));
        assertEquals(List.of(), fx.violations());
    }
}

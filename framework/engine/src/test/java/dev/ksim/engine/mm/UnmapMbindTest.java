package dev.ksim.engine.mm;

import static dev.ksim.engine.model.MappingKind.FILE_SHARED;
import static dev.ksim.engine.model.MappingKind.PFNMAP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.engine.mm.tlb.Tlbs;
import dev.ksim.spi.mm.MigrationPolicy;
import java.util.List;
import org.junit.jupiter.api.Test;

/** munmap, madvise(MADV_DONTNEED), mbind at run time, and PFNMAP driver mappings. */
class UnmapMbindTest {
    private static final MigrationPolicy LOCAL = (f, m) -> f.cpuNode();
    private static final long FRAMES = 1024;

    private static MmStruct resident(MmFixture fx, String name, int n) {
        MmStruct p = fx.process(name, n);
        for (int i = 0; i < n; i++) {
            fx.mm.access(p, 0, i, 0, true);
        }
        return p;
    }

    private static int frameAt(MmStruct p, int page) {
        int e = p.vma(0).pte(page);
        return Pte.isPresent(e) ? Pte.frame(e) : -1;
    }

    @Test
    void munmapFreesTheRangeFlushesItAndAReferenceThereIsSigsegv() {
        MmFixture fx = MmFixture.lru(new long[] {FRAMES}, 0, LOCAL);
        MmStruct p = resident(fx, "p", 64);
        fx.mm.addCpu(p, 1 % fx.mm.topology().cpuCount());
        long free = fx.mm.node(0).nrFreePages();
        long one = fx.counter(Tlbs.NR_TLB_LOCAL_FLUSH_ONE);
        long cost = fx.mm.munmap(p, 0, 8, 4, 0);
        assertTrue(cost > 0);
        assertEquals(free + 4, fx.mm.node(0).nrFreePages());
        assertEquals(60, p.rss());
        assertEquals(one + 4, fx.counter(Tlbs.NR_TLB_LOCAL_FLUSH_ONE), "4 pages: a ranged flush");
        long all = fx.counter(Tlbs.NR_TLB_LOCAL_FLUSH_ALL);
        fx.mm.munmap(p, 0, 20, 40, 0);
        assertEquals(all + 1, fx.counter(Tlbs.NR_TLB_LOCAL_FLUSH_ALL), "40 pages > 33: a full flush");
        assertEquals(List.of(), fx.violations());
        fx.mm.access(p, 0, 9, 0);
        assertTrue(p.killed(), "a reference to an unmapped page is SIGSEGV");
        assertEquals(1, fx.counter(MmMetrics.SIGSEGV));
        assertEquals(0, p.rss());
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void munmapOfAWholeMappingDetachesItFromTheReverseMap() {
        MmFixture fx = MmFixture.lru(new long[] {FRAMES}, 0, LOCAL);
        MmStruct a = fx.process("a", 8, FILE_SHARED, "db");
        fx.mm.access(a, 0, 0, 0);
        AddressSpace db = fx.mm.pageCache.file("db");
        assertEquals(1, db.nrMmap());
        fx.mm.munmap(a, 0, 0, 8, 0);
        assertEquals(0, db.nrMmap());
        assertTrue(db.find(0) >= 0, "the page stays cached");
        assertEquals(0, fx.mm.pageCache.nrMapped[0]);
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void dontneedDropsAnonymousPagesSoTheNextReferenceGetsAFreshOne() {
        MmFixture fx = MmFixture.lru(new long[] {FRAMES}, 16, LOCAL);
        MmStruct p = resident(fx, "p", 16);
        long freeBefore = fx.mm.node(0).nrFreePages();
        fx.mm.madviseDontneed(p, 0, 0, 16, 0);
        assertEquals(freeBefore + 16, fx.mm.node(0).nrFreePages());
        assertEquals(0, p.rss());
        long faults = fx.counter(MmMetrics.PGFAULT);
        fx.mm.access(p, 0, 5, 0);
        assertFalse(p.killed(), "DONTNEED leaves the range mapped");
        assertEquals(faults + 1, fx.counter(MmMetrics.PGFAULT));
        assertEquals(0, fx.counter(MmMetrics.PGMAJFAULT), "a zero-filled page, not a read");
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void dontneedOnASharedFileMappingOnlyUnmaps() {
        MmFixture fx = MmFixture.lru(new long[] {FRAMES}, 0, LOCAL);
        MmStruct a = fx.process("a", 8, FILE_SHARED, "db");
        fx.mm.access(a, 0, 1, 0, true);
        fx.mm.madviseDontneed(a, 0, 0, 8, 0);
        AddressSpace db = fx.mm.pageCache.file("db");
        assertTrue(db.testDirty(1), "the dirty page stays in the page cache");
        fx.mm.access(a, 0, 1, 0);
        assertEquals(1, fx.counter(MmMetrics.PGMAJFAULT), "found again in the page cache: minor");
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void mbindBindPlacesLaterFaultsAndMoveMigratesMisplacedPages() {
        MmFixture fx = MmFixture.lru(new long[] {FRAMES, FRAMES}, 0, LOCAL);
        MmStruct p = resident(fx, "p", 32); // all on node 0 (CPU 0, local policy)
        long cost = fx.mm.mbind(p, 0, 0, 16, "bind", 1L << 1, true, 0);
        assertTrue(cost > 0);
        assertEquals(16, fx.counter(MmMetrics.PGMIGRATE_SUCCESS));
        for (int i = 0; i < 16; i++) {
            assertEquals(1, fx.mm.nodeOf(frameAt(p, i)), "page " + i + " moved to node 1");
        }
        assertEquals(0, fx.mm.nodeOf(frameAt(p, 16)), "outside the range nothing moves");
        fx.mm.madviseDontneed(p, 0, 0, 32, 0);
        fx.mm.access(p, 0, 3, 0);
        fx.mm.access(p, 0, 20, 0);
        assertEquals(1, fx.mm.nodeOf(frameAt(p, 3)), "bind overrides the plugin's local placement");
        assertEquals(0, fx.mm.nodeOf(frameAt(p, 20)));
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void mbindInterleaveAndPreferred() {
        MmFixture fx = MmFixture.lru(new long[] {FRAMES, FRAMES}, 0, LOCAL);
        MmStruct p = fx.process("p", 64);
        fx.mm.mbind(p, 0, 0, 32, "interleave", 0b11, false, 0);
        fx.mm.mbind(p, 0, 32, 32, "preferred", 0b10, false, 0);
        for (int i = 0; i < 64; i++) {
            fx.mm.access(p, 0, i, 0);
        }
        for (int i = 0; i < 32; i++) {
            assertEquals(i % 2, fx.mm.nodeOf(frameAt(p, i)), "interleave page " + i);
        }
        for (int i = 32; i < 64; i++) {
            assertEquals(1, fx.mm.nodeOf(frameAt(p, i)), "preferred page " + i);
        }
        fx.mm.mbind(p, 0, 0, 64, "default", 0, false, 0);
        fx.mm.madviseDontneed(p, 0, 0, 64, 0);
        fx.mm.access(p, 0, 1, 0);
        assertEquals(0, fx.mm.nodeOf(frameAt(p, 1)), "default: the plugin places it again");
        assertThrows(IllegalArgumentException.class, () -> fx.mm.mbind(p, 0, 0, 4, "bind", 1L << 5, false, 0));
        assertThrows(IllegalArgumentException.class, () -> fx.mm.mbind(p, 0, 0, 4, "bind", 0, false, 0));
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void pfnmapFramesArePopulatedAtMmapAndNeitherReclaimedNorMigrated() {
        MmFixture fx = MmFixture.lru(new long[] {FRAMES, FRAMES}, 0, LOCAL);
        long free = fx.mm.node(0).nrFreePages();
        MmStruct d = fx.process("drv", 16, PFNMAP, null);
        assertEquals(free - 16, fx.mm.node(0).nrFreePages(), "the driver's frames are taken at mmap");
        int f = frameAt(d, 0);
        assertTrue(f >= 0, "the PTEs are populated at once");
        assertEquals(0, fx.mm.frames.flags[f] & PageFlags.PG_LRU, "not on an LRU");
        assertEquals(0, d.rss(), "special PTEs are not counted in rss");
        fx.mm.access(d, 0, 3, 0, true);
        assertEquals(0, fx.counter(MmMetrics.PGFAULT), "no fault: the PTEs were populated");
        int[] status = new int[1];
        fx.mm.movePages(d.pid(), new long[] {d.vma(0).startVpn()}, new int[] {1}, status, 0);
        assertEquals(-Migrate.EFAULT, status[0], "move_pages: not a migratable mapping");
        assertEquals(-Migrate.EBUSY, fx.mm.migrate().migratePage(f, 1, Migrate.Reason.SYSCALL, 0));
        assertEquals(1, fx.counter(MmMetrics.PGMIGRATE_FAIL_NOT_ISOLATABLE));
        MmStruct hog = fx.process("hog", 1900);
        for (int i = 0; i < 1900 && !hog.killed(); i++) {
            fx.mm.access(hog, 0, i, 0);
        }
        assertEquals(f, frameAt(d, 0), "reclaim never takes a driver frame");
        assertEquals(MemoryFailure.Result.IGNORED, fx.mm.memoryFailure(f, 0), "a driver page: me_kernel");
        assertThrows(IllegalArgumentException.class, () -> fx.mm.madviseDontneed(d, 0, 0, 1, 0));
        MmStruct c = fx.mm.fork(d, "child", 0);
        assertEquals(f, frameAt(c, 0), "fork copies the special PTEs");
        fx.mm.exit(d);
        assertEquals(f, frameAt(c, 0), "the region lives while a mapper does");
        long before = fx.mm.node(0).nrFreePages();
        fx.mm.exit(c);
        assertTrue(fx.mm.node(0).nrFreePages() >= before + 15, "the last unmap frees the region");
        assertEquals(List.of(), fx.violations());
    }
}

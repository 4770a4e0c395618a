package dev.ksim.engine.mm;

import static dev.ksim.engine.model.MappingKind.FILE_PRIVATE;
import static dev.ksim.engine.model.MappingKind.FILE_SHARED;
import static dev.ksim.engine.model.MappingKind.SHMEM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.engine.cost.CostModel;
import dev.ksim.spi.mm.MigrationPolicy;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The page cache: file faults, read/write syscalls, dirtying, writeback, reclaim of file and shmem pages. */
class PageCacheTest {
    private static final MigrationPolicy LOCAL = (f, m) -> f.cpuNode();
    private static final long FRAMES = 1024;
    private static final long READ_NS = CostModel.defaults().get(CostModel.FILE_READ);

    private static MmFixture fx(long swapSlots) {
        return MmFixture.lru(new long[] {FRAMES, FRAMES}, swapSlots, LOCAL).withLoop();
    }

    private static int frameAt(MmStruct p, int page) {
        int e = p.vma(0).pte(page);
        return Pte.isPresent(e) ? Pte.frame(e) : -1;
    }

    private static AddressSpace file(MmFixture fx, String name) {
        return fx.mm.pageCache.file(name);
    }

    @Test
    void aReadFaultOnASharedFileIsMajorOnceThenAMinorHitForEveryMapper() {
        MmFixture fx = fx(0);
        MmStruct a = fx.process("a", 64, FILE_SHARED, "db");
        MmStruct b = fx.process("b", 64, FILE_SHARED, "db");
        long cost = fx.mm.access(a, 0, 5, 0);
        assertEquals(1, fx.counter(MmMetrics.PGMAJFAULT));
        assertEquals(4, fx.counter(MmMetrics.PGPGIN), "pgpgin counts KiB");
        assertTrue(cost >= READ_NS, "the device read is in the fault: " + cost);
        int f = frameAt(a, 5);
        assertEquals(f, file(fx, "db").find(5));
        assertTrue(a.vma(0).writeProtected(5), "a clean page is mapped read-only (writenotify)");
        assertEquals(0, fx.mm.frames.flags[f] & PageFlags.PG_SWAPBACKED, "a file page: the file LRU lists");
        assertEquals(1, fx.mm.node(0).lruvec().nrPages(Lruvec.LRU_INACTIVE_FILE));
        long cost2 = fx.mm.access(b, 0, 5, 1);
        assertEquals(1, fx.counter(MmMetrics.PGMAJFAULT), "the second process hits the page cache");
        assertEquals(2, fx.counter(MmMetrics.PGFAULT));
        assertTrue(cost2 < READ_NS);
        assertEquals(f, frameAt(b, 5), "both map the same frame");
        assertEquals(2, fx.mm.rmap.mapcount(f));
        assertEquals(1, fx.mm.pageCache.nrMapped[0]);
        assertEquals(1, fx.mm.pageCache.nrFilePages[0]);
        assertEquals(1, a.rss());
        assertEquals(1, b.rss());
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void aStoreDirtiesASharedFilePageAndWritebackWriteProtectsItAgain() {
        MmFixture fx = fx(0);
        MmStruct a = fx.process("a", 16, FILE_SHARED, "db");
        MmStruct b = fx.process("b", 16, FILE_SHARED, "db");
        fx.mm.access(a, 0, 3, 0);
        fx.mm.access(b, 0, 3, 1);
        long faults = fx.counter(MmMetrics.PGFAULT);
        fx.mm.access(a, 0, 3, 0, true);
        assertEquals(faults + 1, fx.counter(MmMetrics.PGFAULT), "the first store takes a write-protect fault");
        AddressSpace db = file(fx, "db");
        assertTrue(db.testDirty(3));
        assertEquals(1, fx.mm.pageCache.nrDirty[0]);
        assertFalse(a.vma(0).writeProtected(3));
        assertTrue(b.vma(0).writeProtected(3), "the other mapper stays read-only");
        fx.mm.access(a, 0, 3, 0, true);
        assertEquals(faults + 1, fx.counter(MmMetrics.PGFAULT), "further stores are free");
        fx.mm.access(b, 0, 3, 1, true);
        assertEquals(faults + 2, fx.counter(MmMetrics.PGFAULT), "b's first store faults too, the page stays dirty once");
        assertEquals(1, db.nrDirty);
        assertEquals(List.of(), fx.violations());
        long cost = fx.mm.fsync("db", 0);
        assertEquals(0, fx.mm.lastFsyncError());
        assertTrue(cost >= CostModel.defaults().get(CostModel.FILE_WRITE), "fsync waits for the write: " + cost);
        assertFalse(db.testDirty(3));
        assertFalse(db.testWriteback(3));
        assertEquals(4, fx.counter(MmMetrics.PGPGOUT));
        assertTrue(a.vma(0).writeProtected(3) && b.vma(0).writeProtected(3), "folio_mkclean write-protected every mapper");
        fx.mm.access(a, 0, 3, 0, true);
        assertTrue(db.testDirty(3), "the next store dirties it again");
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void aStoreToAPrivateFileMappingCopiesThePageCachePage() {
        MmFixture fx = fx(0);
        MmStruct a = fx.process("a", 16, FILE_PRIVATE, "lib");
        MmStruct b = fx.process("b", 16, FILE_PRIVATE, "lib");
        fx.mm.access(a, 0, 1, 0);
        fx.mm.access(b, 0, 1, 1);
        int cached = file(fx, "lib").find(1);
        assertEquals(cached, frameAt(a, 1));
        assertTrue(a.vma(0).writeProtected(1));
        fx.mm.access(a, 0, 1, 0, true);
        assertEquals(1, fx.counter(MmMetrics.COW_FAULT));
        int copy = frameAt(a, 1);
        assertNotEquals(cached, copy);
        assertTrue(Rmap.isAnon(fx.mm.frames.rmapVma[copy]), "the copy is an anonymous page");
        assertEquals(PageFlags.PG_SWAPBACKED, fx.mm.frames.flags[copy] & PageFlags.PG_SWAPBACKED);
        assertFalse(file(fx, "lib").testDirty(1), "the file is not dirtied");
        assertEquals(cached, frameAt(b, 1), "the other process still maps the page cache");
        // a store to a page never read: do_cow_fault reads the file page and copies it at once
        fx.mm.access(b, 0, 9, 1, true);
        assertEquals(2, fx.counter(MmMetrics.COW_FAULT));
        assertTrue(file(fx, "lib").find(9) >= 0, "the page cache holds the file page");
        assertNotEquals(file(fx, "lib").find(9), frameAt(b, 9));
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void readAndWriteSyscallsGoThroughThePageCacheWithoutAMapping() {
        MmFixture fx = fx(0);
        fx.mm.addFile("log", 32, 5_000_000, -1); // a slow disk: 5 ms per read
        MmStruct p = fx.process("p", 4);
        int h = fx.mm.fileHandle("log");
        long miss = fx.mm.fileIo(p, h, 7, false, 0);
        assertTrue(miss >= 5_000_000, "a read miss waits for the disk: " + miss);
        assertEquals(4, fx.counter(MmMetrics.PGPGIN));
        assertEquals(0, fx.counter(MmMetrics.PGMAJFAULT), "read(2) misses are not faults");
        long hit = fx.mm.fileIo(p, h, 7, false, 0);
        assertEquals(CostModel.defaults().get(CostModel.FILE_SYSCALL_PAGE), hit);
        long write = fx.mm.fileIo(p, h, 8, true, 0);
        assertTrue(write < 5_000_000, "a whole-page write needs no read");
        assertTrue(file(fx, "log").testDirty(8));
        assertEquals(2, fx.counter(MmMetrics.FILE_READS));
        assertEquals(1, fx.counter(MmMetrics.FILE_WRITES));
        assertEquals(0, p.rss(), "nothing is mapped");
        assertEquals(2, fx.mm.pageCache.nrFilePages[0]);
        assertEquals(0, fx.mm.pageCache.nrMapped[0]);
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void reclaimDropsCleanFilePagesWithoutAnyIo() {
        MmFixture fx = fx(0);
        MmStruct p = fx.process("p", 3000, FILE_SHARED, "big");
        for (int i = 0; i < 3000; i++) {
            fx.mm.access(p, 0, i, 0);
        }
        assertTrue(fx.counter(MmMetrics.PGSTEAL_FILE) > 0, "file pages were reclaimed");
        assertEquals(0, fx.counter(MmMetrics.PGSTEAL_ANON));
        assertEquals(0, fx.counter(MmMetrics.PSWPOUT));
        assertEquals(0, fx.counter(MmMetrics.PGPGOUT), "clean pages are dropped, not written");
        assertEquals(0, fx.counter(MmMetrics.OOM_KILL), "without swap, file pages are still reclaimable");
        assertTrue(p.rss() < 3000);
        fx.mm.access(p, 0, 0, 0);
        assertEquals(3001, fx.counter(MmMetrics.PGMAJFAULT), "a dropped page is read again");
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void reclaimLeavesDirtyPagesToTheFlusherThenFreesThemOnceWritten() {
        MmFixture fx = fx(0);
        MmStruct p = fx.process("p", 3000, FILE_SHARED, "big");
        for (int i = 0; i < 3000; i++) {
            fx.mm.access(p, 0, i, 0, true);
            if (i % 100 == 0) {
                fx.advanceTo(fx.now() + 50_000); // let the flusher and the device work
            }
        }
        fx.advanceTo(fx.now() + 1_000_000_000L);
        assertTrue(fx.counter(MmMetrics.PGPGOUT) > 0, "dirty pages were written back");
        assertTrue(fx.counter(MmMetrics.PGSTEAL_FILE) > 0, "and reclaimed once clean");
        assertTrue(fx.counter(MmMetrics.NR_VMSCAN_IMMEDIATE_RECLAIM) + fx.counter(MmMetrics.DIRTY_THROTTLE) > 0);
        assertEquals(0, fx.counter(MmMetrics.OOM_KILL));
        assertEquals(0, fx.counter(MmMetrics.PSWPOUT));
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void kswapdWritesADirtyPageItMeetsTwiceAndTheCompletionRotatesItToTheTail() {
        MmFixture fx = fx(0);
        MmStruct p = fx.process("p", 8, FILE_SHARED, "f");
        fx.mm.setWriteback(50, 90, 30_000_000_000L, 0); // no flusher interference
        fx.mm.access(p, 0, 0, 0, true);
        int f = frameAt(p, 0);
        AddressSpace as = file(fx, "f");
        PglistData n = fx.mm.node(0);
        Vmscan.ScanControl sc = new Vmscan.ScanControl();
        sc.reset(true, 0, 1);
        assertFalse(fx.mm.pageCache.reclaim.shrinkFolio(n, f, Lruvec.LRU_INACTIVE_FILE, sc), "first meeting: left to the flusher");
        assertEquals(1, fx.counter(MmMetrics.NR_VMSCAN_IMMEDIATE_RECLAIM));
        assertTrue(as.testReclaim(0));
        assertEquals(Lruvec.LRU_ACTIVE_FILE, Lruvec.lruOf(fx.mm.frames.flags[f]), "activated");
        assertFalse(Pte.isPresent(p.vma(0).pte(0)), "unmapped before the dirty check");
        n.lruvec.move(f, Lruvec.LRU_INACTIVE_FILE);
        fx.mm.frames.listDel(f); // keep the test's view simple: f alone, on the inactive list
        fx.mm.frames.listAdd(n.lruvec.head(Lruvec.LRU_INACTIVE_FILE), f);
        assertFalse(fx.mm.pageCache.reclaim.shrinkFolio(n, f, Lruvec.LRU_INACTIVE_FILE, sc), "second meeting: pageout");
        assertEquals(1, fx.counter(MmMetrics.NR_VMSCAN_WRITE));
        assertTrue(as.testWriteback(0));
        assertEquals(1, fx.mm.pageCache.nrWriteback[0]);
        fx.advanceTo(fx.now() + 10_000_000);
        assertFalse(as.testWriteback(0));
        assertEquals(f, n.lruvec.tail(Lruvec.LRU_INACTIVE_FILE), "folio_rotate_reclaimable");
        assertTrue(fx.counter(MmMetrics.PGROTATED) > 0);
        assertTrue(fx.mm.pageCache.reclaim.shrinkFolio(n, f, Lruvec.LRU_INACTIVE_FILE, sc), "now clean: freed");
        assertEquals(-1, as.find(0));
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void shmemIsSwapBackedSharedAndSwappedThroughItsPageCache() {
        MmFixture fx = fx(4096);
        MmStruct a = fx.process("a", 2000, SHMEM, "seg");
        MmStruct b = fx.process("b", 2000, SHMEM, "seg");
        fx.mm.access(a, 0, 0, 0, true);
        int f = frameAt(a, 0);
        assertFalse(a.vma(0).writeProtected(0), "shmem is mapped writable");
        assertEquals(PageFlags.PG_SWAPBACKED, fx.mm.frames.flags[f] & PageFlags.PG_SWAPBACKED, "the anon lists");
        fx.mm.access(b, 0, 0, 1);
        assertEquals(f, frameAt(b, 0), "shared between the processes");
        assertEquals(1, fx.mm.pageCache.nrShmem[0]);
        assertEquals(0, fx.counter(MmMetrics.PGMAJFAULT), "a new shmem page is zero-filled, not read");
        for (int r = 0; r < 3; r++) {
            for (int i = 1; i < 2000; i++) {
                fx.mm.access(a, 0, i, 0, true);
            }
        }
        assertTrue(fx.counter(MmMetrics.PSWPOUT) > 0, "shmem pages were swapped out");
        AddressSpace seg = file(fx, "seg");
        assertTrue(Pte.isSwap(seg.entry(0)), "page 0's swap entry lives in the page cache");
        assertEquals(Pte.NONE, a.vma(0).pte(0), "shmem PTEs never hold swap entries");
        long major = fx.counter(MmMetrics.PGMAJFAULT);
        fx.mm.access(b, 0, 0, 1);
        assertEquals(major + 1, fx.counter(MmMetrics.PGMAJFAULT));
        assertTrue(fx.counter(MmMetrics.PSWPIN) > 0);
        assertEquals(0, fx.counter(MmMetrics.PGPGOUT), "shmem never goes to a file");
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void migrationMovesAPageCachePageRemappingEveryMapperAndWaitsForWriteback() {
        MmFixture fx = fx(0);
        MmStruct a = fx.process("a", 8, FILE_SHARED, "db");
        MmStruct b = fx.process("b", 8, FILE_SHARED, "db");
        fx.mm.access(a, 0, 2, 0, true);
        fx.mm.access(b, 0, 2, 1);
        int f = frameAt(a, 2);
        AddressSpace db = file(fx, "db");
        fx.mm.pageCache.writeback.startWriteback(db, 2, f, false, 0);
        assertTrue(db.testWriteback(2));
        int[] status = new int[1];
        long cost = fx.mm.movePages(a.pid(), new long[] {a.vma(0).startVpn() + 2}, new int[] {1}, status, 0);
        assertEquals(1, status[0], "move_pages waits for the write (MIGRATE_SYNC) and moves it");
        assertTrue(cost >= CostModel.defaults().get(CostModel.FILE_WRITE), "the wait is in the call's cost: " + cost);
        int nf = frameAt(a, 2);
        assertEquals(1, fx.mm.nodeOf(nf));
        assertEquals(nf, frameAt(b, 2), "every mapper follows");
        assertEquals(nf, db.find(2), "and the page cache");
        assertEquals(1, fx.mm.pageCache.nrFilePages[1]);
        assertEquals(0, fx.mm.pageCache.nrFilePages[0]);
        assertEquals(1, fx.mm.pageCache.nrMapped[1]);
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void asyncMigrationFailsOnAPageUnderWriteback() {
        MmFixture fx = fx(0);
        MmStruct a = fx.process("a", 8, FILE_SHARED, "db");
        fx.mm.access(a, 0, 2, 0, true);
        int f = frameAt(a, 2);
        AddressSpace db = file(fx, "db");
        fx.mm.pageCache.writeback.startWriteback(db, 2, f, false, 0);
        int rc = fx.mm.migrate().migratePage(f, 1, Migrate.Reason.SYSCALL, Migrate.Mode.ASYNC, 0);
        assertEquals(-Migrate.EBUSY, rc);
        assertEquals(1, fx.counter(MmMetrics.PGMIGRATE_FAIL_WRITEBACK));
        assertEquals(1, fx.counter(MmMetrics.PGMIGRATE_FAIL));
        assertEquals(f, frameAt(a, 2), "the page stayed where it was, mapped");
        assertEquals(List.of(), fx.violations());
        fx.advanceTo(fx.now() + 10_000_000);
        assertEquals(1, fx.mm.migrate().migratePage(f, 1, Migrate.Reason.SYSCALL, Migrate.Mode.ASYNC, 0), "once written, it moves");
    }

    @Test
    void writersOverTheDirtyLimitArePausedUntilWritebackCatchesUp() {
        MmFixture fx = fx(0);
        fx.mm.setWriteback(1, 2, 30_000_000_000L, 0);
        fx.mm.addFile("out", 1500, -1, 5_000_000); // a slow disk: 5 ms per write
        MmStruct p = fx.process("p", 1);
        int h = fx.mm.fileHandle("out");
        long limit = fx.mm.pageCache.writeback.limit();
        long maxCost = 0;
        for (int i = 0; i < 200; i++) {
            maxCost = Math.max(maxCost, fx.mm.fileIo(p, h, i, true, 0));
        }
        assertTrue(fx.counter(MmMetrics.DIRTY_THROTTLE) > 0, "limit " + limit);
        assertTrue(fx.counter(MmMetrics.DIRTY_THROTTLE_NS) > 0);
        assertTrue(maxCost >= 5_000_000, "a throttled write waits for the disk: " + maxCost);
        assertTrue(fx.mm.pageCache.dirtyPages() + fx.mm.pageCache.writebackPages() <= limit + 1);
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void theFlusherWritesInodesOnceTheirDirtyDataExpires() {
        MmFixture fx = fx(0);
        fx.mm.setWriteback(90, 95, 3_000_000, 1_000_000); // expire 3 ms, wake every 1 ms
        MmStruct p = fx.process("p", 16, FILE_SHARED, "db");
        for (int i = 0; i < 16; i++) {
            fx.mm.access(p, 0, i, 0, true);
        }
        AddressSpace db = file(fx, "db");
        assertEquals(16, db.nrDirty);
        fx.advanceTo(2_500_000);
        assertEquals(16, db.nrDirty, "not expired yet");
        fx.advanceTo(4_500_000);
        assertEquals(0, db.nrDirty, "kupdate wrote the expired inode");
        fx.advanceTo(20_000_000);
        assertEquals(0, db.nrWriteback);
        assertEquals(64, fx.counter(MmMetrics.PGPGOUT));
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void aMappingLargerThanItsFileAndStrictLruAreRefused() {
        MmFixture fx = fx(0);
        fx.mm.addFile("small", 4, -1, -1);
        assertThrows(IllegalArgumentException.class, () -> fx.process("p", 8, FILE_SHARED, "small"));
        MmFixture strict = new MmFixture(new long[] {64}, 0, LOCAL);
        assertThrows(IllegalStateException.class, () -> strict.mm.addFile("f", 4, -1, -1));
    }

    @Test
    void directReclaimStartsAndWaitsForWritebackInsteadOfKillingWhenEverythingIsDirty() {
        MmFixture fx = fx(0);
        fx.mm.setWriteback(100, 100, 30_000_000_000L, 0); // writers are never throttled: memory fills with dirty pages
        MmStruct p = fx.process("p", 3000, FILE_SHARED, "big");
        for (int i = 0; i < 3000; i++) {
            fx.mm.access(p, 0, i, 0, true); // the event loop never runs: no flusher, no device event
        }
        assertEquals(0, fx.counter(MmMetrics.OOM_KILL));
        assertFalse(p.killed());
        assertTrue(fx.counter(MmMetrics.PGPGOUT) > 0, "reclaim had the dirty pages written");
        assertTrue(fx.counter(MmMetrics.PGSTEAL_FILE) > 0, "and freed them once clean");
        assertEquals(List.of(), fx.violations());
    }
}

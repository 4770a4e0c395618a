package dev.ksim.engine.mm;

import static dev.ksim.engine.model.MappingKind.FILE_SHARED;
import static dev.ksim.engine.model.MappingKind.SHMEM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.spi.mm.MigrationPolicy;
import java.util.List;
import org.junit.jupiter.api.Test;

/** memory_failure of page-cache pages (spec §7): clean file, dirty file, shmem, a page shared after fork. */
class PageCacheFailureTest {
    private static final MigrationPolicy LOCAL = (f, m) -> f.cpuNode();
    private static final long FRAMES = 1024;

    private static int frameAt(MmStruct p, int page) {
        int e = p.vma(0).pte(page);
        return Pte.isPresent(e) ? Pte.frame(e) : -1;
    }

    @Test
    void aCleanPageCachePageIsDroppedNobodyIsKilledAndItIsReadAgain() {
        MmFixture fx = MmFixture.lru(new long[] {FRAMES}, 0, LOCAL).withLoop();
        MmStruct a = fx.process("a", 8, FILE_SHARED, "db");
        MmStruct b = fx.process("b", 8, FILE_SHARED, "db");
        fx.mm.access(a, 0, 2, 0);
        fx.mm.access(b, 0, 2, 0);
        int f = frameAt(a, 2);
        assertEquals(MemoryFailure.Result.RECOVERED, fx.mm.memoryFailure(f, 0));
        assertEquals(Pte.NONE, a.vma(0).pte(2), "cleared without a hwpoison entry");
        assertEquals(Pte.NONE, b.vma(0).pte(2));
        AddressSpace db = fx.mm.pageCache.file("db");
        assertEquals(-1, db.find(2), "truncated from the page cache");
        assertTrue(fx.mm.zones().get(0).isRetired(f));
        fx.mm.access(a, 0, 2, 0);
        assertFalse(a.killed(), "nobody is killed");
        assertEquals(2, fx.counter(MmMetrics.PGMAJFAULT), "the page is read again from the file");
        assertEquals(0, fx.counter(MmMetrics.MEMORY_FAILURE_SIGBUS));
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void aDirtyPageCachePageIsLostTheFileRemembersTheErrorAndMappersDie() {
        MmFixture fx = MmFixture.lru(new long[] {FRAMES}, 0, LOCAL).withLoop();
        MmStruct a = fx.process("a", 8, FILE_SHARED, "db");
        MmStruct b = fx.process("b", 8, FILE_SHARED, "db");
        fx.mm.access(a, 0, 2, 0, true);
        fx.mm.access(b, 0, 2, 0);
        int f = frameAt(a, 2);
        AddressSpace db = fx.mm.pageCache.file("db");
        assertTrue(db.testDirty(2));
        assertEquals(MemoryFailure.Result.RECOVERED, fx.mm.memoryFailure(f, 0));
        assertTrue(Pte.isHwpoison(a.vma(0).pte(2)) && Pte.isHwpoison(b.vma(0).pte(2)), "every mapper gets a hwpoison entry");
        assertEquals(0, db.nrDirty, "the dirty data is gone");
        assertEquals(0, fx.mm.pageCache.nrDirty[0]);
        fx.mm.fsync("db", 0);
        assertEquals(-Writeback.EIO, fx.mm.lastFsyncError(), "fsync reports the lost write");
        assertEquals(1, fx.counter(MmMetrics.FSYNC_EIO));
        fx.mm.fsync("db", 0);
        assertEquals(0, fx.mm.lastFsyncError(), "once (errseq)");
        fx.mm.access(b, 0, 2, 0);
        assertTrue(b.sigbusKilled(), "a mapper touching it dies");
        assertEquals(1, fx.counter(MmMetrics.MEMORY_FAILURE_SIGBUS));
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void aPageUnderWritebackIsWaitedForFirst() {
        MmFixture fx = MmFixture.lru(new long[] {FRAMES}, 0, LOCAL).withLoop();
        MmStruct a = fx.process("a", 8, FILE_SHARED, "db");
        fx.mm.access(a, 0, 2, 0, true);
        int f = frameAt(a, 2);
        AddressSpace db = fx.mm.pageCache.file("db");
        fx.mm.pageCache.writeback.startWriteback(db, 2, f, false, 0);
        assertEquals(MemoryFailure.Result.RECOVERED, fx.mm.memoryFailure(f, 0));
        assertEquals(4, fx.counter(MmMetrics.PGPGOUT), "the write completed before the page was dropped");
        assertEquals(0, db.nrWriteback);
        fx.mm.fsync("db", 0);
        assertEquals(0, fx.mm.lastFsyncError(), "written in time: nothing lost");
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void aShmemPageCannotBeReReadSoItsMappersDieAndThePageCacheKeepsThePoison() {
        MmFixture fx = MmFixture.lru(new long[] {FRAMES}, 0, LOCAL).withLoop();
        MmStruct a = fx.process("a", 8, SHMEM, "seg");
        MmStruct b = fx.process("b", 8, SHMEM, "seg");
        fx.mm.access(a, 0, 1, 0, true);
        int f = frameAt(a, 1);
        assertEquals(MemoryFailure.Result.RECOVERED, fx.mm.memoryFailure(f, 0));
        assertTrue(Pte.isHwpoison(a.vma(0).pte(1)));
        assertTrue(Pte.isHwpoison(fx.mm.pageCache.file("seg").entry(1)));
        fx.mm.access(b, 0, 1, 0);
        assertTrue(b.sigbusKilled(), "a later fault at the poisoned index is SIGBUS");
        assertEquals(0, fx.mm.pageCache.nrShmem[0]);
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void anAnonymousPageSharedAfterForkKillsBothMappersOnAccess() {
        MmFixture fx = MmFixture.lru(new long[] {FRAMES}, 0, LOCAL);
        MmStruct p = fx.process("p", 4);
        fx.mm.access(p, 0, 0, 0, true);
        MmStruct c = fx.mm.fork(p, "child", 0);
        int f = frameAt(p, 0);
        assertEquals(MemoryFailure.Result.RECOVERED, fx.mm.memoryFailure(f, 0));
        assertTrue(Pte.isHwpoison(p.vma(0).pte(0)) && Pte.isHwpoison(c.vma(0).pte(0)), "collect_procs found both");
        fx.mm.access(p, 0, 0, 0);
        fx.mm.addCpu(c, 0);
        fx.mm.access(c, 0, 0, 0);
        assertTrue(p.sigbusKilled() && c.sigbusKilled());
        assertEquals(2, fx.counter(MmMetrics.MEMORY_FAILURE_SIGBUS));
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void softOfflineMovesAPageCachePage() {
        MmFixture fx = MmFixture.lru(new long[] {FRAMES, FRAMES}, 0, LOCAL).withLoop();
        MmStruct a = fx.process("a", 8, FILE_SHARED, "db");
        fx.mm.access(a, 0, 2, 0, true);
        int f = frameAt(a, 2);
        assertTrue(fx.mm.softOfflinePage(f, 0));
        int nf = frameAt(a, 2);
        assertTrue(nf >= 0 && nf != f);
        assertTrue(fx.mm.pageCache.file("db").testDirty(2), "the dirty mark follows the page (it is per index)");
        assertEquals(nf, fx.mm.pageCache.file("db").find(2));
        assertEquals(List.of(), fx.violations());
    }
}

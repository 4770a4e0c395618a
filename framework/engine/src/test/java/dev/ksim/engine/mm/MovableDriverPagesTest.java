package dev.ksim.engine.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.spi.mm.MigrationPolicy;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Non-LRU movable pages (spec §2): migrated through the driver's callbacks, never when mapped into a process. */
class MovableDriverPagesTest {
    private static final MigrationPolicy LOCAL = (f, m) -> f.cpuNode();
    private static final long FRAMES = 1024;

    private static DriverPages.MovableSet set(MmFixture fx, int[] pfns) {
        return (DriverPages.MovableSet) fx.mm.rmap.owner(pfns[0]);
    }

    @Test
    void migrationGoesThroughIsolateMigrateAndPutback() {
        MmFixture fx = MmFixture.lru(new long[] {FRAMES, FRAMES}, 0, LOCAL);
        int[] pfns = fx.mm.allocMovableDriverPages("balloon", 0, 4);
        DriverPages.MovableSet set = set(fx, pfns);
        assertEquals(0, fx.mm.frames.flags[pfns[0]] & PageFlags.PG_LRU, "not on an LRU");
        assertEquals(List.of(), fx.violations());
        assertEquals(1, fx.mm.migrateFrame(pfns[2], 1, true, 0));
        assertEquals(1, set.isolations);
        assertEquals(1, set.migrations);
        assertEquals(1, set.putbacks);
        assertEquals(1, fx.mm.nodeOf(set.pfns[2]), "the driver's reference moved with the page");
        assertEquals(FrameTable.FREE, fx.mm.frames.rmapVma[pfns[2]], "the old frame was freed");
        assertEquals(1, fx.counter(MmMetrics.PGMIGRATE_SUCCESS));
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void aMovablePageMappedIntoAProcessFailsStillMapped() {
        MmFixture fx = MmFixture.lru(new long[] {FRAMES, FRAMES}, 0, LOCAL);
        int[] pfns = fx.mm.allocMovableDriverPages("gpu", 0, 4);
        DriverPages.MovableSet set = set(fx, pfns);
        MmStruct p = fx.process("p", 4);
        fx.mm.pageCache.drivers().mapMovable(p.vma(0), 1, set, 1);
        assertEquals(List.of(), fx.violations());
        fx.mm.access(p, 0, 1, 0, true);
        assertEquals(0, fx.counter(MmMetrics.PGFAULT), "the driver's page is mapped: no fault");
        assertEquals(-Migrate.EBUSY, fx.mm.migrateFrame(pfns[1], 1, true, 0));
        assertEquals(1, fx.counter(MmMetrics.PGMIGRATE_FAIL_STILL_MAPPED));
        assertEquals(pfns[1], set.pfns[1], "put back where it was");
        assertFalse(set.isIsolated(1));
        assertEquals(1, set.putbacks);
        assertEquals(0, set.migrations);
        assertEquals(1, fx.mm.migrateFrame(pfns[0], 1, true, 0), "the unmapped ones still move");
        assertEquals(List.of(), fx.violations());
        fx.mm.exit(p);
        assertEquals(pfns[1], set.pfns[1], "the driver keeps its page when the process goes");
        assertEquals(1, fx.mm.migrateFrame(pfns[1], 1, true, 0), "unmapped now: it moves");
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void softOfflineMovesAMovablePageAndMemoryFailureIgnoresOne() {
        MmFixture fx = MmFixture.lru(new long[] {FRAMES, FRAMES}, 0, LOCAL);
        int[] pfns = fx.mm.allocMovableDriverPages("zsmalloc", 0, 2);
        DriverPages.MovableSet set = set(fx, pfns);
        assertTrue(fx.mm.softOfflinePage(pfns[0], 0));
        assertTrue(fx.mm.zones().get(0).isRetired(pfns[0]));
        assertTrue(set.pfns[0] != pfns[0]);
        assertEquals(MemoryFailure.Result.IGNORED, fx.mm.memoryFailure(pfns[1], 0), "me_unknown");
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void aFrameTheDriverLostTrackOfIsCaught() {
        MmFixture fx = MmFixture.lru(new long[] {FRAMES}, 0, LOCAL);
        int[] pfns = fx.mm.allocMovableDriverPages("balloon", 0, 2);
        set(fx, pfns).pfns[0] = pfns[1];
        List<String> v = fx.violations();
        assertTrue(v.stream().anyMatch(s -> s.startsWith("mm.rmap ")), v.toString());
    }

    @Test
    void compactionMovesMovableDriverPagesThroughTheirCallbacks() {
        // 8 pageblocks, the first holding the driver's pages, the last ones half free: compaction's
        // free scanner takes free pages only from pageblocks in use (suitable_migration_target)
        MmFixture fx = MmFixture.lru(new long[] {4 * FRAMES}, 0, LOCAL);
        int[] pfns = fx.mm.allocMovableDriverPages("balloon", 0, 4);
        DriverPages.MovableSet balloon = set(fx, pfns);
        MmStruct p = fx.process("p", 3900);
        for (int i = 0; i < 3900; i++) {
            fx.mm.access(p, 0, i, 0);
        }
        for (int i = 3000; i < 3900; i += 2) {
            fx.mm.madviseDontneed(p, 0, i, 1, 0);
        }
        fx.mm.compactNode(0);
        int[] after = balloon.pfns.clone();
        assertTrue(fx.counter(MmMetrics.PGMIGRATE_SUCCESS) >= 4, "pages moved: " + fx.counter(MmMetrics.PGMIGRATE_SUCCESS));
        for (int i = 0; i < 4; i++) {
            assertTrue(after[i] != pfns[i], "driver page " + i + " moved through migrate_page: " + java.util.Arrays.toString(after));
        }
        assertEquals(List.of(), fx.violations());
    }
}

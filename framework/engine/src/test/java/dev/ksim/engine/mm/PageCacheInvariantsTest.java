package dev.ksim.engine.mm;

import static dev.ksim.engine.model.MappingKind.FILE_SHARED;
import static dev.ksim.engine.model.MappingKind.PFNMAP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.spi.mm.MigrationPolicy;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The invariants of shared pages and the page cache catch each kind of corruption. */
class PageCacheInvariantsTest {
    private static final MigrationPolicy LOCAL = (f, m) -> f.cpuNode();
    private static final long FRAMES = 1024;

    private static void assertViolation(MmFixture fx, String check) {
        List<String> v = fx.violations();
        assertFalse(v.isEmpty(), "corruption not detected");
        assertTrue(v.stream().anyMatch(s -> s.startsWith(check + " ")), "expected a " + check + " violation in " + v);
    }

    /** A file with a dirty mapped page, a clean one, and a process forked with shared anonymous pages. */
    private static final class State {
        final MmFixture fx = MmFixture.lru(new long[] {FRAMES}, 64, LOCAL).withLoop();
        final MmStruct a = fx.process("a", 8, FILE_SHARED, "db");
        final MmStruct p = fx.process("p", 8);
        final MmStruct c;
        final AddressSpace db;

        State() {
            fx.mm.access(a, 0, 0, 0, true);
            fx.mm.access(a, 0, 1, 0);
            for (int i = 0; i < 8; i++) {
                fx.mm.access(p, 0, i, 0, true);
            }
            c = fx.mm.fork(p, "c", 0);
            db = fx.mm.pageCache.file("db");
            assertEquals(List.of(), fx.violations());
        }
    }

    @Test
    void detectsAWrongDirtyCount() {
        State s = new State();
        s.fx.mm.pageCache.nrDirty[0]++;
        assertViolation(s.fx, "mm.pagecache");
    }

    @Test
    void detectsAPageCacheEntryPointingAtAnotherFrame() {
        State s = new State();
        s.db.setEntry(1, s.db.entry(0));
        assertViolation(s.fx, "mm.pagecache");
    }

    @Test
    void detectsAMappedCountThatDisagreesWithThePageTables() {
        State s = new State();
        s.fx.mm.pageCache.nrMapped[0]--;
        assertViolation(s.fx, "mm.pagecache");
    }

    @Test
    void detectsWritebackWithNoWriteInFlight() {
        State s = new State();
        int f = s.db.find(1);
        s.db.markWriteback(1, true);
        s.db.nrWriteback++;
        s.fx.mm.pageCache.nrWriteback[s.fx.mm.nodeOf(f)]++;
        s.fx.mm.pageCache.totalWriteback++;
        assertViolation(s.fx, "mm.writeback");
    }

    @Test
    void detectsASharedAnonymousPageMappedWritable() {
        State s = new State();
        s.c.vma(0).setRdonly(2, false);
        assertViolation(s.fx, "mm.wrprotect");
    }

    @Test
    void detectsACleanSharedFilePageMappedWritable() {
        State s = new State();
        s.a.vma(0).setRdonly(1, false);
        assertViolation(s.fx, "mm.wrprotect");
    }

    @Test
    void detectsAMapperTheReverseMapCannotFind() {
        State s = new State();
        s.p.vma(0).anon.remove(s.c.vma(0));
        assertViolation(s.fx, "mm.rmap");
    }

    @Test
    void detectsAPteInAMunmapHole() {
        State s = new State();
        s.fx.mm.munmap(s.p, 0, 6, 2, 0);
        s.p.vma(0).pte[7] = s.p.vma(0).pte(5);
        assertViolation(s.fx, "mm.rmap");
    }

    @Test
    void detectsADriverFrameOnAnLru() {
        MmFixture fx = MmFixture.lru(new long[] {FRAMES}, 0, LOCAL);
        MmStruct d = fx.process("d", 4, PFNMAP, null);
        int f = Pte.frame(d.vma(0).pte(0));
        fx.mm.node(0).lruvec().add(f, Lruvec.LRU_INACTIVE_FILE);
        assertViolation(fx, "mm.lru");
    }

    @Test
    void detectsASwapSlotReferenceCountThatDisagreesWithItsEntries() {
        MmFixture fx = MmFixture.lru(new long[] {FRAMES}, 4096, LOCAL);
        MmStruct p = fx.process("p", 3000);
        fx.mm.access(p, 0, 0, 0, true);
        fx.mm.fork(p, "c", 0);
        for (int r = 0; r < 3; r++) {
            for (int i = 1; i < 3000; i++) {
                fx.mm.access(p, 0, i, 0, true);
            }
        }
        int slot = Pte.slot(p.vma(0).pte(0));
        assertEquals(List.of(), fx.violations());
        fx.mm.swap.refs[slot]--;
        assertViolation(fx, "mm.swap");
    }
}

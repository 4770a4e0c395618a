package dev.ksim.engine.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The invariant checks pass on consistent state and catch each kind of corruption. */
class MmInvariantsTest {

    /** Two nodes, some pages resident on each, some swapped. */
    private static MmFixture populated() {
        MmFixture fx = new MmFixture(new long[] {4, 4}, 16, (f, m) -> (int) (f.pageOffset() % 2));
        MmStruct p = fx.process("p", 12);
        for (int i = 0; i < 12; i++) {
            fx.mm.access(p, 0, i, 0);
        }
        assertTrue(fx.mm.swap().nrUsed() > 0);
        return fx;
    }

    private static int residentFrame(MmFixture fx) {
        for (int f = 0; f < fx.mm.frames.frames; f++) {
            if (fx.mm.frames.rmapVma[f] != FrameTable.FREE) {
                return f;
            }
        }
        throw new AssertionError("no resident frame");
    }

    private static void assertViolation(MmFixture fx, String check) {
        List<String> v = fx.violations();
        assertFalse(v.isEmpty(), "corruption not detected");
        assertTrue(v.stream().anyMatch(s -> s.startsWith(check + " ")), "expected a " + check + " violation in " + v);
    }

    @Test
    void consistentStatePasses() {
        MmFixture fx = populated();
        assertEquals(List.of(), fx.violations());
        fx.invariants.checkAll("end");
        // 8 mm checks + 3 huge page checks + 3 page-cache checks + 4 zone checks for each of the two ZONE_NORMALs
        // + 4 TLB checks + the strict-lru order of each node
        assertEquals(8 + 3 + 3 + 2 * 4 + 4 + 2, fx.invariants.report().checked());
    }

    @Test
    void detectsABrokenReverseMap() {
        MmFixture fx = populated();
        int f = residentFrame(fx);
        fx.mm.frames.rmapIndex[f] ^= 1;
        assertViolation(fx, "mm.rmap");
    }

    @Test
    void detectsAFrameMissingFromItsLru() {
        MmFixture fx = populated();
        fx.mm.frames.listDel(residentFrame(fx));
        assertViolation(fx, "mm.lru");
    }

    @Test
    void detectsAWrongFreeCounter() {
        MmFixture fx = new MmFixture(new long[] {4, 4}, 0, (f, m) -> 0);
        MmStruct p = fx.process("p", 3);
        for (int i = 0; i < 3; i++) {
            fx.mm.access(p, 0, i, 0);
        }
        // the buddy hands out a frame nobody maps: the zone's count drops, the frame table still says free
        assertTrue(fx.mm.nodes[1].zones[0].allocPages(0, dev.ksim.engine.mm.zone.MigrateType.MIGRATE_MOVABLE) >= 0);
        assertViolation(fx, "mm.nr_free");
    }

    @Test
    void detectsALeakedFrame() {
        MmFixture fx = new MmFixture(new long[] {4, 4}, 0, (f, m) -> 1);
        MmStruct p = fx.process("p", 3);
        for (int i = 0; i < 3; i++) {
            fx.mm.access(p, 0, i, 0);
        }
        assertEquals(List.of(), fx.violations());
        int f = fx.mm.nodes[0].zones[0].allocPages(0, dev.ksim.engine.mm.zone.MigrateType.MIGRATE_MOVABLE);
        assertTrue(f >= 0);
        assertViolation(fx, "mm.frames");
    }

    @Test
    void detectsASwapSlotNobodyOwns() {
        MmFixture fx = populated();
        fx.mm.swap.alloc();
        assertViolation(fx, "mm.swap");
    }

    @Test
    void detectsTwoPtesMappingOneFrame() {
        MmFixture fx = populated();
        VmArea vma = fx.mm.vmas[0];
        int a = -1;
        int b = -1;
        for (int i = 0; i < vma.pte.length; i++) {
            if (Pte.isPresent(vma.pte[i])) {
                if (a < 0) {
                    a = i;
                } else {
                    b = i;
                    break;
                }
            }
        }
        vma.pte[b] = vma.pte[a];
        assertViolation(fx, "mm.frames");
    }

    @Test
    void detectsLruFlagsThatNameAnotherList() {
        MmFixture fx = populated();
        int f = residentFrame(fx);
        fx.mm.frames.flags[f] ^= PageFlags.PG_ACTIVE;
        assertViolation(fx, "mm.lru");
    }

    @Test
    void detectsAWrongLruCounter() {
        MmFixture fx = populated();
        fx.mm.nodes[0].lruvec.nr[Lruvec.LRU_ACTIVE_ANON]++;
        assertViolation(fx, "mm.lru");
    }

    @Test
    void detectsAStaleTlbEntry() {
        MmFixture fx = populated();
        MmStruct p = fx.mm.processes.get(0);
        VmArea vma = p.vmas[0];
        int page = -1;
        for (int i = 0; i < vma.pte.length; i++) {
            if (Pte.isPresent(vma.pte[i]) && fx.mm.tlbs.cached(0, p.pid, vma.startVpn + i)) {
                page = i;
                break;
            }
        }
        assertTrue(page >= 0, "a cached resident page");
        vma.pte[page] = Pte.NONE; // unmapped without a flush
        assertViolation(fx, "tlb.coherence");
    }

    @Test
    void detectsAMappedFrameBackInTheBuddy() {
        MmFixture fx = populated();
        int f = residentFrame(fx);
        fx.mm.nodes[fx.mm.nodeOf(f)].memMap.zoneOf(f).freePages(f, 0); // freed while still mapped
        assertViolation(fx, "mm.frames");
    }

    @Test
    void detectsANegativePinCount() {
        MmFixture fx = populated();
        fx.mm.frames.pins[residentFrame(fx)] = -1;
        assertViolation(fx, "mm.pins");
    }

    /** One node with room to spare: free frames and untouched pages. */
    private static MmFixture roomy() {
        MmFixture fx = MmFixture.lru(new long[] {64}, 0, (f, m) -> 0);
        MmStruct p = fx.process("p", 8);
        for (int i = 0; i < 4; i++) {
            fx.mm.access(p, 0, i, 0);
        }
        return fx;
    }

    @Test
    void detectsAPinnedFrameThatWasFreed() {
        MmFixture fx = roomy();
        int free = -1;
        for (int f = 0; f < fx.mm.frames.frames && free < 0; f++) {
            free = fx.mm.frames.rmapVma[f] == FrameTable.FREE ? f : -1;
        }
        assertTrue(free >= 0);
        fx.mm.frames.pins[free] = 1; // reclaimed or migrated away while pinned
        assertViolation(fx, "mm.pins");
    }

    @Test
    void detectsMlockedFlagsThatDisagree() {
        MmFixture fx = populated();
        fx.mm.frames.flags[residentFrame(fx)] |= PageFlags.PG_MLOCKED; // mlocked but on an evictable list
        assertViolation(fx, "mm.pins");
    }

    @Test
    void detectsAMigrationEntryLeftBehind() {
        MmFixture fx = roomy();
        VmArea vma = fx.mm.processes.get(0).vmas[0];
        for (int i = 0; i < vma.pte.length; i++) {
            if (vma.pte[i] == Pte.NONE) {
                vma.pte[i] = Pte.MIGRATION;
                break;
            }
        }
        assertViolation(fx, "mm.migration");
    }

    @Test
    void detectsARetiredFrameHandedOutAgain() {
        MmFixture fx = MmFixture.lru(new long[] {64}, 0, (f, m) -> 0);
        assertEquals(MemoryFailure.Result.RECOVERED, fx.mm.memoryFailure(63, 0));
        assertEquals(List.of(), fx.violations());
        // corrupt: the retired frame becomes a user page again (mapped, on the LRU) without leaving retirement
        MmStruct p = fx.process("p", 1);
        VmArea vma = p.vmas[0];
        vma.pte[0] = Pte.present(63);
        fx.mm.frames.rmapVma[63] = vma.id;
        fx.mm.frames.rmapIndex[63] = 0;
        p.rss = 1;
        assertViolation(fx, "mm.hwpoison");
    }

    @Test
    void detectsAPoisonFlagWithoutRetirement() {
        MmFixture fx = roomy();
        int free = -1;
        for (int f = 0; f < fx.mm.frames.frames && free < 0; f++) {
            free = fx.mm.frames.rmapVma[f] == FrameTable.FREE ? f : -1;
        }
        fx.mm.frames.flags[free] = (byte) PageFlags.PG_HWPOISON; // still on a free list: could be allocated
        assertViolation(fx, "mm.hwpoison");
    }
}

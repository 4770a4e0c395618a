package dev.ksim.engine.mm;

import static dev.ksim.engine.mm.LargePageFixtures.NR;
import static dev.ksim.engine.mm.LargePageFixtures.frame;
import static dev.ksim.engine.mm.LargePageFixtures.of;
import static dev.ksim.engine.mm.LargePageFixtures.process;
import static dev.ksim.engine.mm.LargePageFixtures.thp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.engine.model.MappingKind;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The huge page invariants pass on consistent state and catch each kind of corruption. */
class LargePageInvariantsTest {
    private static final long FRAMES = 4096;

    /** A THP, a mapped hugetlb page and a free one. */
    private static MmFixture populated() {
        MmFixture fx = of(new long[] {FRAMES}, 0, thp("always", "never"), new long[] {2});
        MmStruct p = process(fx, "p", NR);
        fx.mm.access(p, 0, 0, 0);
        MmStruct h = process(fx, "h", NR, MappingKind.HUGETLB);
        fx.mm.access(h, 0, 0, 0);
        assertEquals(List.of(), fx.violations());
        return fx;
    }

    private static int thpHead(MmFixture fx) {
        return frame(fx.mm.processes().get(0), 0);
    }

    private static int hugetlbHead(MmFixture fx) {
        return frame(fx.mm.processes().get(1), 0);
    }

    private static void assertViolation(MmFixture fx, String check) {
        List<String> v = fx.violations();
        assertFalse(v.isEmpty(), "corruption not detected");
        assertTrue(v.stream().anyMatch(s -> s.startsWith(check + " ")), "expected a " + check + " violation in " + v);
    }

    @Test
    void detectsATailWithoutItsCompoundFlag() {
        MmFixture fx = populated();
        fx.mm.frames.flags[thpHead(fx) + 7] = 0;
        assertViolation(fx, "mm.frames"); // now it looks like a 4 KiB page that is not an allocated block
    }

    @Test
    void detectsATailOnTheLru() {
        MmFixture fx = populated();
        int t = thpHead(fx) + 9;
        fx.mm.frames.flags[t] |= PageFlags.PG_LRU;
        assertViolation(fx, "thp.compound");
    }

    @Test
    void detectsATailThatMapsElsewhere() {
        MmFixture fx = populated();
        fx.mm.frames.rmapIndex[thpHead(fx) + 9] += 1;
        assertViolation(fx, "thp.compound");
    }

    @Test
    void detectsAHugeMappedRegionWhosePtesAreNotOneFolio() {
        MmFixture fx = populated();
        MmStruct p = fx.mm.processes().get(0);
        int a = p.vma(0).pte(10);
        p.vma(0).pte[10] = p.vma(0).pte(11);
        p.vma(0).pte[11] = a;
        assertViolation(fx, "thp.compound");
    }

    @Test
    void detectsATHPCountThatDisagreesWithARecount() {
        MmFixture fx = populated();
        fx.mm.thp.nrThps[0]++;
        assertViolation(fx, "thp.compound");
    }

    @Test
    void detectsAPoolCounterThatDisagreesWithARecount() {
        MmFixture fx = populated();
        fx.mm.hugetlb.nrHuge[0]--;
        assertViolation(fx, "hugetlb.pool");
    }

    @Test
    void detectsAFreePoolPageListedTwice() {
        MmFixture fx = populated();
        Hugetlb h = fx.mm.hugetlb;
        h.freeList[0][h.nrFree[0]] = h.freeList[0][0];
        h.nrFree[0]++;
        assertViolation(fx, "hugetlb.pool");
    }

    @Test
    void detectsAHugetlbPageOnAnLru() {
        MmFixture fx = populated();
        fx.mm.frames.flags[hugetlbHead(fx)] |= PageFlags.PG_LRU;
        assertViolation(fx, "hugetlb.pool");
    }

    @Test
    void detectsAReservationCountThatDisagrees() {
        MmFixture fx = populated();
        fx.mm.hugetlb.resv++;
        assertViolation(fx, "hugetlb.pool");
    }

    @Test
    void detectsACompactionScannerOutsideItsZone() {
        MmFixture fx = populated();
        fx.mm.compaction.cachedFree[0] = (int) FRAMES + 4096;
        assertViolation(fx, "compaction.scanners");
    }

    @Test
    void detectsAnLruCountThatIgnoresTheFolioSize() {
        MmFixture fx = populated();
        fx.mm.nodes[0].lruvec.nr[Lruvec.LRU_INACTIVE_ANON] -= NR - 1; // counted as one page
        assertViolation(fx, "mm.lru");
    }
}

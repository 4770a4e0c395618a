package dev.ksim.engine.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.engine.cost.CostModel;
import dev.ksim.engine.model.ReclaimMode;
import dev.ksim.engine.model.VmSpec;
import dev.ksim.engine.mm.tlb.Tlbs;
import dev.ksim.engine.mm.zone.DeviceKind;
import dev.ksim.engine.mm.zone.Zone;
import dev.ksim.engine.sim.EventQueue;
import dev.ksim.engine.sim.SimulationClock;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * migrate_vma into device memory: setup (collect, unmap), the driver's allocation and copy,
 * commit and finalize, the CPU race, migrate_to_ram, eviction, exit; and how pinning, mlock and
 * move_pages treat device pages.
 */
class MigrateVmaTest {
    private static final CostModel C = CostModel.defaults();
    private static final int DEV0 = (int) DeviceMemoryTest.RAM; // first pfn of node 1

    private static MmFixture machine(DeviceKind kind) {
        return DeviceMemoryTest.machine(kind, (f, m) -> 0);
    }

    /** A process whose first {@code resident} of {@code pages} pages are faulted in on node 0 from CPU 0. */
    private static MmStruct process(MmFixture fx, int pages, int resident) {
        MmStruct p = fx.process("p", pages);
        for (int i = 0; i < resident; i++) {
            fx.mm.access(p, 0, i, 0);
        }
        return p;
    }

    private static Zone pool(MmFixture fx) {
        return fx.mm.device.zone(1);
    }

    /** Attaches an event queue, so migrate_vma spans time; returns it. */
    private static EventQueue attach(MmFixture fx, SimulationClock clock) {
        EventQueue q = new EventQueue();
        fx.mm.attach(q, clock);
        return q;
    }

    /** Runs every event due by {@code t}, advancing the clock. */
    private static void runUntil(EventQueue q, SimulationClock clock, long t) {
        while (!q.isEmpty() && q.peekTime() <= t) {
            long at = q.peekTime();
            clock.advanceTo(at);
            q.poll().fire(at);
        }
        clock.advanceTo(t);
    }

    @Test
    void coherentPagesMoveWithPresentPtesAndStayChargedToTheProcess() {
        MmFixture fx = machine(DeviceKind.COHERENT);
        MmStruct p = process(fx, 16, 8);
        fx.mm.addCpu(p, 1); // another CPU runs the mm: the setup's unmap is a shootdown
        int old = Pte.frame(p.vma(0).pte(3));
        long free0 = fx.mm.node(0).nrFreePages();
        long remote = fx.counter(Tlbs.NR_TLB_REMOTE_FLUSH);
        long cost = fx.mm.migrateVma(p, 0, 0, 16, 1, 0, 0);
        for (int i = 0; i < 16; i++) {
            int e = p.vma(0).pte(i);
            assertTrue(Pte.isPresent(e), "page " + i);
            assertEquals(1, fx.mm.nodeOf(Pte.frame(e)), "page " + i + " is in device memory");
        }
        assertEquals(16, p.rss(), "8 resident pages moved, 8 empty ones populated in device memory: all charged");
        assertEquals(FrameTable.FREE, fx.mm.frames.rmapVma[old], "the old frame was freed");
        assertEquals(free0 + 8, fx.mm.node(0).nrFreePages());
        assertEquals(DeviceMemoryTest.DEV - 16, pool(fx).deviceFreePages());
        assertEquals(16, fx.counter(MmMetrics.MIGRATE_VMA_COLLECTED));
        assertEquals(16, fx.counter(MmMetrics.MIGRATE_VMA_MIGRATED));
        assertEquals(0, fx.counter(MmMetrics.MIGRATE_VMA_SKIPPED));
        assertEquals(1, fx.counter(Tlbs.NR_TLB_REMOTE_FLUSH) - remote, "one range flush for the whole setup");
        long floor = C.get(CostModel.MIGRATE_CALL) + 8 * C.get(CostModel.MIGRATE_COPY_PAGE_TO_DEVICE);
        assertTrue(cost > floor, "call + 8 copies (empty pages cost no copy) + the shootdown: " + cost);
        assertEquals(1, fx.metrics.histogram(MmMetrics.MIGRATE_VMA_LATENCY).summary().count());
        assertEquals(0, fx.mm.node(1).lruvec().nrPages(), "device pages are never on an LRU");
        long faults = fx.counter(MmMetrics.PGFAULT);
        long load = fx.mm.access(p, 0, 3, 0);
        assertEquals(faults, fx.counter(MmMetrics.PGFAULT), "a coherent page is an ordinary present page for the CPU");
        assertEquals(C.get(CostModel.TLB_WALK) + 100 * 21 / 10, load, "walk + a load from node 1 at distance 21");
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void privatePagesGetDevicePrivateEntriesAndComeBackOnACpuFault() {
        MmFixture fx = machine(DeviceKind.PRIVATE);
        MmStruct p = process(fx, 8, 8);
        fx.mm.migrateVma(p, 0, 0, 8, 1, 0, 0);
        for (int i = 0; i < 8; i++) {
            assertTrue(Pte.isDevicePrivate(p.vma(0).pte(i)), "page " + i);
            assertEquals(1, fx.mm.nodeOf(fx.mm.frameBehind(p, 0, i)));
        }
        assertEquals(8, p.rss());
        assertEquals(List.of(), fx.violations());
        long faults = fx.counter(MmMetrics.PGFAULT);
        long cost = fx.mm.access(p, 0, 5, 0);
        assertEquals(faults + 1, fx.counter(MmMetrics.PGFAULT), "the CPU cannot touch it: a fault");
        assertEquals(1, fx.counter(MmMetrics.MIGRATE_TO_RAM));
        int f = Pte.frame(p.vma(0).pte(5));
        assertEquals(0, fx.mm.nodeOf(f), "migrate_to_ram put it back in RAM");
        assertEquals(8, p.rss());
        assertEquals(DeviceMemoryTest.DEV - 7, pool(fx).deviceFreePages(), "its device page went back to the pool");
        assertTrue(cost >= C.get(CostModel.MIGRATE_CALL) + C.get(CostModel.MIGRATE_COPY_PAGE_FROM_DEVICE), "cost " + cost);
        assertEquals(faults + 1, fx.counter(MmMetrics.PGFAULT));
        fx.mm.access(p, 0, 5, 0);
        assertEquals(faults + 1, fx.counter(MmMetrics.PGFAULT), "resident again: no second fault");
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void pinnedMlockedAndSwappedPagesAreNotCollectedAndTheDriverMaySkip() {
        MmFixture fx = machine(DeviceKind.COHERENT);
        MmStruct p = process(fx, 12, 12);
        int[] pinned = new int[1];
        fx.mm.pinUserPages(p, 0, 2, 1, 0, pinned);
        fx.mm.mlock(p, 0, 4, 1, 0);
        fx.mm.migrateVma(p, 0, 0, 12, 1, 3, 0);
        assertEquals(Pte.present(pinned[0]), p.vma(0).pte(2), "pinned: migrate_vma_check_page fails, restored");
        assertEquals(0, fx.mm.nodeOf(Pte.frame(p.vma(0).pte(4))), "mlocked: stays");
        assertEquals(10, fx.counter(MmMetrics.MIGRATE_VMA_COLLECTED));
        // collected pages 0,1,3,5,6,...: every 3rd collected one (the 3rd, 6th, 9th) is skipped: pages 3, 7, 10
        assertEquals(3, fx.counter(MmMetrics.MIGRATE_VMA_SKIPPED));
        for (int i : new int[] {3, 7, 10}) {
            assertEquals(0, fx.mm.nodeOf(Pte.frame(p.vma(0).pte(i))), "skipped page " + i + " keeps its RAM frame");
            assertTrue((fx.mm.frames.flags[Pte.frame(p.vma(0).pte(i))] & PageFlags.PG_LRU) != 0, "and is back on its LRU");
        }
        assertEquals(7, fx.counter(MmMetrics.MIGRATE_VMA_MIGRATED));
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void anEmptyPoolSkipsTheRest() {
        MmFixture fx = machine(DeviceKind.PRIVATE);
        MmStruct p = process(fx, 600, 0);
        fx.mm.migrateVma(p, 0, 0, 600, 1, 0, 0);
        assertEquals(DeviceMemoryTest.DEV, fx.counter(MmMetrics.MIGRATE_VMA_MIGRATED));
        assertEquals(600 - DeviceMemoryTest.DEV, fx.counter(MmMetrics.MIGRATE_VMA_SKIPPED));
        assertEquals(0, pool(fx).deviceFreePages());
        assertEquals(Pte.NONE, p.vma(0).pte(599), "skipped empty pages stay empty");
        assertEquals(List.of(), fx.violations());
        assertThrows(IllegalArgumentException.class, () -> fx.mm.migrateVma(p, 0, 0, 1, 0, 0, 0), "node 0 is RAM");
    }

    @Test
    void aCpuFaultOnAnEmptyPageWinsTheRaceAndATouchOfAnUnmappedPageWaits() {
        MmFixture fx = machine(DeviceKind.COHERENT);
        SimulationClock clock = new SimulationClock();
        EventQueue q = attach(fx, clock);
        MmStruct p = process(fx, 8, 4); // pages 0..3 resident, 4..7 empty
        clock.advanceTo(1_000);
        long duration = fx.mm.migrateVma(p, 0, 0, 8, 1, 0, 0);
        assertTrue(Pte.isMigration(p.vma(0).pte(1)), "unmapped with a migration entry until finalize");
        assertEquals(Pte.NONE, p.vma(0).pte(6));
        assertEquals(List.of(), fx.violations(), "consistent between setup and finalize");
        clock.advanceTo(2_000);
        long wait = fx.mm.access(p, 0, 1, 0);
        assertEquals(1_000 + duration - 2_000, wait, "migration_entry_wait: until the call finalizes");
        fx.mm.access(p, 0, 6, 0); // the CPU populates page 6 first
        assertEquals(0, fx.mm.nodeOf(Pte.frame(p.vma(0).pte(6))));
        runUntil(q, clock, 1_000 + duration);
        assertEquals(1, fx.counter(MmMetrics.MIGRATE_VMA_RACED));
        assertEquals(7, fx.counter(MmMetrics.MIGRATE_VMA_MIGRATED));
        assertEquals(0, fx.mm.nodeOf(Pte.frame(p.vma(0).pte(6))), "the CPU's page stays");
        assertEquals(1, fx.mm.nodeOf(Pte.frame(p.vma(0).pte(1))));
        assertEquals(DeviceMemoryTest.DEV - 7, pool(fx).deviceFreePages(), "the raced page's device page went back");
        assertEquals(8, p.rss());
        long max = (long) fx.metrics.histogram(MmMetrics.MIGRATE_VMA_LATENCY).summary().max();
        assertTrue(Math.abs(max - duration) <= duration / 100, "setup to finalize, within the histogram's precision: " + max);
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void aProcessDyingDuringTheCallAbortsItAndEverythingGoesBack() {
        MmFixture fx = machine(DeviceKind.PRIVATE);
        SimulationClock clock = new SimulationClock();
        EventQueue q = attach(fx, clock);
        MmStruct p = process(fx, 16, 8);
        fx.mm.migrateVma(p, 0, 0, 16, 1, 0, 0);
        long free0 = fx.mm.node(0).nrFreePages();
        fx.mm.exitMmap(p);
        assertEquals(0, p.rss());
        assertEquals(DeviceMemoryTest.DEV, pool(fx).deviceFreePages());
        assertEquals(free0 + 8, fx.mm.node(0).nrFreePages(), "the isolated sources were freed");
        assertEquals(List.of(), fx.violations());
        runUntil(q, clock, 1_000_000);
        assertEquals(0, fx.counter(MmMetrics.MIGRATE_VMA_MIGRATED), "the aborted call's finalize does nothing");
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void exitGivesMappedDevicePagesBackToThePool() {
        for (DeviceKind kind : DeviceKind.values()) {
            MmFixture fx = machine(kind);
            MmStruct p = process(fx, 8, 4);
            fx.mm.migrateVma(p, 0, 0, 8, 1, 0, 0);
            assertEquals(DeviceMemoryTest.DEV - 8, pool(fx).deviceFreePages());
            fx.mm.exitMmap(p);
            assertEquals(DeviceMemoryTest.DEV, pool(fx).deviceFreePages(), kind.toString());
            assertEquals(0, p.rss());
            assertEquals(List.of(), fx.violations(), kind.toString());
        }
    }

    @Test
    void migrateToRamUnderMemoryPressureOomKillsTheFaultingProcessAndFreesItsDevicePages() {
        // node 0: 1024 frames, no swap; the process holds 512 device-private pages and fills RAM
        MmFixture fx = machine(DeviceKind.PRIVATE);
        MmStruct p = fx.process("p", 1024 + 512);
        fx.mm.migrateVma(p, 0, 1024, 512, 1, 0, 0);
        assertEquals(512, p.rss());
        for (int i = 0; i < 1024 && !p.killed(); i++) {
            fx.mm.access(p, 0, i, 0);
        }
        assertFalse(p.killed(), "RAM is full to the brim but the process fits");
        fx.mm.access(p, 0, 1024, 0);
        assertTrue(p.oomKilled(), "no RAM for migrate_to_ram, nothing to reclaim: the OOM killer takes the largest rss");
        assertEquals(1, fx.counter(MmMetrics.MIGRATE_TO_RAM_FAIL));
        assertEquals(DeviceMemoryTest.DEV, pool(fx).deviceFreePages());
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void aPageTheDeviceReportsBadKillsTheProcessWithSigbusOnTheCpuFault() {
        MmFixture fx = machine(DeviceKind.PRIVATE);
        MmStruct p = process(fx, 4, 4);
        fx.mm.migrateVma(p, 0, 0, 4, 1, 0, 0);
        fx.mm.device.markBad(fx.mm.frameBehind(p, 0, 2));
        fx.mm.access(p, 0, 1, 0);
        assertFalse(p.killed());
        fx.mm.access(p, 0, 2, 0);
        assertTrue(p.sigbusKilled(), "the driver's copy back fails: VM_FAULT_SIGBUS");
        assertEquals(1, fx.counter(MmMetrics.MIGRATE_TO_RAM_FAIL));
        assertEquals(1, fx.counter(MmMetrics.MIGRATE_TO_RAM));
        assertEquals(DeviceMemoryTest.DEV, pool(fx).deviceFreePages());
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void evictionMigratesEveryDevicePageBackToRam() {
        for (DeviceKind kind : new DeviceKind[] {DeviceKind.PRIVATE, DeviceKind.COHERENT}) {
            MmFixture fx = machine(kind);
            MmStruct a = process(fx, 8, 8);
            MmStruct b = fx.mm.createProcess("b", new String[] {"heap"}, new long[] {4});
            fx.mm.migrateVma(a, 0, 0, 8, 1, 0, 0);
            fx.mm.migrateVma(b, 0, 0, 4, 1, 0, 0);
            long cost = fx.mm.evictDevicePages(1, b, 0);
            assertEquals(4, fx.counter(MmMetrics.DEVICE_EVICTED), "only b's pages");
            assertTrue(cost >= C.get(CostModel.MIGRATE_CALL) + 4 * C.get(CostModel.MIGRATE_COPY_PAGE_FROM_DEVICE));
            fx.mm.evictDevicePages(1, null, 0);
            assertEquals(12, fx.counter(MmMetrics.DEVICE_EVICTED));
            for (int i = 0; i < 8; i++) {
                assertEquals(0, fx.mm.nodeOf(Pte.frame(a.vma(0).pte(i))), kind + " page " + i);
            }
            assertEquals(8, a.rss());
            assertEquals(4, b.rss());
            assertEquals(DeviceMemoryTest.DEV, pool(fx).deviceFreePages());
            assertEquals(List.of(), fx.violations());
        }
    }

    @Test
    void pinningACoherentPageMigratesItToRamFirstAndMlockSkipsDevicePages() {
        MmFixture fx = machine(DeviceKind.COHERENT);
        MmStruct p = process(fx, 4, 4);
        fx.mm.migrateVma(p, 0, 0, 4, 1, 0, 0);
        fx.mm.mlock(p, 0, 0, 4, 0);
        assertEquals(0, fx.counter(MmMetrics.UNEVICTABLE_PGS_MLOCKED), "zone-device folios are skipped by mlock");
        int[] pinned = new int[2];
        assertEquals(2, fx.mm.pinUserPages(p, 0, 0, 2, 0, pinned));
        assertEquals(0, fx.mm.nodeOf(pinned[0]), "FOLL_LONGTERM: migrated to RAM, then pinned");
        assertEquals(Pte.present(pinned[0]), p.vma(0).pte(0));
        assertEquals(1, fx.mm.frames.pinCount(pinned[0]));
        assertEquals(2, fx.counter(MmMetrics.MIGRATE_DEVICE_COHERENT));
        assertEquals(List.of(), fx.violations());
        int[] status = new int[1];
        fx.mm.movePages(p.pid(), new long[] {p.vma(0).startVpn() + 3}, new int[] {0}, status, 0);
        assertEquals(-Migrate.EBUSY, status[0], "migrate_pages cannot move a device page");
        assertEquals(1, fx.counter(MmMetrics.PGMIGRATE_FAIL_NOT_ISOLATABLE));
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void detectsAPrivatePageMappedWithAPresentPteAndAStrayMigrationEntry() {
        MmFixture fx = machine(DeviceKind.PRIVATE);
        MmStruct p = process(fx, 4, 0);
        fx.mm.migrateVma(p, 0, 0, 2, 1, 0, 0);
        int f = fx.mm.frameBehind(p, 0, 0);
        p.vma(0).pte[0] = Pte.present(f);
        List<String> v = fx.violations();
        assertTrue(v.stream().anyMatch(s -> s.startsWith("device.frames ") && s.contains("DEVICE_PRIVATE but mapped by 1 present")), v.toString());

        MmFixture fy = machine(DeviceKind.PRIVATE);
        MmStruct q = process(fy, 4, 0);
        q.vma(0).pte[3] = Pte.MIGRATION;
        v = fy.violations();
        assertTrue(v.stream().anyMatch(s -> s.startsWith("device.migrate_vma ")), v.toString());
        assertTrue(v.stream().anyMatch(s -> s.startsWith("mm.migration ")), v.toString());
    }

    @Test
    void detectsADevicePageLeakedByTheDriver() {
        MmFixture fx = machine(DeviceKind.COHERENT);
        fx.process("p", 4);
        assertTrue(pool(fx).devicePageAlloc() >= DEV0);
        List<String> v = fx.violations();
        assertTrue(v.stream().anyMatch(s -> s.startsWith("device.frames ") && s.contains("leaked")), v.toString());
    }

    @Test
    void aTransparentHugePageIsSplitAndOnlyTheRangeMoves() {
        MmSettings s = new MmSettings(ReclaimMode.LRU, new VmSpec(0, VmSpec.DEFAULT_WATERMARK_SCALE_FACTOR, VmSpec.DEFAULT_SWAPPINESS, false),
                null, null, new DeviceKind[] {null, DeviceKind.COHERENT}, null)
                .withLargePages(LargePageFixtures.thp("always", "never"), null);
        MmFixture fx = new MmFixture(new long[] {DeviceMemoryTest.RAM, DeviceMemoryTest.DEV}, new int[2], 100, 0, (f, m) -> 0,
                new dev.ksim.spi.security.SecurityHardening() {
                }, s);
        MmStruct p = fx.process("p", 512);
        fx.mm.access(p, 0, 0, 0);
        assertEquals(1, fx.counter(LargePageMetrics.THP_FAULT_ALLOC), "one fault mapped the whole 2 MiB");
        assertEquals(512, p.rss());
        fx.mm.migrateVma(p, 0, 0, 16, 1, 0, 0);
        assertEquals(1, fx.counter(LargePageMetrics.THP_SPLIT_PAGE), "migrate_vma_collect_pmd split the THP");
        assertEquals(16, fx.counter(MmMetrics.MIGRATE_VMA_MIGRATED));
        for (int i = 0; i < 512; i++) {
            int f = Pte.frame(p.vma(0).pte(i));
            assertEquals(i < 16 ? 1 : 0, fx.mm.nodeOf(f), "page " + i);
        }
        assertEquals(512, p.rss());
        assertEquals(List.of(), fx.violations());
    }

    @Test
    void madviseDontneedGivesDevicePagesBackToThePool() {
        for (DeviceKind kind : new DeviceKind[] {DeviceKind.PRIVATE, DeviceKind.COHERENT}) {
            MmFixture fx = machine(kind);
            MmStruct p = process(fx, 16, 16);
            fx.mm.migrateVma(p, 0, 0, 16, 1, 0, 0);
            assertEquals(DeviceMemoryTest.DEV - 16, pool(fx).deviceFreePages());
            fx.mm.madviseDontneed(p, 0, 0, 8, 0);
            assertEquals(DeviceMemoryTest.DEV - 8, pool(fx).deviceFreePages(), kind + ": zapped device pages went back");
            assertEquals(8, p.rss());
            assertEquals(List.of(), fx.violations(), kind.toString());
        }
    }
}

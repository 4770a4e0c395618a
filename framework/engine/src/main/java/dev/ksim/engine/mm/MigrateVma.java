package dev.ksim.engine.mm;

import dev.ksim.engine.cost.CostModel;
import dev.ksim.engine.metrics.LongCounter;
import dev.ksim.engine.metrics.MetricsRegistry;
import dev.ksim.engine.mm.zone.Zone;
import dev.ksim.engine.sim.EventHandler;
import java.util.ArrayList;
import java.util.List;

/**
 * migrate_vma (mm/migrate_device.c): a device driver migrates a range of a process's anonymous
 * private mapping into its device memory ({@link DeviceMemory}). One call spans simulated time:
 * <ol>
 * <li><b>setup</b> at the call's time ({@code migrate_vma_setup}: collect, then unmap), per page of
 *     the range in order:
 *     <ul>
 *     <li>an empty PTE is collected as a zero-fill source (MIGRATE_PFN_MIGRATE without a page): the
 *         driver will populate it directly in device memory;</li>
 *     <li>a transparent huge page is split first (migrate_vma_collect_pmd: the driver migrates base
 *         pages), and its pages are collected as the others; a THP a pinned subpage keeps whole is
 *         not collected;</li>
 *     <li>a present anonymous page in RAM on an LRU is isolated from its LRU, locked and unmapped:
 *         its PTE becomes a migration entry ({@link Pte#MIGRATION}); one TLB flush covers the range
 *         ({@code flush_tlb_range}, a shootdown when other CPUs run the mm);</li>
 *     <li>not collected: a pinned page (migrate_vma_check_page finds a reference the mapping does
 *         not explain: restored), an mlocked page (ksim does not move mlock state to device pages),
 *         a page already in device memory, a swapped-out, poisoned or migrating page (the kernel
 *         ignores every non-present entry but its own device-private ones).</li>
 *     </ul>
 *     Pages collected count {@code migrate_vma_collected}.</li>
 * <li><b>driver</b>: allocates a device page from its pool for each collected page in order and
 *     copies the source into it ({@code migrate.copy_page_to_device} per page with content; a
 *     zero-fill source costs nothing on the link). It skips a page when told to
 *     ({@code skipEvery} k: every k-th collected page, a deterministic stand-in for a driver's own
 *     reasons) or when its pool is empty: {@code migrate_vma_skipped}.</li>
 * <li><b>commit and finalize</b> ({@code migrate_vma_pages}, {@code migrate_vma_finalize}) when the
 *     copies are done: at setup time + {@code migrate.call} + the copies + the flush. A zero-fill
 *     page whose PTE is no longer empty — a CPU fault populated it meanwhile: the CPU won the race
 *     (migrate_vma_insert_page finds {@code !pte_none}) — is not migrated, its device page goes back
 *     to the pool: {@code migrate_vma_raced}. Every other page with a device page is mapped to it
 *     (a device-private entry or a present PTE, by the device kind), the old frame freed
 *     ({@code pgfree}): {@code migrate_vma_migrated}; a page without one gets its PTE back and
 *     returns to its LRU list ({@code remove_migration_ptes}, {@code folio_putback_lru}).</li>
 * </ol>
 * Between setup and finalize a CPU touching a page under migration waits for the finalize
 * ({@code migration_entry_wait}: the fault costs the time left), so only empty pages can race. The
 * call runs in the driver: its time is charged to no thread and recorded in
 * {@code migrate_vma_latency}. If the process dies meanwhile its calls are aborted: sources freed,
 * device pages back to the pool. Without an event queue (a memory manager not attached to a run)
 * finalize follows setup at once. Only anonymous private ranges exist in ksim, so every mapping
 * qualifies. Counters are registered on first use. Never on the access path.
 */
final class MigrateVma {
    /** Event priority of a finalize: with the scenario's actions, before thread quanta at the same instant. */
    static final int PRIORITY = 5;

    private static final byte NOT_COLLECTED = 0;
    private static final byte EMPTY = 1;
    private static final byte PAGE = 2;

    /** One migrate_vma call between setup and finalize (the kernel's {@code struct migrate_vma}). */
    final class Call implements EventHandler {
        final MmStruct mm;
        final VmArea vma;
        final int from;
        final Zone zone;
        final byte[] state;
        final int[] src;
        final byte[] lru;
        final int[] dst;
        long startNs;
        long endNs;
        boolean finished;

        Call(MmStruct mm, VmArea vma, int from, int n, Zone zone) {
            this.mm = mm;
            this.vma = vma;
            this.from = from;
            this.zone = zone;
            this.state = new byte[n];
            this.src = new int[n];
            this.lru = new byte[n];
            this.dst = new int[n];
            java.util.Arrays.fill(src, -1);
            java.util.Arrays.fill(dst, -1);
        }

        @Override
        public void fire(long now) {
            finish(this);
        }
    }

    private final MemoryManager m;
    private final DeviceMemory device;
    private final long costCall;
    private final long costCopyTo;
    private final LongCounter collected;
    private final LongCounter migrated;
    private final LongCounter skipped;
    private final LongCounter raced;
    /** Calls between setup and finalize, in start order. */
    private final List<Call> inFlight = new ArrayList<>();

    MigrateVma(MemoryManager m, DeviceMemory device, MetricsRegistry metrics, CostModel costs) {
        this.m = m;
        this.device = device;
        this.costCall = costs.get(CostModel.MIGRATE_CALL);
        this.costCopyTo = costs.get(CostModel.MIGRATE_COPY_PAGE_TO_DEVICE);
        collected = metrics.counter(MmMetrics.MIGRATE_VMA_COLLECTED);
        migrated = metrics.counter(MmMetrics.MIGRATE_VMA_MIGRATED);
        skipped = metrics.counter(MmMetrics.MIGRATE_VMA_SKIPPED);
        raced = metrics.counter(MmMetrics.MIGRATE_VMA_RACED);
        device.latency();
    }

    /**
     * The driver of device node {@code node} migrates pages [from, from + n) of mapping
     * {@code vmaIndex} of {@code mm} into its memory, working on {@code cpu}; it skips every
     * {@code skipEvery}-th collected page (0: none). Returns the call's duration (ns): setup to
     * finalize.
     *
     * @throws IllegalArgumentException for a node without device memory or a range outside the mapping
     */
    long migrate(MmStruct mm, int vmaIndex, long from, long n, int node, int skipEvery, int cpu) {
        Zone zone = node < 0 || node >= device.zones.length ? null : device.zones[node];
        if (zone == null) {
            throw new IllegalArgumentException("migrate_vma to node" + node + ", which has no device memory");
        }
        if (skipEvery < 0) {
            throw new IllegalArgumentException("skipEvery must be >= 0, got " + skipEvery);
        }
        VmArea vma = Mlock.range(mm, vmaIndex, from, n);
        Call c = new Call(mm, vma, (int) from, (int) n, zone);
        FrameTable t = m.frames;
        long cost = costCall;
        int unmapped = 0;
        int taken = 0;
        // migrate_vma_setup: collect and unmap
        for (int i = 0; i < n; i++) {
            int p = c.from + i;
            int e = vma.pte[p];
            if (e == Pte.NONE) {
                c.state[i] = EMPTY;
                taken++;
                continue;
            }
            if (!Pte.isPresent(e)) {
                continue;
            }
            int f = Pte.frame(e);
            if (t.flags[f] < 0) { // a THP (PG_compound): migrate_vma_collect_pmd splits it and collects its base pages
                if (m.hugetlb.isHugetlb(f)) {
                    continue; // not an anonymous private page
                }
                long split = m.thp.split(f, cpu);
                if (split < 0) {
                    continue; // a pinned subpage refused the split: the page stays
                }
                cost += split;
            }
            byte b = t.flags[f];
            if (device.isDeviceFrame(f) || t.pins[f] > 0 || (b & PageFlags.PG_MLOCKED) != 0 || (b & PageFlags.PG_LRU) == 0) {
                continue;
            }
            c.lru[i] = (byte) m.nodes[m.nodeOf(f)].lruvec.del(f);
            vma.pte[p] = Pte.MIGRATION;
            c.src[i] = f;
            c.state[i] = PAGE;
            taken++;
            unmapped++;
        }
        if (unmapped > 0) {
            cost += m.tlbs.flushTlbMmRange(cpu, mm.pid, vma.startVpn + from, n);
        }
        collected.add(taken);
        // the driver: allocate and copy
        int k = 0;
        for (int i = 0; i < n; i++) {
            if (c.state[i] == NOT_COLLECTED) {
                continue;
            }
            k++;
            int d = skipEvery > 0 && k % skipEvery == 0 ? -1 : zone.devicePageAlloc();
            if (d < 0) {
                skipped.inc();
                continue;
            }
            c.dst[i] = d;
            if (c.state[i] == PAGE) {
                cost += costCopyTo;
            }
        }
        c.startNs = m.clock == null ? 0 : m.clock.nowNs();
        c.endNs = c.startNs + cost;
        if (m.queue != null) {
            inFlight.add(c);
            m.queue.schedule(c.endNs, PRIORITY, c);
        } else {
            finish(c);
        }
        return cost;
    }

    /** migrate_vma_pages + migrate_vma_finalize of {@code c}; nothing if it was aborted. */
    private void finish(Call c) {
        if (c.finished) {
            return;
        }
        c.finished = true;
        inFlight.remove(c);
        long before = m.pending;
        VmArea vma = c.vma;
        for (int i = 0; i < c.state.length; i++) {
            int p = c.from + i;
            int d = c.dst[i];
            if (c.state[i] == EMPTY) {
                if (d < 0) {
                    continue;
                }
                if (vma.pte[p] != Pte.NONE) {
                    device.freeDevicePage(d); // a CPU fault populated it first
                    raced.inc();
                    continue;
                }
                device.mapDevicePage(vma, p, d);
                c.mm.rss++;
                migrated.inc();
            } else if (c.state[i] == PAGE) {
                int f = c.src[i];
                PglistData n = m.nodes[m.nodeOf(f)];
                if (d < 0) {
                    vma.pte[p] = Pte.present(f); // remove_migration_ptes(src, src)
                    n.lruvec.add(f, c.lru[i]);
                    continue;
                }
                device.mapDevicePage(vma, p, d);
                m.frames.rmapVma[f] = FrameTable.FREE;
                m.frames.rmapIndex[f] = 0;
                m.freeUserFrame(n, f);
                migrated.inc();
            }
        }
        m.pending = before;
        device.latency().record(c.endNs - c.startNs);
    }

    /**
     * migration_entry_wait for a CPU touching page {@code p} of {@code vma} under an in-flight
     * migrate_vma: the fault sleeps until the call finalizes. Returns the time left (ns, at least 1).
     */
    long migrationEntryWait(VmArea vma, int p) {
        long now = m.clock == null ? 0 : m.clock.nowNs();
        for (Call c : inFlight) {
            if (c.vma == vma && p >= c.from && p < c.from + c.state.length && c.state[p - c.from] == PAGE) {
                return Math.max(1, c.endNs - now);
            }
        }
        throw new IllegalStateException("migration entry at " + vma.name + "[" + p + "] outside a migration");
    }

    /** exit_mmap of {@code mm}: its calls in flight end now, sources freed (and uncharged), device pages back to the pool. */
    void abort(MmStruct mm) {
        for (Call c : new ArrayList<>(inFlight)) {
            if (c.mm != mm) {
                continue;
            }
            c.finished = true;
            inFlight.remove(c);
            for (int i = 0; i < c.state.length; i++) {
                if (c.dst[i] >= 0) {
                    device.freeDevicePage(c.dst[i]);
                }
                if (c.state[i] == PAGE) {
                    int f = c.src[i];
                    c.vma.pte[c.from + i] = Pte.NONE;
                    mm.rss--;
                    m.frames.rmapVma[f] = FrameTable.FREE;
                    m.frames.rmapIndex[f] = 0;
                    m.freeUserFrame(m.nodes[m.nodeOf(f)], f);
                }
            }
        }
    }

    boolean inFlight() {
        return !inFlight.isEmpty();
    }

    /** The RAM frame an in-flight call took from page {@code p} of {@code vma} (its PTE a migration entry), or -1. */
    int sourceOf(VmArea vma, int p) {
        for (Call c : inFlight) {
            if (c.vma == vma && p >= c.from && p < c.from + c.state.length && c.state[p - c.from] == PAGE) {
                return c.src[p - c.from];
            }
        }
        return -1;
    }

    /** Per frame, whether it is the device page a call in flight will map (its destination). */
    boolean[] destinations() {
        boolean[] dst = new boolean[m.frames.frames];
        for (Call c : inFlight) {
            for (int d : c.dst) {
                if (d >= 0) {
                    dst[d] = true;
                }
            }
        }
        return dst;
    }

    /** Per frame, whether a call in flight holds it as an isolated source. */
    boolean[] isolatedSources() {
        boolean[] iso = new boolean[m.frames.frames];
        for (Call c : inFlight) {
            for (int i = 0; i < c.state.length; i++) {
                if (c.state[i] == PAGE) {
                    iso[c.src[i]] = true;
                }
            }
        }
        return iso;
    }

    /** The calls in flight (for invariants). */
    List<Call> calls() {
        return inFlight;
    }
}

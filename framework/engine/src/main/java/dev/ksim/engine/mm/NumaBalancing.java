package dev.ksim.engine.mm;

import dev.ksim.engine.cost.CostModel;
import dev.ksim.engine.invariant.InvariantCheck;
import dev.ksim.engine.invariant.InvariantRegistry;
import dev.ksim.engine.metrics.LatencyHistogram;
import dev.ksim.engine.metrics.LongCounter;
import dev.ksim.engine.metrics.MetricsRegistry;
import dev.ksim.engine.mm.zone.Watermarks;
import dev.ksim.engine.mm.zone.Zone;
import dev.ksim.engine.model.NumaBalancingSpec;
import dev.ksim.engine.sim.EventHandler;
import java.util.Arrays;
import java.util.List;

/**
 * Automatic NUMA balancing ({@code kernel.numa_balancing} 1, 2 or 3): a per-process scanner that
 * makes PTEs PROT_NONE (kernel/sched/fair.c {@code task_numa_work}, mm/mprotect.c
 * {@code change_prot_numa}), the hinting fault the next reference then takes (mm/memory.c
 * {@code do_numa_page}), the decision whether to migrate ({@code should_numa_migrate_memory}) and
 * the migration itself ({@code migrate_misplaced_folio}, through {@link Migrate} with reason
 * {@code NUMA_MISPLACED}).
 *
 * <h2>Scanner ({@code task_numa_work})</h2>
 * One per process, an event source on the run's queue, from its first thread's start while it
 * has a live thread. It runs on the CPU of its first live thread, which absorbs its cost
 * ({@link #takeTaskWorkNs}): the kernel runs it as task_work in that task's context. First scan
 * {@code scanDelay} after the first thread starts; then every scan period. Each scan walks the
 * address space from where the last one stopped ({@code numa_scan_offset}) in chunks ending on
 * 2 MiB boundaries, skipping mappings with an explicit memory policy; in each chunk every present
 * PTE that is not already PROT_NONE becomes PROT_NONE ({@code numa_pte_updates}) unless its page
 * is pinned (a COW mapping's {@code folio_maybe_dma_pinned}), is already on the node of the scanning
 * CPU of a single-threaded process ({@code target_node}), or — in tiering-only mode (2) — is on a
 * top-tier node. A chunk with updates is flushed from the TLBs over the span of the PTEs it
 * changed (the mmu_gather's range; a shootdown to the mm's other CPUs). A chunk with updates counts its length against
 * {@code scanSize}, every chunk against 8 × scanSize of virtual space; running off the last mapping
 * starts the next pass ({@code numa_scan_seq}) at the first. Cost: {@code numa.scan_pte} per PTE
 * of each chunk plus the flushes. In tiering mode each marked slow-tier page records the scan
 * time in ms (folio_xchg_access_time).
 *
 * <h2>Scan period</h2>
 * task_scan_min/max: {@code scanPeriodMin} and {@code scanPeriodMax} are for the whole address
 * space, so each is divided by the number of scan windows ({@code rss / scanSize}, rounded up),
 * the minimum floored at {@code 1000 / (2560 / scanSize)} ms (MAX_SCAN_WINDOW, 2560 MB/s). After
 * the first scan the period is task_scan_min. At the first scan after a pass completes,
 * update_task_scan_period adapts it from the hinting faults of the pass: none, or a failed
 * migration: doubled (at most the max); else with {@code lr = 10 × local / (local + remote)}
 * (local = the page was on the faulting CPU's node at fault time), the period grows by
 * {@code max(1, lr - 7)} slots of a tenth of itself when {@code lr >= 7} and shrinks by
 * {@code 7 - lr} slots otherwise, clamped to [min, max]. Deviation: the kernel also weighs
 * private against shared faults (numa groups), which ksim does not have; its mainline code puts
 * the private ratio where its comment speaks of locality, ksim follows the comment. The counts
 * restart after every update (the kernel keeps a failed-migration count across doublings, a
 * quirk reported on LKML in 2020).
 *
 * <h2>Hinting fault ({@code do_numa_page})</h2>
 * The reference's page walk finds the PROT_NONE PTE ({@link MemoryManager#access}); the fault
 * ({@code pgfault}, {@code numa_hint_faults}, {@code numa_hint_faults_local} when the page is on
 * the faulting CPU's node) restores the PTE and decides:
 * <ul>
 * <li>a top-tier page, or any page outside tiering mode — the two-stage filter on last_cpupid:
 *     the CPU of this fault is recorded; the page moves to the faulting CPU's node when it is
 *     elsewhere and the previous hinting fault came from a CPU of that same node. Deviations: the
 *     kernel also migrates on the first fault of a page without a recorded CPU early in a task's
 *     life (numa_scan_seq &lt;= 4) and follows numa groups for shared pages; ksim always wants two
 *     faults in a row;</li>
 * <li>a slow-tier page in tiering mode ({@code folio_use_access_time}): promoted to the faulting
 *     CPU's node when that node has plenty of free memory (above its promo watermark plus
 *     max(1 GiB, 1/16 of the node): pgdat_free_space_enough), or else when the page is hot — its
 *     hinting fault came less than the hot threshold after its scan — and the node's promotion
 *     candidates ({@code pgpromote_candidate}) stay under {@code promoteRateLimit} per second
 *     (numa_promotion_rate_limit, 1 s windows). The threshold adapts every {@code scanPeriodMax}:
 *     a sixteenth-step of 2 × hotThreshold down when the window had more than 110 % of the rate's
 *     candidates, up (to 2 × hotThreshold) below 90 % (numa_promotion_adjust_threshold).</li>
 * </ul>
 * A migration needs the destination above its high watermark plus the page
 * (migrate_balanced_pgdat), else it fails — and in tiering mode wakes the destination's kswapd,
 * which then reclaims (demotes) up to the promo watermark. It allocates on that node only,
 * without reclaim. Success counts {@code numa_pages_migrated} (and {@code pgpromote_success} for a
 * promotion); the page's fault statistics feed the scan period (slow-tier pages in tiering mode do
 * not). Cost: {@code numa.hint_fault}, plus {@code numa.migrate_call} and Migrate's per-page copy
 * and shootdown when it migrates; recorded in {@code fault_latency}.
 *
 * <h2>State</h2>
 * Per mapping page, allocated only when balancing is on: one bit for PROT_NONE
 * ({@link VmArea#protNone}) and the last_cpupid field ({@link VmArea#numaInfo}) — kept with the
 * virtual page, which is the page's while every anon page has one mapping; nothing per frame. A
 * migration or demotion clears the bit (the new PTE is built from the VMA's protection) and, in
 * tiering mode, resets the field when the page changes tier (folio_migrate_flags); freeing the page
 * (swap out, exit, poison) clears both. Invariant {@code numa.prot_none}: a PROT_NONE page has a
 * present PTE and no CPU caches its translation. Nothing on the reference path allocates.
 */
final class NumaBalancing {
    /** Event priority of the scanners: with kswapd and timed actions, before thread quanta. */
    static final int PRIORITY = 5;
    /** NUMA_PERIOD_SLOTS and NUMA_PERIOD_THRESHOLD (kernel/sched/fair.c). */
    static final int NUMA_PERIOD_SLOTS = 10;
    static final int NUMA_PERIOD_THRESHOLD = 7;
    /** MAX_SCAN_WINDOW (kernel/sched/fair.c): never scan more than this many MB per second. */
    static final long MAX_SCAN_WINDOW = 2560;
    /** HPAGE_SIZE in pages: scan chunks end on 2 MiB boundaries. */
    static final long HPAGE_PAGES = 512;
    /** NUMA_MIGRATION_ADJUST_STEPS (kernel/sched/fair.c). */
    static final long NUMA_MIGRATION_ADJUST_STEPS = 16;
    /** pgdat_free_space_enough's floor: 1 GiB in pages. */
    static final long ENOUGH_FREE_FLOOR_PAGES = (1L << 30) / MemoryManager.PAGE_SIZE;
    /** MEMTIER_CHUNK_SIZE (include/linux/memory-tiers.h): tiers are abstract-distance chunks of 128. */
    static final int MEMTIER_CHUNK_SIZE = 128;
    static final long NS_PER_MS = 1_000_000L;

    private final MemoryManager m;
    final NumaBalancingSpec spec;
    final boolean normal;
    final boolean tiering;
    /** node_is_toptier, per node. */
    final boolean[] toptier;
    /** Promotion rate limit in pages per second. */
    final long rateLimitPages;
    private final long costHintFault;
    private final long costScanPte;

    final LongCounter pgfault;
    final LongCounter numaPteUpdates;
    final LongCounter numaHintFaults;
    final LongCounter numaHintFaultsLocal;
    final LongCounter numaPagesMigrated;
    final LongCounter pgpromoteSuccess;
    final LongCounter pgpromoteCandidate;
    private final LatencyHistogram faultLatency;

    /** Scan work done per CPU, not yet absorbed by its thread. */
    private final long[] taskWorkNs;
    /** Scanners by pid - 1. */
    private Scanner[] scanners = new Scanner[4];

    /** Per node (the promotion destination): pgdat's nbp_* fields and its PGPROMOTE_CANDIDATE. */
    final long[] promoteCandidates;
    final long[] rlStartMs;
    final long[] rlNrCand;
    final long[] thresholdMs;
    final long[] thStartMs;
    final long[] thNrCand;

    /** The cost of the last {@link #doNumaPage}, ns. */
    long lastFaultNs;

    NumaBalancing(MemoryManager m, NumaBalancingSpec spec, MetricsRegistry metrics) {
        this.m = m;
        this.spec = spec;
        this.normal = spec.mode().normal();
        this.tiering = spec.mode().tiering();
        int n = m.nodes.length;
        this.toptier = topTiers(m.nodes);
        this.rateLimitPages = spec.promoteRateLimitBytesPerSec() / MemoryManager.PAGE_SIZE;
        this.costHintFault = m.costs.get(CostModel.NUMA_HINT_FAULT);
        this.costScanPte = m.costs.get(CostModel.NUMA_SCAN_PTE);
        pgfault = metrics.counter(MmMetrics.PGFAULT);
        numaPteUpdates = metrics.counter(MmMetrics.NUMA_PTE_UPDATES);
        numaHintFaults = metrics.counter(MmMetrics.NUMA_HINT_FAULTS);
        numaHintFaultsLocal = metrics.counter(MmMetrics.NUMA_HINT_FAULTS_LOCAL);
        numaPagesMigrated = metrics.counter(MmMetrics.NUMA_PAGES_MIGRATED);
        pgpromoteSuccess = metrics.counter(MmMetrics.PGPROMOTE_SUCCESS);
        pgpromoteCandidate = metrics.counter(MmMetrics.PGPROMOTE_CANDIDATE);
        faultLatency = metrics.histogram(MmMetrics.FAULT_LATENCY);
        taskWorkNs = new long[Math.max(1, m.topology().cpuCount())];
        promoteCandidates = new long[n];
        rlStartMs = new long[n];
        rlNrCand = new long[n];
        thresholdMs = new long[n];
        thStartMs = new long[n];
        thNrCand = new long[n];
        if (tiering) {
            for (PglistData node : m.nodes) {
                node.balanceMark = Watermarks.WMARK_PROMO; // kswapd reclaims up to the promo mark
            }
        }
    }

    /**
     * node_is_toptier (mm/memory-tiers.c): every node whose tier chunk starts at or below the end
     * of the slowest chunk holding a node with CPUs; all nodes when no node has CPUs.
     */
    static boolean[] topTiers(PglistData[] nodes) {
        int slowestCpuTier = -1;
        for (PglistData n : nodes) {
            if (n.hasCpus) {
                slowestCpuTier = Math.max(slowestCpuTier, n.tier);
            }
        }
        boolean[] top = new boolean[nodes.length];
        for (int i = 0; i < nodes.length; i++) {
            if (slowestCpuTier < 0) {
                top[i] = true;
            } else {
                int topAdistance = slowestCpuTier / MEMTIER_CHUNK_SIZE * MEMTIER_CHUNK_SIZE + MEMTIER_CHUNK_SIZE - 1;
                top[i] = nodes[i].tier / MEMTIER_CHUNK_SIZE * MEMTIER_CHUNK_SIZE <= topAdistance;
            }
        }
        return top;
    }

    // ------------------------------------------------------------------ processes and threads

    /** A new address space: its mappings get their per-page state, the process its scanner. */
    void processCreated(MmStruct mm) {
        for (VmArea vma : mm.vmas) {
            vma.protNone = new long[(vma.pte.length + 63) >>> 6];
            vma.numaInfo = new int[vma.pte.length];
        }
        if (mm.pid > scanners.length) {
            scanners = Arrays.copyOf(scanners, Math.max(scanners.length * 2, mm.pid));
        }
        scanners[mm.pid - 1] = new Scanner(mm);
    }

    Scanner scanner(MmStruct mm) {
        return mm.pid <= scanners.length ? scanners[mm.pid - 1] : null;
    }

    /** A thread of {@code mm} starts on {@code cpu}: the first one starts the scanner's delay. */
    void threadStarted(MmStruct mm, int cpu) {
        Scanner s = scanner(mm);
        if (s != null) {
            s.addThread(cpu);
            s.scheduleFirst();
        }
    }

    /** A thread of {@code mm} on {@code cpu} exited; without live threads the scanner stops. */
    void threadExited(MmStruct mm, int cpu) {
        Scanner s = scanner(mm);
        if (s != null) {
            s.removeThread(cpu);
        }
    }

    /** The run's event loop is attached: scanners of processes with live threads get their first event. */
    void attached() {
        for (Scanner s : scanners) {
            if (s != null) {
                s.scheduled = false;
                s.scheduleFirst();
            }
        }
    }

    /** Scan work done on {@code cpu} since the last call, handed to the thread running there. */
    long takeTaskWorkNs(int cpu) {
        long ns = taskWorkNs[cpu];
        taskWorkNs[cpu] = 0;
        return ns;
    }

    /** exit_mmap: the per-page state goes with the pages. */
    void exitMmap(MmStruct mm) {
        for (VmArea vma : mm.vmas) {
            if (vma.protNone != null) {
                Arrays.fill(vma.protNone, 0L);
                Arrays.fill(vma.numaInfo, 0);
            }
        }
    }

    // ------------------------------------------------------------------ PTE transitions elsewhere

    /** Page {@code idx}'s PTE no longer maps a page (swap entry, poison, exit): the page's state is gone (cpupid reset on free). */
    static void unmapped(VmArea vma, int idx) {
        long[] bits = vma.protNone;
        if (bits != null) {
            bits[idx >>> 6] &= ~(1L << idx);
            vma.numaInfo[idx] = 0;
        }
    }

    /**
     * Page {@code idx} moved from node {@code from} to {@code to} (or is being unmapped for it):
     * the new PTE is not PROT_NONE; in tiering mode a change of tier resets last_cpupid, which held
     * an access time on the slow side (folio_migrate_flags).
     */
    void moved(VmArea vma, int idx, int from, int to) {
        long[] bits = vma.protNone;
        if (bits == null) {
            return;
        }
        bits[idx >>> 6] &= ~(1L << idx);
        if (tiering && toptier[from] != toptier[to]) {
            vma.numaInfo[idx] = 0;
        }
    }

    static boolean isProtNone(VmArea vma, int idx) {
        long[] bits = vma.protNone;
        return bits != null && (bits[idx >>> 6] & 1L << idx) != 0;
    }

    // ------------------------------------------------------------------ do_numa_page

    private long nowMs() {
        return m.clock == null ? 0 : m.clock.nowNs() / NS_PER_MS;
    }

    /**
     * do_numa_page for page {@code p} of {@code vma}, PROT_NONE and mapping frame {@code f}, touched
     * from {@code cpu} (on {@code cpuNode}): restores the PTE, may migrate the page, records the
     * fault. Returns the frame that maps the page afterwards; the fault's cost is
     * {@link #lastFaultNs}. The caller fills the TLB and charges the reference.
     */
    int doNumaPage(MmStruct mm, VmArea vma, int p, int f, int cpu, int cpuNode) {
        pgfault.inc();
        vma.protNone[p >>> 6] &= ~(1L << p); // pte_modify(old_pte, vma->vm_page_prot)
        long cost = costHintFault;
        int nid = m.nodeOf(f);
        boolean local = nid == cpuNode;
        numaHintFaults.inc();
        if (local) {
            numaHintFaultsLocal.inc();
        }
        boolean useTime = tiering && !toptier[nid]; // folio_use_access_time
        int lastCpupid = useTime ? -1 : vma.numaInfo[p] - 1;
        int target = -1;
        if (useTime) {
            if (shouldPromote(cpuNode, vma.numaInfo[p])) {
                target = cpuNode;
            }
        } else {
            vma.numaInfo[p] = cpu + 1; // folio_xchg_last_cpupid
            if (!local && lastCpupid >= 0 && m.topology().cpuNode(lastCpupid) == cpuNode) {
                target = cpuNode; // the second fault in a row from this node
            }
        }
        boolean migrated = false;
        boolean failed = false;
        if (target >= 0) {
            if (!migrateBalanced(m.nodes[target])) {
                failed = true;
                PglistData dst = m.nodes[target];
                if (tiering && !dst.balanced()) {
                    dst.kswapd.wakeup(); // reclaim (demote) up to the promo watermark
                }
            } else {
                Migrate mig = m.migrate();
                int rc = mig.migrateMisplaced(f, target, cpu);
                cost += mig.lastCallCost();
                if (rc == target) {
                    migrated = true;
                    f = Pte.frame(vma.pte[p]);
                    numaPagesMigrated.inc();
                    if (tiering && !toptier[nid] && toptier[target]) {
                        pgpromoteSuccess.inc();
                    }
                } else {
                    failed = true;
                }
            }
        }
        taskNumaFault(mm, migrated ? target : nid, local, lastCpupid, failed);
        faultLatency.record(cost);
        lastFaultNs = cost;
        return f;
    }

    /** task_numa_fault's locality statistics (the scan period's input). */
    private void taskNumaFault(MmStruct mm, int memNode, boolean local, int lastCpupid, boolean failed) {
        if (!toptier[memNode] && (tiering || lastCpupid < 0)) {
            return; // slow-memory faults do not count in tiering mode (nor without a valid cpupid)
        }
        Scanner s = scanner(mm);
        if (s == null) {
            return;
        }
        if (local) {
            s.local++;
        } else {
            s.remote++;
        }
        if (failed) {
            s.failed++;
        }
    }

    /** migrate_balanced_pgdat: some zone keeps its high watermark plus the page after the migration. */
    static boolean migrateBalanced(PglistData node) {
        for (Zone z : node.zones) {
            if (z.managedPages() > 0 && z.watermarkOk(0, z.watermarks().high() + 1)) {
                return true;
            }
        }
        return false;
    }

    /** pgdat_free_space_enough: some zone is above its promo watermark by max(1 GiB, 1/16 of the node). */
    static boolean freeSpaceEnough(PglistData node) {
        long enough = Math.max(ENOUGH_FREE_FLOOR_PAGES, node.spannedPages >> 4);
        for (int z = node.zones.length - 1; z >= 0; z--) {
            Zone zone = node.zones[z];
            if (zone.managedPages() > 0 && zone.watermarkOk(0, zone.watermarks().promo() + enough)) {
                return true;
            }
        }
        return false;
    }

    /** should_numa_migrate_memory's tiering branch for a slow-tier page scanned at {@code scanMs}, towards {@code dst}. */
    private boolean shouldPromote(int dst, long scanMs) {
        PglistData d = m.nodes[dst];
        if (freeSpaceEnough(d)) {
            thresholdMs[dst] = 0; // workload changed: reset the hot threshold
            return true;
        }
        long now = nowMs();
        long defTh = spec.hotThresholdMs();
        adjustThreshold(dst, defTh, now);
        long th = thresholdMs[dst] != 0 ? thresholdMs[dst] : defTh;
        long latency = now - scanMs; // numa_hint_fault_latency
        if (latency >= th) {
            return false;
        }
        return !rateLimited(dst, now);
    }

    /** numa_promotion_rate_limit: counts the candidate; true when this second's candidates reached the limit. */
    private boolean rateLimited(int dst, long now) {
        promoteCandidates[dst]++;
        pgpromoteCandidate.inc();
        long nrCand = promoteCandidates[dst];
        if (now - rlStartMs[dst] > 1_000) {
            rlStartMs[dst] = now;
            rlNrCand[dst] = nrCand;
        }
        return nrCand - rlNrCand[dst] >= rateLimitPages;
    }

    /** numa_promotion_adjust_threshold, every scanPeriodMax. */
    private void adjustThreshold(int dst, long refTh, long now) {
        long thPeriod = spec.scanPeriodMaxMs();
        if (now - thStartMs[dst] <= thPeriod) {
            return;
        }
        thStartMs[dst] = now;
        long refCand = rateLimitPages * thPeriod / 1_000;
        long nrCand = promoteCandidates[dst];
        long diffCand = nrCand - thNrCand[dst];
        long unitTh = refTh * 2 / NUMA_MIGRATION_ADJUST_STEPS;
        long th = thresholdMs[dst] != 0 ? thresholdMs[dst] : refTh;
        if (diffCand > refCand * 11 / 10) {
            th = Math.max(th - unitTh, unitTh);
        } else if (diffCand < refCand * 9 / 10) {
            th = Math.min(th + unitTh, refTh * 2);
        }
        thNrCand[dst] = nrCand;
        thresholdMs[dst] = th;
    }

    // ------------------------------------------------------------------ task_numa_work

    /** A process's scanner: mm's numa_scan_offset / numa_scan_seq and its task's scan period and fault locality. */
    final class Scanner implements EventHandler {
        final MmStruct mm;
        /** CPUs of the process's threads, with whether each is live. */
        private int[] cpus = new int[2];
        private boolean[] live = new boolean[2];
        private int threads;
        int liveThreads;
        boolean scheduled;
        /** Whether the first scan happened (the kernel's node_stamp != 0). */
        boolean started;
        /** numa_scan_offset (a virtual page number) and numa_scan_seq. */
        long scanOffset;
        int scanSeq;
        /** numa_scan_seq at the last period update. */
        int periodSeq;
        /** The task's numa_scan_period, ms. */
        long periodMs;
        /** numa_faults_locality: remote, local, failed migrations since the last update. */
        long remote;
        long local;
        long failed;
        /** Scans made (events that did task_numa_work). */
        long scans;

        Scanner(MmStruct mm) {
            this.mm = mm;
            this.periodMs = spec.scanDelayMs();
        }

        void addThread(int cpu) {
            if (threads == cpus.length) {
                cpus = Arrays.copyOf(cpus, threads * 2);
                live = Arrays.copyOf(live, threads * 2);
            }
            cpus[threads] = cpu;
            live[threads] = true;
            threads++;
            liveThreads++;
        }

        void removeThread(int cpu) {
            for (int i = 0; i < threads; i++) {
                if (live[i] && cpus[i] == cpu) {
                    live[i] = false;
                    liveThreads--;
                    return;
                }
            }
        }

        /** The CPU task_numa_work runs on: the first live thread's; -1 when none is live. */
        int cpu() {
            for (int i = 0; i < threads; i++) {
                if (live[i]) {
                    return cpus[i];
                }
            }
            return -1;
        }

        void scheduleFirst() {
            if (!scheduled && !started && liveThreads > 0 && m.queue != null) {
                scheduled = true;
                m.queue.schedule(m.clock.nowNs() + spec.scanDelayMs() * NS_PER_MS, PRIORITY, this);
            }
        }

        @Override
        public void fire(long now) {
            int cpu = cpu();
            if (mm.killed() || cpu < 0) {
                scheduled = false;
                return;
            }
            if (!started) {
                started = true;
                periodMs = taskScanMin(); // task_scan_start
            } else if (periodSeq != scanSeq) {
                updateTaskScanPeriod();
            }
            taskWorkNs[cpu] += taskNumaWork(cpu, now / NS_PER_MS);
            m.queue.schedule(now + periodMs * NS_PER_MS, PRIORITY, this);
        }

        /** task_nr_scan_windows: resident pages over the scan size, rounded up (1 with nothing resident). */
        long scanWindows() {
            long scanPages = spec.scanSizeMb() << 8;
            long rss = mm.rss == 0 ? scanPages : mm.rss;
            return (rss + scanPages - 1) / scanPages;
        }

        /** task_scan_min, ms. */
        long taskScanMin() {
            long windows = spec.scanSizeMb() < MAX_SCAN_WINDOW ? MAX_SCAN_WINDOW / spec.scanSizeMb() : 1;
            long floor = 1_000 / windows;
            return Math.max(floor, spec.scanPeriodMinMs() / scanWindows());
        }

        /** task_scan_max, ms. */
        long taskScanMax() {
            return Math.max(taskScanMin(), spec.scanPeriodMaxMs() / scanWindows());
        }

        /** update_task_scan_period, once per completed pass (see the class comment). */
        void updateTaskScanPeriod() {
            periodSeq = scanSeq;
            long max = taskScanMax();
            if (local + remote == 0 || failed > 0) {
                periodMs = Math.min(max, periodMs << 1);
            } else {
                long slot = (periodMs + NUMA_PERIOD_SLOTS - 1) / NUMA_PERIOD_SLOTS;
                long lr = local * NUMA_PERIOD_SLOTS / (local + remote);
                long diff;
                if (lr >= NUMA_PERIOD_THRESHOLD) {
                    diff = Math.max(1, lr - NUMA_PERIOD_THRESHOLD) * slot;
                } else {
                    diff = -(NUMA_PERIOD_THRESHOLD - lr) * slot;
                }
                periodMs = Math.max(taskScanMin(), Math.min(max, periodMs + diff));
            }
            local = 0;
            remote = 0;
            failed = 0;
        }

        /** task_numa_work on {@code cpu} at {@code nowMs}; returns its cost (ns). */
        long taskNumaWork(int cpu, long nowMs) {
            scans++;
            VmArea[] vmas = mm.vmas;
            if (vmas.length == 0) {
                return 0;
            }
            long pages = spec.scanSizeMb() << 8;
            long virtpages = pages * 8;
            long start = scanOffset;
            int vi = 0;
            while (vi < vmas.length && vmas[vi].startVpn + vmas[vi].pte.length <= start) {
                vi++;
            }
            if (vi == vmas.length) {
                resetScan();
                start = 0;
                vi = 0;
            }
            int targetNode = liveThreads == 1 ? m.topology().cpuNode(cpu) : -1;
            long cost = 0;
            for (; vi < vmas.length; vi++) {
                VmArea vma = vmas[vi];
                if (vma.explicitPolicy) {
                    continue; // !vma_policy_mof
                }
                long vmaEnd = vma.startVpn + vma.pte.length;
                long end;
                do {
                    start = Math.max(start, vma.startVpn);
                    end = Math.min((start + pages + HPAGE_PAGES - 1) / HPAGE_PAGES * HPAGE_PAGES, vmaEnd);
                    int updated = changeProtNuma(vma, (int) (start - vma.startVpn), (int) (end - vma.startVpn), targetNode, nowMs);
                    cost += costScanPte * (end - start);
                    if (updated > 0) {
                        numaPteUpdates.add(updated);
                        // the mmu_gather's range: from the first to the last PTE changed
                        cost += m.tlbs.flushTlbMmRange(cpu, mm.pid, vma.startVpn + gatherFrom, gatherTo - gatherFrom);
                        pages -= end - start;
                    }
                    virtpages -= end - start;
                    start = end;
                    if (pages <= 0 || virtpages <= 0) {
                        scanOffset = start;
                        return cost;
                    }
                } while (end != vmaEnd);
            }
            resetScan(); // ran off the last mapping
            return cost;
        }

        /** reset_ptenuma_scan: the next pass starts at the first mapping. */
        private void resetScan() {
            scanSeq++;
            scanOffset = 0;
        }

        /** The pages [gatherFrom, gatherTo) of the last {@link #changeProtNuma} span every PTE it changed. */
        private int gatherFrom;
        private int gatherTo;

        /**
         * change_prot_numa over pages [from, to) of {@code vma}: returns the PTEs made PROT_NONE and
         * leaves the span of those PTEs in gatherFrom / gatherTo.
         */
        private int changeProtNuma(VmArea vma, int from, int to, int targetNode, long nowMs) {
            int[] pte = vma.pte;
            long[] bits = vma.protNone;
            int[] info = vma.numaInfo;
            int[] pins = m.frames.pins;
            int updated = 0;
            for (int i = from; i < to; i++) {
                int e = pte[i];
                if (!Pte.isPresent(e) || (bits[i >>> 6] & 1L << i) != 0) {
                    continue;
                }
                int f = Pte.frame(e);
                if (pins[f] > 0) {
                    continue; // a pinned page of a COW mapping
                }
                int nid = m.nodeOf(f);
                if (nid == targetNode) {
                    continue; // already on the node the single-threaded process runs on
                }
                boolean top = toptier[nid];
                if (!normal && top) {
                    continue; // tiering only: top-tier pages are not candidates
                }
                if (tiering && !top) {
                    info[i] = (int) nowMs; // folio_xchg_access_time
                }
                bits[i >>> 6] |= 1L << i;
                if (updated++ == 0) {
                    gatherFrom = i;
                }
                gatherTo = i + 1;
            }
            return updated;
        }
    }

    // ------------------------------------------------------------------ invariants

    /** Registers {@code numa.prot_none}. */
    void registerInvariants(InvariantRegistry r) {
        r.register(InvariantCheck.of("numa.prot_none", this::checkProtNone));
    }

    /** A PROT_NONE page has a present PTE, and no CPU caches its translation (the scan flushed it). */
    void checkProtNone(List<String> v) {
        int cpus = m.tlbs.nrCpus();
        for (VmArea vma : m.vmas) {
            long[] bits = vma.protNone;
            if (bits == null) {
                continue;
            }
            for (int w = 0; w < bits.length; w++) {
                for (long b = bits[w]; b != 0; b &= b - 1) {
                    int i = (w << 6) + Long.numberOfTrailingZeros(b);
                    if (i >= vma.pte.length || !Pte.isPresent(vma.pte[i])) {
                        v.add("pid " + vma.mm.pid + " " + vma.name + "[" + i + "] is PROT_NONE but its PTE maps no page");
                        continue;
                    }
                    for (int c = 0; c < cpus; c++) {
                        if (m.tlbs.cached(c, vma.mm.pid, vma.startVpn + i)) {
                            v.add("pid " + vma.mm.pid + " " + vma.name + "[" + i + "] is PROT_NONE but cpu " + c
                                    + " caches its translation");
                        }
                    }
                }
            }
        }
    }
}

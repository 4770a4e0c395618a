package dev.ksim.engine.mm.tlb;

import dev.ksim.engine.invariant.InvariantCheck;
import dev.ksim.spi.Counter;
import dev.ksim.spi.Metrics;
import java.util.Arrays;
import java.util.List;

/**
 * The machine's TLBs: per CPU a cache of (mm, virtual page) → frame translations
 * ({@link TlbConfig}: L1 dTLB + STLB, set-associative, exact LRU within a set), each mm's cpumask,
 * and the flushes of arch/x86/mm/tlb.c with their IPIs, counters and simulated cost.
 *
 * <h2>Contract</h2>
 * <ul>
 * <li>Entries are tagged by mm (PCID semantics, x86 with PCID since Linux 4.14): switching mm does
 *     not flush. {@link #INIT_MM} tags kernel (global) translations such as the physmap. A
 *     translation of ({@code mm}, {@code vpn}) lives in set {@code (vpn ^ mmSalt(mm)) mod sets} of
 *     each level ({@link #mmSalt}: a multiplicative hash, so that processes with the same layout
 *     do not all compete for the same sets).</li>
 * <li>Each entry also carries its mm's generation: a full flush of an mm ({@link #flushTlbMm},
 *     a range beyond the ceiling, {@link #mmExit}) bumps the generation, which invalidates the mm's
 *     entries on every CPU in O(1) — a retired PCID; the stale ways are free for the next fills.
 *     Only CPUs in the cpumask can hold them, so this flushes exactly the CPUs x86 would.</li>
 * <li>{@link #switchMm} sets the CPU in the mm's cpumask ({@code switch_mm_irqs_off}); only CPUs in
 *     the cpumask may cache the mm's translations ({@link #fill} refuses others), so a shootdown
 *     to the cpumask reaches every copy. Bits are cleared only by {@link #mmExit}.</li>
 * <li>{@link #flushTlbMmRange} ({@code flush_tlb_mm_range}): a range of more than
 *     {@value TlbConfig#TLB_SINGLE_PAGE_FLUSH_CEILING} pages becomes a full flush of the mm. If a CPU
 *     other than the initiator is in the cpumask, every CPU of the cpumask flushes
 *     ({@code flush_tlb_multi}: one {@code nr_tlb_remote_flush}, one
 *     {@code nr_tlb_remote_flush_received} per target); the initiator flushes locally only if it
 *     is in the cpumask ({@code nr_tlb_local_flush_one} per page, or {@code nr_tlb_local_flush_all}).
 *     Deviation: x86 skips lazy-TLB CPUs and defers CPUs running another mm to their next switch
 *     (tlb_gen); ksim flushes them at once, which keeps the no-stale-entry invariant exact and
 *     charges the IPI as x86 does for non-lazy CPUs.</li>
 * <li>{@link #flushTlbKernelRange} ({@code flush_tlb_kernel_range}, what XPFO uses after removing
 *     pages from the physmap): every online CPU flushes, the pages of {@link #INIT_MM} or — beyond the
 *     ceiling — everything ({@code do_flush_tlb_all}), counted like a user flush.</li>
 * <li>Each flush returns the initiator's simulated ns and describes itself in
 *     {@link #lastFlush()}: local work is {@code pages × invlpg} or {@code fullFlush}; with targets,
 *     the initiator waits {@code ipiRoundTrip(targets) + work} and each target loses
 *     {@code ipiHandler + work} ({@link TlbCosts}). That loss is added to the target CPU's pending
 *     interrupt time, which the thread running on the CPU absorbs before its next reference
 *     ({@link #takeInterruptNs}); {@code tlb_ipi_handler_ns} sums it over all targets.</li>
 * </ul>
 * Lookups, fills and ranged flushes touch one set per level and page and never allocate; a full
 * flush of one mm is O(1) (plus the IPI accounting per target). Metrics: {@code nr_tlb_remote_flush}, {@code nr_tlb_remote_flush_received},
 * {@code nr_tlb_local_flush_one}, {@code nr_tlb_local_flush_all} (/proc/vmstat, with
 * CONFIG_DEBUG_TLBFLUSH), and {@code tlb_hit_l1}, {@code tlb_hit_stlb}, {@code tlb_miss},
 * {@code tlb_ipi_handler_ns}.
 */
public final class Tlbs {
    /** The kernel's address space (init_mm): kernel-virtual, global translations. */
    public static final int INIT_MM = 0;
    /** Largest mm id (23 bits). */
    public static final int MAX_MM = (1 << 23) - 1;
    /** Virtual page numbers are below 2^40 (52-bit virtual addresses). */
    public static final long MAX_VPN = (1L << 40) - 1;
    /** {@link #lastLookupLevel()}: found in the L1 dTLB. */
    public static final int LEVEL_L1 = 1;
    /** {@link #lastLookupLevel()}: found in the STLB (L1 refilled). */
    public static final int LEVEL_STLB = 2;
    /** {@link #lastLookupLevel()}: in neither level; the caller walks the page table. */
    public static final int LEVEL_MISS = 0;
    /** flush_tlb_mm's "end" (TLB_FLUSH_ALL). */
    public static final long TLB_FLUSH_ALL = -1L;

    public static final String NR_TLB_REMOTE_FLUSH = "nr_tlb_remote_flush";
    public static final String NR_TLB_REMOTE_FLUSH_RECEIVED = "nr_tlb_remote_flush_received";
    public static final String NR_TLB_LOCAL_FLUSH_ALL = "nr_tlb_local_flush_all";
    public static final String NR_TLB_LOCAL_FLUSH_ONE = "nr_tlb_local_flush_one";
    public static final String TLB_HIT_L1 = "tlb_hit_l1";
    public static final String TLB_HIT_STLB = "tlb_hit_stlb";
    public static final String TLB_MISS = "tlb_miss";
    /** Simulated ns the targets of shootdowns spent in the flush interrupt, summed over targets (ksim's own counter). */
    public static final String TLB_IPI_HANDLER_NS = "tlb_ipi_handler_ns";

    final int nrCpus;
    final TlbConfig config;
    final TlbCosts costs;
    final TlbLevel[] l1;
    final TlbLevel[] stlb;
    private final int words;
    /** cpumask words of mm m at [m * words, (m + 1) * words). */
    long[] cpumask;
    /** Current generation of mm m (entries of another generation are invalid); grows with {@link #cpumask}. */
    int[] gens;
    /** Generation bumps so far (any mm): a set cleaned at an older count may hold stale ways ({@link TlbLevel#epoch}). */
    long bumps;
    private final long[] allCpus;
    private final Shootdown last;
    private int lastLevel;
    private final int ceiling;

    final Counter remoteFlush;
    final Counter remoteFlushReceived;
    final Counter localFlushAll;
    final Counter localFlushOne;
    final Counter hitL1;
    final Counter hitStlb;
    final Counter miss;
    final Counter ipiHandlerNs;
    /**
     * Per CPU, interrupt time not yet absorbed by the thread running there: each shootdown adds
     * its {@link Shootdown#perTargetNs()} to every target; {@link #takeInterruptNs} hands it over.
     */
    private final long[] pendingInterruptNs;

    public Tlbs(int nrCpus, TlbConfig config, TlbCosts costs, Metrics metrics) {
        this(nrCpus, config, costs, metrics, TlbConfig.TLB_SINGLE_PAGE_FLUSH_CEILING);
    }

    /** As above with another tlb_single_page_flush_ceiling (the debugfs tunable). */
    public Tlbs(int nrCpus, TlbConfig config, TlbCosts costs, Metrics metrics, int singlePageFlushCeiling) {
        if (nrCpus <= 0) {
            throw new IllegalArgumentException("need at least one CPU");
        }
        this.nrCpus = nrCpus;
        this.config = config;
        this.costs = costs;
        this.ceiling = singlePageFlushCeiling;
        l1 = new TlbLevel[nrCpus];
        stlb = new TlbLevel[nrCpus];
        for (int c = 0; c < nrCpus; c++) {
            l1[c] = new TlbLevel(config.l1Entries(), config.l1Ways());
            stlb[c] = config.stlbEntries() > 0 ? new TlbLevel(config.stlbEntries(), config.stlbWays()) : null;
        }
        words = (nrCpus + 63) >>> 6;
        cpumask = new long[words * 64];
        gens = new int[64];
        allCpus = new long[words];
        for (int c = 0; c < nrCpus; c++) {
            allCpus[c >>> 6] |= 1L << c;
        }
        setMask(INIT_MM, allCpus);
        last = new Shootdown(nrCpus);
        remoteFlush = metrics.counter(NR_TLB_REMOTE_FLUSH);
        remoteFlushReceived = metrics.counter(NR_TLB_REMOTE_FLUSH_RECEIVED);
        localFlushAll = metrics.counter(NR_TLB_LOCAL_FLUSH_ALL);
        localFlushOne = metrics.counter(NR_TLB_LOCAL_FLUSH_ONE);
        hitL1 = metrics.counter(TLB_HIT_L1);
        hitStlb = metrics.counter(TLB_HIT_STLB);
        miss = metrics.counter(TLB_MISS);
        ipiHandlerNs = metrics.counter(TLB_IPI_HANDLER_NS);
        pendingInterruptNs = new long[nrCpus];
    }

    static long key(int mm, long vpn) {
        return (long) mm << 40 | vpn;
    }

    static int mmOf(long key) {
        return (int) (key >>> 40);
    }

    static long vpnOf(long key) {
        return key & MAX_VPN;
    }

    /** What an mm XORs into a virtual page number to index a set (0 for {@link #INIT_MM}). */
    static int mmSalt(int mm) {
        return mm * 0x9E3779B9 >>> 16;
    }

    /** The current generation of {@code mm} (0 for an mm never seen: it has no entries). */
    private int genOf(int mm) {
        int[] g = gens;
        return mm >= 0 && mm < g.length ? g[mm] : 0;
    }

    // ------------------------------------------------------------------ translation

    /**
     * A load's translation on {@code cpu}: the cached frame of ({@code mm}, {@code vpn}), or -1 on
     * a miss (the caller walks the page table and {@link #fill}s). An STLB hit refills L1.
     */
    public int lookup(int cpu, int mm, long vpn) {
        long k = key(mm, vpn);
        int g = genOf(mm);
        int salt = mmSalt(mm);
        TlbLevel a = l1[cpu];
        int sa = a.setOf(vpn, salt);
        int f = a.get(sa, k, g);
        if (f >= 0) {
            hitL1.inc();
            lastLevel = LEVEL_L1;
            return f;
        }
        TlbLevel s = stlb[cpu];
        if (s != null) {
            f = s.get(s.setOf(vpn, salt), k, g);
            if (f >= 0) {
                hitStlb.inc();
                a.insertAbsent(sa, k, g, f, gens, bumps); // L1 just missed
                lastLevel = LEVEL_STLB;
                return f;
            }
        }
        miss.inc();
        lastLevel = LEVEL_MISS;
        return -1;
    }

    /** Where the last {@link #lookup} found its translation: {@link #LEVEL_L1}, {@link #LEVEL_STLB} or {@link #LEVEL_MISS}. */
    public int lastLookupLevel() {
        return lastLevel;
    }

    /**
     * Caches a translation the page walk found. {@code cpu} must be in {@code mm}'s cpumask
     * (it runs the mm: {@link #switchMm}); kernel translations ({@link #INIT_MM}) may be cached anywhere.
     */
    public void fill(int cpu, int mm, long vpn, int frame) {
        if (mm < 0 || mm > MAX_MM || vpn < 0 || vpn > MAX_VPN || frame < 0) {
            throw new IllegalArgumentException("bad translation mm " + mm + " vpn " + vpn + " frame " + frame);
        }
        if (!cpumaskTest(mm, cpu)) {
            throw new IllegalStateException("cpu " + cpu + " caches a translation of mm " + mm + " it never ran");
        }
        long k = key(mm, vpn);
        int g = gens[mm];
        int salt = mmSalt(mm);
        TlbLevel a = l1[cpu];
        a.put(a.setOf(vpn, salt), k, g, frame, gens, bumps);
        TlbLevel s = stlb[cpu];
        if (s != null) {
            s.put(s.setOf(vpn, salt), k, g, frame, gens, bumps);
        }
    }

    /**
     * {@link #fill} right after {@link #lookup} of the same ({@code mm}, {@code vpn}) on {@code cpu}
     * missed in both levels (the page walk's fill): skips the levels' own lookups. Same checks as
     * {@link #fill}.
     */
    public void fillAfterMiss(int cpu, int mm, long vpn, int frame) {
        if (mm < 0 || mm > MAX_MM || vpn < 0 || vpn > MAX_VPN || frame < 0) {
            throw new IllegalArgumentException("bad translation mm " + mm + " vpn " + vpn + " frame " + frame);
        }
        if (!cpumaskTest(mm, cpu)) {
            throw new IllegalStateException("cpu " + cpu + " caches a translation of mm " + mm + " it never ran");
        }
        long k = key(mm, vpn);
        int[] gs = gens;
        int g = gs[mm];
        int salt = mmSalt(mm);
        TlbLevel a = l1[cpu];
        long b = bumps;
        a.insertAbsent(a.setOf(vpn, salt), k, g, frame, gs, b);
        TlbLevel s = stlb[cpu];
        if (s != null) {
            s.insertAbsent(s.setOf(vpn, salt), k, g, frame, gs, b);
        }
    }

    /** {@code cpu} starts running {@code mm} (switch_mm_irqs_off): it joins the mm's cpumask. */
    public void switchMm(int cpu, int mm) {
        if (cpu < 0 || cpu >= nrCpus || mm <= INIT_MM || mm > MAX_MM) {
            throw new IllegalArgumentException("bad switch of cpu " + cpu + " to mm " + mm);
        }
        ensureMm(mm);
        cpumask[mm * words + (cpu >>> 6)] |= 1L << cpu;
    }

    /**
     * The mm is gone (exit_mmap, its ASID recycled): its entries vanish everywhere (a generation
     * bump, O(1)) and its cpumask empties. No IPI is counted.
     */
    public void mmExit(int mm) {
        if (mm <= INIT_MM || mm > MAX_MM) {
            throw new IllegalArgumentException("init_mm never exits, got mm " + mm);
        }
        invalidateMm(mm);
        Arrays.fill(cpumask, mm * words, (mm + 1) * words, 0L);
    }

    /**
     * Invalidates every entry of {@code mm} on every CPU by moving the mm to its next generation.
     * When the generation counter would wrap, the mm's entries are dropped physically instead
     * (O(all entries), once per 2^31 full flushes of one mm), so an old generation never revives.
     */
    void invalidateMm(int mm) {
        ensureMm(mm);
        if (gens[mm] == Integer.MAX_VALUE) {
            for (int c = 0; c < nrCpus; c++) {
                l1[c].purgeMm(mm);
                if (stlb[c] != null) {
                    stlb[c].purgeMm(mm);
                }
            }
            gens[mm] = 0;
        } else {
            gens[mm]++;
        }
        bumps++;
    }

    /** Whether {@code cpu} is in {@code mm}'s cpumask (mm_cpumask). */
    public boolean cpumaskTest(int mm, int cpu) {
        int i = mm * words + (cpu >>> 6);
        return i < cpumask.length && (cpumask[i] >>> cpu & 1L) != 0;
    }

    /** Number of CPUs in {@code mm}'s cpumask. */
    public int cpumaskWeight(int mm) {
        int n = 0;
        for (int w = 0; w < words && mm * words + w < cpumask.length; w++) {
            n += Long.bitCount(cpumask[mm * words + w]);
        }
        return n;
    }

    private void ensureMm(int mm) {
        if ((mm + 1) * words > cpumask.length) {
            cpumask = Arrays.copyOf(cpumask, Math.max(cpumask.length * 2, (mm + 1) * words));
        }
        if (mm >= gens.length) {
            gens = Arrays.copyOf(gens, Math.max(gens.length * 2, mm + 1));
        }
    }

    private void setMask(int mm, long[] mask) {
        ensureMm(mm);
        System.arraycopy(mask, 0, cpumask, mm * words, words);
    }

    // ------------------------------------------------------------------ flushes

    /**
     * flush_tlb_mm_range: after {@code cpu} changed the PTEs of [startVpn, startVpn + nrPages) in
     * {@code mm} (unmap, migration, protection change), invalidates them on every CPU of the mm's
     * cpumask. Returns the initiator's simulated ns; {@link #lastFlush()} has the details.
     *
     * @param nrPages pages in the range, or {@link #TLB_FLUSH_ALL}
     */
    public long flushTlbMmRange(int cpu, int mm, long startVpn, long nrPages) {
        if (mm <= INIT_MM) {
            throw new IllegalArgumentException("user flush of mm " + mm + "; use flushTlbKernelRange for init_mm");
        }
        checkCpu(cpu);
        boolean full = nrPages == TLB_FLUSH_ALL || nrPages > ceiling;
        Shootdown s = last;
        s.reset(cpu, nrPages == TLB_FLUSH_ALL ? 0 : nrPages);
        s.fullFlush = full;
        if (nrPages == 0) {
            return 0;
        }
        long work = full ? costs.fullFlushNs() : nrPages * costs.invlpgNs();
        ensureMm(mm);
        int base = mm * words;
        boolean local = (cpumask[base + (cpu >>> 6)] >>> cpu & 1L) != 0;
        int targets = 0;
        for (int w = 0; w < words; w++) {
            long bits = cpumask[base + w];
            if (w == cpu >>> 6) {
                bits &= ~(1L << cpu);
            }
            s.targetMask[w] = bits;
            targets += Long.bitCount(bits);
        }
        if (full && (targets > 0 || local)) {
            invalidateMm(mm); // every CPU of the cpumask, which are the only ones holding entries of the mm
        }
        if (targets > 0) {
            remoteFlush.inc();
            for (int w = 0; w < words; w++) {
                for (long bits = s.targetMask[w]; bits != 0; bits &= bits - 1) {
                    int c = (w << 6) + Long.numberOfTrailingZeros(bits);
                    remoteFlushReceived.inc();
                    if (!full) {
                        invalidatePages(c, mm, startVpn, nrPages);
                    }
                }
            }
        }
        if (local && !full) {
            invalidatePages(cpu, mm, startVpn, nrPages);
        }
        return complete(s, local, full, nrPages, targets, work);
    }

    /**
     * The bookkeeping every flush ends with: the local flush counters (when the initiator flushed
     * its own TLB) and the shootdown's costs — targets lose the IPI handler plus the invalidation
     * work; the initiator waits the IPI round trip plus its work, or only its work when no other
     * CPU was targeted. Returns the initiator's ns.
     */
    private long complete(Shootdown s, boolean local, boolean full, long nrPages, int targets, long work) {
        if (local) {
            if (full) {
                localFlushAll.inc();
            } else {
                localFlushOne.add(nrPages);
            }
        }
        s.localFlush = local;
        s.targets = targets;
        s.perTargetNs = targets > 0 ? costs.ipiHandlerNs() + work : 0;
        s.initiatorNs = targets > 0 ? costs.ipiRoundTripNs(targets) + work : local ? work : 0;
        if (targets > 0 && s.perTargetNs > 0) {
            for (int w = 0; w < words; w++) {
                for (long bits = s.targetMask[w]; bits != 0; bits &= bits - 1) {
                    pendingInterruptNs[(w << 6) + Long.numberOfTrailingZeros(bits)] += s.perTargetNs;
                }
            }
            ipiHandlerNs.add(s.perTargetNs * targets);
        }
        return s.initiatorNs;
    }

    /**
     * The interrupt time the shootdowns since the last call took from {@code cpu} (the flush IPIs'
     * handlers, {@link Shootdown#perTargetNs()} each), now handed to the thread running there, which
     * absorbs it before its next reference; the CPU's account is then empty. CPUs outside a
     * flushed mm's cpumask are never targeted, so never charged.
     */
    public long takeInterruptNs(int cpu) {
        long ns = pendingInterruptNs[cpu];
        pendingInterruptNs[cpu] = 0;
        return ns;
    }

    /** The interrupt time waiting on {@code cpu} (what {@link #takeInterruptNs} would return). */
    public long pendingInterruptNs(int cpu) {
        return pendingInterruptNs[cpu];
    }

    /** flush_tlb_page: one page. */
    public long flushTlbPage(int cpu, int mm, long vpn) {
        return flushTlbMmRange(cpu, mm, vpn, 1);
    }

    /** flush_tlb_mm: every translation of the mm. */
    public long flushTlbMm(int cpu, int mm) {
        return flushTlbMmRange(cpu, mm, 0, TLB_FLUSH_ALL);
    }

    /**
     * flush_tlb_kernel_range: after kernel page tables changed for [startVpn, startVpn + nrPages)
     * (vmalloc/vunmap, XPFO unmapping user pages from the physmap), every CPU drops those
     * {@link #INIT_MM} translations; beyond the ceiling every CPU flushes its whole TLB, every mm
     * included. Returns the initiator's ns.
     */
    public long flushTlbKernelRange(int cpu, long startVpn, long nrPages) {
        checkCpu(cpu);
        boolean full = nrPages == TLB_FLUSH_ALL || nrPages > ceiling;
        Shootdown s = last;
        s.reset(cpu, nrPages == TLB_FLUSH_ALL ? 0 : nrPages);
        s.fullFlush = full;
        if (nrPages == 0) {
            return 0;
        }
        long work = full ? costs.fullFlushNs() : nrPages * costs.invlpgNs();
        int targets = nrCpus - 1;
        System.arraycopy(allCpus, 0, s.targetMask, 0, words);
        s.targetMask[cpu >>> 6] &= ~(1L << cpu);
        if (targets > 0) {
            remoteFlush.inc();
            remoteFlushReceived.add(targets);
        }
        for (int c = 0; c < nrCpus; c++) {
            if (full) {
                l1[c].clear();
                if (stlb[c] != null) {
                    stlb[c].clear();
                }
            } else {
                invalidatePages(c, INIT_MM, startVpn, nrPages);
            }
        }
        return complete(s, true, full, nrPages, targets, work);
    }

    /** flush_tlb_all: every CPU flushes everything. */
    public long flushTlbAll(int cpu) {
        return flushTlbKernelRange(cpu, 0, TLB_FLUSH_ALL);
    }

    /** INVLPG of [startVpn, startVpn + nrPages) of {@code mm} on {@code c}: one set per level and page. */
    private void invalidatePages(int c, int mm, long startVpn, long nrPages) {
        TlbLevel a = l1[c];
        TlbLevel b = stlb[c];
        int g = genOf(mm);
        int salt = mmSalt(mm);
        for (long v = startVpn, end = startVpn + nrPages; v < end; v++) {
            long k = key(mm, v);
            a.invalidate(a.setOf(v, salt), k, g);
            if (b != null) {
                b.invalidate(b.setOf(v, salt), k, g);
            }
        }
    }

    private void checkCpu(int cpu) {
        if (cpu < 0 || cpu >= nrCpus) {
            throw new IllegalArgumentException("no cpu " + cpu);
        }
    }

    // ------------------------------------------------------------------ views

    /** The last flush's initiator, targets and costs (overwritten by the next flush). */
    public Shootdown lastFlush() {
        return last;
    }

    public int nrCpus() {
        return nrCpus;
    }

    public TlbConfig config() {
        return config;
    }

    public TlbCosts costs() {
        return costs;
    }

    /** Whether ({@code mm}, {@code vpn}) is cached on {@code cpu} at any level (no LRU or counter change). */
    public boolean cached(int cpu, int mm, long vpn) {
        long k = key(mm, vpn);
        int g = genOf(mm);
        int salt = mmSalt(mm);
        TlbLevel a = l1[cpu];
        TlbLevel s = stlb[cpu];
        return a.find(a.setOf(vpn, salt), k, g) >= 0 || s != null && s.find(s.setOf(vpn, salt), k, g) >= 0;
    }

    /** Valid entries cached on {@code cpu}: L1 and STLB (O(entries); diagnostics). */
    public int l1Size(int cpu) {
        return l1[cpu].size(gens);
    }

    public int stlbSize(int cpu) {
        return stlb[cpu] == null ? 0 : stlb[cpu].size(gens);
    }

    /** Heap bytes of all TLB arrays. */
    public long heapBytes() {
        long b = 8L * cpumask.length + 4L * gens.length;
        for (int c = 0; c < nrCpus; c++) {
            b += l1[c].heapBytes() + (stlb[c] == null ? 0 : stlb[c].heapBytes());
        }
        return b;
    }

    /**
     * The checks {@code tlb.capacity}, {@code tlb.sets}, {@code tlb.cpumask} and, against the
     * page tables as {@code lookup} reports them, {@code tlb.coherence} (see {@link TlbInvariants}).
     */
    public List<InvariantCheck> invariants(TranslationLookup lookup) {
        return TlbInvariants.checks(this, lookup);
    }
}

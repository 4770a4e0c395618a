package dev.ksim.engine.bench;

import dev.ksim.engine.cost.CostModel;
import dev.ksim.engine.metrics.MetricsRegistry;
import dev.ksim.engine.mm.MemoryManager;
import dev.ksim.engine.mm.MmMetrics;
import dev.ksim.engine.mm.MmStruct;
import dev.ksim.engine.mm.NumaTopology;
import dev.ksim.engine.model.ReclaimMode;
import dev.ksim.engine.sim.EventLoop;
import dev.ksim.engine.sim.EventQueue;
import dev.ksim.engine.sim.SimulationClock;
import dev.ksim.engine.task.SimThread;
import dev.ksim.engine.task.TaskStats;
import dev.ksim.engine.trace.TraceFiles;
import dev.ksim.spi.mm.NodeMemory;
import dev.ksim.spi.security.SecurityHardening;
import dev.ksim.spi.workload.PageTrace;
import dev.ksim.spi.workload.WorkloadGenerator;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * {@code ksim bench mm}: how fast the memory-management mechanism replays page references and
 * how much heap a simulated frame costs, against the targets of issue 3.
 *
 * <ul>
 *   <li><b>resident</b>: a working set that fits in memory, after warm-up every reference a hit
 *       (target ≥ 20 M refs/s on one core); uniformly random over 131,072 pages, so nearly every
 *       reference also misses both set-associative TLB levels (64-entry 4-way L1 dTLB, 1536-entry
 *       12-way STLB) and walks the page table; a second figure with a working set the STLB holds;</li>
 *   <li><b>reclaim</b>: a working set twice memory, uniformly random, so about every second
 *       reference faults, swaps a page in and reclaims the LRU tail to swap (target ≥ 5 M refs/s);</li>
 *   <li><b>heap</b>: used heap after GC with a machine of 16 Mi frames minus without it, per frame
 *       (target ≤ 32 B; Linux's {@code struct page} is 64 B), and the same at 64 Mi frames (a
 *       256 GiB machine) when the heap is large enough;</li>
 *   <li><b>trace decode</b>: oracleGeneral records read from a file per second (the reader alone);</li>
 *   <li>the ratio of the two replay figures to libCacheSim's published LRU throughput (20 M req/s);</li>
 *   <li>both replay figures again in {@code strict-lru} mode.</li>
 * </ul>
 *
 * <p>Replay goes through the real path — event loop, {@link SimThread} quanta, the workload
 * interface, {@link MemoryManager#access} with its counters and latency histograms, the TLBs,
 * the LRU, kswapd on the same event loop —
 * with a reference string generated beforehand into an array (so the generator costs a load).
 * Each figure is the best of several timed repetitions after a warm-up repetition. Replays take
 * the best of {@value #REPLAY_REPETITIONS}, and their notes give the median too: under reclaim a
 * reference is a chain of cache misses, and on a shared host the same replay varies by ±30 % from
 * one repetition to the next with the neighbours' use of the last-level cache and memory, so the
 * best repetition is the estimate of the mechanism's own speed and the median shows the spread.
 *
 * <p>Each replay figure is measured in a JVM of its own, started with this JVM's options, as JMH
 * forks for each benchmark: measured one after the other in one JVM, a figure inherits the JIT
 * profile of the figures before it ({@link MemoryManager#access} compiled for another reclaim
 * mode's path: resident {@code strict-lru} measured 18.1–18.5 M refs/s after the {@code lru}
 * figures against 20.1–20.6 M alone), which is not what a run of one scenario sees. When a fork
 * fails the figure is measured in this JVM and an extra figure, "replays not forked", says why.
 */
public final class MmBenchmark implements Benchmark {
    /** libCacheSim's published single-thread LRU throughput (README: "> 20 M requests/s"). */
    static final double LIBCACHESIM_LRU_REQS_PER_S = 20e6;
    static final double TARGET_RESIDENT = 20e6;
    static final double TARGET_RECLAIM = 5e6;
    static final double TARGET_BYTES_PER_FRAME = 32;
    static final int REPETITIONS = 5;
    static final int REPLAY_REPETITIONS = 10;
    static final String NAME = "mm";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "page references/s resident (>= 20 M) and under reclaim (>= 5 M), heap bytes per 4 KiB frame (<= 32),"
                + " ratio to libCacheSim LRU";
    }

    @Override
    public List<BenchResult> run(double scale) {
        List<BenchResult> out = new ArrayList<>();
        int frames = Math.max(1024, (int) (262_144 * scale)); // 1 GiB of simulated memory at scale 1
        int refs = Math.max(1 << 16, Integer.highestOneBit((int) Math.min(1 << 24, 16_777_216 * scale)));

        Replay resident = replayForked(frames, frames / 2, refs, false, ReclaimMode.LRU);
        out.add(new BenchResult(NAME, "resident refs/s", resident.best(), TARGET_RESIDENT, true,
                "reclaim 'lru': working set " + frames / 2 + " pages in " + frames + " frames, all hits (TLB misses: walks)"
                        + resident.median()));
        Replay reclaim = replayForked(frames, 2 * frames, refs, true, ReclaimMode.LRU);
        out.add(new BenchResult(NAME, "reclaim refs/s", reclaim.best(), TARGET_RECLAIM, true,
                "reclaim 'lru': working set " + 2 * frames + " pages in " + frames
                        + " frames, uniform: ~50% major faults, kswapd and direct reclaim" + reclaim.median()));
        Replay stlb = replayForked(frames, 1024, refs, false, ReclaimMode.LRU);
        out.add(new BenchResult(NAME, "resident refs/s STLB-sized", stlb.best(), Double.NaN, true,
                "reclaim 'lru': working set 1024 pages (8 per set of the 1536-entry 12-way STLB; not the 64-entry L1)" + stlb.median()));
        Replay strictResident = replayForked(frames, frames / 2, refs, false, ReclaimMode.STRICT_LRU);
        out.add(new BenchResult(NAME, "resident refs/s strict-lru", strictResident.best(), TARGET_RESIDENT, true,
                "as resident, reclaim 'strict-lru' (exact recency: an access-log append per reference)" + strictResident.median()));
        Replay strictReclaim = replayForked(frames, 2 * frames, refs, true, ReclaimMode.STRICT_LRU);
        out.add(new BenchResult(NAME, "reclaim refs/s strict-lru", strictReclaim.best(), TARGET_RECLAIM, true,
                "as reclaim, reclaim 'strict-lru' (one synchronous eviction per miss)" + strictReclaim.median()));
        if (!forkFailures.isEmpty()) {
            out.add(new BenchResult(NAME, "replays not forked", forkFailures.size(), Double.NaN, false,
                    "measured in this JVM, after other figures: " + forkFailures.get(0)));
        }
        out.add(new BenchResult(NAME, "resident / libCacheSim LRU", resident.best() / LIBCACHESIM_LRU_REQS_PER_S, Double.NaN, true,
                "libCacheSim publishes > 20 M req/s for LRU"));
        out.add(new BenchResult(NAME, "reclaim / libCacheSim LRU", reclaim.best() / LIBCACHESIM_LRU_REQS_PER_S, Double.NaN, true,
                "each miss here is a swap-out + swap-in + PTE/rmap/LRU updates"));

        int heapFrames = Math.max(1 << 16, (int) ((1 << 24) * scale));
        out.add(new BenchResult(NAME, "heap bytes/frame", bytesPerFrame(heapFrames), TARGET_BYTES_PER_FRAME, false,
                heapFrames + " frames, one node, no swap"));
        long big = 1L << 26;
        if (scale >= 1 && Runtime.getRuntime().maxMemory() > big * 16 * 2) {
            out.add(new BenchResult(NAME, "heap bytes/frame 256 GiB", bytesPerFrame((int) big), TARGET_BYTES_PER_FRAME, false,
                    big + " frames (256 GiB machine)"));
        }
        out.add(new BenchResult(NAME, "trace decode refs/s", decode(Math.max(1 << 16, (int) (4_000_000 * scale))), Double.NaN, true,
                "oracleGeneral binary, 24-byte records, from the page cache"));
        return out;
    }

    /** What a forked replay prints before its figure. */
    static final String FORK_RESULT = "ksim-bench-replay ";
    /** Options of this JVM a forked one must not repeat: class-data sharing archives, logging, agents, recordings. */
    private static final List<String> NOT_FORWARDED = List.of("-XX:SharedArchiveFile", "-XX:ArchiveClassesAtExit", "-Xshare",
            "-Xlog", "-agentlib", "-agentpath", "-javaagent", "-XX:StartFlightRecording", "-XX:+DumpPerfMapAtExit");
    /** Forks replays unless {@code -Dksim.bench.fork=false} (for a profiler attached to this JVM). */
    static final boolean FORK = !"false".equals(System.getProperty("ksim.bench.fork"));
    /** Why replays were measured in this JVM instead of a fork (reported as a figure of its own). */
    final List<String> forkFailures = new ArrayList<>();

    /**
     * {@link #replay} in a fresh JVM with this JVM's heap and GC options and class path; in this
     * JVM when forking is off or fails (the reason is kept in {@link #forkFailures}).
     */
    Replay replayForked(int frames, int pages, int refs, boolean swap, ReclaimMode mode) {
        if (!FORK) {
            return replay(frames, pages, refs, swap, mode);
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (NOT_FORWARDED.stream().noneMatch(a::startsWith)) {
                cmd.add(a);
            }
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), MmBenchmark.class.getName(), "replay",
                Integer.toString(frames), Integer.toString(pages), Integer.toString(refs), Boolean.toString(swap), mode.name()));
        String why;
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            int rc = p.waitFor();
            if (rc == 0 && out.contains(FORK_RESULT)) {
                return parseForked(out);
            }
            why = "forked JVM exited " + rc + ": " + out.strip();
        } catch (IOException | RuntimeException e) {
            why = "fork failed: " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            why = "interrupted";
        }
        forkFailures.add(why);
        return replay(frames, pages, refs, swap, mode);
    }

    /** The figure a forked replay printed: the line after the last {@link #FORK_RESULT}, "best median". */
    static Replay parseForked(String out) {
        int at = out.lastIndexOf(FORK_RESULT);
        if (at < 0) {
            throw new IllegalArgumentException("no " + FORK_RESULT.strip() + " line in: " + out);
        }
        String[] v = out.substring(at + FORK_RESULT.length()).lines().findFirst().orElse("").strip().split(" ");
        if (v.length != 2) {
            throw new IllegalArgumentException("expected \"best median\" after " + FORK_RESULT.strip() + ", got: " + String.join(" ", v));
        }
        return new Replay(Double.parseDouble(v[0]), Double.parseDouble(v[1]));
    }

    /** A replay figure: the best and the median repetition, in references per second. */
    record Replay(double best, double medianRefsPerS) {
        /** "; median …" for a figure's note. */
        String median() {
            return String.format(java.util.Locale.ROOT, "; median of %d: %.1f M", REPLAY_REPETITIONS, medianRefsPerS / 1e6);
        }
    }

    /**
     * References per second replaying {@code refs} uniformly random pages of {@code pages} in
     * {@code frames} frames: the best and the median of {@value #REPLAY_REPETITIONS} repetitions
     * after one warm-up.
     */
    static Replay replay(int frames, int pages, int refs, boolean swap, ReclaimMode mode) {
        int[] string = new int[refs];
        SplittableRandom r = new SplittableRandom(42);
        for (int i = 0; i < refs; i++) {
            string[i] = r.nextInt(pages);
        }
        double[] rates = new double[REPLAY_REPETITIONS];
        for (int rep = 0; rep <= REPLAY_REPETITIONS; rep++) {
            Machine m = new Machine(frames, swap ? pages : 0, pages, mode);
            m.run(new Sequential(pages), pages); // fault everything in (or through swap) first
            long t0 = System.nanoTime();
            long done = m.run(new ArrayReplay(string), refs);
            long dt = System.nanoTime() - t0;
            if (done != refs) {
                throw new IllegalStateException("replayed " + done + " of " + refs + " references");
            }
            if (!swap && m.metrics.counter(MmMetrics.PGFAULT).get() != pages) {
                throw new IllegalStateException("resident replay faulted after warm-up");
            }
            if (rep > 0) {
                rates[rep - 1] = refs * 1e9 / dt;
            }
        }
        Arrays.sort(rates);
        int n = rates.length;
        return new Replay(rates[n - 1], n % 2 == 1 ? rates[n / 2] : (rates[n / 2 - 1] + rates[n / 2]) / 2);
    }

    /** One node, one process, one thread on CPU 0, on the engine's real classes. */
    static final class Machine {
        final MetricsRegistry metrics = new MetricsRegistry();
        final MemoryManager mm;
        final MmStruct process;

        Machine(int frames, int swapSlots, int pages, ReclaimMode mode) {
            NumaTopology topology = new NumaTopology(new int[][] {{NumaTopology.LOCAL_DISTANCE}}, new int[] {0});
            mm = new MemoryManager(topology, new NodeMemory[] {new NodeMemory(frames, 80, 0, true)}, swapSlots,
                    CostModel.defaults(), (fault, view) -> 0, "bench", new SecurityHardening() {
                    }, "none", metrics, mode);
            process = mm.createProcess("bench", new String[] {"data"}, new long[] {pages});
            mm.addCpu(process, 0);
        }

        /** Runs one thread making {@code refs} references to completion; returns how many it made. */
        long run(WorkloadGenerator w, long refs) {
            SimulationClock clock = new SimulationClock();
            EventQueue queue = new EventQueue();
            mm.attach(queue, clock); // kswapd runs on this loop
            SimThread t = new SimThread("bench", process, 0, 0, w, "bench", refs, Long.MAX_VALUE, mm, queue, new TaskStats());
            t.start(0);
            new EventLoop(clock, queue).run(Long.MAX_VALUE, 0, () -> {
            });
            return t.done();
        }
    }

    /** A reference string replayed from an array (power-of-two length). */
    static final class ArrayReplay implements WorkloadGenerator {
        private final int[] refs;
        private int next;

        ArrayReplay(int[] refs) {
            this.refs = refs;
        }

        @Override
        public long nextPage() {
            int[] a = refs;
            int i = next;
            next = i + 1 == a.length ? 0 : i + 1;
            return a[i];
        }
    }

    /** Pages 0..n-1 in order, for warm-up. */
    static final class Sequential implements WorkloadGenerator {
        private final int pages;
        private int next;

        Sequential(int pages) {
            this.pages = pages;
        }

        @Override
        public long nextPage() {
            int p = next;
            next = p + 1 == pages ? 0 : p + 1;
            return p;
        }
    }

    /** Heap per frame: used heap after GC with a memory manager of {@code frames} frames, minus before. */
    static double bytesPerFrame(int frames) {
        MemoryMXBean bean = ManagementFactory.getMemoryMXBean();
        long before = usedAfterGc(bean);
        Machine m = new Machine(frames, 0, 1, ReclaimMode.LRU);
        long after = usedAfterGc(bean);
        double perFrame = (double) (after - before) / frames;
        if (m.mm.node(0).spannedPages() != frames) {
            throw new IllegalStateException("node lost frames");
        }
        return perFrame;
    }

    private static long usedAfterGc(MemoryMXBean bean) {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            used = Math.min(used, bean.getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    /** Records per second the oracleGeneral reader decodes from a temporary file. */
    static double decode(int records) {
        Path file = null;
        try {
            file = Files.createTempFile("ksim-bench", ".oracleGeneral.bin");
            ByteBuffer b = ByteBuffer.allocate(24 * 4096).order(ByteOrder.LITTLE_ENDIAN);
            SplittableRandom r = new SplittableRandom(1);
            try (OutputStream os = Files.newOutputStream(file)) {
                for (int i = 0; i < records; i++) {
                    b.putInt(i).putLong(r.nextInt(1 << 20)).putInt(4096).putLong(-1);
                    if (!b.hasRemaining()) {
                        os.write(b.array(), 0, b.position());
                        b.clear();
                    }
                }
                os.write(b.array(), 0, b.position());
            }
            double best = 0;
            long sum = 0;
            for (int rep = 0; rep <= REPETITIONS; rep++) {
                try (PageTrace t = TraceFiles.open(file, "oracle-bin", false)) {
                    long t0 = System.nanoTime();
                    long n = 0;
                    while (t.next()) {
                        sum += t.page();
                        n++;
                    }
                    long dt = System.nanoTime() - t0;
                    if (n != records) {
                        throw new IllegalStateException("decoded " + n + " of " + records);
                    }
                    if (rep > 0) {
                        best = Math.max(best, n * 1e9 / dt);
                    }
                }
            }
            if (sum == 42) {
                System.out.print(""); // keeps the sum alive
            }
            return best;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // a temporary file
                }
            }
        }
    }

    /**
     * {@code java -cp … dev.ksim.engine.bench.MmBenchmark [scale]}: runs without the CLI;
     * {@code … MmBenchmark replay FRAMES PAGES REFS SWAP MODE}: one replay figure (what
     * {@link #replayForked} starts; also the entry point for a profiler).
     */
    public static void main(String[] args) {
        if (args.length == 6 && args[0].equals("replay")) {
            Replay r = replay(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                    Boolean.parseBoolean(args[4]), ReclaimMode.valueOf(args[5]));
            System.out.println(FORK_RESULT + r.best() + " " + r.medianRefsPerS());
            return;
        }
        double scale = args.length > 0 ? Double.parseDouble(args[0]) : 1.0;
        for (BenchResult r : new MmBenchmark().run(scale)) {
            System.out.println(r);
        }
        System.out.println(Arrays.toString(args));
    }
}

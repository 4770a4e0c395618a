package dev.ksim.engine.task;

import dev.ksim.engine.mm.MemoryManager;
import dev.ksim.engine.mm.MmStruct;
import dev.ksim.engine.run.PluginCrashException;
import dev.ksim.engine.sim.EventHandler;
import dev.ksim.engine.sim.EventQueue;
import dev.ksim.spi.InvalidInputException;
import dev.ksim.spi.PluginKind;
import dev.ksim.spi.workload.WorkloadGenerator;

/**
 * A simulated thread pinned to one CPU, referencing one mapping of its process (or reading and
 * writing one file through the page cache) with a workload generator; a reference is a store when
 * the workload marks it {@link WorkloadGenerator#WRITE}. It runs as an event source: each event is a quantum of references, ending once the
 * thread's own time has passed the event time plus {@link #QUANTUM_NS} (or after
 * {@link #QUANTUM_MAX_REFS} references); the thread then re-schedules itself at its own time.
 * Each reference advances the thread's time by what the memory manager charges for it.
 *
 * <p>A thread exits after its reference budget ({@code 0} = unbounded), when its time reaches
 * the end of the run, when its workload returns {@link WorkloadGenerator#END} (a trace that
 * ended), or when the OOM killer has killed its process.
 *
 * <p>Kernel work done on the thread's CPU outside its own references — the handlers of TLB
 * shootdown IPIs other CPUs sent it, NUMA-balancing scans run for its task — is taken from the
 * memory manager at the start of each quantum ({@link MemoryManager#takeCpuTime}) and delays the
 * thread's next reference by that much. Two threads pinned to one CPU share that CPU's account:
 * the first to run takes it. An {@link InvalidInputException} from
 * the workload (a malformed trace file) propagates as is: it is the user's input, not a crash. Within a quantum the run's
 * clock reads the quantum's start time.
 */
public final class SimThread implements EventHandler {
    /** Simulated time one quantum covers: threads interleave at this granularity. */
    public static final long QUANTUM_NS = 1_000;
    /** References per quantum at most, whatever they cost. */
    public static final int QUANTUM_MAX_REFS = 1024;
    /** Event priority of thread quanta (after samplers at the same instant). */
    public static final int PRIORITY = 10;

    private final String name;
    private final MmStruct mm;
    private final int vma;
    /** The file a file I/O thread reads and writes ({@link MemoryManager#fileHandle}), -1 for a thread on a mapping. */
    private final int file;
    private final long pages;
    private final int cpu;
    private final WorkloadGenerator workload;
    private final String workloadId;
    private final long budget;
    private final long endNs;
    private final MemoryManager memory;
    private final EventQueue queue;
    private final TaskStats stats;
    private long done;
    private long timeNs;
    private boolean exited;

    /**
     * @param budget references to make, 0 = until {@code endNs}
     */
    public SimThread(String name, MmStruct mm, int vma, int cpu, WorkloadGenerator workload, String workloadId,
                     long budget, long endNs, MemoryManager memory, EventQueue queue, TaskStats stats) {
        this(name, mm, vma, -1, cpu, workload, workloadId, budget, endNs, memory, queue, stats);
    }

    /**
     * A thread on mapping {@code vma} ({@code file < 0}) or, with {@code file >= 0}, a file I/O
     * thread: each reference is a read(2) — a write(2) when the workload marks it
     * {@link WorkloadGenerator#WRITE} — of one page of that file ({@link MemoryManager#fileIo}).
     */
    public SimThread(String name, MmStruct mm, int vma, int file, int cpu, WorkloadGenerator workload, String workloadId,
                     long budget, long endNs, MemoryManager memory, EventQueue queue, TaskStats stats) {
        this.name = name;
        this.mm = mm;
        this.vma = vma;
        this.file = file;
        this.pages = file >= 0 ? memory.filePages(file) : mm.vma(vma).pages();
        this.cpu = cpu;
        this.workload = workload;
        this.workloadId = workloadId;
        this.budget = budget;
        this.endNs = endNs;
        this.memory = memory;
        this.queue = queue;
        this.stats = stats;
        stats.live++;
    }

    /** Makes the thread runnable at {@code timeNs}. */
    public void start(long timeNs) {
        this.timeNs = timeNs;
        queue.schedule(timeNs, PRIORITY, this);
    }

    @Override
    public void fire(long now) {
        timeNs = Math.max(timeNs, now);
        // kernel work done on this CPU while the last quantum ran: shootdown IPIs, task_work
        timeNs += memory.takeCpuTime(cpu);
        long quantumEnd = now + QUANTUM_NS;
        int refs = 0;
        while (true) {
            if (mm.killed() || (budget > 0 && done >= budget) || timeNs >= endNs) {
                exit();
                break;
            }
            if (timeNs >= quantumEnd || refs == QUANTUM_MAX_REFS) {
                queue.schedule(timeNs, PRIORITY, this);
                break;
            }
            long page;
            try {
                page = workload.nextPage();
            } catch (InvalidInputException x) {
                throw x; // the user's input (e.g. a trace file) is wrong: not a crash
            } catch (RuntimeException x) {
                throw new PluginCrashException(PluginKind.WORKLOAD_GENERATOR, workloadId, "nextPage (thread " + name + ")", x);
            }
            if (page == WorkloadGenerator.END) {
                exit();
                break;
            }
            boolean write = (page & WorkloadGenerator.WRITE) != 0;
            page &= ~WorkloadGenerator.WRITE;
            if (page < 0 || page >= pages) {
                throw new PluginCrashException(PluginKind.WORKLOAD_GENERATOR, workloadId,
                        "nextPage (thread " + name + ") returned page " + page + ", outside [0, " + pages + ")", null);
            }
            timeNs += file < 0 ? memory.access(mm, vma, page, cpu, write) : memory.fileIo(mm, file, page, write, cpu);
            done++;
            refs++;
        }
        stats.lastEndNs = Math.max(stats.lastEndNs, Math.min(timeNs, endNs));
    }

    /**
     * Charges {@code ns} of simulated time spent outside the workload at {@code now} (a system call
     * the scenario makes on the thread's behalf, such as mlock or move_pages): the thread's next
     * reference happens that much later. Nothing when the thread has exited.
     */
    public void charge(long now, long ns) {
        if (!exited && ns > 0) {
            timeNs = Math.max(timeNs, now) + ns;
        }
    }

    private void exit() {
        if (!exited) {
            exited = true;
            stats.live--;
            memory.threadExited(mm, cpu);
        }
    }

    public String name() {
        return name;
    }

    /** References made so far. */
    public long done() {
        return done;
    }

    public boolean exited() {
        return exited;
    }
}

package dev.ksim.engine.run;

import dev.ksim.engine.mm.MemoryManager;
import dev.ksim.engine.mm.MmStruct;
import dev.ksim.engine.mm.Pte;
import dev.ksim.engine.model.EventSpec;
import dev.ksim.engine.sim.EventHandler;
import dev.ksim.engine.sim.EventQueue;
import dev.ksim.engine.task.SimThread;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The event source of a scenario's timed actions ({@link EventSpec}): each is one event at its
 * time, priority {@link #PRIORITY} (after the gauge sampler, before thread quanta at the same
 * instant; actions at the same time run in declaration order). An action goes through the memory
 * manager's public interface, so its results are counted by the mechanism's own metrics
 * ({@code pgmigrate_*}, {@code unevictable_pgs_*}, {@code memory_failure_*}, {@code soft_offline_*}).
 *
 * <p>Whose time an action costs, and on which CPU it runs:
 * <ul>
 * <li>{@code mlock}, {@code munlock} and {@code movePages} are system calls the process makes: they
 *     run on the CPU of the process's first thread, and their cost (mlock's population faults,
 *     move_pages' call + copies + shootdowns) is charged to that thread, which makes its next
 *     reference that much later ({@link SimThread#charge}); munlock costs nothing in the model;</li>
 * <li>{@code pin} / {@code unpin} are a driver's calls (pin_user_pages): on the first thread's CPU,
 *     charged to no thread (as {@link MemoryManager#pinUserPages} documents). {@code unpin} drops
 *     every pin the scenario's earlier pins of that mapping took;</li>
 * <li>{@code madvise} is a system call of the process (on its first thread's CPU, its cost — MADV_PAGEOUT's
 *     swap writes, a THP split's TLB flush — charged to that thread);</li>
 * <li>{@code compact node:} is a write to the node's {@code compact} file (compact_memory) and
 *     {@code hugepages node:, pages:} one to its {@code nr_hugepages}: done at once, charged to no thread;</li>
 * <li>{@code poison} and {@code softOffline} model a hardware error on the frame behind a page
 *     (as madvise MADV_HWPOISON / MADV_SOFT_OFFLINE inject one: the page is faulted in first, by
 *     get_user_pages), handled in kernel context on the first thread's CPU, charged to no thread;
 *     {@code poison node:, free: true} hits the node's highest free buddy page
 *     ({@link MemoryManager#highestFreePfn}) on CPU 0.</li>
 * <li>{@code migrateVma} is the device driver's (a device fault or a prefetch ioctl): on the first
 *     thread's CPU, charged to no thread; a thread touching a page under migration waits for it
 *     ({@link MemoryManager#migrateVma}). {@code evict} is the driver's too (CPU 0, or the named
 *     process's first thread's CPU);</li>
 * <li>{@code addMemory} and {@code offlineMemory} are memory hotplug (a udev rule or an
 *     administrator writing to sysfs; for device memory its driver): on CPU 0, charged to no thread
 *     ({@link MemoryManager#addMemory}, {@link MemoryManager#offlineMemory});</li>
 * <li>{@code fork}, {@code munmap}, {@code madvise}, {@code mbind} and {@code fsync} are system
 *     calls of the process, on its first thread's CPU and charged to that thread; {@code fork}
 *     makes the child a target of later actions (it has the parent's mappings and no thread; its
 *     own actions run on the parent's first CPU and are charged to nobody); {@code exit} ends a
 *     process (its threads stop, its memory is freed as at exit) and costs nothing;</li>
 * <li>{@code driverPages} (a driver allocating non-LRU movable pages, zsmalloc / balloon like)
 *     and {@code softOffline driver:} (a corrected error in one of them: migrated through the
 *     driver's callbacks) run in kernel context on CPU 0, charged to nobody.</li>
 * </ul>
 * An action on a process that has already died (OOM or SIGBUS) does nothing: its mappings are
 * gone, and the pins it held were dropped at exit. Poisoning a page that already holds a
 * hwpoison entry does nothing (the frame is already retired).
 */
final class ScenarioEvents implements EventHandler {
    /** Event priority: after the sampler (0), before thread quanta ({@link SimThread#PRIORITY}). */
    static final int PRIORITY = 5;

    /** A process as the run built it: its address space, mapping names, first thread. */
    record Target(MmStruct mm, String[] mappings, SimThread firstThread, int cpu) {
        int vma(String name) {
            for (int i = 0; i < mappings.length; i++) {
                if (mappings[i].equals(name)) {
                    return i;
                }
            }
            throw new IllegalStateException("unvalidated model: no mapping " + name);
        }
    }

    private final List<EventSpec> events;
    private final Map<String, Target> targets;
    private final MemoryManager memory;
    private final EventQueue queue;
    /** Frames pinned by PIN events, per process and mapping, until UNPIN. */
    private final Map<String, int[]> pins = new HashMap<>();
    private final Map<String, Integer> pinCounts = new HashMap<>();
    private int next;

    ScenarioEvents(List<EventSpec> events, Map<String, Target> targets, MemoryManager memory, EventQueue queue) {
        List<EventSpec> sorted = new ArrayList<>(events);
        sorted.sort(Comparator.comparingLong(EventSpec::atNs)); // stable: declaration order at one instant
        this.events = sorted;
        this.targets = targets;
        this.memory = memory;
        this.queue = queue;
    }

    /** Schedules the first action, if any. */
    void start() {
        if (!events.isEmpty()) {
            queue.schedule(events.get(0).atNs(), PRIORITY, this);
        }
    }

    @Override
    public void fire(long now) {
        while (next < events.size() && events.get(next).atNs() <= now) {
            perform(events.get(next++), now);
        }
        if (next < events.size()) {
            queue.schedule(events.get(next).atNs(), PRIORITY, this);
        }
    }

    private void perform(EventSpec e, long now) {
        if (e.action() == EventSpec.Action.COMPACT) {
            memory.compactNode(e.node());
            return;
        }
        if (e.action() == EventSpec.Action.NR_HUGEPAGES) {
            memory.setNrHugepages(e.node(), e.pages());
            return;
        }
        if (e.action() == EventSpec.Action.DRIVER_PAGES) {
            memory.allocMovableDriverPages(e.text(), e.node(), (int) e.pages());
            return;
        }
        if (e.action() == EventSpec.Action.SOFT_OFFLINE_DRIVER) {
            int pfn = memory.driverPage(e.text(), (int) e.from());
            if (pfn >= 0) {
                memory.softOfflinePage(pfn, 0);
            }
            return;
        }
        if (e.action() == EventSpec.Action.POISON_FREE) {
            int pfn = memory.highestFreePfn(e.node());
            if (pfn >= 0) {
                memory.memoryFailure(pfn, 0);
            }
            return;
        }
        if (e.action() == EventSpec.Action.EVICT || e.action() == EventSpec.Action.ADD_MEMORY
                || e.action() == EventSpec.Action.OFFLINE_MEMORY) {
            machineAction(e);
            return;
        }
        Target t = targets.get(e.process());
        if (t == null) {
            throw new IllegalStateException("unvalidated model: no process " + e.process());
        }
        if (t.mm().killed()) {
            return;
        }
        switch (e.action()) {
            case FORK -> {
                MmStruct child = memory.fork(t.mm(), e.text(), t.cpu());
                charge(t, now, memory.lastForkCost());
                targets.put(e.text(), new Target(child, t.mappings(), null, t.cpu()));
                return;
            }
            case EXIT -> {
                Target who = e.text() == null ? t : targets.get(e.text());
                if (who != null) {
                    memory.exit(who.mm());
                }
                return;
            }
            case FSYNC -> {
                charge(t, now, memory.fsync(e.text(), t.cpu()));
                return;
            }
            default -> {
            }
        }
        int vma = t.vma(e.mapping());
        long pagesOfVma = t.mm().vma(vma).pages();
        long n = e.pages() == EventSpec.WHOLE_MAPPING ? pagesOfVma - e.from() : e.pages();
        String key = e.process() + "\0" + e.mapping();
        switch (e.action()) {
            case PIN -> {
                int[] frames = new int[(int) n];
                int got = memory.pinUserPages(t.mm(), vma, e.from(), (int) n, t.cpu(), frames);
                int have = pinCounts.getOrDefault(key, 0);
                int[] all = Arrays.copyOf(pins.getOrDefault(key, new int[0]), have + got);
                System.arraycopy(frames, 0, all, have, got);
                pins.put(key, all);
                pinCounts.put(key, have + got);
            }
            case UNPIN -> {
                int[] frames = pins.remove(key);
                Integer count = pinCounts.remove(key);
                if (frames != null) {
                    memory.unpinUserPages(frames, count);
                }
            }
            case MLOCK -> charge(t, now, memory.mlock(t.mm(), vma, e.from(), n, t.cpu()));
            case MUNLOCK -> memory.munlock(t.mm(), vma, e.from(), n);
            case MOVE_PAGES -> {
                long[] vpns = new long[(int) n];
                int[] nodes = new int[(int) n];
                long start = t.mm().vma(vma).startVpn() + e.from();
                for (int i = 0; i < n; i++) {
                    vpns[i] = start + i;
                    nodes[i] = e.node();
                }
                charge(t, now, memory.movePages(t.mm().pid(), vpns, nodes, new int[(int) n], t.cpu()));
            }
            case MIGRATE_VMA -> memory.migrateVma(t.mm(), vma, e.from(), n, e.node(), e.skipEvery(), t.cpu());
            case MUNMAP -> charge(t, now, memory.munmap(t.mm(), vma, e.from(), n, t.cpu()));
            case MADVISE_DONTNEED -> charge(t, now, memory.madviseDontneed(t.mm(), vma, e.from(), n, t.cpu()));
            case MBIND -> charge(t, now, memory.mbind(t.mm(), vma, e.from(), n, e.text(), e.nodemask(), e.flag(), t.cpu()));
            case POISON, SOFT_OFFLINE -> {
                int pfn = faultIn(t, vma, e.from());
                if (pfn < 0) {
                    return;
                }
                if (e.action() == EventSpec.Action.POISON) {
                    memory.memoryFailure(pfn, t.cpu());
                } else {
                    memory.softOfflinePage(pfn, t.cpu());
                }
            }
            case MADVISE_HUGEPAGE, MADVISE_NOHUGEPAGE, MADVISE_PAGEOUT -> {
                dev.ksim.engine.model.Madvise advice = e.action() == EventSpec.Action.MADVISE_HUGEPAGE
                        ? dev.ksim.engine.model.Madvise.HUGEPAGE : e.action() == EventSpec.Action.MADVISE_NOHUGEPAGE
                        ? dev.ksim.engine.model.Madvise.NOHUGEPAGE : dev.ksim.engine.model.Madvise.PAGEOUT;
                charge(t, now, memory.madvise(t.mm(), vma, e.from(), n, advice, t.cpu()));
            }
            default -> throw new IllegalStateException("unhandled action " + e.action());
        }
    }

    /**
     * An action on the machine rather than on a mapping: a device driver's eviction (on CPU 0, or
     * the named process's first thread's CPU), memory hot-add and offlining (a sysfs write, on CPU 0).
     */
    private void machineAction(EventSpec e) {
        switch (e.action()) {
            case EVICT -> {
                Target t = e.process() == null ? null : targets.get(e.process());
                if (t != null && t.mm().killed()) {
                    return;
                }
                memory.evictDevicePages(e.node(), t == null ? null : t.mm(), t == null ? 0 : t.cpu());
            }
            case ADD_MEMORY -> memory.addMemory(e.node(), e.zone() == null ? null
                    : "normal".equals(e.zone()) ? dev.ksim.engine.mm.zone.ZoneType.NORMAL : dev.ksim.engine.mm.zone.ZoneType.MOVABLE);
            case OFFLINE_MEMORY -> memory.offlineMemory(e.node(), 0);
            default -> throw new IllegalStateException("unhandled action " + e.action());
        }
    }

    /**
     * madvise_inject_error's get_user_pages_fast + put_page: faults page {@code page} in for reading
     * and returns its frame; -1 when it holds a hwpoison entry already or the process died faulting.
     * A page in device memory is not faulted back (that would move it to RAM): the error hits the
     * device frame behind it, as an error reported by the device at that address would.
     */
    private int faultIn(Target t, int vma, long page) {
        int e = t.mm().vma(vma).pte((int) page);
        if (Pte.isHwpoison(e)) {
            return -1;
        }
        int behind = memory.frameBehind(t.mm(), vma, page);
        if (behind >= 0 && memory.isDeviceFrame(behind)) {
            return behind;
        }
        return memory.getUserPage(t.mm(), vma, page, t.cpu());
    }

    private static void charge(Target t, long now, long ns) {
        if (t.firstThread() != null) {
            t.firstThread().charge(now, ns);
        }
    }
}

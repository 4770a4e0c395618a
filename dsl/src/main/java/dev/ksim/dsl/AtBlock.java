package dev.ksim.dsl;

import dev.ksim.dsl.internal.Values;
import dev.ksim.engine.model.EventSpec;
import dev.ksim.engine.model.EventSpec.Action;
import dev.ksim.engine.model.SourceRef;
import java.util.List;
import java.util.Map;

/**
 * {@code at(5.ms) { ... }}: actions the run performs at one instant of simulated time, named as
 * the kernel interfaces they model. Inside {@code process('p') { }} the actions work on the
 * process's mappings:
 * <pre>
 * at(2.ms) { pin 'heap', pages: 16 }          // pin_user_pages of pages 0..15 (from: to start elsewhere)
 * at(9.ms) { unpin 'heap' }                   // unpin_user_pages of what the pins of 'heap' took
 * at(2.ms) { mlock 'heap' }                   // mlock(2), whole mapping unless pages:/from:
 * at(8.ms) { munlock 'heap' }
 * at(3.ms) { movePages 'heap', to: 1 }        // move_pages(2), whole mapping unless pages:/from:
 * at(4.ms) { migrateVma 'heap', to: 1 }       // migrate_vma into node 1's device memory (skipEvery: k)
 * at(1.ms) { madvise 'heap', advice: 'hugepage' }   // madvise(2): 'hugepage', 'nohugepage', 'pageout'
 * at(4.ms) { fork 'child' }                   // fork(2): 'child' shares the memory copy-on-write
 * at(9.ms) { exit 'child' }                   // the child exits (exit() alone: the process itself)
 * at(5.ms) { munmap 'heap', from: 0, pages: 64 }             // munmap(2) of a range (later references: SIGSEGV)
 * at(5.ms) { madvise 'heap', advice: 'dontneed', pages: 64 } // madvise(MADV_DONTNEED)
 * at(5.ms) { mbind 'heap', mode: 'bind', nodes: '1', move: true } // mbind(2), MPOL_MF_MOVE
 * at(6.ms) { fsync 'db.dat' }                 // fsync(2) of a file
 * </pre>
 * In {@code scenario {}} or {@code machine {}} they are hardware errors:
 * <pre>
 * at(5.ms) { poison process: 'p', mapping: 'heap', page: 5 }       // memory_failure of the page's frame
 * at(5.ms) { poison node: 0, free: true }                          // of a free buddy page of node 0
 * at(5.ms) { softOffline process: 'p', mapping: 'heap', page: 7 }  // soft_offline_page
 * at(1.ms) { driverPages 'balloon', node: 0, pages: 64 }          // a driver's non-LRU movable pages
 * at(5.ms) { softOffline driver: 'balloon', page: 3 }              // ... one of them soft-offlined (migrated)
 * </pre>
 * and device drivers' actions: {@code evict node: 1} (every device page of node 1 back to RAM;
 * {@code process: 'p'} for one process's), and memory hotplug: {@code addMemory node: 1, online:
 * 'movable'} (add_memory + online_pages of the node's hot-pluggable memory; device memory takes no
 * {@code online:}, it is memremap'd), {@code offlineMemory node: 1} (offline_pages).
 * and administrator's writes to a node's sysfs files:
 * <pre>
 * at(5.ms) { compact node: 0 }                 // compact_memory of node 0
 * at(5.ms) { hugepages node: 0, count: 64 }    // node 0's nr_hugepages
 * </pre>
 * The DSL checks words and value types; the engine's validator checks that processes, mappings,
 * pages and nodes exist and that the time lies inside the run.
 */
public final class AtBlock extends Block {
    static final Map<String, String> PROCESS_SETTINGS = usage(
            "pin", "pin 'heap', pages: 16",
            "unpin", "unpin 'heap'",
            "mlock", "mlock 'heap'",
            "munlock", "munlock 'heap'",
            "movePages", "movePages 'heap', to: 1",
            "migrateVma", "migrateVma 'heap', to: 1",
            "madvise", "madvise 'heap', advice: 'hugepage'",
            "fork", "fork 'child'",
            "exit", "exit()  or  exit 'child'",
            "munmap", "munmap 'heap', from: 0, pages: 64",
            "mbind", "mbind 'heap', mode: 'bind', nodes: '1', move: true",
            "fsync", "fsync 'db.dat'");
    static final List<String> MBIND_ARGUMENTS = List.of("mode", "nodes", "move", "pages", "from");
    /** madvise(2) advice the scenario language knows: the huge page ones ({@link dev.ksim.engine.model.Madvise}) and dontneed. */
    static final List<String> ADVICES = advices();
    static final Map<String, String> MACHINE_SETTINGS = usage(
            "poison", "poison process: 'app', mapping: 'heap', page: 5  or  poison node: 0, free: true",
            "softOffline", "softOffline process: 'app', mapping: 'heap', page: 7  or  softOffline driver: 'balloon', page: 3",
            "evict", "evict node: 1",
            "addMemory", "addMemory node: 1, online: 'movable'",
            "offlineMemory", "offlineMemory node: 1",
            "compact", "compact node: 0",
            "hugepages", "hugepages node: 0, count: 64",
            "driverPages", "driverPages 'balloon', node: 0, pages: 64");
    static final List<String> RANGE_ARGUMENTS = List.of("pages", "from");
    static final List<String> MOVE_ARGUMENTS = List.of("to", "pages", "from");
    static final List<String> POISON_ARGUMENTS = List.of("process", "mapping", "page", "node", "free");
    static final List<String> SOFT_OFFLINE_ARGUMENTS = List.of("process", "mapping", "page", "driver");
    static final List<String> MIGRATE_VMA_ARGUMENTS = List.of("to", "pages", "from", "skipEvery");
    static final List<String> EVICT_ARGUMENTS = List.of("node", "process");
    /** Who does a machine-level action that is not a hardware error. */
    static final Map<String, String> MACHINE_ACTORS = Map.of("evict", "a device driver's action",
            "addMemory", "memory hotplug", "offlineMemory", "memory hotplug",
            "compact", "a write to a node's sysfs file", "hugepages", "a write to a node's sysfs file",
            "driverPages", "a driver's allocation");
    static final List<String> ADD_MEMORY_ARGUMENTS = List.of("node", "online");
    static final List<String> OFFLINE_MEMORY_ARGUMENTS = List.of("node");
    /** The zones {@code addMemory online:} may name (the sysfs states online_kernel / online_movable). */
    static final List<String> ONLINE_ZONES = List.of("normal", "movable");
    static final List<String> MADVISE_ARGUMENTS = List.of("advice", "pages", "from");
    static final List<String> COMPACT_ARGUMENTS = List.of("node");
    static final List<String> HUGEPAGES_ARGUMENTS = List.of("node", "count");
    static final List<String> DRIVER_PAGES_ARGUMENTS = List.of("node", "pages");

    private final long atNs;
    /** The process whose mappings the actions name; null at scenario / machine level. */
    private final String processName;
    private final List<EventSpec> events;

    AtBlock(Evaluation ev, SourceRef where, long atNs, String processName, List<EventSpec> events) {
        super(ev, where);
        this.atNs = atNs;
        this.processName = processName;
        this.events = events;
    }

    @Override
    String blockName() {
        return "at";
    }

    @Override
    Map<String, String> settings() {
        return processName != null ? PROCESS_SETTINGS : MACHINE_SETTINGS;
    }

    // ------------------------------------------------------------------ process level

    public void pin(Object mapping) {
        pin(Map.of(), mapping);
    }

    public void pin(Map<?, ?> args, Object mapping) {
        range(Action.PIN, args, mapping, RANGE_ARGUMENTS);
    }

    public void unpin(Object mapping) {
        unpin(Map.of(), mapping);
    }

    public void unpin(Map<?, ?> args, Object mapping) {
        range(Action.UNPIN, args, mapping, List.of());
    }

    public void mlock(Object mapping) {
        mlock(Map.of(), mapping);
    }

    public void mlock(Map<?, ?> args, Object mapping) {
        range(Action.MLOCK, args, mapping, RANGE_ARGUMENTS);
    }

    public void munlock(Object mapping) {
        munlock(Map.of(), mapping);
    }

    public void munlock(Map<?, ?> args, Object mapping) {
        range(Action.MUNLOCK, args, mapping, RANGE_ARGUMENTS);
    }

    public void movePages(Map<?, ?> args, Object mapping) {
        range(Action.MOVE_PAGES, args, mapping, MOVE_ARGUMENTS);
    }

    public void movePages(Object mapping) {
        movePages(Map.of(), mapping);
    }

    public void migrateVma(Map<?, ?> args, Object mapping) {
        range(Action.MIGRATE_VMA, args, mapping, MIGRATE_VMA_ARGUMENTS);
    }

    public void migrateVma(Object mapping) {
        migrateVma(Map.of(), mapping);
    }

    public void munmap(Object mapping) {
        munmap(Map.of(), mapping);
    }

    public void munmap(Map<?, ?> args, Object mapping) {
        range(Action.MUNMAP, args, mapping, RANGE_ARGUMENTS);
    }

    public void madvise(Object mapping) {
        madvise(Map.of(), mapping);
    }

    public void madvise(Map<?, ?> args, Object mapping) {
        SourceRef at = ev.here();
        Object a = args.get("advice");
        if (processName != null && a == null) {
            report(at, "madvise needs advice: (" + String.join(", ", ADVICES) + "); write " + PROCESS_SETTINGS.get("madvise"));
            return;
        }
        Action action = null;
        if (a != null) {
            String key = a instanceof CharSequence cs ? cs.toString() : null;
            dev.ksim.engine.model.Madvise m = key == null ? null : dev.ksim.engine.model.Madvise.of(key);
            if ("dontneed".equals(key)) {
                action = Action.MADVISE_DONTNEED;
            } else if (m == null) {
                report(at, "unknown madvise advice " + (key == null ? Values.describe(a) : "'" + key + "'")
                        + (key == null ? "" : Values.suggest(key, ADVICES)) + " available: " + String.join(", ", ADVICES));
                return;
            } else {
                action = switch (m) {
                    case HUGEPAGE -> Action.MADVISE_HUGEPAGE;
                    case NOHUGEPAGE -> Action.MADVISE_NOHUGEPAGE;
                    case PAGEOUT -> Action.MADVISE_PAGEOUT;
                };
            }
        }
        java.util.Map<Object, Object> rest = new java.util.LinkedHashMap<>(args);
        rest.remove("advice");
        range(action == null ? Action.MADVISE_HUGEPAGE : action, rest, mapping, MADVISE_ARGUMENTS);
    }

    private static List<String> advices() {
        List<String> out = new java.util.ArrayList<>(dev.ksim.engine.model.Madvise.keys());
        out.add("dontneed");
        return List.copyOf(out);
    }

    public void mbind(Object mapping) {
        mbind(Map.of(), mapping);
    }

    public void mbind(Map<?, ?> args, Object mapping) {
        SourceRef at = ev.here();
        Object mode = args.get("mode");
        if (!(mode instanceof CharSequence)) {
            report(at, "mbind needs a mode (bind, preferred, interleave, default): " + PROCESS_SETTINGS.get("mbind"));
            return;
        }
        long mask = 0;
        if (args.containsKey("nodes")) {
            Long m = nodeMask(args.get("nodes"), at);
            if (m == null) {
                return;
            }
            mask = m;
        }
        Object move = args.containsKey("move") ? args.get("move") : Boolean.FALSE;
        if (!(move instanceof Boolean)) {
            report(at, "mbind move: expects true or false, got " + Values.describe(move));
            return;
        }
        Map<Object, Object> rest = new java.util.LinkedHashMap<>(args);
        rest.remove("mode");
        rest.remove("nodes");
        rest.remove("move");
        pendingText = mode.toString();
        pendingMask = mask;
        pendingFlag = (Boolean) move;
        range(Action.MBIND, rest, mapping, MBIND_ARGUMENTS);
    }

    /** A node list: a number, a list of numbers, or a string such as '0,2-3'; null after a report. */
    private Long nodeMask(Object v, SourceRef at) {
        List<Object> items = Values.asList(v);
        long mask = 0;
        if (Values.isIntegral(v)) {
            items = List.of(v);
        }
        if (items != null) {
            for (Object o : items) {
                if (!Values.isIntegral(o) || ((Number) o).longValue() < 0 || ((Number) o).longValue() > 63) {
                    report(at, "mbind nodes: expects node numbers 0..63, got " + Values.describe(o));
                    return null;
                }
                mask |= 1L << ((Number) o).intValue();
            }
            return mask;
        }
        if (v instanceof CharSequence cs) {
            for (String part : cs.toString().split(",")) {
                String p = part.trim();
                try {
                    int dash = p.indexOf('-');
                    int lo = Integer.parseInt(dash < 0 ? p : p.substring(0, dash).trim());
                    int hi = dash < 0 ? lo : Integer.parseInt(p.substring(dash + 1).trim());
                    if (lo < 0 || hi > 63 || hi < lo) {
                        throw new NumberFormatException();
                    }
                    for (int n = lo; n <= hi; n++) {
                        mask |= 1L << n;
                    }
                } catch (NumberFormatException x) {
                    report(at, "mbind nodes: '" + cs + "' is not a node list such as '1' or '0,2-3'");
                    return null;
                }
            }
            return mask;
        }
        report(at, "mbind nodes: expects a node list such as '0-1' or [0, 1], got " + Values.describe(v));
        return null;
    }

    public void fork(Object child) {
        SourceRef at = ev.here();
        if (processName == null) {
            report(at, "'fork' is something a process does: write it in process('name') { at(" + TimeSpan.ofNanos(atNs)
                    + ") { fork 'child' } }");
            return;
        }
        String name = nameArg("fork", child);
        if (name != null) {
            events.add(new EventSpec(atNs, Action.FORK, processName, null, 0, 0, -1, at, name, 0L, false));
        }
    }

    public void exit() {
        exitOf(null);
    }

    public void exit(Object process) {
        String name = nameArg("exit", process);
        if (name != null) {
            exitOf(name);
        }
    }

    private void exitOf(String name) {
        SourceRef at = ev.here();
        if (processName == null) {
            report(at, "'exit' is something a process does: write it in process('name') { at(" + TimeSpan.ofNanos(atNs) + ") { exit() } }");
            return;
        }
        events.add(new EventSpec(atNs, Action.EXIT, processName, null, 0, 0, -1, at, name == null ? processName : name, 0L, false));
    }

    public void fsync(Object file) {
        SourceRef at = ev.here();
        if (processName == null) {
            report(at, "'fsync' is a system call of a process: write it in process('name') { at(" + TimeSpan.ofNanos(atNs)
                    + ") { fsync 'db.dat' } }");
            return;
        }
        String name = nameArg("fsync", file);
        if (name != null) {
            events.add(new EventSpec(atNs, Action.FSYNC, processName, null, 0, 0, -1, at, name, 0L, false));
        }
    }

    private String pendingText;
    private long pendingMask;
    private boolean pendingFlag;

    private void range(Action action, Map<?, ?> args, Object mapping, List<String> allowed) {
        String text = pendingText;
        long mask = pendingMask;
        boolean flag = pendingFlag;
        pendingText = null;
        pendingMask = 0;
        pendingFlag = false;
        SourceRef at = ev.here();
        String word = action.word();
        if (processName == null) {
            report(at, "'" + word + "' acts on a process's mapping: write it in process('name') { at(" + TimeSpan.ofNanos(atNs)
                    + ") { " + PROCESS_SETTINGS.get(word) + " } }");
            return;
        }
        String name = nameArg(word, mapping);
        long from = 0;
        long pages = EventSpec.WHOLE_MAPPING;
        int node = -1;
        int skipEvery = 0;
        boolean ok = name != null;
        for (Map.Entry<?, ?> e : args.entrySet()) {
            String key = String.valueOf(e.getKey());
            if (!allowed.contains(key)) {
                report(at, "unknown argument '" + key + "' of " + word + Values.suggest(key, allowed)
                        + (allowed.isEmpty() ? " it takes none: " + PROCESS_SETTINGS.get(word) : " arguments: " + String.join(", ", allowed)));
                ok = false;
                continue;
            }
            Long v = integerArg(word + " " + key + ":", e.getValue(), "pages".equals(key) ? 1 : 0);
            if (v == null) {
                ok = false;
            } else if ("from".equals(key)) {
                from = v;
            } else if ("pages".equals(key)) {
                pages = v;
            } else if ("skipEvery".equals(key)) {
                skipEvery = (int) Math.min(v, Integer.MAX_VALUE);
            } else {
                node = (int) Math.min(v, Integer.MAX_VALUE);
            }
        }
        if ((action == Action.MOVE_PAGES || action == Action.MIGRATE_VMA) && !args.containsKey("to")) {
            report(at, word + " needs a target node: " + PROCESS_SETTINGS.get(word));
            ok = false;
        }
        if (ok) {
            events.add(new EventSpec(atNs, action, processName, name, from, pages, node, null, skipEvery, at, text, mask, flag));
        }
    }

    // ------------------------------------------------------------------ machine level

    public void poison(Map<?, ?> args) {
        SourceRef at = ev.here();
        if (!checkArguments("poison", args, POISON_ARGUMENTS, at)) {
            return;
        }
        if (args.containsKey("node") || args.containsKey("free")) {
            for (String k : List.of("process", "mapping", "page")) {
                if (args.containsKey(k)) {
                    report(at, "poison takes either node: and free: (a free page) or process:, mapping: and page:, not both");
                    return;
                }
            }
            if (!Boolean.TRUE.equals(args.get("free"))) {
                report(at, "poison node: needs free: true (the only page of a node it can pick is a free one); write "
                        + "poison node: 0, free: true");
                return;
            }
            if (!args.containsKey("node")) {
                report(at, "poison free: true needs node:; write poison node: 0, free: true");
                return;
            }
            Long node = integerArg("poison node:", args.get("node"), 0);
            if (node != null) {
                events.add(new EventSpec(atNs, Action.POISON_FREE, null, null, 0, 1, (int) Math.min(node, Integer.MAX_VALUE), at));
            }
            return;
        }
        processPage(Action.POISON, args, at);
    }

    public void compact(Map<?, ?> args) {
        SourceRef at = ev.here();
        if (!checkArguments("compact", args, COMPACT_ARGUMENTS, at)) {
            return;
        }
        if (!args.containsKey("node")) {
            report(at, "compact needs node:; write " + MACHINE_SETTINGS.get("compact"));
            return;
        }
        Long node = integerArg("compact node:", args.get("node"), 0);
        if (node != null) {
            events.add(new EventSpec(atNs, Action.COMPACT, null, null, 0, 0, (int) Math.min(node, Integer.MAX_VALUE), at));
        }
    }

    public void hugepages(Map<?, ?> args) {
        SourceRef at = ev.here();
        if (!checkArguments("hugepages", args, HUGEPAGES_ARGUMENTS, at)) {
            return;
        }
        if (!args.containsKey("node") || !args.containsKey("count")) {
            report(at, "hugepages needs node: and count:; write " + MACHINE_SETTINGS.get("hugepages"));
            return;
        }
        Long node = integerArg("hugepages node:", args.get("node"), 0);
        Long count = integerArg("hugepages count:", args.get("count"), 0);
        if (node != null && count != null) {
            events.add(new EventSpec(atNs, Action.NR_HUGEPAGES, null, null, 0, count, (int) Math.min(node, Integer.MAX_VALUE), at));
        }
    }

    public void softOffline(Map<?, ?> args) {
        SourceRef at = ev.here();
        if (!checkArguments("softOffline", args, SOFT_OFFLINE_ARGUMENTS, at)) {
            return;
        }
        if (!args.containsKey("driver")) {
            processPage(Action.SOFT_OFFLINE, args, at);
            return;
        }
        if (args.containsKey("process") || args.containsKey("mapping") || !args.containsKey("page")) {
            report(at, "softOffline driver: takes page: and nothing else; write softOffline driver: 'balloon', page: 3");
            return;
        }
        String driver = nameArg("softOffline driver:", args.get("driver"));
        Long page = integerArg("softOffline page:", args.get("page"), 0);
        if (driver != null && page != null) {
            events.add(new EventSpec(atNs, Action.SOFT_OFFLINE_DRIVER, null, null, page, 1, -1, at, driver, 0L, false));
        }
    }

    /** A driver allocates non-LRU movable pages (zsmalloc / balloon like): {@code driverPages 'balloon', node: 0, pages: 64}. */
    public void driverPages(Map<?, ?> args, Object driver) {
        SourceRef at = ev.here();
        if (!checkArguments("driverPages", args, DRIVER_PAGES_ARGUMENTS, at)) {
            return;
        }
        if (!args.containsKey("node") || !args.containsKey("pages")) {
            report(at, "driverPages needs node: and pages:; write " + MACHINE_SETTINGS.get("driverPages"));
            return;
        }
        String name = nameArg("driverPages", driver);
        Long node = integerArg("driverPages node:", args.get("node"), 0);
        Long pages = integerArg("driverPages pages:", args.get("pages"), 1);
        if (name != null && node != null && pages != null) {
            events.add(new EventSpec(atNs, Action.DRIVER_PAGES, null, null, 0, pages, (int) Math.min(node, Integer.MAX_VALUE), at,
                    name, 0L, false));
        }
    }

    public void driverPages(Object driver) {
        driverPages(Map.of(), driver);
    }

    /** A device driver evicts its pages back to RAM: {@code evict node: 1} or {@code evict node: 1, process: 'app'}. */
    public void evict(Map<?, ?> args) {
        SourceRef at = ev.here();
        if (!checkArguments("evict", args, EVICT_ARGUMENTS, at)) {
            return;
        }
        if (!args.containsKey("node")) {
            report(at, "evict needs the device's node: " + MACHINE_SETTINGS.get("evict"));
            return;
        }
        Long node = integerArg("evict node:", args.get("node"), 0);
        String process = args.containsKey("process") ? nameArg("evict process:", args.get("process")) : null;
        if (node != null && (process != null || !args.containsKey("process"))) {
            events.add(new EventSpec(atNs, Action.EVICT, process, null, 0, 0, (int) Math.min(node, Integer.MAX_VALUE), at));
        }
    }

    /** Memory hot-add: {@code addMemory node: 1, online: 'movable'} ({@code 'normal'}); device memory takes no {@code online:}. */
    public void addMemory(Map<?, ?> args) {
        SourceRef at = ev.here();
        if (!checkArguments("addMemory", args, ADD_MEMORY_ARGUMENTS, at)) {
            return;
        }
        if (!args.containsKey("node")) {
            report(at, "addMemory needs a node: " + MACHINE_SETTINGS.get("addMemory"));
            return;
        }
        String zone = null;
        if (args.containsKey("online")) {
            Object z = args.get("online");
            zone = z instanceof CharSequence cs ? cs.toString() : null;
            if (zone == null || !ONLINE_ZONES.contains(zone)) {
                report(at, "addMemory online: must be 'normal' or 'movable' (ZONE_NORMAL, ZONE_MOVABLE), got "
                        + (zone == null ? Values.describe(z) : "'" + zone + "'" + Values.suggest(zone, ONLINE_ZONES).replaceAll(";$", "")));
                return;
            }
        }
        Long node = integerArg("addMemory node:", args.get("node"), 0);
        if (node != null) {
            events.add(new EventSpec(atNs, Action.ADD_MEMORY, null, null, 0, 0, (int) Math.min(node, Integer.MAX_VALUE), zone, 0, at));
        }
    }

    /** Memory offlining: {@code offlineMemory node: 1}. */
    public void offlineMemory(Map<?, ?> args) {
        SourceRef at = ev.here();
        if (!checkArguments("offlineMemory", args, OFFLINE_MEMORY_ARGUMENTS, at)) {
            return;
        }
        if (!args.containsKey("node")) {
            report(at, "offlineMemory needs a node: " + MACHINE_SETTINGS.get("offlineMemory"));
            return;
        }
        Long node = integerArg("offlineMemory node:", args.get("node"), 0);
        if (node != null) {
            events.add(new EventSpec(atNs, Action.OFFLINE_MEMORY, null, null, 0, 0, (int) Math.min(node, Integer.MAX_VALUE), at));
        }
    }

    private void processPage(Action action, Map<?, ?> args, SourceRef at) {
        String word = action.word();
        for (String k : List.of("process", "mapping", "page")) {
            if (!args.containsKey(k)) {
                report(at, word + " needs process:, mapping: and page:; write " + MACHINE_SETTINGS.get(word));
                return;
            }
        }
        String process = nameArg(word + " process:", args.get("process"));
        String mapping = nameArg(word + " mapping:", args.get("mapping"));
        Long page = integerArg(word + " page:", args.get("page"), 0);
        if (process != null && mapping != null && page != null) {
            events.add(new EventSpec(atNs, action, process, mapping, page, 1, -1, at));
        }
    }

    private boolean checkArguments(String word, Map<?, ?> args, List<String> allowed, SourceRef at) {
        if (processName != null) {
            String what = MACHINE_ACTORS.getOrDefault(word, "a hardware error");
            report(at, "'" + word + "' is " + what + ", not something process '" + processName + "' does: write it in"
                    + " scenario {} or machine {}: at(" + TimeSpan.ofNanos(atNs) + ") { " + MACHINE_SETTINGS.get(word) + " }");
            return false;
        }
        boolean ok = true;
        for (Object k : args.keySet()) {
            String key = String.valueOf(k);
            if (!allowed.contains(key)) {
                report(at, "unknown argument '" + key + "' of " + word + Values.suggest(key, allowed) + " arguments: "
                        + String.join(", ", allowed));
                ok = false;
            }
        }
        return ok;
    }
}

package dev.ksim.engine.model;

import dev.ksim.engine.mm.MemoryManager;
import dev.ksim.engine.util.Suggestions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The checks of files, file-backed and shared mappings, file I/O threads, the writeback settings
 * and the timed actions fork, exit, munmap, madvise, mbind and fsync; part of
 * {@link ScenarioValidator#validate}. Every problem is reported, located at the spec it concerns.
 */
final class PageCacheValidator {
    /** Mode names of mbind. */
    static final List<String> MBIND_MODES = List.of("bind", "preferred", "interleave", "default");

    private PageCacheValidator() {
    }

    static void validate(ScenarioModel m, MachineSpec machine, List<Diagnostic> out) {
        Map<String, FileSpec> files = new LinkedHashMap<>();
        for (FileSpec f : m.files()) {
            SourceRef w = at(f.where());
            if (files.putIfAbsent(f.name(), f) != null) {
                out.add(new Diagnostic(w, "file '" + f.name() + "' is declared twice"));
            }
            if (f.sizeBytes() <= 0) {
                out.add(new Diagnostic(w, "file '" + f.name() + "' size must be > 0, got " + f.sizeBytes() + " bytes"));
            } else if ((f.sizeBytes() - 1) / MemoryManager.PAGE_SIZE + 1 > MemoryManager.MAX_FRAMES) {
                out.add(new Diagnostic(w, "file '" + f.name() + "' is too large: at most " + MemoryManager.MAX_FRAMES + " pages"));
            }
            if (f.readLatencyNs() < 0 && f.readLatencyNs() != FileSpec.DEFAULT_LATENCY
                    || f.writeLatencyNs() < 0 && f.writeLatencyNs() != FileSpec.DEFAULT_LATENCY) {
                out.add(new Diagnostic(w, "file '" + f.name() + "' latencies must be >= 0"));
            }
        }
        boolean lru = machine == null || machine.reclaim() == ReclaimMode.LRU;
        String reclaim = machine == null ? "" : machine.reclaim().key();
        Set<String> shmemNames = new HashSet<>();
        Set<String> fileNames = new HashSet<>(files.keySet());
        long pfnPages = 0;
        for (ProcessSpec p : m.processes()) {
            for (MappingSpec map : p.mappings()) {
                SourceRef mw = at(map.where());
                MappingKind k = map.kind();
                if (k == MappingKind.ANON || k == MappingKind.HUGETLB) {
                    continue;
                }
                if (!lru) {
                    out.add(new Diagnostic(mw, "mapping '" + map.name() + "' of kind '" + k.key() + "' needs reclaim 'lru' (the machine uses '"
                            + reclaim + "', which keeps one exact list of anonymous pages)"));
                }
                long pages = pages(map.sizeBytes());
                if (k == MappingKind.PFNMAP) {
                    pfnPages += pages;
                    continue;
                }
                if (map.file() == null) {
                    continue;
                }
                if (k == MappingKind.SHMEM) {
                    shmemNames.add(map.file());
                } else {
                    fileNames.add(map.file());
                }
                FileSpec f = files.get(map.file());
                if (f != null && k != MappingKind.SHMEM && pages > pages(f.sizeBytes())) {
                    out.add(new Diagnostic(mw, "mapping '" + map.name() + "' (" + pages + " pages) is larger than file '" + f.name()
                            + "' (" + pages(f.sizeBytes()) + " pages); a reference beyond the end of a file is SIGBUS"));
                }
            }
        }
        for (String n : shmemNames) {
            if (fileNames.contains(n)) {
                out.add(new Diagnostic(at(m.source()), "'" + n + "' is mapped both as a file and as a shmem object; use two names"));
            }
        }
        if (machine != null && pfnPages > 0) {
            long total = 0;
            for (NodeSpec n : machine.nodes()) {
                total += n.sizeBytes() / MemoryManager.PAGE_SIZE;
            }
            if (pfnPages >= total) {
                out.add(new Diagnostic(at(m.source()), "pfnmap mappings take " + pfnPages + " driver frames at mmap, but the machine has "
                        + total + " frames"));
            }
        }
        Set<String> known = new LinkedHashSet<>(fileNames);
        known.addAll(shmemNames);
        for (ProcessSpec p : m.processes()) {
            for (ThreadSpec t : p.threads()) {
                if (t.file() == null) {
                    continue;
                }
                SourceRef tw = at(t.where());
                if (!known.contains(t.file())) {
                    out.add(new Diagnostic(tw, "thread '" + t.name() + "' reads and writes unknown file '" + t.file() + "'"
                            + Suggestions.didYouMean(t.file(), known) + "; declare it: file('" + t.file() + "') { size 64.MiB }"));
                }
                if (!lru) {
                    out.add(new Diagnostic(tw, "thread '" + t.name() + "' does file I/O, which needs reclaim 'lru' (the machine uses '"
                            + reclaim + "')"));
                }
            }
        }
        WritebackSpec wb = m.writeback();
        SourceRef ww = at(wb.where());
        if (wb.dirtyBackgroundRatio() < 0 || wb.dirtyBackgroundRatio() > 100) {
            out.add(new Diagnostic(ww, "dirtyBackgroundRatio must be in 0..100 (percent), got " + wb.dirtyBackgroundRatio()));
        }
        if (wb.dirtyRatio() < 1 || wb.dirtyRatio() > 100) {
            out.add(new Diagnostic(ww, "dirtyRatio must be in 1..100 (percent), got " + wb.dirtyRatio()));
        }
        if (wb.dirtyExpireNs() < 0 || wb.dirtyWritebackIntervalNs() < 0) {
            out.add(new Diagnostic(ww, "dirtyExpire and dirtyWritebackInterval must be >= 0"));
        }
        validateEvents(m, machine, known, out);
    }

    /** fork, exit, fsync, mbind and madvise: names, order, modes and nodes. */
    private static void validateEvents(ScenarioModel m, MachineSpec machine, Set<String> files, List<Diagnostic> out) {
        Map<String, ProcessSpec> declared = new LinkedHashMap<>();
        for (ProcessSpec p : m.processes()) {
            declared.putIfAbsent(p.name(), p);
        }
        List<EventSpec> byTime = new ArrayList<>(m.events());
        byTime.sort(Comparator.comparingLong(EventSpec::atNs));
        Map<String, String> parentOf = new HashMap<>();
        Set<String> forked = new HashSet<>();
        for (EventSpec e : m.events()) {
            if (e.action() == EventSpec.Action.FORK && e.text() != null) {
                if (declared.containsKey(e.text()) || !forked.add(e.text())) {
                    out.add(new Diagnostic(at(e.where()), "fork names its child '" + e.text() + "', but a process of that name "
                            + (declared.containsKey(e.text()) ? "is declared" : "is forked elsewhere") + "; give the child its own name"));
                }
                parentOf.putIfAbsent(e.text(), e.process());
            }
        }
        Set<String> alive = new HashSet<>(declared.keySet());
        Map<String, Long> drivers = new HashMap<>();
        for (EventSpec e : byTime) {
            SourceRef w = at(e.where());
            String word = e.action().word();
            if (e.process() != null && !declared.containsKey(e.process()) && forked.contains(e.process()) && !alive.contains(e.process())) {
                out.add(new Diagnostic(w, word + " acts on '" + e.process() + "' before the fork that creates it"));
            }
            switch (e.action()) {
                case FORK -> {
                    if (e.text() == null || e.text().isEmpty()) {
                        out.add(new Diagnostic(w, "fork needs the child's name: fork 'child'"));
                    } else {
                        alive.add(e.text());
                    }
                }
                case EXIT -> {
                    String who = e.text() == null ? e.process() : e.text();
                    if (!who.equals(e.process()) && !e.process().equals(parentOf.get(who))) {
                        out.add(new Diagnostic(w, "exit '" + who + "': a process can exit itself or a child it forked"
                                + Suggestions.didYouMean(who, forked)));
                    } else if (!alive.contains(who)) {
                        out.add(new Diagnostic(w, "exit '" + who + "' comes before the fork that creates it"));
                    }
                }
                case FSYNC -> {
                    if (e.text() == null || !files.contains(e.text())) {
                        out.add(new Diagnostic(w, "fsync of unknown file '" + e.text() + "'" + Suggestions.didYouMean(String.valueOf(e.text()), files)));
                    }
                }
                case MBIND -> {
                    if (!MBIND_MODES.contains(e.text())) {
                        out.add(new Diagnostic(w, "unknown mbind mode '" + e.text() + "'" + Suggestions.didYouMean(String.valueOf(e.text()), MBIND_MODES)
                                + "; modes: " + String.join(", ", MBIND_MODES)));
                    } else if (!"default".equals(e.text()) && e.nodemask() == 0) {
                        out.add(new Diagnostic(w, "mbind " + e.text() + " needs nodes: e.g. nodes: '1' or nodes: '0-1'"));
                    }
                    int nodes = machine == null ? 64 : machine.nodes().size();
                    if (nodes < 64 && e.nodemask() >>> nodes != 0) {
                        out.add(new Diagnostic(w, "mbind names node " + (63 - Long.numberOfLeadingZeros(e.nodemask()))
                                + ", but the machine has nodes 0.." + (nodes - 1)));
                    }
                }
                case DRIVER_PAGES -> {
                    if (drivers.putIfAbsent(e.text(), e.pages()) != null) {
                        out.add(new Diagnostic(w, "driver '" + e.text() + "' allocates its movable pages twice; give each driver its own name"));
                    }
                    int nodes = machine == null ? 64 : machine.nodes().size();
                    if (e.node() < 0 || e.node() >= nodes) {
                        out.add(new Diagnostic(w, "driverPages names node " + e.node() + ", but the machine has nodes 0.." + (nodes - 1)));
                    }
                }
                case SOFT_OFFLINE_DRIVER -> {
                    Long pages = drivers.get(e.text());
                    if (pages == null) {
                        out.add(new Diagnostic(w, "softOffline names driver '" + e.text() + "', which has no movable pages at that time"
                                + Suggestions.didYouMean(String.valueOf(e.text()), drivers.keySet()) + "; allocate them first: driverPages '"
                                + e.text() + "', node: 0, pages: 16"));
                    } else if (e.from() < 0 || e.from() >= pages) {
                        out.add(new Diagnostic(w, "softOffline: page " + e.from() + " of driver '" + e.text() + "' is outside its pages 0.."
                                + (pages - 1)));
                    }
                }
                case MADVISE_DONTNEED -> {
                    MappingSpec map = mapping(declared, parentOf, e);
                    if (map != null && map.kind() == MappingKind.PFNMAP) {
                        out.add(new Diagnostic(w, "madvise dontneed of pfnmap mapping '" + map.name() + "' fails with EINVAL (VM_PFNMAP)"));
                    } else if (map != null && map.kind() == MappingKind.HUGETLB) {
                        out.add(new Diagnostic(w, "madvise dontneed of hugetlb mapping '" + map.name()
                                + "': ksim does not simulate zapping part of a hugetlbfs mapping"));
                    }
                }
                case MUNMAP -> {
                    MappingSpec map = mapping(declared, parentOf, e);
                    if (map != null && map.kind() == MappingKind.HUGETLB) {
                        out.add(new Diagnostic(w, "munmap of hugetlb mapping '" + map.name()
                                + "': ksim does not simulate unmapping part of a hugetlbfs mapping"));
                    }
                }
                default -> {
                }
            }
        }
    }

    private static MappingSpec mapping(Map<String, ProcessSpec> declared, Map<String, String> parentOf, EventSpec e) {
        String p = e.process();
        while (p != null && !declared.containsKey(p)) {
            p = parentOf.get(p);
        }
        if (p == null) {
            return null;
        }
        for (MappingSpec ms : declared.get(p).mappings()) {
            if (ms.name().equals(e.mapping())) {
                return ms;
            }
        }
        return null;
    }

    /** The fork action that creates process {@code name}, or null. */
    static EventSpec forkChild(ScenarioModel m, String name) {
        for (EventSpec e : m.events()) {
            if (e.action() == EventSpec.Action.FORK && name.equals(e.text())) {
                return e;
            }
        }
        return null;
    }

    /** The declared process a forked {@code name} descends from (itself if declared), or null. */
    static String forkRoot(ScenarioModel m, String name) {
        Set<String> seen = new HashSet<>();
        String p = name;
        while (p != null && seen.add(p)) {
            EventSpec fork = forkChild(m, p);
            if (fork == null) {
                return p;
            }
            p = fork.process();
        }
        return null;
    }

    private static long pages(long bytes) {
        return bytes <= 0 ? 0 : (bytes - 1) / MemoryManager.PAGE_SIZE + 1;
    }

    private static SourceRef at(SourceRef where) {
        return where == null ? SourceRef.UNKNOWN : where;
    }
}

package dev.ksim.dsl;

import dev.ksim.dsl.internal.Values;
import dev.ksim.engine.model.PluginRef;
import dev.ksim.engine.model.SourceRef;
import dev.ksim.engine.model.ThreadSpec;
import dev.ksim.spi.PluginKind;
import java.util.List;
import java.util.Map;

/**
 * {@code thread(cpu: 0, mapping: 'heap') { workload 'zipf', theta: 0.99; accesses 200_000 }}: a
 * thread pinned to a CPU that touches one mapping of its process with a workload generator.
 * {@code accesses 0} (the default) means unbounded: the thread runs until the scenario's duration.
 */
public final class ThreadBlock extends Block {
    static final List<String> ARGUMENTS = List.of("cpu", "mapping", "file", "name", "accesses", "start");
    static final Map<String, String> SETTINGS = usage(
            "workload", "workload 'zipf', theta: 0.99",
            "accesses", "accesses 200_000",
            "cpu", "cpu 0",
            "mapping", "mapping 'heap'",
            "start", "start 10.ms",
            "file", "file 'db.dat'");

    private final ProcessBlock process;
    private final int index;
    String threadName;
    private Integer cpuNumber;
    private String mappingName;
    private SourceRef mappingWhere;
    private String fileName;
    private PluginRef workloadRef;
    private boolean workloadSeen;
    private long accessCount;
    private long startNs;

    ThreadBlock(Evaluation ev, SourceRef where, ProcessBlock process, int index) {
        super(ev, where);
        this.process = process;
        this.index = index;
    }

    @Override
    String blockName() {
        return "thread";
    }

    @Override
    Map<String, String> settings() {
        return SETTINGS;
    }

    /** The workload generator, by plugin id; options as named arguments. */
    public void workload(Object id) {
        workload(Map.of(), id);
    }

    public void workload(Map<?, ?> options, Object id) {
        workloadSeen = true;
        workloadRef = pluginArg(PluginKind.WORKLOAD_GENERATOR, id, options);
    }

    /** Number of memory references the thread makes (0 = unbounded). */
    public void accesses(Object count) {
        Long n = integerArg("accesses", count, 0);
        if (n != null) {
            accessCount = n;
        }
    }

    /** When the thread starts, from the start of the run (default 0). */
    public void start(Object time) {
        Long ns = durationArg("start", time);
        if (ns != null) {
            if (ns < 0) {
                report(what("start") + " must be 0 or later, got " + time);
                return;
            }
            startNs = ns;
        }
    }

    /** The CPU the thread is pinned to. */
    public void cpu(Object cpu) {
        Long n = integerArg("cpu", cpu, 0);
        if (n != null) {
            cpuNumber = (int) Math.min(n, Integer.MAX_VALUE);
        }
    }

    /** The mapping the thread touches (may be omitted when the process has one mapping). */
    public void mapping(Object name) {
        String text = nameArg("mapping", name);
        if (text != null) {
            mappingName = text;
            mappingWhere = ev.here();
        }
    }

    /**
     * The file the thread reads and writes with read(2)/write(2) through the page cache, instead of
     * referencing a mapping (its workload's pages are the file's pages; writeRatio makes writes).
     */
    public void file(Object name) {
        String text = nameArg("file", name);
        if (text != null) {
            fileName = text;
        }
    }

    /** Whether the thread reads and writes a file instead of referencing a mapping. */
    boolean doesFileIo() {
        return fileName != null;
    }

    private String label() {
        return "thread '" + (threadName != null ? threadName : "t" + index) + "' of process '" + process.processName + "'";
    }

    ThreadSpec build() {
        boolean ok = true;
        boolean quiet = dirty;
        String mapping = mappingName;
        List<String> names = process.mappingNames();
        if (fileName != null) {
            if (mappingName != null) {
                report(mappingWhere, label() + " names both mapping '" + mappingName + "' and file '" + fileName
                        + "'; a thread either references a mapping or reads and writes a file");
                ok = false;
            }
        } else if (mapping == null) {
            if (names.size() == 1) {
                mapping = names.get(0);
            } else if (names.size() > 1) {
                report(where, label() + " must name its mapping, as the process has several (" + String.join(", ", names)
                        + "); write thread(cpu: 0, mapping: '" + names.get(0) + "')");
                ok = false;
            } else {
                ok = false;
            }
        } else if (!process.hasMapping(mapping) && !names.isEmpty()) {
            report(mappingWhere, label() + " uses mapping '" + mapping + "', which the process does not declare"
                    + Values.suggest(mapping, names) + " mappings: " + String.join(", ", names));
            ok = false;
        }
        if (cpuNumber == null) {
            if (!quiet) {
                report(where, label() + " needs a cpu: thread(cpu: 0) { ... }");
            }
            ok = false;
        }
        if (!workloadSeen) {
            if (!quiet) {
                report(where, label() + " has no workload; add workload 'uniform' in its block");
            }
            ok = false;
        } else if (workloadRef == null) {
            ok = false;
        }
        if (!ok) {
            return null;
        }
        return new ThreadSpec(threadName != null ? threadName : "t" + index, cpuNumber, fileName != null ? null : mapping,
                workloadRef, accessCount, where, startNs, fileName);
    }
}

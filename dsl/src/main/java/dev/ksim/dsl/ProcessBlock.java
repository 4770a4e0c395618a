package dev.ksim.dsl;

import dev.ksim.dsl.internal.Values;
import dev.ksim.engine.model.MappingKind;
import dev.ksim.engine.model.MappingSpec;
import dev.ksim.engine.model.ProcessSpec;
import dev.ksim.engine.model.SourceRef;
import dev.ksim.engine.model.ThreadSpec;
import groovy.lang.Closure;
import groovy.lang.DelegatesTo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code process('app') { mapping 'heap', 64.MiB; thread(cpu: 0) { workload 'uniform' } }}: a
 * process with at least one thread and at least one mapping (unless all its threads do file I/O:
 * {@code thread(cpu: 0, file: 'db.dat')}). Threads are named t0, t1, …
 * in declaration order unless given {@code name:}.
 */
public final class ProcessBlock extends Block {
    static final Map<String, String> SETTINGS = usage(
            "mapping", "mapping 'heap', 64.MiB",
            "thread", "thread(cpu: 0, mapping: 'heap') { workload 'uniform'; accesses 100_000 }",
            "at", "at(5.ms) { pin 'heap', pages: 16 }");

    static final List<String> MAPPING_ARGUMENTS = List.of("kind", "file", "madvise");

    final String processName;
    private final LinkedHashMap<String, MappingSpec> mappings = new LinkedHashMap<>();
    private final List<ThreadBlock> threads = new ArrayList<>();

    ProcessBlock(Evaluation ev, SourceRef where, String name) {
        super(ev, where);
        this.processName = name;
    }

    @Override
    String blockName() {
        return "process";
    }

    @Override
    Map<String, String> settings() {
        return SETTINGS;
    }

    /** An anonymous private mapping of the given size. */
    public void mapping(Object name, Object size) {
        if (size instanceof Closure<?> body) {
            mappingBlock(name, body);
            return;
        }
        mapping(Map.of(), name, size);
    }

    /** A mapping of the given size; named arguments {@code kind:} ({@link MappingKind}) and {@code file:}. */
    public void mapping(Map<?, ?> args, Object name, Object size) {
        SourceRef at = ev.here();
        String text = nameArg("mapping", name);
        Long bytes = sizeArg("mapping", size);
        MappingKind kind = MappingKind.ANON;
        String file = null;
        dev.ksim.engine.model.Madvise advice = null;
        boolean ok = true;
        for (Map.Entry<?, ?> e : args.entrySet()) {
            String key = String.valueOf(e.getKey());
            switch (key) {
                case "kind" -> {
                    kind = MappingBlock.kindArg(this, e.getValue());
                    ok &= kind != null;
                }
                case "file" -> {
                    file = nameArg("file", e.getValue());
                    ok &= file != null;
                }
                case "madvise" -> {
                    advice = MappingBlock.adviceArg(this, e.getValue());
                    ok &= advice != null;
                }
                default -> {
                    report("unknown argument '" + key + "' of mapping(...)" + Values.suggest(key, MAPPING_ARGUMENTS)
                            + " arguments: " + String.join(", ", MAPPING_ARGUMENTS));
                    ok = false;
                }
            }
        }
        if (text != null && bytes != null && ok) {
            addMapping(new MappingSpec(text, bytes, kind, file, at, advice));
        }
    }

    /** An anonymous private mapping configured in a block: {@code mapping('heap') { size 64.MiB }}. */
    public void mapping(Object name, @DelegatesTo(value = MappingBlock.class, strategy = Closure.DELEGATE_ONLY) Closure<?> body) {
        mappingBlock(name, body);
    }

    private void mappingBlock(Object name, Closure<?> body) {
        SourceRef at = ev.here();
        String text = nameArg("mapping", name);
        if (text == null) {
            return;
        }
        MappingBlock block = within(new MappingBlock(ev, at, text), body);
        MappingSpec spec = block.build();
        if (spec != null) {
            addMapping(spec);
        } else {
            dirty = true;
        }
    }

    private void addMapping(MappingSpec spec) {
        MappingSpec first = mappings.get(spec.name());
        if (first != null) {
            report(spec.where(), "mapping '" + spec.name() + "' of process '" + processName + "' is declared twice (first at line "
                    + first.where().line() + ")");
            return;
        }
        mappings.put(spec.name(), spec);
    }

    /** A thread; named arguments: cpu (required unless set in the block), mapping, name, accesses. */
    public void thread(Map<?, ?> args, @DelegatesTo(value = ThreadBlock.class, strategy = Closure.DELEGATE_ONLY) Closure<?> body) {
        SourceRef at = ev.here();
        ThreadBlock t = new ThreadBlock(ev, at, this, threads.size());
        if (args != null) {
            for (Map.Entry<?, ?> e : args.entrySet()) {
                String key = String.valueOf(e.getKey());
                switch (key) {
                    case "cpu" -> t.cpu(e.getValue());
                    case "mapping" -> t.mapping(e.getValue());
                    case "file" -> t.file(e.getValue());
                    case "accesses" -> t.accesses(e.getValue());
                    case "start" -> t.start(e.getValue());
                    case "name" -> t.threadName = nameArg("name", e.getValue());
                    default -> t.report("unknown argument '" + key + "' of thread(...)"
                            + Values.suggest(key, ThreadBlock.ARGUMENTS) + " arguments: " + String.join(", ", ThreadBlock.ARGUMENTS));
                }
            }
        }
        if (t.threadName != null) {
            for (ThreadBlock other : threads) {
                if (t.threadName.equals(other.threadName)) {
                    report("thread '" + t.threadName + "' of process '" + processName + "' is declared twice (first at line "
                            + other.where.line() + ")");
                    return;
                }
            }
        }
        threads.add(within(t, body));
    }

    public void thread(Map<?, ?> args) {
        thread(args, null);
    }

    public void thread(@DelegatesTo(value = ThreadBlock.class, strategy = Closure.DELEGATE_ONLY) Closure<?> body) {
        thread(Map.of(), body);
    }

    /** Timed actions at one instant: {@code at(5.ms) { pin 'heap', pages: 16 }}; see {@link AtBlock}. */
    public void at(Object time, @DelegatesTo(value = AtBlock.class, strategy = Closure.DELEGATE_ONLY) Closure<?> body) {
        atBlock(time, body, processName);
    }

    List<String> mappingNames() {
        return new ArrayList<>(mappings.keySet());
    }

    ProcessSpec build() {
        boolean ok = true;
        boolean quiet = dirty;
        boolean fileIoOnly = !threads.isEmpty() && threads.stream().allMatch(ThreadBlock::doesFileIo);
        if (mappings.isEmpty() && !fileIoOnly) {
            if (!quiet) {
                report(where, "process '" + processName + "' has no mapping; add one: " + SETTINGS.get("mapping"));
            }
            ok = false;
        }
        if (threads.isEmpty()) {
            if (!quiet) {
                report(where, "process '" + processName + "' has no thread; add one: thread(cpu: 0) { workload 'uniform' }");
            }
            ok = false;
        }
        List<ThreadSpec> specs = new ArrayList<>();
        for (ThreadBlock t : threads) {
            ThreadSpec spec = t.build();
            if (spec == null) {
                ok = false;
            } else {
                specs.add(spec);
            }
        }
        return ok ? new ProcessSpec(processName, List.copyOf(mappings.values()), specs, where) : null;
    }

    boolean hasMapping(String name) {
        return mappings.containsKey(name);
    }

    static String describeAll(List<String> names) {
        return Values.joinQuoted(names);
    }
}

package dev.ksim.dsl;

import dev.ksim.dsl.internal.Values;
import dev.ksim.engine.model.Madvise;
import dev.ksim.engine.model.MappingKind;
import dev.ksim.engine.model.MappingSpec;
import dev.ksim.engine.model.SourceRef;
import dev.ksim.engine.util.Suggestions;
import java.util.Map;

/**
/**
 * {@code mapping('heap') { size 64.MiB; kind 'anon'; explicitPolicy true }}: a mapping configured
 * in a block; {@code kind} ({@link MappingKind}, default {@code 'anon'}) and, for file-backed
 * kinds, {@code file}. {@code explicitPolicy true} says the mapping has an explicit memory policy
 * (mbind/set_mempolicy): automatic NUMA balancing leaves it alone.
 */
public final class MappingBlock extends Block {
    static final Map<String, String> SETTINGS = usage("size", "size 64.MiB", "kind", "kind 'file-shared'", "file", "file 'db.dat'",
            "explicitPolicy", "explicitPolicy true",
            "madvise", "madvise 'hugepage'");

    private final String mappingName;
    private Long bytes;
    private MappingKind kind = MappingKind.ANON;
    private String file;
    private boolean explicitPolicy;
    private Madvise advice;

    MappingBlock(Evaluation ev, SourceRef where, String name) {
        super(ev, where);
        this.mappingName = name;
    }

    @Override
    String blockName() {
        return "mapping";
    }

    @Override
    Map<String, String> settings() {
        return SETTINGS;
    }

    /** Length of the mapping. */
    public void size(Object size) {
        Long b = sizeArg("size", size);
        if (b != null) {
            bytes = b;
        }
    }

    /** What the mapping maps: {@code 'anon'} (default), {@code 'file-private'}, {@code 'file-shared'}, {@code 'shmem'}, {@code 'hugetlb'}, {@code 'pfnmap'}. */
    public void kind(Object k) {
        MappingKind m = kindArg(this, k);
        if (m != null) {
            kind = m;
        }
    }

    /** The file a file-backed mapping maps. */
    public void file(Object name) {
        String f = nameArg("file", name);
        if (f != null) {
            file = f;
        }
    }

    /** madvise(2) advice the mapping carries from its creation: {@code 'hugepage'} or {@code 'nohugepage'}. */
    public void madvise(Object a) {
        Madvise m = adviceArg(this, a);
        if (m != null) {
            advice = m;
        }
    }

    /** The advice a mapping may carry from creation named {@code a}, or null after reporting a located error. */
    static Madvise adviceArg(Block b, Object a) {
        String key = a instanceof CharSequence cs ? cs.toString() : null;
        Madvise m = key == null ? null : Madvise.of(key);
        java.util.List<String> ok = new java.util.ArrayList<>();
        for (Madvise x : Madvise.values()) {
            if (x.mappingAttribute()) {
                ok.add(x.key());
            }
        }
        if (m == null || !m.mappingAttribute()) {
            b.report((m == null ? "unknown madvise advice " + (key == null ? Values.describe(a) : "'" + key + "'")
                    + (key == null ? "" : Suggestions.didYouMean(key, ok))
                    : "madvise '" + key + "' is an action, not something a mapping carries: write it in at(T) { madvise ... }")
                    + "; a mapping may carry: " + String.join(", ", ok));
            return null;
        }
        return m;
    }

    /** The {@link MappingKind} named {@code k}, or null after reporting a located error with the kinds there are. */
    static MappingKind kindArg(Block b, Object k) {
        String key = k instanceof CharSequence cs ? cs.toString() : null;
        MappingKind m = key == null ? null : MappingKind.of(key);
        if (m == null) {
            b.report("unknown mapping kind " + (key == null ? Values.describe(k) : "'" + key + "'")
                    + (key == null ? "" : Suggestions.didYouMean(key, MappingKind.keys()))
                    + "; available: " + String.join(", ", MappingKind.keys()));
        }
        return m;
    }

    /** The mapping has an explicit memory policy (mbind without MPOL_F_NUMA_BALANCING): NUMA balancing skips it. */
    public void explicitPolicy(Object enabled) {
        if (enabled instanceof Boolean b) {
            explicitPolicy = b;
        } else {
            report(what("explicitPolicy") + " expects true or false, got " + Values.describe(enabled));
        }
    }

    MappingSpec build() {
        if (bytes == null) {
            if (!dirty) {
                report(where, "mapping '" + mappingName + "' has no size; add size 64.MiB");
            }
            return null;
        }
        return new MappingSpec(mappingName, bytes, kind, file, explicitPolicy, where, advice);
    }
}

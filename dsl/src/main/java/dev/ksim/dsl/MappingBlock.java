package dev.ksim.dsl;

import dev.ksim.dsl.internal.Values;
import dev.ksim.engine.model.MappingSpec;
import dev.ksim.engine.model.SourceRef;
import java.util.Map;

/**
 * {@code mapping('heap') { size 64.MiB; explicitPolicy true }}: an anonymous private mapping
 * configured in a block. {@code explicitPolicy true} says the mapping has an explicit memory
 * policy (mbind/set_mempolicy): automatic NUMA balancing leaves it alone.
 */
public final class MappingBlock extends Block {
    static final Map<String, String> SETTINGS = usage("size", "size 64.MiB", "explicitPolicy", "explicitPolicy true");

    private final String mappingName;
    private Long bytes;
    private boolean explicitPolicy;

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
        return new MappingSpec(mappingName, bytes, explicitPolicy, where);
    }
}

package dev.ksim.dsl;

import dev.ksim.engine.model.MappingSpec;
import dev.ksim.engine.model.SourceRef;
import java.util.Map;

/** {@code mapping('heap') { size 64.MiB }}: an anonymous private mapping configured in a block. */
public final class MappingBlock extends Block {
    static final Map<String, String> SETTINGS = usage("size", "size 64.MiB");

    private final String mappingName;
    private Long bytes;

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

    MappingSpec build() {
        if (bytes == null) {
            if (!dirty) {
                report(where, "mapping '" + mappingName + "' has no size; add size 64.MiB");
            }
            return null;
        }
        return new MappingSpec(mappingName, bytes, where);
    }
}

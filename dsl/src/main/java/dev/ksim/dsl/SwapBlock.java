package dev.ksim.dsl;

import dev.ksim.engine.model.SourceRef;
import dev.ksim.engine.model.SwapSpec;
import java.util.Map;

/** {@code swap { size 1.GiB; readLatency 80.us; writeLatency 100.us }}: a swap device; all three settings are required. */
public final class SwapBlock extends StorageBlock {
    static final Map<String, String> SETTINGS = usage(
            "size", "size 1.GiB",
            "readLatency", "readLatency 80.us",
            "writeLatency", "writeLatency 100.us");


    SwapBlock(Evaluation ev, SourceRef where) {
        super(ev, where);
    }

    @Override
    String blockName() {
        return "swap";
    }

    @Override
    Map<String, String> settings() {
        return SETTINGS;
    }

    SwapSpec build() {
        if (bytes == null || readNs == null || writeNs == null) {
            if (!dirty) {
                java.util.List<String> missing = new java.util.ArrayList<>();
                if (bytes == null) {
                    missing.add(SETTINGS.get("size"));
                }
                if (readNs == null) {
                    missing.add(SETTINGS.get("readLatency"));
                }
                if (writeNs == null) {
                    missing.add(SETTINGS.get("writeLatency"));
                }
                report(where, "swap {} is incomplete; add " + String.join("; ", missing));
            }
            return null;
        }
        return new SwapSpec(bytes, readNs, writeNs, where);
    }
}

package dev.ksim.dsl;

import dev.ksim.engine.model.SourceRef;
import java.util.Map;

/**
 * {@code variants { param 'policy', ['first-touch', 'interleave'] }}: declares parameters, each
 * with its list of values. The scenario runs once per combination (cartesian product, first
 * parameter varying slowest). {@code --set NAME=VALUE} replaces a parameter's list by one value.
 */
public final class VariantsBlock extends Block {
    static final Map<String, String> SETTINGS = usage(
            "param", "param 'policy', ['first-touch', 'interleave']");

    VariantsBlock(Evaluation ev, SourceRef where) {
        super(ev, where);
    }

    @Override
    String blockName() {
        return "variants";
    }

    @Override
    Map<String, String> settings() {
        return SETTINGS;
    }

    /** Declares a parameter and its values (a list, a range, or one value). */
    @Override
    public Object param(Object name, Object values) {
        ev.declareAxis(name, values, ev.here());
        return null;
    }
}

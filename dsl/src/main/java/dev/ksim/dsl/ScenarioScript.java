package dev.ksim.dsl;

import dev.ksim.dsl.internal.Values;
import groovy.lang.Closure;
import groovy.lang.DelegatesTo;
import groovy.lang.Script;
import java.util.List;

/**
 * The base class of every compiled scenario script: what a script may say at its top level.
 * A script calls {@link #scenario} exactly once and may read parameters with {@link #param}.
 */
public abstract class ScenarioScript extends Script {
    private static final List<String> TOP_LEVEL = List.of("scenario", "param");

    /** Set by the loader before the script runs. */
    Evaluation ksimEvaluation;

    /** Declares the scenario: {@code scenario('name') { ... }}. */
    public void scenario(Object name, @DelegatesTo(value = ScenarioBlock.class, strategy = Closure.DELEGATE_ONLY) Closure<?> body) {
        ksimEvaluation.scenario(name, body);
    }

    public void scenario(Object name) {
        ksimEvaluation.scenario(name, null);
    }

    /** The value of a parameter declared in {@code variants {}} (or fixed with --set). */
    public Object param(Object name) {
        return ksimEvaluation.param(name);
    }

    /** The value of a parameter, or {@code defaultValue} when it is neither a variant axis nor set with --set. */
    public Object param(Object name, Object defaultValue) {
        return ksimEvaluation.param(name, defaultValue);
    }

    public Object methodMissing(String name, Object args) {
        Object[] a = args instanceof Object[] arr ? arr : new Object[] {args};
        if (getBinding().hasVariable(name) && getBinding().getVariable(name) instanceof Closure<?> c) {
            return c.call(a);
        }
        if (TOP_LEVEL.contains(name)) {
            ksimEvaluation.error(ksimEvaluation.here(), "wrong arguments for '" + name + "': got "
                    + dev.ksim.dsl.internal.Values.argTypes(a) + "; write scenario('name') { ... } or param('name')");
        } else {
            ksimEvaluation.error(ksimEvaluation.here(), "unknown command '" + name + "' at the top level of the script"
                    + Values.suggest(name, TOP_LEVEL) + " a scenario script calls scenario('name') { ... }");
        }
        return null;
    }
}

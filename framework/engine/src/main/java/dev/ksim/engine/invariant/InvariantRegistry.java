package dev.ksim.engine.invariant;

import dev.ksim.engine.results.InvariantReport;
import java.util.ArrayList;
import java.util.List;

/**
 * The invariant checks of a run. {@link #checkAll(String)} executes every registered check once
 * and accumulates what they find; the report counts individual check executions. Violations are
 * prefixed with the check's name and where the run was when it was checked, and capped so a
 * broken run cannot flood memory.
 */
public final class InvariantRegistry {
    /** At most this many violation lines are kept; the rest are counted in a final line. */
    public static final int MAX_VIOLATIONS = 100;

    private final List<InvariantCheck> checks = new ArrayList<>();
    private final List<String> violations = new ArrayList<>();
    private final List<String> scratch = new ArrayList<>();
    private long checked;
    private long dropped;

    public void register(InvariantCheck check) {
        checks.add(check);
    }

    public List<InvariantCheck> checks() {
        return List.copyOf(checks);
    }

    /** Runs every check; {@code when} says where the run is ("end", "after event 1000"). */
    public void checkAll(String when) {
        for (InvariantCheck c : checks) {
            scratch.clear();
            c.check(scratch);
            checked++;
            for (String v : scratch) {
                if (violations.size() < MAX_VIOLATIONS) {
                    violations.add(c.name() + " (" + when + "): " + v);
                } else {
                    dropped++;
                }
            }
        }
    }

    public InvariantReport report() {
        List<String> v = new ArrayList<>(violations);
        if (dropped > 0) {
            v.add("... and " + dropped + " more violations");
        }
        return new InvariantReport(checked, v);
    }
}

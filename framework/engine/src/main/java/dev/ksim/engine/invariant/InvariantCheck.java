package dev.ksim.engine.invariant;

import java.util.List;

/**
 * One executable invariant of a mechanism ("frames are conserved", "PTE and reverse map agree").
 * {@link #check(List)} appends a human-readable line per violation found and must not change
 * the state it inspects.
 */
public interface InvariantCheck {
    String name();

    void check(List<String> violations);

    /** A check named {@code name} whose body appends violations to the list it is given. */
    static InvariantCheck of(String name, java.util.function.Consumer<List<String>> body) {
        return new InvariantCheck() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public void check(List<String> violations) {
                body.accept(violations);
            }
        };
    }
}

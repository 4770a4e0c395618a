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
}

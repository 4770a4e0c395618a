package dev.ksim.engine.results;

/** An evaluated expectation: its text, whether it held, and the metric's actual value. */
public record ExpectationResult(String text, boolean passed, double actual, String where) {
}

package dev.ksim.engine.model;

/**
 * An assertion over a run's metric: {@code metric op value}, e.g. {@code pgmajfault < 1000}.
 * {@code text} is how it reads in reports.
 */
public record ExpectationSpec(String metric, Op op, double value, String text, SourceRef where) {

    /** Comparison operators. */
    public enum Op {
        LT("<"), LE("<="), GT(">"), GE(">="), EQ("=="), NE("!=");

        private final String symbol;

        Op(String symbol) {
            this.symbol = symbol;
        }

        public String symbol() {
            return symbol;
        }

        public boolean test(double actual, double expected) {
            return switch (this) {
                case LT -> actual < expected;
                case LE -> actual <= expected;
                case GT -> actual > expected;
                case GE -> actual >= expected;
                case EQ -> actual == expected;
                case NE -> actual != expected;
            };
        }
    }
}

package dev.ksim.engine.bench;

/**
 * One figure: {@code metric} (e.g. "refs/s", "bytes/frame") measured as {@code value}, compared
 * with {@code target} (NaN when there is none) where {@code higherIsBetter} says which way.
 */
public record BenchResult(String benchmark, String metric, double value, double target, boolean higherIsBetter,
                          String note) {

    /** Whether the figure meets its target (true when there is none). */
    public boolean meetsTarget() {
        if (Double.isNaN(target)) {
            return true;
        }
        return higherIsBetter ? value >= target : value <= target;
    }
}

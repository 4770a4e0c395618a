package dev.ksim.runtime.cli;

/** The exit codes of {@code bin/ksim}, as documented in the README. */
public final class ExitCode {
    /** Everything ran and every expectation held. */
    public static final int OK = 0;
    /** Invalid input: script, arguments, unknown plugin, bad option. Nothing was run. */
    public static final int INVALID_INPUT = 1;
    /** Runs completed but an {@code expect} assertion failed. */
    public static final int EXPECTATION_FAILED = 2;
    /** Internal error, or a plugin crashed (named in the message). */
    public static final int INTERNAL_ERROR = 3;

    private ExitCode() {
    }

    /** The more severe of two outcomes: internal error over invalid input over failed expectation. */
    public static int worst(int a, int b) {
        return rank(a) >= rank(b) ? a : b;
    }

    private static int rank(int code) {
        return switch (code) {
            case OK -> 0;
            case EXPECTATION_FAILED -> 1;
            case INVALID_INPUT -> 2;
            default -> 3;
        };
    }
}

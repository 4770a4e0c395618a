package dev.ksim.dsl.internal;

/**
 * Finds the script line responsible for the current call or for an exception: the first stack
 * frame whose source file is the scenario script (the compiled script carries the file's name,
 * and so do its closures).
 */
public final class Locator {
    private Locator() {
    }

    /** The script line in a stack, or 0 when the script is not on it. */
    public static int line(StackTraceElement[] stack, String scriptFileName) {
        for (StackTraceElement e : stack) {
            if (scriptFileName.equals(e.getFileName()) && e.getLineNumber() > 0) {
                return e.getLineNumber();
            }
        }
        return 0;
    }

    /** The script line that is calling right now. */
    public static int currentLine(String scriptFileName) {
        return line(new Throwable().getStackTrace(), scriptFileName);
    }

    /** The script line where an exception (or one of its causes) passed through the script. */
    public static int line(Throwable t, String scriptFileName) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            int line = line(c.getStackTrace(), scriptFileName);
            if (line > 0) {
                return line;
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return 0;
    }
}

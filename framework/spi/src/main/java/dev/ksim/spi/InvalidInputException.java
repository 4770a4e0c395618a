package dev.ksim.spi;

/**
 * Input the user supplied is wrong in a way the user can fix: a trace file that is missing,
 * truncated or of another format, an option value a plugin cannot use. Unlike any other exception
 * a plugin throws (which the engine reports as a crashed plugin, exit 3), this one makes the
 * whole {@code ksim run} fail as invalid input (exit 1) with the message as written, and no
 * results are written. The message must say what is wrong and where (file, record number) and
 * what was expected.
 */
public class InvalidInputException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public InvalidInputException(String message) {
        super(message);
    }

    public InvalidInputException(String message, Throwable cause) {
        super(message, cause);
    }
}

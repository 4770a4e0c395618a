package dev.ksim.engine.ipc;

/**
 * The errno values the IPC mechanism returns, with the kernel's numbers (asm-generic/errno.h) and
 * names. Operations return 0 or a negative errno ({@code -EDQUOT}); {@link #name(int)} turns
 * either sign into the kernel's name for metrics and messages.
 */
public final class Errno {
    public static final int OK = 0;
    /** A handle (or slice) the peer does not hold: never had it, or already released it. */
    public static final int EBADF = 9;
    /** Nothing committed to dequeue (or a socket buffer is full). */
    public static final int EAGAIN = 11;
    /** Bad request: no destination, handles over a transport without them, multicast where unsupported. */
    public static final int EINVAL = 22;
    /** Destroying a node another peer owns. */
    public static final int EREMOTE = 66;
    /** More than {@link IpcBus#MAX_FDS} file descriptors in one message. */
    public static final int EMSGSIZE = 90;
    /** The peer has disconnected. */
    public static final int ESHUTDOWN = 108;
    /** The node was destroyed already. */
    public static final int ESTALE = 116;
    /** A quota or limit refused the charge. */
    public static final int EDQUOT = 122;

    private Errno() {
    }

    /** "EDQUOT" for 122 or -122; "OK" for 0; "E<n>" for a number not listed here. */
    public static String name(int errno) {
        return switch (Math.abs(errno)) {
            case OK -> "OK";
            case EBADF -> "EBADF";
            case EAGAIN -> "EAGAIN";
            case EINVAL -> "EINVAL";
            case EREMOTE -> "EREMOTE";
            case EMSGSIZE -> "EMSGSIZE";
            case ESHUTDOWN -> "ESHUTDOWN";
            case ESTALE -> "ESTALE";
            case EDQUOT -> "EDQUOT";
            default -> "E" + Math.abs(errno);
        };
    }
}

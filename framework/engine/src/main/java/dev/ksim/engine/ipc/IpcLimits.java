package dev.ksim.engine.ipc;

/**
 * Limits of the four accounted resources (bus1 spec section 3): slices (messages held in a
 * receive pool), handles, in-flight bytes and in-flight file descriptors. Every limit is ≥ 1.
 */
public record IpcLimits(long slices, long handles, long bytes, long fds) {
    /** Resource indices, also the order of {@link #get(int)}. */
    public static final int SLICES = 0;
    public static final int HANDLES = 1;
    public static final int BYTES = 2;
    public static final int FDS = 3;
    public static final int RESOURCES = 4;
    /** Metric-name words of the resources, by index. */
    public static final String[] NAMES = {"slices", "handles", "bytes", "fds"};

    /** bus1's per-user defaults: 16384 slices, 65536 handles, 16 MiB in flight, 4096 fds. */
    public static final IpcLimits USER_DEFAULTS = new IpcLimits(16_384, 65_536, 16L << 20, 4_096);

    public IpcLimits {
        if (slices < 1 || handles < 1 || bytes < 1 || fds < 1) {
            throw new IllegalArgumentException("IPC limits must be >= 1: " + slices + ", " + handles + ", " + bytes + ", " + fds);
        }
    }

    public long get(int resource) {
        return switch (resource) {
            case SLICES -> slices;
            case HANDLES -> handles;
            case BYTES -> bytes;
            case FDS -> fds;
            default -> throw new IllegalArgumentException("resource " + resource);
        };
    }
}

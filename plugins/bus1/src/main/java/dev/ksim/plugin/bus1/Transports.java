package dev.ksim.plugin.bus1;

import dev.ksim.spi.PluginOptions;
import dev.ksim.spi.ipc.IpcTransport;
import jakarta.inject.Inject;

/** The two IPC transports: bus1 capability messages, and AF_UNIX stream sockets for contrast. */
public final class Transports {
    /** Option of unix-stream: the per-socket send buffer. */
    public static final String SNDBUF = "sndbuf";
    /** Linux's net.core.wmem_default on x86-64 (212992 bytes). */
    public static final long DEFAULT_SNDBUF = 212_992;

    private Transports() {
    }

    /** {@code bus1}: handles, multicast, resources charged to the receiving user by the accounting policy. */
    public static final class Bus1 implements IpcTransport {
        @Override
        public boolean supportsHandles() {
            return true;
        }

        @Override
        public boolean supportsMulticast() {
            return true;
        }

        @Override
        public boolean chargesReceiver() {
            return true;
        }
    }

    /**
     * {@code unix-stream}: one connection per (sender, receiver); queued bytes are charged to the
     * sending socket's buffer ({@code sndbuf}), {@code EAGAIN} when it is full; no handles, no
     * multicast; the accounting policy is not consulted.
     */
    public static final class UnixStream implements IpcTransport {
        private final long sndbuf;

        @Inject
        public UnixStream(PluginOptions options) {
            this.sndbuf = options.getLong(SNDBUF);
            if (sndbuf < 1) {
                throw new IllegalArgumentException("sndbuf must be >= 1 byte, got " + sndbuf);
            }
        }

        @Override
        public boolean supportsHandles() {
            return false;
        }

        @Override
        public boolean supportsMulticast() {
            return false;
        }

        @Override
        public boolean chargesReceiver() {
            return false;
        }

        @Override
        public long sendBufferBytes() {
            return sndbuf;
        }
    }
}

package dev.ksim.spi.ipc;

/**
 * An IPC transport: the semantics a message path offers. The engine's IPC mechanism asks the
 * transport what it supports: a transport without handles fails a SEND carrying handles with
 * {@code EINVAL}, one without multicast fails a SEND with several destinations with
 * {@code EINVAL}; a transport with a per-socket send buffer ({@link #sendBufferBytes()} &gt; 0)
 * charges queued bytes to the sending socket instead of the receiving user and fails with
 * {@code EAGAIN} when the buffer is full (the accounting policy is then not consulted).
 */
public interface IpcTransport {

    /** Whether messages may carry handles (capabilities). */
    boolean supportsHandles();

    /** Whether one SEND may name several destinations. */
    boolean supportsMulticast();

    /** Whether resources are charged to the receiving user (bus1) rather than to the sender's buffer. */
    boolean chargesReceiver();

    /**
     * Bytes a sending socket may have queued and unread (SO_SNDBUF); 0 = no per-socket buffer
     * (bus1: the accounting policy decides).
     */
    default long sendBufferBytes() {
        return 0;
    }
}

package dev.ksim.spi.ipc;

/**
 * An IPC transport: the semantics a message path offers (bus1-style capability messages or a
 * byte stream). The engine's IPC mechanism asks the transport what it supports and charges
 * accordingly.
 */
public interface IpcTransport {

    /** Whether messages may carry handles (capabilities). */
    boolean supportsHandles();

    /** Whether one SEND may name several destinations. */
    boolean supportsMulticast();

    /** Whether resources are charged to the receiving user (bus1) rather than to the sender's buffer. */
    boolean chargesReceiver();
}

/**
 * IPC designs: transports and per-user resource accounting policies.
 *
 * <p>Exported to plugin bundles by the host; the package version follows semantic versioning:
 * a plugin importing {@code [0.1,0.2)} keeps working across compatible engine releases.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.2.0")
package dev.ksim.spi.ipc;

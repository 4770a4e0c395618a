/**
 * Memory-management designs: memory providers (what a node's memory is) and migration policies (where a page goes).
 *
 * <p>Exported to plugin bundles by the host; the package version follows semantic versioning:
 * a plugin importing {@code [0.1,0.2)} keeps working across compatible engine releases.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.1.0")
package dev.ksim.spi.mm;

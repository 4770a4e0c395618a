/**
 * Memory-management designs: memory providers (what a node's memory is) and migration policies (where a page goes).
 *
 * <p>Exported to plugin bundles by the host. The package version follows OSGi semantic
 * versioning: additions raise the minor version, incompatible changes the major one; bnd gives a
 * plugin compiled against version 0.x an import range {@code [0.x,1)}.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.1.0")
package dev.ksim.spi.mm;

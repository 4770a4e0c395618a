/**
 * Workload generators: the stream of page references a simulated thread makes.
 *
 * <p>Exported to plugin bundles by the host. The package version follows OSGi semantic
 * versioning: additions raise the minor version, incompatible changes the major one; bnd gives a
 * plugin compiled against version 0.x an import range {@code [0.x,1)}.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.3.0")
package dev.ksim.spi.workload;

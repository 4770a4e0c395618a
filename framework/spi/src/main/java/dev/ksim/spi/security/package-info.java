/**
 * Security hardening designs (XPFO and friends): hooks on the life cycle of user pages.
 *
 * <p>Exported to plugin bundles by the host; the package version follows semantic versioning:
 * a plugin importing {@code [0.1,0.2)} keeps working across compatible engine releases.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.1.0")
package dev.ksim.spi.security;

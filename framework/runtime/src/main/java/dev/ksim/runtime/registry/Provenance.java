package dev.ksim.runtime.registry;

/**
 * Where a bound plugin came from, as recorded in a run's results.
 *
 * @param id            plugin id
 * @param kind          {@link dev.ksim.spi.PluginKind#key()} of the plugin's kind
 * @param version       the plugin's own version (its descriptor's)
 * @param bundle        symbolic name of the bundle that registered it, or {@code "classpath"}
 * @param bundleVersion the bundle's version; for a classpath plugin the jar manifest's
 *                      Bundle-Version or Implementation-Version, null if unknown
 * @param sha256        lower-case hex SHA-256 of the jar the class came from; null if it did not
 *                      come from a jar (e.g. a classes directory)
 */
public record Provenance(String id, String kind, String version, String bundle, String bundleVersion, String sha256) {
}

package dev.ksim.spi;

/**
 * The service a plugin bundle registers (with Declarative Services: {@code @Component(service =
 * PluginProvider.class)}) and lists in {@code META-INF/services/dev.ksim.spi.PluginProvider} so it
 * is also found on a plain classpath.
 *
 * <p>A provider is a description plus a class: for every run that binds the plugin the engine
 * creates a fresh instance of {@link #implementation()} through constructor injection (one
 * constructor annotated {@code @jakarta.inject.Inject}, or a public no-argument constructor).
 * Constructor parameters may be any engine service of this package ({@link SimClock},
 * {@link RandomStream}, {@link Metrics}, {@link PluginOptions}) or the context the kind's contract
 * documents. No plugin state outlives its run.
 */
public interface PluginProvider {

    /** Id, kind, version and option schema; must not change while the provider is registered. */
    PluginDescriptor descriptor();

    /** The class instantiated per run; it implements {@code descriptor().kind().contract()}. */
    Class<?> implementation();
}

package dev.ksim.runtime.inject;

import com.google.inject.AbstractModule;
import com.google.inject.ConfigurationException;
import com.google.inject.CreationException;
import com.google.inject.Injector;
import com.google.inject.ProvisionException;
import com.google.inject.spi.Message;
import dev.ksim.engine.model.PluginRef;
import dev.ksim.engine.run.PluginCrashException;
import dev.ksim.engine.run.PluginInstantiator;
import dev.ksim.engine.run.RunServices;
import dev.ksim.runtime.registry.BoundPlugin;
import dev.ksim.runtime.registry.PluginSnapshot;
import dev.ksim.runtime.registry.Provenance;
import dev.ksim.spi.Metrics;
import dev.ksim.spi.PluginOptions;
import dev.ksim.spi.RandomStream;
import dev.ksim.spi.SimClock;
import java.lang.ref.WeakReference;
import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Creates plugin instances with Guice, from one {@link PluginSnapshot} (the plugins bound at run
 * start) and the host injector.
 *
 * <p>Per run (per {@link RunServices} instance) a child of the host injector binds
 * {@link SimClock}, {@link Metrics} and {@link RunServices}; per plugin instance a further child
 * binds {@link PluginOptions} (schema defaults overlaid with the ref's options), the component's
 * {@link RandomStream}, each of the call's {@code extras} by its class, and the implementation
 * class, which is then created by constructor injection. Every call returns a new instance.
 *
 * <p>It records which plugins it instantiated, per run and overall ({@link #boundProvenance}), so
 * results list only the plugins a run actually bound. Thread-safe: variants may run in parallel.
 */
public final class GuicePluginInstantiator implements PluginInstantiator {
    static {
        GuiceSupport.disableBytecodeGeneration();
    }

    private final PluginSnapshot snapshot;
    private final Injector host;
    /** Run state, weakly keyed by the run's services (values never reference the key strongly). */
    private final Map<RunServices, RunState> runs = Collections.synchronizedMap(new WeakHashMap<>());
    private final Set<Provenance> boundEver = ConcurrentHashMap.newKeySet();

    private static final class RunState {
        final Injector injector;
        final Set<Provenance> bound = ConcurrentHashMap.newKeySet();

        RunState(Injector injector) {
            this.injector = injector;
        }
    }

    /** Over {@code snapshot}, with children of {@code host}. */
    public GuicePluginInstantiator(PluginSnapshot snapshot, Injector host) {
        this.snapshot = snapshot;
        this.host = host;
    }

    /** Over {@code snapshot}, with an empty host injector. */
    public GuicePluginInstantiator(PluginSnapshot snapshot) {
        this(snapshot, GuiceSupport.createHostInjector());
    }

    public PluginSnapshot snapshot() {
        return snapshot;
    }

    @Override
    public <T> T instantiate(PluginRef ref, Class<T> contract, RunServices services, String componentId,
                             Map<Class<?>, Object> extras) {
        BoundPlugin plugin = snapshot.bound(ref.kind(), ref.id()).orElseThrow(() -> new IllegalStateException(
                "plugin " + ref.kind().key() + " '" + ref.id() + "' is not bound in this run's snapshot"));
        Class<?> impl = plugin.implementation();
        for (Class<?> required : List.of(ref.kind().contract(), contract)) {
            if (!required.isAssignableFrom(impl)) {
                throw new PluginCrashException(ref.kind(), ref.id(), "its class " + impl.getName()
                        + " does not implement " + required.getName(), null);
            }
        }
        PluginOptions options = new SchemaPluginOptions(plugin.descriptor(), ref.options());
        RunState run = runState(services);
        Object instance;
        try {
            RandomStream stream = services.stream(componentId);
            Injector child = run.injector.createChildInjector(new AbstractModule() {
                @Override
                @SuppressWarnings({"unchecked", "rawtypes"})
                protected void configure() {
                    bind(PluginOptions.class).toInstance(options);
                    bind(RandomStream.class).toInstance(stream);
                    if (extras != null) {
                        extras.forEach((type, value) -> {
                            if (!ENGINE_TYPES.contains(type) && type != impl) {
                                bind((Class) type).toInstance(value);
                            }
                        });
                    }
                    bind(impl);
                }
            });
            instance = child.getInstance(impl);
        } catch (RuntimeException | LinkageError e) {
            throw crash(ref, e);
        }
        run.bound.add(plugin.provenance());
        boundEver.add(plugin.provenance());
        return contract.cast(instance);
    }

    private static final Set<Class<?>> ENGINE_TYPES = Set.of(
            SimClock.class, Metrics.class, RunServices.class, PluginOptions.class, RandomStream.class);

    private RunState runState(RunServices services) {
        synchronized (runs) {
            RunState s = runs.get(services);
            if (s == null) {
                // Providers over a weak reference, so the injector (the map's value) does not keep
                // the run's services (the map's key) alive.
                WeakReference<RunServices> ref = new WeakReference<>(services);
                Supplier<RunServices> live = () -> {
                    RunServices r = ref.get();
                    if (r == null) {
                        throw new IllegalStateException("run is over");
                    }
                    return r;
                };
                Injector injector = host.createChildInjector(new AbstractModule() {
                    @Override
                    protected void configure() {
                        bind(RunServices.class).toProvider((com.google.inject.Provider<RunServices>) live::get);
                        bind(SimClock.class).toProvider((com.google.inject.Provider<SimClock>) () -> live.get().clock());
                        bind(Metrics.class).toProvider((com.google.inject.Provider<Metrics>) () -> live.get().metrics());
                    }
                });
                s = new RunState(injector);
                runs.put(services, s);
            }
            return s;
        }
    }

    /** Provenance of the plugins this instantiator created for {@code run}, sorted by kind then id. */
    public List<Provenance> boundProvenance(RunServices run) {
        RunState s = runs.get(run);
        return s == null ? List.of() : sorted(s.bound);
    }

    /** Provenance of every plugin this instantiator created, over all runs, sorted by kind then id. */
    public List<Provenance> boundProvenance() {
        return sorted(boundEver);
    }

    private static List<Provenance> sorted(Collection<Provenance> c) {
        List<Provenance> l = new ArrayList<>(c);
        l.sort(PluginSnapshot.BY_KIND_AND_ID);
        return List.copyOf(l);
    }

    private static PluginCrashException crash(PluginRef ref, Throwable e) {
        Throwable root = rootCause(e);
        return new PluginCrashException(ref.kind(), ref.id(), "could not be created", root);
    }

    /** The exception behind Guice's wrappers; a Guice error without one becomes a plain message. */
    static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (true) {
            if (t instanceof ProvisionException || t instanceof ConfigurationException || t instanceof CreationException
                    || t instanceof InvocationTargetException) {
                Throwable c = t.getCause();
                if (c == null) {
                    Collection<Message> msgs = t instanceof ProvisionException p ? p.getErrorMessages()
                            : t instanceof ConfigurationException ce ? ce.getErrorMessages()
                            : t instanceof CreationException cr ? cr.getErrorMessages() : List.of();
                    for (Message m : msgs) {
                        if (m.getCause() != null) {
                            c = m.getCause();
                            break;
                        }
                    }
                    if (c == null) {
                        String text = msgs.isEmpty() ? String.valueOf(t.getMessage()) : msgs.iterator().next().getMessage();
                        return new GuiceConfigurationError(text, t);
                    }
                }
                t = c;
                continue;
            }
            return t;
        }
    }

    /** A Guice configuration problem (no constructor, a dependency nobody binds), in a line. */
    public static final class GuiceConfigurationError extends RuntimeException {
        GuiceConfigurationError(String message, Throwable guiceError) {
            super(message, guiceError);
        }

        @Override
        public String toString() {
            return getMessage();
        }
    }
}

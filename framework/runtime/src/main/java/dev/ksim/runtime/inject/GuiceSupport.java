package dev.ksim.runtime.inject;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Module;

/**
 * Creating the host injector. Guice must not generate bytecode for plugin classes: they come from
 * OSGi bundle class loaders, and Guice's generated fast-class/proxy loaders are tied to its own
 * class loader. Guice reads {@value #BYTECODE_GEN_PROPERTY} once, when its internals first load,
 * so {@link #disableBytecodeGeneration()} must run before anything touches Guice; call
 * {@link #createHostInjector(Module...)} (which does it) rather than {@code Guice.createInjector}.
 * Without bytecode generation Guice constructs plugins reflectively and AOP (method interceptors)
 * is unavailable, which ksim does not use.
 */
public final class GuiceSupport {
    /** System property Guice reads to choose bytecode generation. */
    public static final String BYTECODE_GEN_PROPERTY = "guice_bytecode_gen_option";

    private GuiceSupport() {
    }

    /** Sets {@value #BYTECODE_GEN_PROPERTY}=DISABLED unless the user already chose a value. */
    public static void disableBytecodeGeneration() {
        if (System.getProperty(BYTECODE_GEN_PROPERTY) == null) {
            System.setProperty(BYTECODE_GEN_PROPERTY, "DISABLED");
        }
    }

    /** The host injector, with bytecode generation disabled first. */
    public static Injector createHostInjector(Module... modules) {
        disableBytecodeGeneration();
        return Guice.createInjector(modules);
    }
}

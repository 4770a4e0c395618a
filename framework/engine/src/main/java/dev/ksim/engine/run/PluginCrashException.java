package dev.ksim.engine.run;

import dev.ksim.spi.PluginKind;

/**
 * A plugin threw (or returned something its contract forbids) during a run. It aborts that run
 * only; the message names the plugin.
 */
public final class PluginCrashException extends RuntimeException {
    private final PluginKind kind;
    private final String pluginId;

    public PluginCrashException(PluginKind kind, String pluginId, String what, Throwable cause) {
        super(kind.label() + " '" + pluginId + "' crashed: " + what
                + (cause != null ? ": " + cause : ""), cause);
        this.kind = kind;
        this.pluginId = pluginId;
    }

    public PluginKind kind() {
        return kind;
    }

    public String pluginId() {
        return pluginId;
    }
}

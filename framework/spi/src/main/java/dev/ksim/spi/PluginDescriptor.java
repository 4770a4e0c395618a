package dev.ksim.spi;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What a plugin declares about itself: a unique id within its kind, its kind, its version, a
 * one-line summary and its option schema. Ids are lower-case words joined by dashes
 * ({@code first-touch}); option names are unique.
 */
public record PluginDescriptor(String id, PluginKind kind, String version, String summary, List<OptionSpec> options) {

    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9.-]*");

    public PluginDescriptor {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(summary, "summary");
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("plugin id must be lower-case words joined by dashes: '" + id + "'");
        }
        options = List.copyOf(options);
        Map<String, OptionSpec> seen = new LinkedHashMap<>();
        for (OptionSpec o : options) {
            if (seen.put(o.name(), o) != null) {
                throw new IllegalArgumentException("option '" + o.name() + "' declared twice by plugin " + id);
            }
        }
    }

    /** The option with this name, or null. */
    public OptionSpec option(String name) {
        for (OptionSpec o : options) {
            if (o.name().equals(name)) {
                return o;
            }
        }
        return null;
    }

    public static Builder builder(String id, PluginKind kind) {
        return new Builder(id, kind);
    }

    /** Fluent construction, for providers. */
    public static final class Builder {
        private final String id;
        private final PluginKind kind;
        private String version = "1.0.0";
        private String summary = "";
        private final List<OptionSpec> options = new ArrayList<>();

        private Builder(String id, PluginKind kind) {
            this.id = id;
            this.kind = kind;
        }

        public Builder version(String v) {
            this.version = v;
            return this;
        }

        public Builder summary(String s) {
            this.summary = s;
            return this;
        }

        public Builder option(String name, OptionType type, Object defaultValue, String doc) {
            options.add(new OptionSpec(name, type, defaultValue, doc));
            return this;
        }

        public Builder choice(String name, String defaultValue, List<String> choices, String doc) {
            options.add(new OptionSpec(name, OptionType.STRING, defaultValue, doc, choices));
            return this;
        }

        public PluginDescriptor build() {
            return new PluginDescriptor(id, kind, version, summary, options);
        }
    }
}

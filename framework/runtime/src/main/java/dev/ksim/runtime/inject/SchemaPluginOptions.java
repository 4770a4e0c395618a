package dev.ksim.runtime.inject;

import dev.ksim.spi.OptionSpec;
import dev.ksim.spi.OptionType;
import dev.ksim.spi.PluginDescriptor;
import dev.ksim.spi.PluginOptions;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@link PluginOptions} of one plugin instance: the schema's defaults overlaid with the values a
 * scenario gave (already canonical: Long for INTEGER/SIZE/DURATION/BANDWIDTH, Double, Boolean,
 * String). Getters throw {@link IllegalArgumentException} for a name the schema does not declare
 * or a getter that does not fit the option's type ({@code getLong} for INTEGER, SIZE, DURATION and
 * BANDWIDTH; {@code getDouble} for NUMBER, and for the integer types too, widened).
 */
public final class SchemaPluginOptions implements PluginOptions {
    private final PluginDescriptor descriptor;
    private final Map<String, Object> values;

    /**
     * @throws IllegalArgumentException if {@code given} names an option the schema does not
     *                                  declare, or a value has the wrong type
     */
    public SchemaPluginOptions(PluginDescriptor descriptor, Map<String, ?> given) {
        this.descriptor = descriptor;
        for (String name : given.keySet()) {
            if (descriptor.option(name) == null) {
                throw new IllegalArgumentException(descriptor.kind().label() + " '" + descriptor.id()
                        + "' has no option '" + name + "'");
            }
        }
        Map<String, Object> v = new LinkedHashMap<>();
        for (OptionSpec o : descriptor.options()) {
            Object raw = given.containsKey(o.name()) ? given.get(o.name()) : o.defaultValue();
            v.put(o.name(), canonical(o, raw));
        }
        this.values = Collections.unmodifiableMap(v);
    }

    private Object canonical(OptionSpec o, Object raw) {
        switch (o.type()) {
            case INTEGER, SIZE, DURATION, BANDWIDTH -> {
                if (raw instanceof Long || raw instanceof Integer || raw instanceof Short || raw instanceof Byte) {
                    return ((Number) raw).longValue();
                }
            }
            case NUMBER -> {
                if (raw instanceof Number n) {
                    return n.doubleValue();
                }
            }
            case BOOLEAN -> {
                if (raw instanceof Boolean) {
                    return raw;
                }
            }
            case STRING -> {
                if (raw instanceof String) {
                    return raw;
                }
            }
            default -> throw new IllegalStateException(o.type().name());
        }
        throw new IllegalArgumentException("option '" + o.name() + "' of " + descriptor.kind().label() + " '"
                + descriptor.id() + "' expects " + o.type().expectation() + ", got "
                + (raw == null ? "null" : raw.getClass().getSimpleName() + " " + raw));
    }

    private OptionSpec spec(String name, String getter) {
        OptionSpec o = descriptor.option(name);
        if (o == null) {
            throw new IllegalArgumentException(descriptor.kind().label() + " '" + descriptor.id()
                    + "' declares no option '" + name + "'");
        }
        return o;
    }

    private IllegalArgumentException wrongType(OptionSpec o, String getter) {
        return new IllegalArgumentException("option '" + o.name() + "' of " + descriptor.kind().label() + " '"
                + descriptor.id() + "' is " + o.type().name() + ", not readable with " + getter);
    }

    @Override
    public long getLong(String name) {
        OptionSpec o = spec(name, "getLong");
        return switch (o.type()) {
            case INTEGER, SIZE, DURATION, BANDWIDTH -> (Long) values.get(name);
            default -> throw wrongType(o, "getLong");
        };
    }

    @Override
    public double getDouble(String name) {
        OptionSpec o = spec(name, "getDouble");
        return switch (o.type()) {
            case NUMBER -> (Double) values.get(name);
            case INTEGER, SIZE, DURATION, BANDWIDTH -> ((Long) values.get(name)).doubleValue();
            default -> throw wrongType(o, "getDouble");
        };
    }

    @Override
    public boolean getBoolean(String name) {
        OptionSpec o = spec(name, "getBoolean");
        if (o.type() != OptionType.BOOLEAN) {
            throw wrongType(o, "getBoolean");
        }
        return (Boolean) values.get(name);
    }

    @Override
    public String getString(String name) {
        OptionSpec o = spec(name, "getString");
        if (o.type() != OptionType.STRING) {
            throw wrongType(o, "getString");
        }
        return (String) values.get(name);
    }

    @Override
    public Map<String, Object> asMap() {
        return values;
    }

    @Override
    public String toString() {
        return descriptor.id() + values;
    }
}

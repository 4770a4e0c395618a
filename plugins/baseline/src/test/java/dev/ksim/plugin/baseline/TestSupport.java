package dev.ksim.plugin.baseline;

import dev.ksim.spi.PluginDescriptor;
import dev.ksim.spi.PluginOptions;
import dev.ksim.spi.RandomStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/** Hand-made engine services for unit tests of plugin classes. */
final class TestSupport {
    private TestSupport() {
    }

    static PluginOptions options(PluginDescriptor d, Map<String, Object> overrides) {
        Map<String, Object> values = new LinkedHashMap<>();
        d.options().forEach(o -> values.put(o.name(), o.defaultValue()));
        values.putAll(overrides);
        return new PluginOptions() {
            private Object get(String name) {
                if (!values.containsKey(name)) {
                    throw new IllegalArgumentException("undeclared option " + name);
                }
                return values.get(name);
            }

            @Override
            public long getLong(String name) {
                return (Long) get(name);
            }

            @Override
            public double getDouble(String name) {
                return (Double) get(name);
            }

            @Override
            public boolean getBoolean(String name) {
                return (Boolean) get(name);
            }

            @Override
            public String getString(String name) {
                return (String) get(name);
            }

            @Override
            public Map<String, Object> asMap() {
                return Map.copyOf(values);
            }
        };
    }

    static RandomStream random(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        return new RandomStream() {
            @Override
            public long nextLong() {
                return r.nextLong();
            }

            @Override
            public long nextLong(long bound) {
                return r.nextLong(bound);
            }

            @Override
            public int nextInt(int bound) {
                return r.nextInt(bound);
            }

            @Override
            public double nextDouble() {
                return r.nextDouble();
            }
        };
    }
}

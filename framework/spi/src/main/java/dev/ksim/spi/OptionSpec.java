package dev.ksim.spi;

import java.util.List;
import java.util.Objects;

/**
 * One entry of a plugin's option schema: its name, type, default and a one-line description.
 * When {@code choices} is not empty the value must be one of them (STRING options only).
 *
 * @param name         option name as written in scenarios ({@code theta}, {@code latency})
 * @param type         value type
 * @param defaultValue default in canonical form (Long for INTEGER/SIZE/DURATION/BANDWIDTH, Double,
 *                     Boolean or String); never null
 * @param doc          one line for {@code ksim plugins --doc}
 * @param choices      allowed values of a STRING option, empty for any
 */
public record OptionSpec(String name, OptionType type, Object defaultValue, String doc, List<String> choices) {

    public OptionSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(defaultValue, "defaultValue of option " + name);
        Objects.requireNonNull(doc, "doc");
        choices = List.copyOf(choices);
        if (!choices.isEmpty() && type != OptionType.STRING) {
            throw new IllegalArgumentException("choices are only for STRING options: " + name);
        }
        if (!choices.isEmpty() && !choices.contains(defaultValue)) {
            throw new IllegalArgumentException("default of " + name + " is not one of " + choices);
        }
    }

    public OptionSpec(String name, OptionType type, Object defaultValue, String doc) {
        this(name, type, defaultValue, doc, List.of());
    }
}

package dev.ksim.engine.results;

import java.util.List;

/** A gauge sampled every {@code intervalNs} from time 0; {@code values.get(i)} is the value at i·interval. */
public record TimeSeries(long intervalNs, List<Long> values) {
    public TimeSeries {
        values = List.copyOf(values);
    }
}

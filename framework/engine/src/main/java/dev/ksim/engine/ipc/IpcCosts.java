package dev.ksim.engine.ipc;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The simulated costs of IPC operations, in the style of {@link dev.ksim.engine.cost.CostModel}:
 * every entry has the key a scenario overrides in {@code costs { }}, a default, a unit and the
 * source of the default. The defaults come from the 2015 bus1 measurements (uncontended, one
 * core): unicast send+recv 847 ns without payload, 1149 ns with 1 KiB; multicast 0.5-0.9 us per
 * destination.
 */
public final class IpcCosts {
    /** Record of one entry. */
    public record Entry(String key, long defaultValue, String unit, String doc, String source) {
    }

    public static final String SEND = "ipc.send";
    public static final String RECV = "ipc.recv";
    public static final String PAYLOAD_KIB = "ipc.payload.kib";
    public static final String MULTICAST_DESTINATION = "ipc.multicast.destination";

    private static final List<Entry> TABLE = List.of(
            new Entry(SEND, 424, "ns", "SEND of one message without payload, to one destination",
                    "bus1 2015: unicast send+recv 847 ns without payload; split evenly between SEND and RECV (estimate)"),
            new Entry(RECV, 423, "ns", "RECV of one entry (and the slice release)",
                    "bus1 2015: unicast send+recv 847 ns without payload; the other half"),
            new Entry(PAYLOAD_KIB, 302, "ns", "copying 1 KiB of payload into the receiver's pool (charged to SEND)",
                    "bus1 2015: 1149 ns with 1 KiB payload - 847 ns without"),
            new Entry(MULTICAST_DESTINATION, 700, "ns", "each destination of a multicast beyond the first",
                    "bus1 2015: multicast 0.5-0.9 us per destination; midpoint"));

    private static final Map<String, Entry> BY_KEY;

    static {
        Map<String, Entry> m = new LinkedHashMap<>();
        for (Entry e : TABLE) {
            m.put(e.key(), e);
        }
        BY_KEY = Collections.unmodifiableMap(m);
    }

    public final long send;
    public final long recv;
    public final long payloadPerKib;
    public final long multicastDestination;

    private IpcCosts(Map<String, Long> v) {
        send = v.get(SEND);
        recv = v.get(RECV);
        payloadPerKib = v.get(PAYLOAD_KIB);
        multicastDestination = v.get(MULTICAST_DESTINATION);
    }

    public static Set<String> keys() {
        return BY_KEY.keySet();
    }

    public static List<Entry> entries() {
        return TABLE;
    }

    /** Defaults overlaid with the overrides whose keys are IPC keys (other keys are ignored: they belong to the memory cost model). */
    public static IpcCosts of(Map<String, Long> overrides) {
        Map<String, Long> v = new LinkedHashMap<>();
        for (Entry e : TABLE) {
            v.put(e.key(), e.defaultValue());
        }
        for (Map.Entry<String, Long> o : overrides.entrySet()) {
            if (BY_KEY.containsKey(o.getKey())) {
                if (o.getValue() == null || o.getValue() < 0) {
                    throw new IllegalArgumentException("cost '" + o.getKey() + "' must be >= 0, got " + o.getValue());
                }
                v.put(o.getKey(), o.getValue());
            }
        }
        return new IpcCosts(v);
    }

    /** CPU time of one SEND of {@code bytes} to {@code destinations} destinations. */
    public long sendCost(long bytes, int destinations) {
        return send + bytes * payloadPerKib / 1024 + (long) Math.max(0, destinations - 1) * multicastDestination;
    }
}

package dev.ksim.engine.ipc;

import dev.ksim.engine.cost.CostModel;
import java.util.Map;
import java.util.Set;

/**
 * The IPC entries of the run's {@link CostModel}, read once into fields for the hot path. The
 * defaults and their sources (the 2015 bus1 measurements) are in the cost model's one table,
 * keys {@code ipc.*}; a scenario overrides them in {@code costs { }}.
 */
public final class IpcCosts {
    public static final String SEND = CostModel.IPC_SEND;
    public static final String RECV = CostModel.IPC_RECV;
    public static final String PAYLOAD_KIB = CostModel.IPC_PAYLOAD_KIB;
    public static final String MULTICAST_DESTINATION = CostModel.IPC_MULTICAST_DESTINATION;

    public final long send;
    public final long recv;
    public final long payloadPerKib;
    public final long multicastDestination;

    private IpcCosts(CostModel c) {
        send = c.get(SEND);
        recv = c.get(RECV);
        payloadPerKib = c.get(PAYLOAD_KIB);
        multicastDestination = c.get(MULTICAST_DESTINATION);
    }

    /** The IPC costs of a resolved cost model. */
    public static IpcCosts of(CostModel costs) {
        return new IpcCosts(costs);
    }

    /**
     * Defaults overlaid with {@code overrides}.
     *
     * @throws IllegalArgumentException for an unknown key or a negative value (validation reports
     *                                  these to the user first)
     */
    public static IpcCosts of(Map<String, Long> overrides) {
        return new IpcCosts(CostModel.of(null, overrides));
    }

    /** The keys an {@code ipc { }} scenario may override. */
    public static Set<String> keys() {
        return CostModel.keys(CostModel.IPC_PREFIX);
    }

    /** CPU time of one SEND of {@code bytes} to {@code destinations} destinations. */
    public long sendCost(long bytes, int destinations) {
        return send + bytes * payloadPerKib / 1024 + (long) Math.max(0, destinations - 1) * multicastDestination;
    }
}

package dev.ksim.engine.ipc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.spi.ipc.IpcAccountingPolicy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Random operation sequences (send, multicast, staged sends committed later, recv, slice and
 * handle release, destroy, disconnect) under every accounting rule, with tight limits so refusals
 * are frequent. After every operation the mechanism's invariants hold (accounting conservation,
 * no silent loss, recv never fails for accounting, node references); a refused SEND changes no
 * accounting; every two receivers see their common messages in the same order, and a message sent
 * after its sender received another is seen after it by everyone.
 */
class IpcBusPropertiesTest {
    private static final int PEERS = 5;

    @Provide
    Arbitrary<List<int[]>> ops() {
        return Arbitraries.integers().between(0, 1_000_000).array(int[].class).ofSize(6).list().ofMinSize(1).ofMaxSize(300);
    }

    @Provide
    Arbitrary<Integer> policies() {
        return Arbitraries.integers().between(0, 3);
    }

    @Property(tries = 200)
    void invariantsHoldUnderRandomOperations(@ForAll("ops") List<int[]> ops, @ForAll("policies") int which) {
        IpcAccountingPolicy policy = switch (which) {
            case 0 -> IpcFixture.NO_QUOTA;
            case 1 -> IpcFixture.N1;
            case 2 -> IpcFixture.SENDER;
            default -> IpcFixture.REQUEST_REPLY;
        };
        IpcLimits limits = new IpcLimits(12, 10, 4_000, 40);
        IpcBus bus = IpcFixture.bus(policy, IpcFixture.BUS1, limits, 3);
        int[] peer = new int[PEERS];
        int[] node = new int[PEERS];
        for (int p = 0; p < PEERS; p++) {
            peer[p] = bus.connect(p % 3, new IpcLimits(8, 6, 3_000, 30));
            node[p] = bus.createNode(peer[p]);
        }
        for (int p = 0; p < PEERS; p++) {
            for (int q = 0; q < PEERS; q++) {
                if (p != q) {
                    bus.grant(peer[p], node[q]);
                }
            }
        }
        List<Integer> extraNodes = new ArrayList<>();
        List<Integer> staged = new ArrayList<>();
        Map<Integer, List<Long>> seen = new HashMap<>();
        Map<Long, Long> tsOfTag = new HashMap<>();
        Map<Long, Long> floorOfTag = new HashMap<>();
        long[] maxSeen = new long[PEERS];
        RecvResult out = new RecvResult();
        long tag = 0;
        for (int[] op : ops) {
            int p = op[1] % PEERS;
            int q = op[2] % PEERS;
            switch (op[0] % 9) {
                case 0, 1 -> { // unicast, maybe carrying a handle, maybe as a call or a reply
                    int[] carried = extraNodes.isEmpty() || op[3] % 3 != 0 ? new int[0]
                            : new int[] {extraNodes.get(op[3] % extraNodes.size())};
                    int flags = op[4] % 4 == 0 ? IpcBus.CALL : 0;
                    String before = bus.accounting().snapshot();
                    long t = ++tag;
                    floorOfTag.put(t, maxSeen[p]);
                    int r = bus.sendNow(peer[p], new int[] {node[q]}, 1, op[5] % 900, carried, carried.length,
                            op[3] % 50, flags, t, 200, null);
                    if (r < 0) {
                        assertEquals(before, bus.accounting().snapshot(), "refused " + Errno.name(r) + " changed accounting");
                    }
                }
                case 2 -> { // atomic multicast to up to 3 peers, maybe CONTINUE, staged and committed later
                    int n = 1 + op[3] % 3;
                    int[] d = new int[n];
                    for (int i = 0; i < n; i++) {
                        d[i] = node[(q + i) % PEERS];
                    }
                    boolean cont = op[4] % 2 == 0;
                    String before = bus.accounting().snapshot();
                    long t = ++tag;
                    floorOfTag.put(t, maxSeen[p]);
                    int m = bus.send(peer[p], d, n, op[5] % 500, null, 0, 0, cont ? IpcBus.CONTINUE : 0, t, 0, new int[n]);
                    if (m >= 0) {
                        staged.add(m);
                    } else if (!cont) {
                        assertEquals(before, bus.accounting().snapshot(), "refused multicast changed accounting");
                    }
                }
                case 3 -> {
                    if (!staged.isEmpty()) {
                        bus.commit(staged.remove(op[3] % staged.size()));
                    }
                }
                case 4, 5 -> { // recv, release the slice, reply to calls
                    int k = bus.recv(peer[p], out);
                    if (k == IpcBus.DATA) {
                        long key = out.tag * 2 + ((out.flags & IpcBus.REPLY) != 0 ? 1 : 0); // a reply reuses its call's tag
                        seen.computeIfAbsent(p, x -> new ArrayList<>()).add(key);
                        Long earlier = tsOfTag.putIfAbsent(key, out.timestamp);
                        if (earlier != null) {
                            assertEquals(earlier, out.timestamp, "one timestamp per message on every destination");
                        }
                        if ((out.flags & IpcBus.REPLY) == 0) {
                            assertTrue(out.timestamp > floorOfTag.getOrDefault(out.tag, 0L), "causal order");
                        }
                        maxSeen[p] = Math.max(maxSeen[p], out.timestamp);
                        if ((out.flags & IpcBus.CALL) != 0) {
                            int back = -1;
                            for (int x = 0; x < PEERS; x++) {
                                if (peer[x] == out.sender) {
                                    back = x;
                                }
                            }
                            bus.sendNow(peer[p], new int[] {node[back]}, 1, 200, null, 0, 0, IpcBus.REPLY, out.tag, 0, null);
                        }
                        if (op[3] % 4 != 0) {
                            // a peer that called itself may have been disconnected by its own reply
                            assertEquals(bus.connected(peer[p]) ? 0 : -Errno.ESHUTDOWN, bus.releaseSlice(peer[p], out.slice));
                        }
                    } else if (k < 0) {
                        assertNotEquals(-Errno.EDQUOT, k, "RECV never fails for accounting");
                    }
                }
                case 6 -> {
                    if (op[3] % 2 == 0) {
                        int n = bus.createNode(peer[p]);
                        if (n >= 0) {
                            extraNodes.add(n);
                        }
                    } else if (!extraNodes.isEmpty()) {
                        int n = extraNodes.get(op[4] % extraNodes.size());
                        bus.releaseHandle(peer[p], n);
                    }
                }
                case 7 -> {
                    if (!extraNodes.isEmpty()) {
                        bus.destroy(peer[p], extraNodes.get(op[4] % extraNodes.size()));
                    }
                }
                default -> {
                    if (op[3] % 20 == 0) {
                        bus.disconnect(peer[p]);
                    }
                }
            }
            List<String> v = bus.violations();
            assertEquals(List.of(), v, "after op " + op[0] % 9);
        }
        while (!staged.isEmpty()) {
            bus.commit(staged.remove(0));
        }
        assertEquals(List.of(), bus.violations());
        // any two receivers see their common messages in the same order
        for (List<Long> x : seen.values()) {
            for (List<Long> y : seen.values()) {
                List<Long> cx = new ArrayList<>(x);
                cx.retainAll(y);
                List<Long> cy = new ArrayList<>(y);
                cy.retainAll(x);
                assertEquals(cx, cy);
            }
        }
    }
}

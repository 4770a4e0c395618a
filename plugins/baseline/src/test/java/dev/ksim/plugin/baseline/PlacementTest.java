package dev.ksim.plugin.baseline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ksim.spi.mm.FaultContext;
import dev.ksim.spi.mm.MemoryView;
import dev.ksim.spi.mm.NodeRequest;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlacementTest {

    private static FaultContext fault(int cpuNode, long offset) {
        return new FaultContext() {
            public int cpu() {
                return 0;
            }

            public int cpuNode() {
                return cpuNode;
            }

            public int pid() {
                return 1;
            }

            public int mapping() {
                return 0;
            }

            public long pageOffset() {
                return offset;
            }
        };
    }

    private static MemoryView nodes(int n) {
        return new MemoryView() {
            public int nodeCount() {
                return n;
            }

            public long totalPages(int node) {
                return 100;
            }

            public long freePages(int node) {
                return 100;
            }

            public boolean hasCpus(int node) {
                return true;
            }

            public int distance(int from, int to) {
                return from == to ? 10 : 21;
            }
        };
    }

    @Test
    void firstTouchPicksTheCpusNode() {
        assertEquals(2, new FirstTouch().placeFault(fault(2, 77), nodes(4)));
    }

    @Test
    void interleaveRoundRobinsByOffsetOverTheNodeSet() {
        var all = new Interleave(TestSupport.options(InterleaveProvider.DESCRIPTOR, Map.of()));
        assertEquals(0, all.placeFault(fault(1, 0), nodes(3)));
        assertEquals(1, all.placeFault(fault(1, 1), nodes(3)));
        assertEquals(2, all.placeFault(fault(1, 5), nodes(3)));
        var some = new Interleave(TestSupport.options(InterleaveProvider.DESCRIPTOR, Map.of("nodes", "1,3-4")));
        int[] expected = {1, 3, 4, 1};
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], some.placeFault(fault(0, i), nodes(5)));
        }
    }

    @Test
    void interleaveRejectsBadNodeLists() {
        assertThrows(IllegalArgumentException.class,
                () -> new Interleave(TestSupport.options(InterleaveProvider.DESCRIPTOR, Map.of("nodes", "1-x"))));
        var tooBig = new Interleave(TestSupport.options(InterleaveProvider.DESCRIPTOR, Map.of("nodes", "0,7")));
        var e = assertThrows(IllegalArgumentException.class, () -> tooBig.placeFault(fault(0, 0), nodes(2)));
        assertEquals("node 7 in 'nodes' does not exist; the machine has nodes 0-1", e.getMessage());
    }

    @Test
    void systemRamRoundsUpToWholeFrames() {
        var ram = new SystemRam(TestSupport.options(SystemRamProvider.DESCRIPTOR, Map.of("latency", 95L)));
        var mem = ram.describe(new NodeRequest(0, 64L * 1024 * 1024 + 1, true));
        assertEquals(16_385, mem.frames());
        assertEquals(95, mem.loadLatencyNs());
        assertEquals(576, mem.tier());
    }
}

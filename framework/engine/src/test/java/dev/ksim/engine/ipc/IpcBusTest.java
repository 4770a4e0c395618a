package dev.ksim.engine.ipc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The bus1 mechanism, one rule at a time (bus1 spec sections 1-3). */
class IpcBusTest {
    private static final IpcLimits BIG = IpcLimits.USER_DEFAULTS;
    private final RecvResult out = new RecvResult();
    private IpcBus bus;
    private int a;
    private int b;
    private int c;
    private int na;
    private int nb;
    private int nc;

    @BeforeEach
    void setUp() {
        setUp(IpcFixture.NO_QUOTA, BIG);
    }

    private void setUp(dev.ksim.spi.ipc.IpcAccountingPolicy policy, IpcLimits limits) {
        bus = IpcFixture.bus(policy, IpcFixture.BUS1, limits, 3);
        a = bus.connect(0, BIG);
        b = bus.connect(1, BIG);
        c = bus.connect(2, BIG);
        na = bus.createNode(a);
        nb = bus.createNode(b);
        nc = bus.createNode(c);
        for (int p : new int[] {a, b, c}) {
            for (int n : new int[] {na, nb, nc}) {
                if (bus.owner(n) != p) {
                    bus.grant(p, n);
                }
            }
        }
    }

    private int send(int from, int... dests) {
        return bus.sendNow(from, dests, dests.length, 100, null, 0, 0, 0, 0, 0, null);
    }

    private void assertClean() {
        assertEquals(List.of(), bus.violations());
    }

    @Test
    void chargedAtSendToTheReceiverAsTheSendersShareAndReturnedAtRecvAndRelease() {
        send(a, nb);
        IpcAccounting acct = bus.accounting();
        assertEquals(1, acct.share(1, 0, IpcLimits.SLICES));
        assertEquals(100, acct.share(1, 0, IpcLimits.BYTES));
        assertEquals(IpcBus.DATA, bus.recv(b, out));
        assertEquals(0, acct.share(1, 0, IpcLimits.BYTES), "bytes return at RECV");
        assertEquals(1, acct.share(1, 0, IpcLimits.SLICES), "the slice stays until released");
        assertEquals(0, bus.releaseSlice(b, out.slice));
        assertEquals(0, acct.used(1, IpcLimits.SLICES));
        assertEquals(-Errno.EBADF, bus.releaseSlice(b, out.slice), "a slice released twice");
        assertClean();
    }

    @Test
    void multicastIsAllOrNothingAndContinueReportsPerDestination() {
        setUp(IpcFixture.NO_QUOTA, new IpcLimits(2, 100, 1 << 20, 10));
        send(a, nc);
        send(a, nc); // c's user is full
        String before = bus.accounting().snapshot();
        assertEquals(-Errno.EDQUOT, send(a, nb, nc));
        assertEquals(before, bus.accounting().snapshot(), "a refused multicast charged nobody");
        assertEquals(-Errno.EAGAIN, bus.recv(b, out));
        int[] err = new int[2];
        int m = bus.sendNow(a, new int[] {nb, nc}, 2, 100, null, 0, 0, IpcBus.CONTINUE, 0, 0, err);
        assertTrue(m >= 0);
        assertEquals(0, err[0]);
        assertEquals(-Errno.EDQUOT, err[1]);
        assertEquals(IpcBus.DATA, bus.recv(b, out));
        assertClean();
    }

    @Test
    void stagedEntriesBlockLaterCommittedOnesAndOrderIsConsistent() {
        int m1 = bus.send(a, new int[] {nb, nc}, 2, 1, null, 0, 0, 0, 1, 0, null);
        int m2 = bus.sendNow(c, new int[] {nb}, 1, 2, null, 0, 0, 0, 2, 0, null);
        assertTrue(m2 >= 0);
        assertEquals(-Errno.EAGAIN, bus.recv(b, out), "m2 is committed, but staged m1 is ahead of it");
        bus.commit(m1);
        assertEquals(IpcBus.DATA, bus.recv(b, out));
        assertEquals(2, out.tag, "m1 was staged first but committed after m2: it is ordered after it");
        bus.releaseSlice(b, out.slice);
        assertEquals(IpcBus.DATA, bus.recv(b, out));
        assertEquals(1, out.tag);
        long tsOnB = out.timestamp;
        assertEquals(IpcBus.DATA, bus.recv(c, out));
        assertEquals(tsOnB, out.timestamp, "one commit timestamp on every destination");
        assertClean();
    }

    @Test
    void causalityAMessageSentAfterAReceiveIsOrderedAfterIt() {
        send(a, nb, nc);                     // A
        assertEquals(IpcBus.DATA, bus.recv(b, out));
        long tsA = out.timestamp;
        bus.sendNow(b, new int[] {nc}, 1, 1, null, 0, 0, 0, 7, 0, null); // B, after receiving A
        assertEquals(IpcBus.DATA, bus.recv(c, out));
        assertEquals(tsA, out.timestamp, "c sees A first");
        assertEquals(IpcBus.DATA, bus.recv(c, out));
        assertEquals(7, out.tag);
        assertTrue(out.timestamp > tsA);
        assertClean();
    }

    @Test
    void handlesTravelAreInstalledAtRecvAndReleaseNotifiesTheOwner() {
        int obj = bus.createNode(a);
        bus.sendNow(a, new int[] {nb}, 1, 0, new int[] {obj}, 1, 0, 0, 0, 0, null);
        assertEquals(IpcBus.DATA, bus.recv(b, out));
        assertEquals(1, out.handleCount);
        assertTrue(bus.holds(b, obj));
        assertEquals(1, bus.accounting().share(1, 0, IpcLimits.HANDLES), "the new handle is charged to b's user");
        bus.releaseSlice(b, out.slice);
        assertEquals(0, bus.releaseHandle(b, obj));
        assertEquals(0, bus.accounting().used(1, IpcLimits.HANDLES));
        assertEquals(-Errno.EBADF, bus.releaseHandle(b, obj), "handle used after release");
        assertEquals(-Errno.EBADF, bus.sendNow(b, new int[] {obj}, 1, 0, null, 0, 0, 0, 0, 0, null));
        // a gets NODE_RELEASE, after b's data... a's queue holds only it
        assertEquals(IpcBus.NODE_RELEASE, bus.recv(a, out));
        assertEquals(obj, out.node);
        assertClean();
    }

    @Test
    void nodeReleaseIsWithdrawnWhenTheCountRisesBeforeDequeue() {
        int obj = bus.createNode(a);
        bus.grant(b, obj);
        bus.releaseHandle(b, obj);
        assertEquals(1, bus.stats.nodeReleaseQueued);
        bus.sendNow(a, new int[] {nc}, 1, 0, new int[] {obj}, 1, 0, 0, 0, 0, null);
        assertEquals(1, bus.stats.nodeReleaseWithdrawn);
        assertEquals(-Errno.EAGAIN, bus.recv(a, out));
        assertClean();
    }

    @Test
    void destroyNotifiesEveryHolderAndLaterMessagesAreDroppedAndCounted() {
        int obj = bus.createNode(a);
        bus.grant(b, obj);
        bus.grant(c, obj);
        int staged = bus.send(b, new int[] {obj}, 1, 10, null, 0, 0, 0, 0, 0, null);
        assertEquals(-Errno.EREMOTE, bus.destroy(b, obj));
        assertEquals(0, bus.destroy(a, obj));
        assertEquals(-Errno.ESTALE, bus.destroy(a, obj));
        bus.commit(staged); // ordered after the destruction
        assertEquals(IpcBus.NODE_DESTROY, bus.recv(b, out));
        assertEquals(IpcBus.NODE_DESTROY, bus.recv(c, out));
        assertTrue(bus.sendNow(c, new int[] {obj}, 1, 10, null, 0, 0, 0, 0, 0, null) >= 0, "the sender cannot know");
        assertEquals(IpcBus.NODE_DESTROY, bus.recv(a, out));
        assertEquals(-Errno.EAGAIN, bus.recv(a, out), "both later messages dropped");
        assertEquals(2, bus.stats.droppedDestroyed);
        assertEquals(0, bus.accounting().used(0, IpcLimits.BYTES));
        assertClean();
    }

    @Test
    void aHandleToANodeDestroyedEarlierArrivesInvalid() {
        int obj = bus.createNode(a);
        bus.grant(b, obj);
        int m = bus.send(b, new int[] {nc}, 1, 0, new int[] {obj}, 1, 0, 0, 0, 0, null);
        bus.destroy(a, obj);
        bus.commit(m);
        assertEquals(IpcBus.DATA, bus.recv(c, out));
        assertEquals(0, out.handleCount);
        assertEquals(1, out.invalidHandles);
        assertClean();
    }

    @Test
    void disconnectFlushesAndLaterCallsFailWithEshutdown() {
        send(a, nb);
        send(a, nb);
        assertEquals(0, bus.disconnect(b));
        assertEquals(-Errno.ESHUTDOWN, bus.recv(b, out));
        assertEquals(-Errno.ESHUTDOWN, send(b, na));
        assertEquals(0, bus.accounting().used(1, IpcLimits.SLICES));
        assertEquals(2, bus.stats.flushed);
        assertTrue(send(a, nb) >= 0, "sending to a disconnected peer's node: dropped, counted");
        assertEquals(1, bus.stats.droppedDestroyed);
        assertClean();
    }

    @Test
    void tooManyFdsIsEmsgsize() {
        assertEquals(-Errno.EMSGSIZE, bus.sendNow(a, new int[] {nb}, 1, 0, null, 0, 257, 0, 0, 0, null));
        assertTrue(bus.sendNow(a, new int[] {nb}, 1, 0, null, 0, 256, 0, 0, 0, null) >= 0);
        assertEquals(256, bus.accounting().used(1, IpcLimits.FDS));
        bus.recv(b, out);
        assertEquals(0, bus.accounting().used(1, IpcLimits.FDS), "fds return at RECV");
        assertClean();
    }

    @Test
    void senderPolicyChargesTheSendersOwnUser() {
        setUp(IpcFixture.SENDER, BIG);
        send(a, nb);
        assertEquals(1, bus.accounting().used(0, IpcLimits.SLICES));
        assertEquals(0, bus.accounting().used(1, IpcLimits.SLICES));
        assertClean();
    }

    @Test
    void requestReplyReservesTheReplyAndDisconnectsACallerThatCannotTakeIt() {
        setUp(IpcFixture.REQUEST_REPLY, new IpcLimits(8, 100, 4000, 10));
        // a calls b twice carrying its node, reserving 300-byte replies
        for (int i = 0; i < 2; i++) {
            assertTrue(bus.sendNow(a, new int[] {nb}, 1, 10, new int[] {na}, 1, 0, IpcBus.CALL, 100 + i, 300, null) >= 0);
        }
        assertEquals(2, bus.reservations());
        assertEquals(4, bus.accounting().used(1, IpcLimits.SLICES), "2 requests + 2 reserved reply slots on the callee");
        assertEquals(620, bus.accounting().share(1, 0, IpcLimits.BYTES), "charged as the caller's share");
        // a fills its own budget (a self-charge: limited by what is left only), leaving 500 bytes
        assertTrue(bus.sendNow(a, new int[] {na}, 1, 3500, null, 0, 0, 0, 0, 0, null) >= 0);
        for (int i = 0; i < 2; i++) {
            assertEquals(IpcBus.DATA, bus.recv(b, out));
            bus.releaseSlice(b, out.slice);
            int r = bus.sendNow(b, new int[] {na}, 1, 300, null, 0, 0, IpcBus.REPLY, out.tag, 0, null);
            assertTrue(r >= 0, "the replier's send never fails");
            assertEquals(1 - i, bus.reservations(), "the reply consumed its slot");
        }
        assertEquals(0, bus.reservations());
        assertEquals(1, bus.stats.replyDisconnects, "500 bytes left took the first 300-byte reply, not the second");
        assertEquals(0, bus.accounting().used(0, IpcLimits.BYTES), "the disconnect flushed a's queue");
        assertEquals(0, bus.accounting().used(1, IpcLimits.BYTES), "nothing stays charged to the callee");
        assertTrue(!bus.connected(a));
        assertClean();
    }

    @Test
    void unixStreamChargesTheSendBufferAndFailsWithEagain() {
        bus = IpcFixture.bus(IpcFixture.NO_QUOTA, IpcFixture.unix(250), BIG, 2);
        a = bus.connect(0, BIG);
        b = bus.connect(1, BIG);
        nb = bus.createNode(b);
        na = bus.createNode(a);
        bus.grant(a, nb);
        assertTrue(send(a, nb) >= 0);
        assertTrue(send(a, nb) >= 0);
        assertEquals(-Errno.EAGAIN, send(a, nb), "300 > 250 bytes of send buffer");
        assertEquals(0, bus.accounting().used(1, IpcLimits.SLICES), "no user accounting");
        assertEquals(-Errno.EINVAL, bus.sendNow(a, new int[] {nb}, 1, 0, new int[] {na}, 1, 0, 0, 0, 0, null), "no handles");
        bus.recv(b, out);
        assertEquals(100, bus.connectionQueued(a, b));
        assertTrue(send(a, nb) >= 0);
        assertClean();
    }
}

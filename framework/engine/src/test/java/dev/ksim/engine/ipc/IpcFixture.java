package dev.ksim.engine.ipc;

import dev.ksim.engine.sim.SimulationClock;
import dev.ksim.spi.ipc.IpcAccountingPolicy;
import dev.ksim.spi.ipc.IpcTransport;

/** Small policies and transports for engine tests (the real ones live in the bus1 bundle). */
final class IpcFixture {
    private IpcFixture() {
    }

    static final IpcAccountingPolicy NO_QUOTA = (r, s, c, n, self) -> c <= r;

    /** The n+1 rule, as the bus1 bundle's quota-n1 (kept tiny here: no overflow checks needed for test sizes). */
    static final IpcAccountingPolicy N1 = (r, s, c, n, self) -> self ? c <= r : (s + c) * (n + 1) - s <= r;

    static final IpcAccountingPolicy SENDER = new IpcAccountingPolicy() {
        @Override
        public Payer payer() {
            return Payer.SENDER;
        }

        @Override
        public boolean admit(long r, long s, long c, int n, boolean self) {
            return c <= r;
        }
    };

    static final IpcAccountingPolicy REQUEST_REPLY = new IpcAccountingPolicy() {
        @Override
        public boolean reservesReplies() {
            return true;
        }

        @Override
        public boolean admit(long r, long s, long c, int n, boolean self) {
            return N1.admit(r, s, c, n, self);
        }
    };

    static final IpcTransport BUS1 = new IpcTransport() {
        @Override
        public boolean supportsHandles() {
            return true;
        }

        @Override
        public boolean supportsMulticast() {
            return true;
        }

        @Override
        public boolean chargesReceiver() {
            return true;
        }
    };

    static IpcTransport unix(long sndbuf) {
        return new IpcTransport() {
            @Override
            public boolean supportsHandles() {
                return false;
            }

            @Override
            public boolean supportsMulticast() {
                return false;
            }

            @Override
            public boolean chargesReceiver() {
                return false;
            }

            @Override
            public long sendBufferBytes() {
                return sndbuf;
            }
        };
    }

    static IpcBus bus(IpcAccountingPolicy policy, IpcTransport transport, IpcLimits userLimits, int users) {
        IpcAccounting a = new IpcAccounting(policy, "test");
        for (int u = 0; u < users; u++) {
            a.addUser(1000 + u, userLimits);
        }
        return new IpcBus(new SimulationClock(), a, transport);
    }
}

package dev.ksim.plugin.bus1;

import dev.ksim.spi.ipc.IpcAccountingPolicy;

/**
 * The five accounting designs of the bus1 debate (bus1 spec sections 3-4). Each answers only
 * "may this actor take c more of what the payer has left?"; the engine has already checked
 * {@code c ≤ R} (the hard per-user limit) before asking.
 */
public final class AccountingPolicies {
    private AccountingPolicies() {
    }

    /** {@code no-quota}: the receiving user's hard limit only; any sender may take all of it. */
    public static final class NoQuota implements IpcAccountingPolicy {
        @Override
        public boolean admit(long remaining, long held, long charge, int holders, boolean selfCharge) {
            return charge <= remaining;
        }
    }

    /** {@code sender}: every message is charged to the sending user's own budget until the receiver gives it back. */
    public static final class SenderPays implements IpcAccountingPolicy {
        @Override
        public Payer payer() {
            return Payer.SENDER;
        }

        @Override
        public boolean admit(long remaining, long held, long charge, int holders, boolean selfCharge) {
            return charge <= remaining;
        }
    }

    /**
     * {@code bus1-half} (bus1, Oct 2016): a foreign sender may hold at most half of what no one
     * else is using: R ≥ S + 2c. A user charging itself is limited by R only.
     */
    public static final class Bus1Half implements IpcAccountingPolicy {
        @Override
        public boolean admit(long remaining, long held, long charge, int holders, boolean selfCharge) {
            if (selfCharge) {
                return charge <= remaining;
            }
            return QuotaN1.fits(held, charge, 1, remaining);
        }
    }

    /**
     * {@code quota-n1} (dbus-broker's user.c): (S + c)·(n + 1) − S ≤ R, computed without
     * overflow (an overflow is a refusal). Each of n sharing uids is guaranteed between 1/n and
     * 1/n² of the total. A user charging itself is limited by R only.
     */
    public static final class QuotaN1 implements IpcAccountingPolicy {
        @Override
        public boolean admit(long remaining, long held, long charge, int holders, boolean selfCharge) {
            if (selfCharge) {
                return charge <= remaining;
            }
            return fits(held, charge, holders, remaining);
        }

        /** (S + c)·(n + 1) − S ≤ R with every step checked for overflow. */
        static boolean fits(long held, long charge, long n, long remaining) {
            if (held < 0 || charge < 0 || n < 0 || remaining < 0) {
                return false;
            }
            long total;
            long scaled;
            try {
                total = Math.addExact(held, charge);
                scaled = Math.multiplyExact(total, Math.addExact(n, 1));
            } catch (ArithmeticException overflow) {
                return false;
            }
            return scaled - held <= remaining;
        }
    }

    /**
     * {@code request-reply} (Linus Torvalds' proposal): messages are charged to the receiver
     * under the n+1 quota, and a call additionally reserves its reply slot on the callee's user as
     * the caller's share; the reply uses the slot and is charged to the caller's own budget (the
     * engine's mechanism, switched on by {@link #reservesReplies()}).
     */
    public static final class RequestReply implements IpcAccountingPolicy {
        @Override
        public boolean reservesReplies() {
            return true;
        }

        @Override
        public boolean admit(long remaining, long held, long charge, int holders, boolean selfCharge) {
            if (selfCharge) {
                return charge <= remaining;
            }
            return QuotaN1.fits(held, charge, holders, remaining);
        }
    }
}

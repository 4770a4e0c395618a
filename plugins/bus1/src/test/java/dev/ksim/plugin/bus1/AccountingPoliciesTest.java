package dev.ksim.plugin.bus1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.engine.ipc.Errno;
import dev.ksim.engine.ipc.IpcAccounting;
import dev.ksim.engine.ipc.IpcLimits;
import dev.ksim.spi.ipc.IpcAccountingPolicy;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The policies' quota arithmetic, alone and through the engine's accounting. */
class AccountingPoliciesTest {

    /** The most slices {@code actor} can take from {@code payer}, one slice per charge. */
    private static long takeAll(IpcAccounting a, int payer, int actor) {
        long n = 0;
        while (a.charge(payer, actor, 1, 0, 0, 0) == 0) {
            n++;
        }
        return n;
    }

    private static IpcAccounting accounting(IpcAccountingPolicy policy, long slices, int users) {
        IpcAccounting a = new IpcAccounting(policy, "test");
        for (int u = 0; u < users; u++) {
            a.addUser(1000 + u, new IpcLimits(slices, 65_536, 16L << 20, 4096));
        }
        return a;
    }

    @Test
    void quotaN1WithLimit1024GivesTheFirstForeignUser512AndASecond170() {
        IpcAccounting a = accounting(new AccountingPolicies.QuotaN1(), 1024, 3);
        assertEquals(512, takeAll(a, 0, 1));
        assertEquals(170, takeAll(a, 0, 2));
        assertEquals(2, a.holders(0));
        List<String> v = new java.util.ArrayList<>();
        a.check(v);
        assertEquals(List.of(), v);
    }

    @Test
    void quotaN1SelfChargeIsLimitedByRemainingOnly() {
        IpcAccounting a = accounting(new AccountingPolicies.QuotaN1(), 1024, 2);
        assertEquals(512, takeAll(a, 0, 1));
        assertEquals(512, takeAll(a, 0, 0));
        assertEquals(1024, a.used(0, IpcLimits.SLICES));
    }

    @Test
    void bus1HalfLeavesAbout1In1024AfterTenColluders() {
        IpcAccounting a = accounting(new AccountingPolicies.Bus1Half(), 1 << 20, 12);
        for (int k = 1; k <= 10; k++) {
            takeAll(a, 0, k);
        }
        long left = a.limit(0, IpcLimits.SLICES) - a.used(0, IpcLimits.SLICES);
        assertEquals(1024, left, "half of what is left, ten times: 2^20 / 2^10");
    }

    @Test
    void noQuotaLetsOneSenderTakeEverything() {
        IpcAccounting a = accounting(new AccountingPolicies.NoQuota(), 1024, 2);
        assertEquals(1024, takeAll(a, 0, 1));
        assertEquals(-Errno.EDQUOT, a.charge(0, 1, 1, 0, 0, 0));
    }

    @Test
    void senderPaysAndRequestReplyDeclareTheirMechanisms() {
        assertEquals(IpcAccountingPolicy.Payer.SENDER, new AccountingPolicies.SenderPays().payer());
        assertEquals(IpcAccountingPolicy.Payer.RECEIVER, new AccountingPolicies.QuotaN1().payer());
        assertTrue(new AccountingPolicies.RequestReply().reservesReplies());
        assertFalse(new AccountingPolicies.Bus1Half().reservesReplies());
    }

    @Test
    void overflowIsARefusal() {
        assertFalse(AccountingPolicies.QuotaN1.fits(Long.MAX_VALUE / 2, Long.MAX_VALUE / 2, 3, Long.MAX_VALUE));
        assertFalse(AccountingPolicies.QuotaN1.fits(1, Long.MAX_VALUE, 1, Long.MAX_VALUE));
        assertTrue(AccountingPolicies.QuotaN1.fits(0, 1, 1, 2));
        assertFalse(AccountingPolicies.QuotaN1.fits(0, 2, 1, 3));
    }

    @Test
    void aRefusedChargeChangesNothing() {
        IpcAccounting a = accounting(new AccountingPolicies.QuotaN1(), 100, 3);
        a.charge(0, 1, 40, 0, 0, 0);
        String before = a.snapshot();
        assertEquals(-Errno.EDQUOT, a.charge(0, 2, 21, 1, 30, 1), "handle, bytes and fd fit, but 21 slices × (n + 1 = 3) > 60 left");
        assertEquals(before, a.snapshot());
    }
}

package dev.ksim.engine.ipc;

import dev.ksim.engine.run.PluginCrashException;
import dev.ksim.spi.PluginKind;
import dev.ksim.spi.ipc.IpcAccountingPolicy;

/**
 * Wraps a plugin's {@link IpcAccountingPolicy} so that a policy that throws aborts only its run,
 * with the plugin named ({@link PluginCrashException}), as the memory model does for its plugins.
 */
public final class GuardedPolicy implements IpcAccountingPolicy {
    private final IpcAccountingPolicy policy;
    private final String id;
    private final Payer payer;
    private final boolean reserves;

    public GuardedPolicy(IpcAccountingPolicy policy, String id) {
        this.policy = policy;
        this.id = id;
        try {
            this.payer = policy.payer();
            this.reserves = policy.reservesReplies();
        } catch (RuntimeException x) {
            throw new PluginCrashException(PluginKind.IPC_ACCOUNTING_POLICY, id, "payer/reservesReplies", x);
        }
        if (payer == null) {
            throw new PluginCrashException(PluginKind.IPC_ACCOUNTING_POLICY, id, "payer() returned null", null);
        }
    }

    @Override
    public Payer payer() {
        return payer;
    }

    @Override
    public boolean reservesReplies() {
        return reserves;
    }

    @Override
    public boolean admit(long remaining, long held, long charge, int holders, boolean selfCharge) {
        try {
            return policy.admit(remaining, held, charge, holders, selfCharge);
        } catch (RuntimeException x) {
            throw new PluginCrashException(PluginKind.IPC_ACCOUNTING_POLICY, id, "admit", x);
        }
    }
}

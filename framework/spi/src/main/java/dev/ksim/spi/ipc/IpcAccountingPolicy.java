package dev.ksim.spi.ipc;

/**
 * An IPC resource-accounting design (bus1 spec section 3): who pays for a message and which share
 * of the payer's budget an acting uid may take. The engine owns the mechanism — per-user and
 * per-peer counters, the shares table, all-or-nothing charging across the four resources and
 * every destination, returning charges at RECV / slice release / handle release, {@code EDQUOT} —
 * and asks the policy only these questions.
 *
 * <p>{@link #admit} must be a pure function of its arguments (the engine may call it several
 * times per SEND, and rolls back on refusal). It is called once per resource per destination.
 */
public interface IpcAccountingPolicy {

    /** Whose budget a message's slice, bytes, handles and fds are charged to. */
    enum Payer {
        /** bus1: the receiving user, recorded as the sending uid's share. */
        RECEIVER,
        /** The sending user's own budget, until the receiver gives the resources back. */
        SENDER
    }

    /** Who pays; bus1 and every quota rule charge the receiver. */
    default Payer payer() {
        return Payer.RECEIVER;
    }

    /**
     * Request-and-reply accounting: a call additionally reserves one reply slot, charged (under
     * {@link #admit}) to the callee's user as the caller's share; the reply consumes the slot and
     * is charged to the caller's own user; a caller that cannot take its reply is disconnected and
     * the replier's SEND succeeds.
     */
    default boolean reservesReplies() {
        return false;
    }

    /**
     * @param remaining  R: what the payer has left of the resource (limit − used), ≥ 0
     * @param held       S: what the acting uid already holds on the payer
     * @param charge     c: the new charge, &gt; 0
     * @param holders    n: distinct foreign uids holding a share on the payer, the actor counted
     *                   once it holds one (so ≥ 1 for a foreign actor)
     * @param selfCharge whether the actor is the payer itself
     * @return whether the charge is admitted (the engine has already checked {@code charge ≤ remaining})
     */
    boolean admit(long remaining, long held, long charge, int holders, boolean selfCharge);
}

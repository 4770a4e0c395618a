package dev.ksim.spi.ipc;

/**
 * The rule deciding whether a charge against a receiving user's resource is admitted
 * (bus1 spec section 3). Pure function of its arguments; the engine applies it per resource,
 * all-or-nothing, and fails the SEND with {@code EDQUOT} on refusal.
 */
public interface IpcAccountingPolicy {

    /**
     * @param remaining  R: what the receiving user has left of the resource
     * @param held       S: what the acting uid already holds on that receiver
     * @param charge     c: the new charge
     * @param holders    n: distinct uids holding a share on the receiver (the actor counted once it holds one)
     * @param selfCharge whether the actor is the receiving user itself
     * @return whether the charge is admitted
     */
    boolean admit(long remaining, long held, long charge, int holders, boolean selfCharge);
}

package dev.ksim.engine.ipc;

import dev.ksim.spi.ipc.IpcAccountingPolicy;
import java.util.Arrays;
import java.util.List;

/**
 * Per-user resource accounting (bus1 spec section 3): for every user (dense index) and resource
 * its limit and what is used, and for every (payer user, acting user) pair the acting user's
 * share of that use. {@link #charge} is all-or-nothing over the four resources and consults the
 * {@link IpcAccountingPolicy} with R, S, c and n; {@link #uncharge} returns part of a share.
 *
 * <p>Invariants ({@link #check}): per user and resource, used = Σ shares, 0 ≤ used ≤ limit,
 * every share ≥ 0, and {@code holders(u)} = number of foreign users with a non-zero share on u.
 * A refused charge changes nothing. Every operation is O(1) expected (one hash lookup).
 */
public final class IpcAccounting {
    private static final int R = IpcLimits.RESOURCES;

    private final IpcAccountingPolicy policy;
    private final String policyId;
    private int users;
    private int[] uid = new int[16];
    private long[] limit = new long[16 * R];
    private long[] used = new long[16 * R];
    private int[] holders = new int[16];
    /** (payer << 32 | actor) → share slot. Slots are never freed: a pair that once shared keeps its slot. */
    private final LongIntMap slots = new LongIntMap(64);
    private int slotCount;
    private int[] slotPayer = new int[64];
    private int[] slotActor = new int[64];
    private long[] share = new long[64 * R];
    /** Charges refused, and charges refused by the policy's quota rule (not the hard limit). */
    private long refused;
    private long refusedByQuota;

    public IpcAccounting(IpcAccountingPolicy policy, String policyId) {
        this.policy = policy;
        this.policyId = policyId;
    }

    public IpcAccountingPolicy policy() {
        return policy;
    }

    /** Adds a user with a uid and its limits; returns its index. */
    public int addUser(int userUid, IpcLimits limits) {
        if (users == uid.length) {
            int n = users * 2;
            uid = Arrays.copyOf(uid, n);
            holders = Arrays.copyOf(holders, n);
            limit = Arrays.copyOf(limit, n * R);
            used = Arrays.copyOf(used, n * R);
        }
        int u = users++;
        uid[u] = userUid;
        for (int r = 0; r < R; r++) {
            limit[u * R + r] = limits.get(r);
        }
        return u;
    }

    public int userCount() {
        return users;
    }

    public int uid(int user) {
        return uid[user];
    }

    public long used(int user, int resource) {
        return used[user * R + resource];
    }

    public long limit(int user, int resource) {
        return limit[user * R + resource];
    }

    /** Foreign users currently holding a share on {@code user}. */
    public int holders(int user) {
        return holders[user];
    }

    /** What {@code actor} holds of {@code resource} on {@code payer}. */
    public long share(int payer, int actor, int resource) {
        int s = slots.get(key(payer, actor));
        return s < 0 ? 0 : share[s * R + resource];
    }

    public long refused() {
        return refused;
    }

    public long refusedByQuota() {
        return refusedByQuota;
    }

    private static long key(int payer, int actor) {
        return ((long) payer << 32) | (actor & 0xffffffffL);
    }

    private int slot(int payer, int actor) {
        long k = key(payer, actor);
        int s = slots.get(k);
        if (s >= 0) {
            return s;
        }
        if (slotCount == slotPayer.length) {
            int n = slotCount * 2;
            slotPayer = Arrays.copyOf(slotPayer, n);
            slotActor = Arrays.copyOf(slotActor, n);
            share = Arrays.copyOf(share, n * R);
        }
        s = slotCount++;
        slotPayer[s] = payer;
        slotActor[s] = actor;
        slots.put(k, s);
        return s;
    }

    private boolean live(int s) {
        int b = s * R;
        return (share[b] | share[b + 1] | share[b + 2] | share[b + 3]) != 0;
    }

    /**
     * Charges {@code payer} the four amounts as {@code actor}'s share, all or nothing.
     *
     * @return 0, or {@code -EDQUOT} when the hard limit or the policy refuses any of them (then
     *         nothing changed)
     */
    public int charge(int payer, int actor, long slices, long handles, long bytes, long fds) {
        int s = slot(payer, actor);
        boolean self = payer == actor;
        int n = holders[payer] + (!self && !live(s) ? 1 : 0);
        int b = payer * R;
        int sb = s * R;
        if (!admit(b, sb, 0, slices, n, self) || !admit(b, sb, 1, handles, n, self)
                || !admit(b, sb, 2, bytes, n, self) || !admit(b, sb, 3, fds, n, self)) {
            refused++;
            return -Errno.EDQUOT;
        }
        if (!self && !live(s) && (slices | handles | bytes | fds) != 0) {
            holders[payer]++;
        }
        used[b] += slices;
        used[b + 1] += handles;
        used[b + 2] += bytes;
        used[b + 3] += fds;
        share[sb] += slices;
        share[sb + 1] += handles;
        share[sb + 2] += bytes;
        share[sb + 3] += fds;
        return 0;
    }

    private boolean admit(int b, int sb, int r, long c, int n, boolean self) {
        if (c == 0) {
            return true;
        }
        long remaining = limit[b + r] - used[b + r];
        if (c > remaining) {
            return false;
        }
        boolean ok = policy.admit(remaining, share[sb + r], c, n, self);
        if (!ok) {
            refusedByQuota++;
        }
        return ok;
    }

    /**
     * Returns {@code amount} of {@code resource} from {@code actor}'s share on {@code payer}.
     *
     * @return false when the share held less (an accounting bug; nothing is changed then)
     */
    public boolean uncharge(int payer, int actor, int resource, long amount) {
        if (amount == 0) {
            return true;
        }
        int s = slots.get(key(payer, actor));
        if (s < 0 || share[s * R + resource] < amount) {
            return false;
        }
        share[s * R + resource] -= amount;
        used[payer * R + resource] -= amount;
        if (payer != actor && !live(s)) {
            holders[payer]--;
        }
        return true;
    }

    /** Appends every violated accounting invariant to {@code out}. */
    public void check(List<String> out) {
        long[] sum = new long[users * R];
        int[] live = new int[users];
        for (int s = 0; s < slotCount; s++) {
            int p = slotPayer[s];
            for (int r = 0; r < R; r++) {
                long v = share[s * R + r];
                if (v < 0) {
                    out.add("share of uid " + uid[slotActor[s]] + " on uid " + uid[p] + " is negative for " + IpcLimits.NAMES[r] + ": " + v);
                }
                sum[p * R + r] += v;
            }
            if (slotActor[s] != p && live(s)) {
                live[p]++;
            }
        }
        for (int u = 0; u < users; u++) {
            for (int r = 0; r < R; r++) {
                long v = used[u * R + r];
                if (v != sum[u * R + r]) {
                    out.add("uid " + uid[u] + " " + IpcLimits.NAMES[r] + ": used " + v + " but the shares sum to " + sum[u * R + r]);
                }
                if (v < 0 || v > limit[u * R + r]) {
                    out.add("uid " + uid[u] + " " + IpcLimits.NAMES[r] + ": used " + v + " outside 0.." + limit[u * R + r]);
                }
            }
            if (live[u] != holders[u]) {
                out.add("uid " + uid[u] + ": " + holders[u] + " holders recorded, " + live[u] + " foreign uids hold a share");
            }
        }
    }

    /** A copy of the whole state, to verify that a refused charge changed nothing (tests). */
    public String snapshot() {
        StringBuilder b = new StringBuilder();
        b.append(Arrays.toString(Arrays.copyOf(used, users * R))).append(Arrays.toString(Arrays.copyOf(holders, users)));
        for (int s = 0; s < slotCount; s++) {
            if (live(s)) {
                b.append(slotPayer[s]).append('/').append(slotActor[s]).append(Arrays.toString(Arrays.copyOfRange(share, s * R, s * R + R)));
            }
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return "IpcAccounting[" + policyId + ", " + users + " users]";
    }
}

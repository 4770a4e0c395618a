package dev.ksim.engine.mm;

import dev.ksim.engine.mm.zone.Zone;
import dev.ksim.engine.sim.EventHandler;

/**
 * A node's kcompactd as an event source (mm/compaction.c {@code kcompactd}, {@code kcompactd_do_work}).
 *
 * <p>Contract: {@link #wakeup} (wakeup_kcompactd) records the order asked for (kcompactd_max_order)
 * and, when kcompactd is asleep and some zone of the node would compact for it
 * (kcompactd_node_suitable: compaction_suit_allocation_order is CONTINUE), makes it runnable now
 * ({@code compact_daemon_wake}). A run visits the node's zones lowest first: a zone whose
 * compaction at that order is deferred, or that does not need or suit compaction, is skipped; the
 * others are compacted in MIGRATE_SYNC_LIGHT ({@link Compaction}), one isolate-and-migrate step
 * per event, the next step when that work is done (its time advances by the step's cost, so it
 * interleaves with the threads). A zone's run that ends COMPLETE or PARTIAL_SKIPPED defers
 * compaction at that order; SUCCESS resets the deferral. When every zone is done kcompactd sleeps.
 * Between steps no isolated free page is held (they go back to the buddy after each step and the
 * free scanner returns to them). It runs on its node's first CPU (the initiator of its TLB
 * shootdowns); its time is its own. Proactive compaction is not modelled.
 */
final class Kcompactd implements EventHandler {
    /** Event priority: as kswapd's (after samplers, before threads at the same instant). */
    static final int PRIORITY = Kswapd.PRIORITY;

    private final MemoryManager m;
    private final Compaction c;
    private final int node;
    private final int cpu;
    private final Compaction.Control cc = new Compaction.Control();
    /** kcompactd_max_order of the current or next run. */
    int maxOrder;
    /** Whether an event is queued (kcompactd is awake). */
    boolean running;
    /** Index into the node's zones of the zone being (or next to be) compacted. */
    private int zone;
    private int order;
    private long timeNs;

    Kcompactd(MemoryManager m, Compaction c, int node, int cpu) {
        this.m = m;
        this.c = c;
        this.node = node;
        this.cpu = cpu;
    }

    /** wakeup_kcompactd. */
    void wakeup(int wantOrder) {
        if (wantOrder > maxOrder) {
            maxOrder = wantOrder;
        }
        if (running || m.queue == null || !nodeSuitable(maxOrder)) {
            return;
        }
        running = true;
        c.daemonWake.inc();
        order = maxOrder;
        zone = 0;
        timeNs = Math.max(timeNs, m.clock.nowNs());
        m.queue.schedule(timeNs, PRIORITY, this);
    }

    /** kcompactd_node_suitable. */
    private boolean nodeSuitable(int o) {
        for (Zone z : c.nodeZones[node]) {
            if (z.managedPages() > 0 && c.suitAllocationOrder(z, o) == Compaction.Result.CONTINUE) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void fire(long now) {
        long cost = 0;
        if (cc.active) {
            Compaction.Result r = c.step(cc);
            if (r == Compaction.Result.CONTINUE) {
                c.releaseFreepages(cc); // nothing held between events
                c.flushCounters(cc);
                cost = cc.costNs;
                cc.costNs = 0;
                schedule(now, cost);
                return;
            }
            c.end(cc);
            cost = cc.costNs;
            finishZone(r);
            zone++;
        }
        Zone[] zones = c.nodeZones[node];
        while (zone < zones.length) {
            Zone z = zones[zone];
            int zi = c.zoneIndex(z);
            if (z.managedPages() == 0 || c.deferred(zi, order)
                    || c.suitAllocationOrder(z, order) != Compaction.Result.CONTINUE) {
                zone++;
                continue;
            }
            Compaction.Result r = c.begin(cc, z, order, Compaction.Mode.SYNC_LIGHT, false, true, cpu);
            if (r == Compaction.Result.CONTINUE) {
                schedule(now, cost);
                return;
            }
            c.end(cc);
            cost += cc.costNs;
            finishZone(r);
            zone++;
        }
        running = false;
        if (maxOrder <= order) {
            maxOrder = 0;
        }
        timeNs = now + cost;
    }

    private void finishZone(Compaction.Result r) {
        int zi = cc.zoneIndex;
        if (r == Compaction.Result.SUCCESS) {
            c.deferReset(zi, order, false);
        } else if (r == Compaction.Result.COMPLETE || r == Compaction.Result.PARTIAL_SKIPPED) {
            c.defer(zi, order);
        }
    }

    private void schedule(long now, long cost) {
        timeNs = now + Math.max(1, cost);
        m.queue.schedule(timeNs, PRIORITY, this);
    }

    /** Asleep, at time {@code now} (a new event loop); an unfinished run is abandoned. */
    void reset(long now) {
        if (cc.active) {
            c.end(cc);
        }
        running = false;
        maxOrder = 0;
        zone = 0;
        timeNs = now;
    }

    /** Whether kcompactd is awake. */
    boolean running() {
        return running;
    }

    /** The control of the run in progress (for the invariants), null when none. */
    Compaction.Control current() {
        return cc.active ? cc : null;
    }
}

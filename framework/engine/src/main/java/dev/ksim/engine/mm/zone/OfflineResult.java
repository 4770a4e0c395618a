package dev.ksim.engine.mm.zone;

import java.util.Arrays;

/**
 * What {@link Zone#offlinePages} did.
 * <ul>
 * <li>{@link Status#OFFLINED}: every page of the range was free; it is offline now
 *     ({@code nrPages} pages left the zone).</li>
 * <li>{@link Status#MIGRATE_FIRST}: the range is isolated (MIGRATE_ISOLATE: nothing new is
 *     allocated from it, pages freed in it stay there) and {@code pfns}/{@code orders} list the
 *     allocated blocks (head pfn, order) that must be migrated away before offlining is retried;
 *     {@link Zone#undoIsolatePageRange} gives up instead.</li>
 * <li>{@link Status#BUSY_PINNED}: an allocated page in the range is pinned (an extra reference
 *     migration cannot drop, as {@code offline_pages} fails with -EBUSY); {@code pfns} lists the
 *     pinned pages. Nothing changed.</li>
 * </ul>
 */
public record OfflineResult(Status status, long nrPages, int[] pfns, int[] orders) {

    public enum Status { OFFLINED, MIGRATE_FIRST, BUSY_PINNED }

    public OfflineResult {
        pfns = pfns.clone();
        orders = orders.clone();
    }

    static OfflineResult offlined(long nrPages) {
        return new OfflineResult(Status.OFFLINED, nrPages, new int[0], new int[0]);
    }

    /** Base pages to migrate (sum of 2^order over the listed blocks) for MIGRATE_FIRST. */
    public long pagesToMigrate() {
        long n = 0;
        for (int o : orders) {
            n += 1L << o;
        }
        return status == Status.MIGRATE_FIRST ? n : 0;
    }

    @Override
    public int[] pfns() {
        return pfns.clone();
    }

    @Override
    public int[] orders() {
        return orders.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OfflineResult r && r.status == status && r.nrPages == nrPages
                && Arrays.equals(r.pfns, pfns) && Arrays.equals(r.orders, orders);
    }

    @Override
    public int hashCode() {
        return status.hashCode() * 31 + Arrays.hashCode(pfns);
    }

    @Override
    public String toString() {
        return "OfflineResult[" + status + ", nrPages=" + nrPages + ", pfns=" + Arrays.toString(pfns)
                + ", orders=" + Arrays.toString(orders) + "]";
    }
}

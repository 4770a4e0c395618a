package dev.ksim.runtime.report;

import dev.ksim.engine.results.ExpectationResult;
import dev.ksim.engine.results.HistogramSummary;
import dev.ksim.engine.results.RunResult;
import dev.ksim.runtime.run.ScenarioReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The console summary of a report: one row per variant, key metrics as columns, then every failed
 * expectation and every crashed run. Only metrics some run produced get a column.
 */
public final class SummaryTable {
    /** Metric columns, in order, shown when at least one run has them. */
    static final List<String> KEY_METRICS = List.of(
            "accesses", "pgfault", "pgmajfault", "pswpin", "pswpout", "pgsteal_kswapd", "pgsteal_direct", "allocstall",
            "numa_local", "numa_other", "numa_miss", "oom_kill");
    static final String FAULT_HISTOGRAM = "fault_latency";
    /**
     * Mlock, migration, memory-failure, device-memory and hotplug columns, each shown only when some run has it non-zero:
     * the counters exist only in runs that use those mechanisms, and a table of zeros says nothing.
     */
    static final List<String> MM_EVENT_COLUMNS = List.of(
            "unevictable_pgs_mlocked", "pgmigrate_success", "pgmigrate_fail", "memory_failure_recovered",
            "memory_failure_failed", "memory_failure_ignored", "memory_failure_sigbus", "soft_offline_success",
            "soft_offline_fail", "memory_failure_unhandled", "migrate_vma_migrated", "migrate_vma_raced", "migrate_to_ram",
            "migrate_to_ram_fail", "device_evicted", "memory_offline_success", "memory_offline_fail");

    /**
     * NUMA balancing columns, shown when some run scanned ({@code numa_pte_updates} non-zero): the
     * hinting faults, the pages moved and promoted, the TLB shootdowns, then {@link #REMOTE_SHARE}.
     */
    static final List<String> NUMA_COLUMNS = List.of("numa_hint_faults", "numa_pages_migrated", "pgpromote_success",
            "nr_tlb_remote_flush");
    /** Derived NUMA column: {@code accesses_remote / accesses} as a percentage. */
    static final String REMOTE_SHARE = "remote refs";

    /**
     * Transparent huge page, compaction and hugetlbfs columns, each shown only when some run has it
     * non-zero (dev.ksim.engine.mm.LargePageMetrics).
     */
    static final List<String> LARGE_PAGE_COLUMNS = List.of(
            "thp_fault_alloc", "thp_fault_fallback", "thp_fault_success_permille", "thp_split_page", "thp_swpout",
            "thp_collapse_alloc", "thp_migration_success", "compact_stall", "compact_success", "compact_fail",
            "compact_daemon_wake", "compact_blocked_pinned", "HugePages_Total");

    /** Counters whose being non-zero in some run means the scenario used the page cache, files, fork or munmap. */
    static final List<String> PAGE_CACHE_TRIGGERS = List.of("pgpgin", "pgpgout", "file_reads", "file_writes", "cow_fault",
            "pgreuse", "fork", "sigsegv", "fsync");
    /**
     * Page-cache, writeback and copy-on-write columns: only in scenarios that use them (see
     * {@link #PAGE_CACHE_TRIGGERS}), then each only when some run has it non-zero — so the summaries
     * of anonymous-memory scenarios keep their columns.
     */
    static final List<String> PAGE_CACHE_COLUMNS = List.of("pgpgin", "pgpgout", "pgsteal_anon", "pgsteal_file",
            "nr_vmscan_immediate_reclaim", "nr_vmscan_write", "dirty_throttle", "cow_fault", "pgreuse", "sigsegv", "fsync_eio");

    private SummaryTable() {
    }

    public static String render(ScenarioReport report) {
        List<RunResult> runs = report.runs();
        List<String> header = new ArrayList<>(List.of("variant", "sim time"));
        List<String> metrics = new ArrayList<>();
        for (String m : KEY_METRICS) {
            if (runs.stream().anyMatch(r -> r.metrics().containsKey(m))) {
                metrics.add(m);
                header.add(m);
            }
        }
        for (String m : concat(MM_EVENT_COLUMNS, LARGE_PAGE_COLUMNS)) {
            if (runs.stream().anyMatch(r -> r.metrics().get(m) != null && r.metrics().get(m).longValue() != 0)) {
                metrics.add(m);
                header.add(m);
            }
        }
        boolean pageCache = PAGE_CACHE_TRIGGERS.stream().anyMatch(m -> runs.stream().anyMatch(
                r -> r.metrics().get(m) != null && r.metrics().get(m).longValue() != 0));
        for (String m : pageCache ? PAGE_CACHE_COLUMNS : List.<String>of()) {
            if (!metrics.contains(m) && runs.stream().anyMatch(r -> r.metrics().get(m) != null && r.metrics().get(m).longValue() != 0)) {
                metrics.add(m);
                header.add(m);
            }
        }
        boolean numa = runs.stream().anyMatch(r -> r.metrics().get("numa_pte_updates") != null
                && r.metrics().get("numa_pte_updates").longValue() != 0);
        if (numa) {
            for (String m : NUMA_COLUMNS) {
                metrics.add(m);
                header.add(m);
            }
            header.add(REMOTE_SHARE);
        }
        for (String m : ipcMetrics(runs)) {
            metrics.add(m);
            header.add(m);
        }
        List<String> latencies = ipcLatencies(runs);
        boolean faults = runs.stream().anyMatch(r -> r.histograms().containsKey(FAULT_HISTOGRAM));
        for (String h : latencies) {
            header.add(h.substring(0, h.length() - IPC_LATENCY.length()) + " p99");
        }
        if (faults) {
            header.add("fault p99");
        }
        header.add("expect");
        List<List<String>> rows = new ArrayList<>();
        for (RunResult r : runs) {
            List<String> row = new ArrayList<>();
            row.add(r.variant());
            row.add(formatNs(r.simulatedTimeNs()));
            for (String m : metrics) {
                Number n = r.metrics().get(m);
                row.add(n == null ? "-" : String.format(Locale.ROOT, "%,d", n.longValue()));
                if (numa && m.equals(NUMA_COLUMNS.get(NUMA_COLUMNS.size() - 1))) {
                    row.add(remoteShare(r));
                }
            }
            for (String name : latencies) {
                HistogramSummary h = r.histograms().get(name);
                row.add(h == null || h.count() == 0 ? "-" : formatNs(h.p99()));
            }
            if (faults) {
                HistogramSummary h = r.histograms().get(FAULT_HISTOGRAM);
                row.add(h == null || h.count() == 0 ? "-" : formatNs(h.p99()));
            }
            row.add(expectCell(r));
            rows.add(row);
        }
        StringBuilder out = new StringBuilder();
        out.append("scenario ").append(report.scenario().name()).append(" (seed ").append(report.seed()).append(")\n");
        table(out, header, rows);
        for (RunResult r : runs) {
            if (r.error() != null) {
                out.append("CRASHED ").append(r.variant()).append(": ").append(r.error()).append('\n');
            }
            for (ExpectationResult e : r.expectations()) {
                if (!e.passed()) {
                    out.append("FAILED  ").append(r.variant()).append(": ").append(e.where()).append(": expected ")
                            .append(e.text()).append(", was ").append(formatValue(e.actual())).append('\n');
                }
            }
            if (!r.invariants().violations().isEmpty()) {
                out.append("INVARIANT ").append(r.variant()).append(": ")
                        .append(String.join("; ", r.invariants().violations())).append('\n');
            }
        }
        return out.toString();
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    /** IPC per-peer counters that tell a run's story, as the runs produced them. */
    static final List<String> IPC_PEER_COLUMNS = List.of(".calls_completed", ".calls_failed", ".calls_timed_out");
    /** IPC run-wide counters shown when some run has a non-zero value. */
    static final List<String> IPC_RUN_COLUMNS = List.of("ipc_edquot", "ipc_eagain", "ipc_ebadf", "ipc_dropped", "ipc_reply_disconnects");
    static final String IPC_LATENCY = ".call_latency";
    /** Order columns, shown when some run observed message order (its scenario multicasts or relays). */
    static final List<String> IPC_ORDER_COLUMNS = List.of("ipc_order_checked", "ipc_order_inversions", "ipc_causal_checked",
            "ipc_causal_violations", "ipc_order_violations", "ipc_recv_blocked");
    /** Revocation columns, shown when some run destroyed nodes (its scenario has a destroy behaviour). */
    static final List<String> IPC_REVOCATION_COLUMNS = List.of("ipc_nodes_destroyed", "ipc_node_destroy", "ipc_delivered",
            "ipc_dropped", "ipc_ebadf", "ipc_invalid_handles");

    /**
     * The IPC columns, taken from the results rather than a fixed list: each calling peer group's
     * completed / failed / timed-out calls ({@code ipc.<peer>.calls_*}, sorted by name), then the
     * run-wide refusal and drop counters some run has non-zero, then the order and revocation
     * counters when some run reported them.
     */
    static List<String> ipcMetrics(List<RunResult> runs) {
        java.util.TreeSet<String> peer = new java.util.TreeSet<>();
        for (RunResult r : runs) {
            for (String m : r.metrics().keySet()) {
                if (m.startsWith("ipc.") && !m.startsWith("ipc.user.") && IPC_PEER_COLUMNS.stream().anyMatch(m::endsWith)
                        && r.histograms().containsKey(m.substring(0, m.lastIndexOf('.')) + IPC_LATENCY)) {
                    peer.add(m);
                }
            }
        }
        List<String> out = new ArrayList<>(peer);
        for (String m : IPC_RUN_COLUMNS) {
            if (runs.stream().anyMatch(r -> r.metrics().get(m) != null && r.metrics().get(m).longValue() != 0)) {
                out.add(m);
            }
        }
        for (List<String> group : List.of(IPC_ORDER_COLUMNS, IPC_REVOCATION_COLUMNS)) {
            if (runs.stream().anyMatch(r -> r.metrics().containsKey(group.get(0)))) {
                for (String m : group) {
                    if (!out.contains(m)) {
                        out.add(m);
                    }
                }
            }
        }
        return out;
    }

    /** Call-latency histograms of the runs, sorted. */
    static List<String> ipcLatencies(List<RunResult> runs) {
        java.util.TreeSet<String> out = new java.util.TreeSet<>();
        for (RunResult r : runs) {
            for (String h : r.histograms().keySet()) {
                if (h.startsWith("ipc.") && h.endsWith(IPC_LATENCY)) {
                    out.add(h);
                }
            }
        }
        return new ArrayList<>(out);
    }

    /** {@code accesses_remote / accesses}, one decimal: {@code 37.5 %}; "-" without references. */
    static String remoteShare(RunResult r) {
        Number remote = r.metrics().get("accesses_remote");
        Number all = r.metrics().get("accesses");
        if (remote == null || all == null || all.longValue() == 0) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.1f %%", 100.0 * remote.longValue() / all.longValue());
    }

    private static String expectCell(RunResult r) {
        if (r.error() != null) {
            return "crashed";
        }
        long passed = r.expectations().stream().filter(ExpectationResult::passed).count();
        int all = r.expectations().size();
        if (all == 0) {
            return "-";
        }
        return passed == all ? all + "/" + all + " ok" : passed + "/" + all + " FAILED";
    }

    private static void table(StringBuilder out, List<String> header, List<List<String>> rows) {
        int[] width = new int[header.size()];
        for (int c = 0; c < header.size(); c++) {
            width[c] = header.get(c).length();
            for (List<String> row : rows) {
                width[c] = Math.max(width[c], row.get(c).length());
            }
        }
        line(out, header, width);
        StringBuilder rule = new StringBuilder();
        for (int c = 0; c < width.length; c++) {
            rule.append(c == 0 ? "" : "  ").append("-".repeat(width[c]));
        }
        out.append(rule).append('\n');
        for (List<String> row : rows) {
            line(out, row, width);
        }
    }

    private static void line(StringBuilder out, List<String> cells, int[] width) {
        StringBuilder l = new StringBuilder();
        for (int c = 0; c < cells.size(); c++) {
            if (c > 0) {
                l.append("  ");
            }
            String cell = cells.get(c);
            // First column left-aligned (names), the rest right-aligned (numbers).
            l.append(c == 0 ? pad(cell, width[c]) : " ".repeat(width[c] - cell.length()) + cell);
        }
        out.append(l.toString().stripTrailing()).append('\n');
    }

    private static String pad(String s, int w) {
        return s + " ".repeat(w - s.length());
    }

    static String formatNs(long ns) {
        if (ns >= 1_000_000_000L) {
            return String.format(Locale.ROOT, "%.3f s", ns / 1e9);
        }
        if (ns >= 1_000_000L) {
            return String.format(Locale.ROOT, "%.3f ms", ns / 1e6);
        }
        if (ns >= 1_000L) {
            return String.format(Locale.ROOT, "%.3f us", ns / 1e3);
        }
        return ns + " ns";
    }

    private static String formatValue(double v) {
        if (Double.isNaN(v)) {
            return "absent";
        }
        return v == Math.rint(v) ? String.format(Locale.ROOT, "%,d", (long) v) : String.format(Locale.ROOT, "%.4g", v);
    }
}

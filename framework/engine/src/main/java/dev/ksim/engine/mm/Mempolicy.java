package dev.ksim.engine.mm;

import java.util.ArrayList;
import java.util.List;

/**
 * mbind(2) (mm/mempolicy.c): a memory policy for a range of a mapping, which then overrides the
 * migration policy plugin for the range's faults — anonymous and shmem pages (page-cache pages of
 * files are placed as the task's allocations: Linux's page_cache_alloc does not consult the VMA
 * policy), and, with {@code MPOL_MF_MOVE}, migrates the range's misplaced pages with
 * migrate_pages.
 * <ul>
 * <li>{@link Mode#BIND}: allocate only on the nodes of the mask (the faulting CPU's node if it is
 *     one of them, else the lowest), falling back along the zonelist within the mask only;</li>
 * <li>{@link Mode#PREFERRED}: allocate on the mask's (lowest) node, falling back anywhere;</li>
 * <li>{@link Mode#INTERLEAVE}: page offset {@code p} goes to the {@code (p mod n)}-th node of the
 *     mask (offset_il_node), falling back anywhere;</li>
 * <li>{@link Mode#DEFAULT}: removes the range's policy (the plugin places its faults again).</li>
 * </ul>
 * With {@code move}, every present page of the range on a node outside the mask (for preferred: not
 * on the preferred node) is migrated (MR_MEMPOLICY_MBIND, migrate mode sync) to the node the policy
 * names for it, as one migrate_pages call ({@code migrate.call} once, plus the copies); pages mapped
 * by more than one PTE (shared after fork, page cache) are left alone unless {@code moveAll}
 * (MPOL_MF_MOVE_ALL); PFNMAP mappings are not migratable and are skipped. Deviation: reclaim for a
 * bind allocation is not limited to the mask's nodes.
 */
final class Mempolicy {
    enum Mode {
        DEFAULT, BIND, PREFERRED, INTERLEAVE;

        /** The scenario language's name. */
        String key() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        static Mode of(String key) {
            for (Mode mo : values()) {
                if (mo.key().equals(key)) {
                    return mo;
                }
            }
            return null;
        }
    }

    /** A policy for pages [from, to) of a mapping. */
    record Range(int from, int to, Mode mode, long nodemask, int[] nodes) {
        /** The node a fault of page {@code p} from a CPU of {@code cpuNode} prefers. */
        int node(int p, int cpuNode) {
            return switch (mode) {
                case BIND -> (nodemask >>> cpuNode & 1L) != 0 ? cpuNode : nodes[0];
                case INTERLEAVE -> nodes[Math.floorMod(p, nodes.length)];
                default -> nodes[0];
            };
        }

        /** The nodes an allocation may use: the mask for bind, any otherwise. */
        long allocNodemask() {
            return mode == Mode.BIND ? nodemask : 0L;
        }

        /** Whether a page of this range on {@code node} is misplaced (queue_folio_required). */
        boolean misplaced(int node, int p, int cpuNode) {
            return mode == Mode.PREFERRED ? node != nodes[0] : (nodemask >>> node & 1L) == 0;
        }
    }

    /** The policies of one mapping, later ranges over earlier ones. */
    static final class Ranges {
        private final List<Range> ranges = new ArrayList<>();

        /** The policy of page {@code p}, or null. */
        Range lookup(int p) {
            for (int i = ranges.size() - 1; i >= 0; i--) {
                Range r = ranges.get(i);
                if (p >= r.from && p < r.to) {
                    return r.mode == Mode.DEFAULT ? null : r;
                }
            }
            return null;
        }

        void add(Range r) {
            ranges.add(r);
        }

        Ranges copy() {
            Ranges c = new Ranges();
            c.ranges.addAll(ranges);
            return c;
        }
    }

    private final PageCache pc;
    private final MemoryManager m;

    Mempolicy(PageCache pc) {
        this.pc = pc;
        this.m = pc.m;
    }

    /**
     * mbind of pages [from, from + n) of {@code vma} by a thread on {@code cpu}; returns the cost
     * (ns) — 0 without {@code move}, else the migrate_pages call's.
     *
     * @throws IllegalArgumentException for an empty mask (other than with default), nodes the machine lacks, a bad range
     */
    long mbind(VmArea vma, int from, int n, Mode mode, long nodemask, boolean move, boolean moveAll, int cpu) {
        if (from < 0 || n < 1 || (long) from + n > vma.pte.length) {
            throw new IllegalArgumentException("pages [" + from + ", " + ((long) from + n) + ") outside mapping '" + vma.name + "'");
        }
        if (mode != Mode.DEFAULT && nodemask == 0) {
            throw new IllegalArgumentException("mbind " + mode.key() + " needs at least one node");
        }
        if (m.nodes.length < 64 && nodemask >>> m.nodes.length != 0) {
            throw new IllegalArgumentException("mbind names node " + (63 - Long.numberOfLeadingZeros(nodemask))
                    + ", but the machine has nodes 0.." + (m.nodes.length - 1));
        }
        int[] nodes = new int[Long.bitCount(nodemask)];
        for (int k = 0, b = 0; b < 64; b++) {
            if ((nodemask >>> b & 1L) != 0) {
                nodes[k++] = b;
            }
        }
        Range r = new Range(from, from + n, mode, nodemask, nodes);
        if (vma.policy == null) {
            vma.policy = new Ranges();
        }
        vma.policy.add(r);
        if (!move || mode == Mode.DEFAULT || vma.kind == dev.ksim.engine.model.MappingKind.PFNMAP) {
            return 0;
        }
        int cpuNode = m.topology().cpuNode(cpu);
        long[] vpns = new long[n];
        int[] targets = new int[n];
        int k = 0;
        for (int p = from; p < from + n; p++) {
            int e = vma.pte[p];
            if (!Pte.isPresent(e)) {
                continue;
            }
            int f = Pte.frame(e);
            if (!moveAll && pc.rmap.mapcount(f) > 1) {
                continue;
            }
            int node = m.nodeOf(f);
            if (r.misplaced(node, p, cpuNode)) {
                vpns[k] = vma.startVpn + p;
                targets[k++] = r.node(p, cpuNode);
            }
        }
        if (k == 0) {
            return 0;
        }
        return m.movePages(vma.mm.pid, java.util.Arrays.copyOf(vpns, k), java.util.Arrays.copyOf(targets, k), new int[k], cpu);
    }
}

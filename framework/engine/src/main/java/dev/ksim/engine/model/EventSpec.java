package dev.ksim.engine.model;

/**
 * A timed action of a scenario ({@code at(5.ms) { pin 'heap', pages: 16 }}): at {@code atNs} of
 * simulated time the run performs {@code action} through the memory manager. Which fields matter
 * depends on the action:
 * <ul>
 * <li>{@link Action#PIN}, {@link Action#MLOCK}, {@link Action#MUNLOCK}, {@link Action#MOVE_PAGES}:
 *     pages [{@code from}, {@code from + pages}) of {@code mapping} of {@code process};
 *     {@code node} is the target of {@code MOVE_PAGES};</li>
 * <li>{@link Action#UNPIN}: every page the scenario's earlier {@code PIN}s of {@code mapping} pinned;</li>
 * <li>{@link Action#POISON}, {@link Action#SOFT_OFFLINE}: page {@code from} of {@code mapping}
 *     of {@code process} ({@code pages} = 1), as madvise(MADV_HWPOISON / MADV_SOFT_OFFLINE);</li>
 * <li>{@link Action#POISON_FREE}: a free buddy page of {@code node} ({@code process} and
 *     {@code mapping} null);</li>
 * <li>{@link Action#MIGRATE_VMA}: pages [{@code from}, {@code from + pages}) of {@code mapping} of
 *     {@code process} into the device memory of {@code node}, the driver skipping every
 *     {@code skipEvery}-th collected page (0: none);</li>
 * <li>{@link Action#EVICT}: the driver of device node {@code node} migrates its pages back to
 *     RAM, all of them or only {@code process}'s when not null;</li>
 * <li>{@link Action#ADD_MEMORY}: the hot-pluggable memory of {@code node} is added and onlined
 *     into {@code zone} ({@code "normal"} or {@code "movable"}; null for device memory, which is
 *     memremap'd); {@link Action#OFFLINE_MEMORY}: it is offlined.</li>
 * <li>{@link Action#MADVISE_HUGEPAGE}, {@link Action#MADVISE_NOHUGEPAGE}, {@link Action#MADVISE_PAGEOUT}: madvise(2)
 *     of pages [{@code from}, {@code from + pages}) of {@code mapping} of {@code process};</li>
 * <li>{@link Action#COMPACT}: compaction of every zone of {@code node} ({@code /proc/sys/vm/compact_memory},
 *     per node {@code /sys/devices/system/node/nodeN/compact}); {@code process} and {@code mapping} null;</li>
 * <li>{@link Action#NR_HUGEPAGES}: {@code node}'s hugetlbfs pool is resized to {@code pages} huge pages
 *     (writing {@code nr_hugepages} of the node); {@code process} and {@code mapping} null;</li>
 * <li>{@link Action#MUNMAP}, {@link Action#MADVISE_DONTNEED}: pages [{@code from}, {@code from + pages})
 *     of {@code mapping} of {@code process};</li>
 * <li>{@link Action#MBIND}: the same range; {@code text} is the mode ({@code bind},
 *     {@code preferred}, {@code interleave}, {@code default}), {@code nodemask} its nodes (bit i =
 *     node i), {@code flag} MPOL_MF_MOVE;</li>
 * <li>{@link Action#FORK}: {@code process} forks a child named {@code text};</li>
 * <li>{@link Action#EXIT}: {@code text} (the process itself or a child it forked) exits;</li>
 * <li>{@link Action#FSYNC}: {@code process} fsyncs file {@code text};</li>
 * <li>{@link Action#DRIVER_PAGES}: driver {@code text} allocates {@code pages} non-LRU movable
 *     pages on {@code node} ({@code process}, {@code mapping} null);</li>
 * <li>{@link Action#SOFT_OFFLINE_DRIVER}: soft offline of page {@code from} of driver {@code text}'s pages.</li>
 * </ul>
 *
 * @param pages {@link #WHOLE_MAPPING} = from {@code from} to the end of the mapping
 */
public record EventSpec(long atNs, Action action, String process, String mapping, long from, long pages, int node,
                        String zone, int skipEvery, SourceRef where, String text, long nodemask, boolean flag) {
    /** {@link #pages} value meaning "to the end of the mapping". */
    public static final long WHOLE_MAPPING = -1;

    /** An action without a zone, a skip period, text, nodemask or flag. */
    public EventSpec(long atNs, Action action, String process, String mapping, long from, long pages, int node, SourceRef where) {
        this(atNs, action, process, mapping, from, pages, node, null, 0, where, null, 0L, false);
    }

    /** A device or hotplug action: with a zone and a skip period. */
    public EventSpec(long atNs, Action action, String process, String mapping, long from, long pages, int node,
                     String zone, int skipEvery, SourceRef where) {
        this(atNs, action, process, mapping, from, pages, node, zone, skipEvery, where, null, 0L, false);
    }

    /** A munmap/madvise/mbind/fork/exit/fsync action: with text, nodemask and flag. */
    public EventSpec(long atNs, Action action, String process, String mapping, long from, long pages, int node,
                     SourceRef where, String text, long nodemask, boolean flag) {
        this(atNs, action, process, mapping, from, pages, node, null, 0, where, text, nodemask, flag);
    }

    /** What an event does, named as the kernel interface it models. */
    public enum Action {
        /** pin_user_pages (FOLL_PIN), as a driver doing DMA. */
        PIN("pin"),
        /** unpin_user_pages of what PIN pinned. */
        UNPIN("unpin"),
        /** mlock(2). */
        MLOCK("mlock"),
        /** munlock(2). */
        MUNLOCK("munlock"),
        /** move_pages(2) to one node. */
        MOVE_PAGES("movePages"),
        /** memory_failure of a process's page (madvise MADV_HWPOISON). */
        POISON("poison"),
        /** memory_failure of a free buddy page of a node. */
        POISON_FREE("poison"),
        /** soft_offline_page of a process's page (madvise MADV_SOFT_OFFLINE). */
        SOFT_OFFLINE("softOffline"),
        /** migrate_vma of a process's range into device memory, by the device's driver. */
        MIGRATE_VMA("migrateVma"),
        /** A device driver evicting its pages back to system RAM (migrate_device_range). */
        EVICT("evict"),
        /** Memory hot-add and onlining (add_memory + online_pages), or memremap_pages for device memory. */
        ADD_MEMORY("addMemory"),
        /** Memory offlining (offline_pages), or eviction + memunmap_pages for device memory. */
        OFFLINE_MEMORY("offlineMemory"),
        /** madvise(MADV_HUGEPAGE). */
        MADVISE_HUGEPAGE("madvise"),
        /** madvise(MADV_NOHUGEPAGE). */
        MADVISE_NOHUGEPAGE("madvise"),
        /** madvise(MADV_PAGEOUT). */
        MADVISE_PAGEOUT("madvise"),
        /** Compaction of a node's zones on demand (compact_memory). */
        COMPACT("compact"),
        /** Resizing a node's hugetlbfs pool (nr_hugepages). */
        NR_HUGEPAGES("hugepages"),
        /** munmap(2) of a range. */
        MUNMAP("munmap"),
        /** madvise(MADV_DONTNEED) of a range. */
        MADVISE_DONTNEED("madvise"),
        /** mbind(2) of a range. */
        MBIND("mbind"),
        /** fork(2): a child process sharing the parent's memory copy-on-write. */
        FORK("fork"),
        /** exit(2) of a process (itself or a child it forked). */
        EXIT("exit"),
        /** fsync(2) of a file. */
        FSYNC("fsync"),
        /** A driver allocates non-LRU movable pages ({@code text}: the driver, {@code node}, {@code pages}). */
        DRIVER_PAGES("driverPages"),
        /** soft_offline_page of page {@code from} of driver {@code text}'s movable pages. */
        SOFT_OFFLINE_DRIVER("softOffline");

        private final String word;

        Action(String word) {
            this.word = word;
        }

        /** The scenario language's word for it. */
        public String word() {
            return word;
        }

        /** Whether it names a process's mapping. */
        public boolean onMapping() {
            return this != POISON_FREE && this != EVICT && this != ADD_MEMORY && this != OFFLINE_MEMORY
                    && this != COMPACT && this != NR_HUGEPAGES && this != FORK && this != EXIT && this != FSYNC
                    && this != DRIVER_PAGES && this != SOFT_OFFLINE_DRIVER;
        }
    }
}

package dev.ksim.engine.mm;

import dev.ksim.engine.mm.zone.DeviceKind;
import dev.ksim.engine.mm.zone.Zone;
import java.util.List;

/**
 * The device-memory invariants ({@link DeviceMemory}), registered only on machines with device
 * memory (the pool counters themselves are each device zone's {@code zone.nr_free}, which
 * recounts them):
 * <ul>
 * <li>{@code device.frames}: every frame of a device zone is either in the driver pool — no
 *     reverse map, no flags, no pin, mapped by nothing — or handed out, and then mapped by exactly
 *     one PTE that its reverse map points back to (a device-private entry standing for it in
 *     DEVICE_PRIVATE memory, a present PTE in coherent or public memory) or the not yet mapped
 *     destination of an in-flight migrate_vma; a device page is never on an LRU, never pinned,
 *     and a DEVICE_PRIVATE page is never mapped by a present PTE. Every device-private entry
 *     stands for a handed-out DEVICE_PRIVATE frame.</li>
 * <li>{@code device.migrate_vma}: every migration entry belongs to an in-flight migrate_vma call,
 *     whose source frame is isolated (off every LRU), still reverse-maps to that page and is
 *     in RAM.</li>
 * </ul>
 * Checks walk every frame and page table (O(frames + pages)); they run at check points only.
 */
final class DeviceInvariants {
    private DeviceInvariants() {
    }

    static void frames(DeviceMemory d, List<String> v) {
        MemoryManager m = d.m;
        FrameTable t = m.frames;
        int[] present = new int[t.frames];
        int[] privateRefs = new int[t.frames];
        for (VmArea vma : m.vmas) {
            for (int i = 0; i < vma.pte.length; i++) {
                int e = vma.pte[i];
                if (Pte.isPresent(e) && Pte.frame(e) < t.frames) {
                    present[Pte.frame(e)]++;
                } else if (Pte.isDevicePrivate(e)) {
                    int f = d.privateFrame(vma, i);
                    String at = "pid " + vma.mm.pid + " " + vma.name + "[" + i + "]";
                    if (f < 0 || f >= t.frames || !d.isDeviceFrame(f)) {
                        v.add(at + " holds a device-private entry for " + (f < 0 ? "no frame" : "frame " + f + ", not device memory"));
                        continue;
                    }
                    Zone z = d.zones[m.nodeOf(f)];
                    if (z.deviceKind() != DeviceKind.PRIVATE || !z.deviceAllocated(f)) {
                        v.add(at + " holds a device-private entry for " + z.name() + " pfn " + f + ", which is "
                                + (z.deviceAllocated(f) ? "DEVICE_" + z.deviceKind() : "in the driver pool"));
                    }
                    privateRefs[f]++;
                }
            }
        }
        boolean[] destinations = d.inFlightDestinations();
        for (PglistData n : m.nodes) {
            Zone z = d.zones[n.nodeId];
            if (z == null) {
                continue;
            }
            for (int f = n.startPfn; f < n.startPfn + n.spannedPages; f++) {
                if (!z.contains(f)) {
                    continue; // not memremap'd (hot-pluggable device memory not added, or removed)
                }
                String where = z.name() + " pfn " + f;
                int b = t.flags[f];
                int refs = present[f] + privateRefs[f];
                if (!z.deviceAllocated(f)) {
                    if (t.rmapVma[f] != FrameTable.FREE || b != 0 || t.pins[f] != 0 || refs != 0) {
                        v.add(where + " is in the driver pool but has reverse map " + t.rmapVma[f] + ", flags " + b
                                + ", " + t.pins[f] + " pins and " + refs + " PTEs");
                    }
                    continue;
                }
                if ((b & PageFlags.PG_LRU) != 0) {
                    v.add(where + " is a device page with PG_lru (ZONE_DEVICE pages are never on an LRU)");
                }
                if (t.pins[f] != 0) {
                    v.add(where + " is a device page pinned " + t.pins[f] + " times (device pages are never pinned)");
                }
                if (z.deviceKind() == DeviceKind.PRIVATE && present[f] != 0) {
                    v.add(where + " is DEVICE_PRIVATE but mapped by " + present[f] + " present PTEs (the CPU cannot access it)");
                }
                int id = t.rmapVma[f];
                if (id == FrameTable.FREE) {
                    if (refs != 0 || destinations == null || !destinations[f]) {
                        v.add(where + " is handed out but mapped by nobody" + (refs != 0 ? " though " + refs + " PTEs map it"
                                : " and no migrate_vma in flight has it as a destination (leaked)"));
                    }
                    continue;
                }
                if (id < 0 || id >= m.vmas.length) {
                    v.add(where + " reverse-maps to unknown vma " + id);
                    continue;
                }
                VmArea vma = m.vmas[id];
                int p = t.rmapIndex[f];
                boolean back = p >= 0 && p < vma.pte.length && (z.deviceKind() == DeviceKind.PRIVATE
                        ? Pte.isDevicePrivate(vma.pte[p]) && d.privateFrame(vma, p) == f : vma.pte[p] == Pte.present(f));
                if (refs != 1 || !back) {
                    v.add(where + " (DEVICE_" + z.deviceKind() + ") is mapped by " + refs + " PTEs and reverse-maps to pid "
                            + vma.mm.pid + " " + vma.name + "[" + p + "]" + (back ? "" : ", which does not map it"));
                }
            }
        }
    }

    static void migrateVma(DeviceMemory d, List<String> v) {
        MemoryManager m = d.m;
        FrameTable t = m.frames;
        for (VmArea vma : m.vmas) {
            for (int i = 0; i < vma.pte.length; i++) {
                if (!Pte.isMigration(vma.pte[i])) {
                    continue;
                }
                String at = "pid " + vma.mm.pid + " " + vma.name + "[" + i + "]";
                int f = d.migrationsInFlight() ? d.migrateVma().sourceOf(vma, i) : -1;
                if (f < 0) {
                    v.add(at + " holds a migration entry no migrate_vma in flight accounts for");
                } else if ((t.flags[f] & PageFlags.PG_LRU) != 0 || t.rmapVma[f] != vma.id || t.rmapIndex[f] != i
                        || d.isDeviceFrame(f)) {
                    v.add(at + " is under migrate_vma from frame " + f + ", which has flags " + t.flags[f] + " and reverse map "
                            + t.rmapVma[f] + "/" + t.rmapIndex[f] + (d.isDeviceFrame(f) ? " and is device memory" : ""));
                }
            }
        }
    }
}

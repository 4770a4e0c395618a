package dev.ksim.engine.mm;

import dev.ksim.engine.mm.zone.Zone;
import java.util.List;

/**
 * The device-memory invariants ({@link DeviceMemory}), registered only on machines with device
 * memory:
 * <ul>
 * <li>{@code device.frames}: every frame of a device zone is either in the driver pool — no
 *     reverse map, no flags, no pin, mapped by no PTE — or handed out, and then never on an LRU,
 *     never pinned, and mapped by no present PTE (the pool counters themselves are the zone's
 *     {@code zone.nr_free}).</li>
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
        for (VmArea vma : m.vmas) {
            for (int i = 0; i < vma.pte.length; i++) {
                int e = vma.pte[i];
                if (Pte.isPresent(e) && Pte.frame(e) < t.frames) {
                    present[Pte.frame(e)]++;
                }
            }
        }
        for (PglistData n : m.nodes) {
            Zone z = d.zones[n.nodeId];
            if (z == null) {
                continue;
            }
            for (int f = n.startPfn; f < n.startPfn + n.spannedPages; f++) {
                if (!z.contains(f)) {
                    continue; // not memremap'd (hot-pluggable device memory not added yet)
                }
                String where = z.name() + " pfn " + f;
                int b = t.flags[f];
                if (!z.deviceAllocated(f)) {
                    if (t.rmapVma[f] != FrameTable.FREE || b != 0 || t.pins[f] != 0 || present[f] != 0) {
                        v.add(where + " is in the driver pool but has reverse map " + t.rmapVma[f] + ", flags " + b
                                + ", " + t.pins[f] + " pins and " + present[f] + " present PTEs");
                    }
                    continue;
                }
                if ((b & PageFlags.PG_LRU) != 0) {
                    v.add(where + " is a device page with PG_lru (ZONE_DEVICE pages are never on an LRU)");
                }
                if (t.pins[f] != 0) {
                    v.add(where + " is a device page pinned " + t.pins[f] + " times (device pages are never pinned)");
                }
                if (present[f] != 0) {
                    v.add(where + " is handed out by the driver but mapped by " + present[f] + " present PTEs");
                }
            }
        }
    }
}

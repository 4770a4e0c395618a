/**
 * Zones and the buddy page allocator: {@link dev.ksim.engine.mm.zone.MemMap} (per-frame buddy
 * state, shared by the zones over it), {@link dev.ksim.engine.mm.zone.Zone} (ZONE_NORMAL /
 * ZONE_MOVABLE buddy allocator with migratetypes, pageblock stealing, hotplug, fragmentation
 * indices; ZONE_DEVICE driver pool), {@link dev.ksim.engine.mm.zone.Watermarks},
 * {@link dev.ksim.engine.mm.zone.Zonelist} (fallback order, movable/device/isolated-node rules)
 * and {@link dev.ksim.engine.mm.zone.ZoneInvariants}. Semantics follow mm/page_alloc.c,
 * mm/memory_hotplug.c and mm/vmstat.c of Linux 6.10+.
 */
package dev.ksim.engine.mm.zone;

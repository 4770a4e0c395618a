package dev.ksim.engine.model;

/**
 * Explicit watermarks of a node's ZONE_NORMAL, in bytes (rounded down to 4 KiB pages), replacing
 * the ones the kernel computes from {@code min_free_kbytes}. The validator requires
 * {@code 0 <= min < low < high <= node memory}.
 */
public record WatermarkSpec(long minBytes, long lowBytes, long highBytes, SourceRef where) {
}

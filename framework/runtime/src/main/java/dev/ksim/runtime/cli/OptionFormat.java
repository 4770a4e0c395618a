package dev.ksim.runtime.cli;

import dev.ksim.spi.OptionType;

/** Prints canonical option values the way scenarios write them ({@code 80.ns}, {@code 64.MiB}). */
final class OptionFormat {
    private OptionFormat() {
    }

    static String format(OptionType type, Object value) {
        return switch (type) {
            case SIZE -> size((Long) value);
            case DURATION -> duration((Long) value);
            case BANDWIDTH -> bandwidth((Long) value);
            case STRING -> "'" + value + "'";
            default -> String.valueOf(value);
        };
    }

    static String size(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        int u = 0;
        long v = bytes;
        while (u < units.length - 1 && v != 0 && v % 1024 == 0) {
            v /= 1024;
            u++;
        }
        return v + "." + units[u];
    }

    static String duration(long ns) {
        if (ns != 0 && ns % 1_000_000_000L == 0) {
            return ns / 1_000_000_000L + ".s";
        }
        if (ns != 0 && ns % 1_000_000L == 0) {
            return ns / 1_000_000L + ".ms";
        }
        if (ns != 0 && ns % 1_000L == 0) {
            return ns / 1_000L + ".us";
        }
        return ns + ".ns";
    }

    static String bandwidth(long bytesPerSecond) {
        if (bytesPerSecond % 1_000_000_000L == 0) {
            return bytesPerSecond / 1_000_000_000L + ".GBps";
        }
        return bytesPerSecond / 1_000_000L + ".MBps";
    }
}

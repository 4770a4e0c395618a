package dev.ksim.engine.trace;

import dev.ksim.spi.InvalidInputException;
import io.airlift.compress.zstd.ZstdInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Opens a trace file as a stream of its decompressed bytes. Compression is recognised by its
 * magic number, not the file name: gzip ({@code 1f 8b}, java.util.zip) and Zstandard
 * ({@code 28 b5 2f fd}, aircompressor's pure-Java decoder, which needs no native code and so
 * runs wherever the engine runs). Anything else is read as is.
 */
final class TraceInput {
    private static final int SNIFF = 4;

    private TraceInput() {
    }

    /**
     * @param name the file as the user named it, for messages
     * @throws InvalidInputException when the file is missing, a directory, unreadable, or its
     *                               compressed header is corrupt
     */
    static InputStream open(Path path, String name) {
        if (Files.isDirectory(path)) {
            throw new InvalidInputException("trace file '" + name + "' is a directory, expected a file");
        }
        InputStream raw;
        try {
            raw = new BufferedInputStream(Files.newInputStream(path), 1 << 16);
        } catch (NoSuchFileException e) {
            throw new InvalidInputException("trace file '" + name + "' does not exist (looked for " + path + ")");
        } catch (AccessDeniedException e) {
            throw new InvalidInputException("trace file '" + name + "' is not readable: permission denied");
        } catch (IOException e) {
            throw new InvalidInputException("trace file '" + name + "' cannot be opened: " + e.getMessage(), e);
        }
        try {
            raw.mark(SNIFF);
            byte[] magic = new byte[SNIFF];
            int n = raw.readNBytes(magic, 0, SNIFF);
            raw.reset();
            if (n >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
                return new GZIPInputStream(raw, 1 << 16);
            }
            if (n >= 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5 && (magic[2] & 0xff) == 0x2f
                    && (magic[3] & 0xff) == 0xfd) {
                return new ZstdInputStream(raw);
            }
            return raw;
        } catch (IOException | RuntimeException e) {
            closeQuietly(raw);
            throw new InvalidInputException("trace file '" + name + "' cannot be read: " + describe(e), e);
        }
    }

    /** An I/O or decoder failure in the user's words. */
    static String describe(Exception e) {
        String m = e.getMessage();
        return (m == null || m.isBlank()) ? e.getClass().getSimpleName() : m;
    }

    static void closeQuietly(InputStream in) {
        if (in == null) {
            return;
        }
        try {
            in.close();
        } catch (IOException ignored) {
            // closing a read-only stream: nothing to lose
        }
    }
}

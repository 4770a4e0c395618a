package dev.ksim.engine.trace;

import dev.ksim.spi.InvalidInputException;
import dev.ksim.spi.workload.PageTrace;
import dev.ksim.spi.workload.PageTraces;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The engine's {@link PageTraces}: opens trace files for one run, relative paths resolved against
 * the scenario file's directory, and closes whatever is still open when the run ends
 * ({@link #closeAll()}), so a run stopped by its duration or budget leaks no file.
 *
 * <p>With format {@code auto} the format is detected from the first 4 KiB of decompressed
 * content ({@link TraceFormat#detect}), so {@code trace.gz} and {@code trace.zst} need no hint.
 * Every reader checks its first record while opening, so a wrong file fails before the run.
 */
public final class TraceFiles implements PageTraces {
    private static final int SNIFF = 4096;

    private final Path baseDir;
    private final List<PageTrace> opened = new ArrayList<>();

    /** @param baseDir directory relative trace paths are resolved against (the scenario file's) */
    public TraceFiles(Path baseDir) {
        this.baseDir = baseDir.toAbsolutePath().normalize();
    }

    /** For a scenario file as the model names it ({@code SourceRef.file()}): its directory, or the working directory. */
    public static TraceFiles forScenario(String scenarioFile) {
        Path dir = null;
        try {
            Path p = Path.of(scenarioFile).toAbsolutePath();
            dir = p.getParent();
        } catch (InvalidPathException ignored) {
            // "<unknown>" and the like: no scenario file
        }
        return new TraceFiles(dir != null ? dir : Path.of(""));
    }

    public Path baseDir() {
        return baseDir;
    }

    @Override
    public PageTrace open(String file, String format, boolean instructions) {
        if (file == null || file.isBlank()) {
            throw new InvalidInputException("no trace file given: set the workload's 'file' option");
        }
        Path path;
        try {
            path = baseDir.resolve(file).normalize();
        } catch (InvalidPathException e) {
            throw new InvalidInputException("trace file '" + file + "' is not a valid path: " + e.getReason());
        }
        TraceFormat f;
        if (format == null || TraceFormat.AUTO.equals(format)) {
            f = detect(path, file);
        } else {
            f = TraceFormat.of(format);
            if (f == null) {
                throw new InvalidInputException("unknown trace format '" + format + "' for '" + file + "'; expected one of "
                        + String.join(", ", TraceFormat.keys()));
            }
        }
        PageTrace t = switch (f) {
            case LACKEY -> new LackeyTrace(path, file, instructions);
            case ORACLE_BIN -> new OracleBinTrace(path, file);
            case ORACLE_CSV -> new OracleCsvTrace(path, file);
            case IDS_TXT -> new IdsTextTrace(path, file);
        };
        synchronized (opened) {
            opened.add(t);
        }
        return t;
    }

    /** Opens {@code path} with {@code format} ("auto" or a key): for tools and tests outside a run. */
    public static PageTrace open(Path path, String format, boolean instructions) {
        Path abs = path.toAbsolutePath();
        return new TraceFiles(abs.getParent() == null ? Path.of("") : abs.getParent())
                .open(abs.getFileName().toString(), format, instructions);
    }

    /** The format of {@code path}'s decompressed content. */
    static TraceFormat detect(Path path, String name) {
        InputStream in = TraceInput.open(path, name);
        byte[] head = new byte[SNIFF];
        int n = 0;
        try {
            while (n < SNIFF) {
                int r = in.read(head, n, SNIFF - n);
                if (r < 0) {
                    break;
                }
                n += r;
            }
            return TraceFormat.detect(head, n);
        } catch (IOException | RuntimeException e) {
            if (n > 0) {
                // a stream cut short: detect from what was readable; the reader reports the record
                return TraceFormat.detect(head, n);
            }
            throw new InvalidInputException("trace file '" + name + "' cannot be read: " + TraceInput.describe(e), e);
        } finally {
            TraceInput.closeQuietly(in);
        }
    }

    /** Closes every trace this instance opened. */
    public void closeAll() {
        synchronized (opened) {
            for (PageTrace t : opened) {
                t.close();
            }
            opened.clear();
        }
    }
}

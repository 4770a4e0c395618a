package dev.ksim.dsl;

import dev.ksim.engine.model.FileSpec;
import dev.ksim.engine.model.SourceRef;
import java.util.Map;

/**
 * {@code file('db.dat') { size 64.MiB; readLatency 90.us; writeLatency 30.us }}: a file on storage
 * that mappings ({@code kind: 'file-shared'}/{@code 'file-private'}, {@code file: 'db.dat'}) and
 * file I/O threads ({@code thread(cpu: 0, file: 'db.dat')}) use. {@code size} is required; the
 * latencies of reading one 4 KiB page and of completing one page write default to the cost model's
 * {@code file.read} and {@code file.write} (an NVMe SSD). A file that is only named by mappings
 * needs no declaration: it is as large as its largest mapping, with the default latencies.
 */
public final class FileBlock extends StorageBlock {
    static final Map<String, String> SETTINGS = usage(
            "size", "size 64.MiB",
            "readLatency", "readLatency 90.us",
            "writeLatency", "writeLatency 30.us");

    private final String fileName;

    FileBlock(Evaluation ev, SourceRef where, String name) {
        super(ev, where);
        this.fileName = name;
        this.readNs = FileSpec.DEFAULT_LATENCY;
        this.writeNs = FileSpec.DEFAULT_LATENCY;
    }

    @Override
    String blockName() {
        return "file";
    }

    @Override
    Map<String, String> settings() {
        return SETTINGS;
    }

    String fileName() {
        return fileName;
    }

    FileSpec build() {
        if (bytes == null) {
            if (!dirty) {
                report(where, "file '" + fileName + "' has no size; add size 64.MiB");
            }
            return null;
        }
        return new FileSpec(fileName, bytes, readNs, writeNs, where);
    }
}

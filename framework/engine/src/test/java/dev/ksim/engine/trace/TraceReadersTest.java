package dev.ksim.engine.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ksim.spi.InvalidInputException;
import dev.ksim.spi.workload.PageTrace;
import dev.ksim.spi.workload.PageTraces;
import io.airlift.compress.zstd.ZstdOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trace readers: each format, compression, streaming past the buffer, and bad input. */
class TraceReadersTest {
    @TempDir
    Path dir;

    private static List<Long> all(PageTrace t) {
        List<Long> out = new ArrayList<>();
        while (t.next()) {
            out.add(t.page());
        }
        return out;
    }

    private Path write(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    private Path text(String name, String content) throws IOException {
        return write(name, content.getBytes(StandardCharsets.US_ASCII));
    }

    static byte[] oracle(long... ids) {
        ByteBuffer b = ByteBuffer.allocate(ids.length * 24).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < ids.length; i++) {
            b.putInt(1000 + i).putLong(ids[i]).putInt(4096).putLong(-1);
        }
        return b.array();
    }

    static byte[] gzip(byte[] in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream z = new GZIPOutputStream(out)) {
            z.write(in);
        }
        return out.toByteArray();
    }

    static byte[] zstd(byte[] in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream z = new ZstdOutputStream(out)) {
            z.write(in);
        }
        return out.toByteArray();
    }

    private static final String LACKEY = """
            ==12345== Lackey, an example Valgrind tool
            ==12345== Command: /bin/true
            ==12345==
            I  04001100,3
             L 1ffefffd78,8
             S 04020ffc,8
             M 0402a000,4
            I  04001103,5

            ==12345== Counted 1 call to main()
            """;

    @Test
    void lackeyRecordsTouchEveryPageOfTheirRange() throws IOException {
        Path p = text("app.lackey", LACKEY);
        try (PageTrace t = TraceFiles.open(p, "lackey", false)) {
            // the store at 0x4020ffc of 8 bytes straddles pages 0x4020 and 0x4021
            assertEquals(List.of(0x1ffefffL, 0x4020L, 0x4021L, 0x402aL), all(t));
            assertEquals("lackey", t.format());
        }
        try (PageTrace t = TraceFiles.open(p, "auto", true)) {
            assertEquals(List.of(0x4001L, 0x1ffefffL, 0x4020L, 0x4021L, 0x402aL, 0x4001L), all(t));
            assertEquals("lackey", t.format());
        }
    }

    @Test
    void lackeyStoresAndModifiesAreWritesOnEveryPageTheyTouch() throws IOException {
        Path p = text("app.lackey", LACKEY);
        try (PageTrace t = TraceFiles.open(p, "lackey", true)) {
            List<Boolean> writes = new java.util.ArrayList<>();
            while (t.next()) {
                writes.add(t.write());
            }
            // I, L: loads; S across two pages: two stores; M: a store; I: a load
            assertEquals(List.of(false, false, true, true, true, false), writes);
        }
    }

    @Test
    void lackeyErrorNamesFileLineAndExpectation() throws IOException {
        Path p = text("bad.lackey", "==1== hi\nI  0400,3\n L zz12,8\n");
        PageTrace t = TraceFiles.open(p, "lackey", true);
        assertTrue(t.next());
        InvalidInputException e = assertThrows(InvalidInputException.class, t::next);
        assertTrue(e.getMessage().contains("'bad.lackey'"), e.getMessage());
        assertTrue(e.getMessage().contains("line 3"), e.getMessage());
        assertTrue(e.getMessage().contains("expected a hex address"), e.getMessage());

        Path q = text("other.lackey", "I  0400,3\nhello world\n");
        PageTrace u = TraceFiles.open(q, "lackey", true);
        assertTrue(u.next());
        e = assertThrows(InvalidInputException.class, u::next);
        assertTrue(e.getMessage().contains("line 2: expected a lackey record"), e.getMessage());
    }

    @Test
    void oracleBinaryReadsObjectIdsAsPages() throws IOException {
        Path p = write("t.oracleGeneral.bin", oracle(7, 3, 7, -2L, 0));
        try (PageTrace t = TraceFiles.open(p, "oracle-bin", false)) {
            assertEquals(List.of(7L, 3L, 7L, -2L, 0L), all(t), "ids are unsigned 64-bit: 2^64-2 comes back as is");
            assertEquals(5, t.record());
        }
        try (PageTrace t = TraceFiles.open(p, "auto", false)) {
            assertEquals("oracle-bin", t.format());
        }
    }

    @Test
    void truncatedOracleBinaryNamesTheRecordAndOffset() throws IOException {
        byte[] whole = oracle(1, 2, 3);
        Path p = write("cut.bin", Arrays.copyOf(whole, whole.length - 19));
        PageTrace t = TraceFiles.open(p, "oracle-bin", false);
        assertTrue(t.next());
        assertTrue(t.next());
        InvalidInputException e = assertThrows(InvalidInputException.class, t::next);
        assertTrue(e.getMessage().contains("'cut.bin' (oracle-bin), record 3: expected a record of 24 bytes at byte offset 48,"
                + " but the file ends after 5 bytes of it (truncated)"), e.getMessage());
    }

    @Test
    void textGivenAsOracleBinaryIsRejectedAtOpen() throws IOException {
        Path p = text("ids.txt", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n");
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> TraceFiles.open(p, "oracle-bin", false));
        assertTrue(e.getMessage().contains("record 1: expected libCacheSim oracleGeneral binary records"), e.getMessage());
    }

    @Test
    void oracleBinaryWithImpossibleNextAccessIsNotOracleGeneral() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(1).putLong(5).putInt(1).putLong(-7);
        Path p = write("x.bin", b.array());
        PageTrace t = TraceFiles.open(p, "oracle-bin", false);
        InvalidInputException e = assertThrows(InvalidInputException.class, t::next);
        assertTrue(e.getMessage().contains("record 1: expected a next-access time >= -1"), e.getMessage());
    }

    @Test
    void csvFormSkipsHeaderAndReadsSecondField() throws IOException {
        Path p = text("t.csv", "# time, object, size, next_access_vtime\ntime,obj_id,obj_size,next\n"
                + "1,42,512,3\n2, 7 ,512,-1\n\n3,42,512,-1\n");
        try (PageTrace t = TraceFiles.open(p, "auto", false)) {
            assertEquals("oracle-csv", t.format());
            assertEquals(List.of(42L, 7L, 42L), all(t));
        }
        Path bad = text("bad.csv", "1,42,512,3\n2,x7,512,-1\n");
        PageTrace t = TraceFiles.open(bad, "oracle-csv", false);
        assertTrue(t.next());
        InvalidInputException e = assertThrows(InvalidInputException.class, t::next);
        assertTrue(e.getMessage().contains("'bad.csv' (oracle-csv), line 2: expected an object id"), e.getMessage());
    }

    @Test
    void idsTextReadsOneIdPerLine() throws IOException {
        Path p = text("t.txt", "# ids\n5\n 18446744073709551615 \n\n5\r\n0");
        try (PageTrace t = TraceFiles.open(p, "auto", false)) {
            assertEquals("ids-txt", t.format());
            assertEquals(List.of(5L, -1L, 5L, 0L), all(t));
        }
        Path over = text("over.txt", "1\n18446744073709551616\n");
        PageTrace t = TraceFiles.open(over, "ids-txt", false);
        assertTrue(t.next());
        InvalidInputException e = assertThrows(InvalidInputException.class, t::next);
        assertTrue(e.getMessage().contains("line 2: expected one object id per line"), e.getMessage());
    }

    @Test
    void gzipAndZstdAreRecognisedByContent() throws IOException {
        byte[] raw = oracle(9, 8, 7, 9);
        for (String name : List.of("a.bin.gz", "b.bin.zst", "c.anything")) {
            byte[] bytes = name.endsWith(".gz") ? gzip(raw) : name.endsWith(".zst") ? zstd(raw) : gzip(raw);
            try (PageTrace t = TraceFiles.open(write(name, bytes), "auto", false)) {
                assertEquals("oracle-bin", t.format(), name);
                assertEquals(List.of(9L, 8L, 7L, 9L), all(t), name);
            }
        }
        try (PageTrace t = TraceFiles.open(write("l.gz", gzip(LACKEY.getBytes(StandardCharsets.US_ASCII))), "auto", false)) {
            assertEquals("lackey", t.format());
            assertEquals(4, all(t).size());
        }
    }

    @Test
    void truncatedGzipIsAnErrorAtTheRecordItCutInto() throws IOException {
        long[] ids = new long[50_000];
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < ids.length; i++) {
            ids[i] = r.nextLong(1 << 20);
        }
        byte[] z = gzip(oracle(ids));
        Path p = write("cut.bin.gz", Arrays.copyOf(z, z.length / 2));
        PageTrace t = TraceFiles.open(p, "auto", false);
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> {
            while (t.next()) {
                // read on until the cut
            }
        });
        assertTrue(e.getMessage().matches("(?s)trace file 'cut.bin.gz' \\(oracle-bin\\), record \\d+: expected readable data.*"),
                e.getMessage());
    }

    @Test
    void shortTruncatedGzipIsStillDetectedAndReportedAtItsLine() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            sb.append(i * 7919 % 1000).append('\n');
        }
        byte[] z = gzip(sb.toString().getBytes(StandardCharsets.US_ASCII));
        Path p = write("short.txt.gz", Arrays.copyOf(z, z.length - 12)); // the gzip trailer and some data gone
        PageTrace t = TraceFiles.open(p, "auto", false);
        assertEquals("ids-txt", t.format());
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> {
            while (t.next()) {
                // read on until the cut
            }
        });
        assertTrue(e.getMessage().matches("(?s)trace file 'short.txt.gz' \\(ids-txt\\), line \\d+: expected readable data.*"),
                e.getMessage());
    }

    @Test
    void missingFileAndDirectoryAreNamed() {
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> new TraceFiles(dir).open("nope.lackey", "auto", false));
        assertTrue(e.getMessage().contains("trace file 'nope.lackey' does not exist"), e.getMessage());
        e = assertThrows(InvalidInputException.class, () -> new TraceFiles(dir.getParent()).open(dir.getFileName().toString(), "auto", false));
        assertTrue(e.getMessage().contains("is a directory"), e.getMessage());
        e = assertThrows(InvalidInputException.class, () -> new TraceFiles(dir).open("x", "vtune", false));
        assertTrue(e.getMessage().contains("unknown trace format 'vtune'"), e.getMessage());
    }

    @Test
    void relativePathsResolveAgainstTheScenarioDirectory() throws IOException {
        Files.createDirectories(dir.resolve("traces"));
        text("traces/t.txt", "1\n2\n");
        TraceFiles files = TraceFiles.forScenario(dir.resolve("s.ksim.groovy").toString());
        try (PageTrace t = files.open("traces/t.txt", "auto", false)) {
            assertEquals(List.of(1L, 2L), all(t));
            assertEquals("traces/t.txt", t.file());
        }
    }

    @Test
    void streamsPastTheBufferAndRewinds() throws IOException {
        // ~3 MB of text and 4.8 MB of binary: many buffer refills, lines cut at buffer edges
        int n = 200_000;
        long[] ids = new long[n];
        StringBuilder sb = new StringBuilder();
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < n; i++) {
            ids[i] = r.nextLong() >>> r.nextInt(64);
            sb.append(Long.toUnsignedString(ids[i])).append('\n');
        }
        Path txt = text("big.txt", sb.toString());
        Path bin = write("big.bin.zst", zstd(oracle(ids)));
        for (Path p : List.of(txt, bin)) {
            try (PageTrace t = TraceFiles.open(p, "auto", false)) {
                for (int pass = 0; pass < 2; pass++) {
                    for (int i = 0; i < n; i++) {
                        assertTrue(t.next());
                        if (t.page() != ids[i]) {
                            assertEquals(ids[i], t.page(), p + " reference " + i + " pass " + pass);
                        }
                    }
                    assertFalse(t.next());
                    assertEquals(n, t.record());
                    t.rewind();
                }
            }
        }
    }

    @Test
    void formatNamesMatchTheSpi() {
        assertEquals(PageTraces.FORMATS, TraceFormat.keys());
    }

    @Test
    void closeAllClosesWhatARunOpened() throws IOException {
        text("t.txt", "1\n2\n");
        TraceFiles files = new TraceFiles(dir);
        PageTrace t = files.open("t.txt", "auto", false);
        files.closeAll();
        assertFalse(t.next(), "a closed trace reads as ended");
    }
}

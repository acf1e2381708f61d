package io.robustbounds.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.cli.Main;
import io.robustbounds.format.Checksums;
import io.robustbounds.testkit.LocalSpark;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxImportTest {
    static final int N = 5;
    static final int ROWS = 3;
    static final int COLS = 4;

    /** Pixel j of image i: distinct, and spanning 0..255 so unsigned bytes above 127 are covered. */
    static int pixel(int i, int j) {
        return (i * 53 + j * 17) % 256;
    }

    static byte[] pixels(int n) {
        byte[] b = new byte[n * ROWS * COLS];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < ROWS * COLS; j++) {
                b[i * ROWS * COLS + j] = (byte) pixel(i, j);
            }
        }
        return b;
    }

    /** An IDX file: 4-byte magic, the dimensions as big-endian ints, then the data; gzipped if asked. */
    static Path idx(Path file, int magic, int[] dims, byte[] data, boolean gzip) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(magic);
            for (int d : dims) {
                out.writeInt(d);
            }
            out.write(data);
        }
        try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(file)) : Files.newOutputStream(file)) {
            out.write(bytes.toByteArray());
        }
        return file;
    }

    static Path images(Path dir, boolean gzip) throws IOException {
        return idx(dir.resolve(gzip ? "images.gz" : "images"), 2051, new int[] {N, ROWS, COLS}, pixels(N), gzip);
    }

    static Path labels(Path dir, boolean gzip, byte... labels) throws IOException {
        return idx(dir.resolve(gzip ? "labels.gz" : "labels"), 2049, new int[] {labels.length}, labels, gzip);
    }

    static List<Row> read(Path set) {
        return LocalSpark.get().read().parquet(set.toString()).orderBy("id").collectAsList();
    }

    @Test
    void importsGzippedAndPlainFilesAlike(@TempDir Path dir) throws Exception {
        for (boolean gzip : new boolean[] {true, false}) {
            Path images = images(dir, gzip);
            Path labels = labels(dir, gzip, (byte) 7, (byte) 2, (byte) 1, (byte) 0, (byte) 4);
            Path set = dir.resolve("set-" + gzip);
            IdxImport.Outcome o = IdxImport.run(new IdxImport.Config(images, labels, set, 1.0, 2));
            assertEquals(N, o.rows());
            assertEquals(3, Files.list(set).filter(f -> f.toString().endsWith(".parquet")).count(), "5 rows, 2 per file");

            List<Row> rows = read(set);
            assertEquals(List.of(0L, 1L, 2L, 3L, 4L), rows.stream().map(r -> r.getLong(0)).toList());
            assertEquals(List.of(7, 2, 1, 0, 4), rows.stream().map(r -> r.getInt(2)).toList());
            for (int i = 0; i < N; i++) {
                List<Float> expected = new ArrayList<>();
                for (int j = 0; j < ROWS * COLS; j++) {
                    expected.add((float) pixel(i, j));
                }
                assertEquals(expected, rows.get(i).getList(1), "image " + i);
            }

            TestSetMetadata meta = TestSets.inspect(List.of(LocalSpark.get().read().parquet(set.toString()).inputFiles()),
                    LocalSpark.get().sparkContext().hadoopConfiguration());
            assertArrayEquals(new long[] {1, ROWS, COLS}, meta.shape());
            assertEquals(0.0, meta.low());
            assertEquals(255.0, meta.high());
            assertEquals(List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"), meta.classes());
            assertEquals(Checksums.sha256(images), meta.source().get("images_sha256"));
            assertEquals(Checksums.sha256(labels), meta.source().get("labels_sha256"));
            assertEquals(images.toString(), meta.source().get("images"));
            assertEquals(labels.toString(), meta.source().get("labels"));
            assertEquals("import-idx", meta.source().get("importer"));
            assertEquals(1.0, ((Number) meta.source().get("scale")).doubleValue());
        }
    }

    @Test
    void scalesPixelsAndRange(@TempDir Path dir) throws Exception {
        Path set = dir.resolve("set");
        IdxImport.Outcome o = IdxImport.run(new IdxImport.Config(images(dir, false), null, set, 1.0 / 256, 100));
        assertEquals(255.0 / 256, o.metadata().high());
        assertEquals(0.0, o.metadata().low());
        assertEquals(List.of(), o.metadata().classes(), "unlabelled: no classes");
        assertFalse(o.metadata().source().containsKey("labels"));
        List<Row> rows = read(set);
        assertTrue(rows.get(3).isNullAt(2), "unlabelled rows have a null label");
        assertEquals((float) (pixel(3, 5) / 256.0), (float) rows.get(3).getList(1).get(5));
        assertEquals(1, Files.list(set).filter(f -> f.toString().endsWith(".parquet")).count());
        assertThrows(IllegalArgumentException.class, () -> IdxImport.run(new IdxImport.Config(images(dir, false), null, set, 0, 100)));
    }

    @Test
    void labelsAboveNineWidenTheClasses(@TempDir Path dir) throws Exception {
        Path set = dir.resolve("set");
        IdxImport.Outcome o = IdxImport.run(new IdxImport.Config(images(dir, true), labels(dir, true, (byte) 0, (byte) 200, (byte) 12, (byte) 3,
                (byte) 9), set, 1.0, 100));
        assertEquals(201, o.metadata().classes().size());
        assertEquals("200", o.metadata().classes().get(200));
        assertEquals(List.of(0, 200, 12, 3, 9), read(set).stream().map(r -> r.getInt(2)).toList());
    }

    static String error(IdxImport.Config c) {
        return assertThrows(IllegalArgumentException.class, () -> IdxImport.run(c)).getMessage();
    }

    @Test
    void rejectsBadFilesNamingThem(@TempDir Path dir) throws Exception {
        Path set = dir.resolve("set");
        Path images = images(dir, true);
        Path labels = labels(dir, false, new byte[N]);

        // wrong magic: the labels file given as images, and a file that is no IDX at all
        String m = error(new IdxImport.Config(labels, null, set, 1, 10));
        assertEquals(labels + ": expected magic 2051 (0x00000803: images, unsigned bytes, 3 dimensions), got 2049 (1 dimension)", m);
        m = error(new IdxImport.Config(images, images, set, 1, 10));
        assertTrue(m.startsWith(images + ": expected magic 2049 (0x00000801: labels"), m);
        Path text = Files.writeString(dir.resolve("text"), "hello world");
        m = error(new IdxImport.Config(text, null, set, 1, 10));
        assertTrue(m.startsWith(text + ": not an IDX file, expected magic 2051"), m);

        // unsupported data type: floats
        Path floats = idx(dir.resolve("floats"), 0x0D03, new int[] {N, ROWS, COLS}, new byte[N * ROWS * COLS * 4], false);
        m = error(new IdxImport.Config(floats, null, set, 1, 10));
        assertEquals(floats + ": unsupported IDX data type 0x0d (float), only unsigned byte (0x08) is supported", m);

        // truncated pixels, plain and gzipped; truncated labels; truncated header
        byte[] some = Arrays.copyOf(pixels(N), 30);
        for (boolean gzip : new boolean[] {false, true}) {
            Path cut = idx(dir.resolve("cut" + gzip), 2051, new int[] {N, ROWS, COLS}, some, gzip);
            assertEquals(cut + ": expected 60 bytes of pixels for 5×3×4, file ends after 30", error(new IdxImport.Config(cut, null, set, 1, 10)));
        }
        Path cutGzip = dir.resolve("cut-stream.gz");
        byte[] whole = Files.readAllBytes(images);
        Files.write(cutGzip, Arrays.copyOf(whole, whole.length - 12)); // the compressed stream itself stops early
        m = error(new IdxImport.Config(cutGzip, null, set, 1, 10));
        assertTrue(m.startsWith(cutGzip + ": expected 60 bytes of pixels for 5×3×4, file ends after "), m);
        Path cutLabels = idx(dir.resolve("cut-labels"), 2049, new int[] {N}, new byte[3], false);
        assertEquals(cutLabels + ": expected 5 bytes of labels, file ends after 3", error(new IdxImport.Config(images, cutLabels, set, 1, 10)));
        Path header = Files.write(dir.resolve("header"), new byte[] {0, 0, 8, 3, 0, 0});
        assertEquals(header + ": file ends inside the IDX header", error(new IdxImport.Config(header, null, set, 1, 10)));

        // counts that differ
        Path four = labels(dir, true, new byte[4]);
        assertEquals(images + " has 5 images but " + four + " has 4 labels", error(new IdxImport.Config(images, four, set, 1, 10)));
        assertFalse(Files.exists(set), "no set after failures");
    }

    @Test
    void aFailedImportLeavesThePreviousSet(@TempDir Path dir) throws Exception {
        Path set = dir.resolve("set");
        IdxImport.run(new IdxImport.Config(images(dir, false), null, set, 1, 2));
        Path cut = idx(dir.resolve("cut"), 2051, new int[] {N, ROWS, COLS}, Arrays.copyOf(pixels(N), 50), false);
        error(new IdxImport.Config(cut, null, set, 1, 2)); // fails after writing two rows
        assertEquals(N, read(set).size());
        assertFalse(Files.exists(dir.resolve(".set.writing")));
    }

    @Test
    void commandLine(@TempDir Path dir) throws Exception {
        Path set = dir.resolve("set");
        int code = Main.run("import-idx", "-c", "../conf/robustbounds.conf", "--set", "import-idx.images=\"" + images(dir, true) + "\"",
                "--set", "import-idx.labels=\"\"", "--set", "import-idx.output=\"" + set + "\"");
        assertEquals(0, code);
        assertEquals(N, read(set).size());
        assertNull(read(set).get(0).get(2));
        code = Main.run("import-idx", "-c", "../conf/robustbounds.conf", "--set", "import-idx.scale=0");
        assertEquals(2, code, "a bad scale is a configuration error");
    }
}

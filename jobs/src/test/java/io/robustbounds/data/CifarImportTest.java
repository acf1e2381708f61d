package io.robustbounds.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.cli.Main;
import io.robustbounds.format.Checksums;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CifarImportTest {

    /** Red, green, blue value of pixel (y, x) of record r: distinct per plane and record, covering bytes above 127. */
    static int pixel(int r, int channel, int y, int x) {
        return (r * 71 + channel * 101 + y * 7 + x * 3) % 256;
    }

    static int label(int r) {
        return (r * 3 + 1) % 10;
    }

    /** A batch in CIFAR-10's binary format, written byte by byte: label, then the R, G and B planes, each row-major. */
    static Path batch(Path file, int first, int records) throws IOException {
        byte[] b = new byte[records * CifarImport.RECORD];
        int at = 0;
        for (int r = first; r < first + records; r++) {
            b[at++] = (byte) label(r);
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 32; y++) {
                    for (int x = 0; x < 32; x++) {
                        b[at++] = (byte) pixel(r, c, y, x);
                    }
                }
            }
        }
        return Files.write(file, b);
    }

    @Test
    void roundTripPixelsLabelsShape(@TempDir Path dir) throws Exception {
        Path b1 = batch(dir.resolve("data_batch_1.bin"), 0, 3);
        Path b2 = batch(dir.resolve("data_batch_2.bin"), 3, 2);
        CifarImport.Outcome o = CifarImport.run(new CifarImport.Config(List.of(b1, b2), dir.resolve("set"), 1.0, 2));
        assertEquals(5, o.rows());
        assertNull(o.classesFrom());
        List<TestSetFiles.Row> rows = TestSetFiles.rows(dir.resolve("set"));
        assertEquals(5, rows.size());
        assertEquals(3, TestSetFiles.parts(dir.resolve("set")).size(), "2 rows per file");
        for (int r = 0; r < 5; r++) {
            TestSetFiles.Row row = rows.get(r);
            assertEquals(r, row.id(), "ids run on over the files");
            assertEquals(label(r), row.label());
            double[] expected = new double[CifarImport.PIXELS];
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 32; y++) {
                    for (int x = 0; x < 32; x++) {
                        expected[(c * 32 + y) * 32 + x] = pixel(r, c, y, x); // C×H×W row-major
                    }
                }
            }
            assertArrayEquals(expected, row.features(), "record " + r);
        }
        TestSetMetadata m = TestSetFiles.metadata(dir.resolve("set"));
        assertArrayEquals(new long[] {3, 32, 32}, m.shape());
        assertEquals(0.0, m.low());
        assertEquals(255.0, m.high());
        assertEquals(CifarImport.CLASSES, m.classes());
        List<?> files = (List<?>) m.source().get("files");
        assertEquals(Checksums.sha256(b2), ((Map<?, ?>) files.get(1)).get("sha256"));
        assertEquals(3, ((Number) ((Map<?, ?>) files.get(1)).get("first_id")).intValue());
        long[] perClass = new long[10];
        for (int r = 0; r < 5; r++) {
            perClass[label(r)]++;
        }
        assertArrayEquals(perClass, o.perClass());
    }

    @Test
    void classNamesFromBatchesMetaAndScale(@TempDir Path dir) throws Exception {
        Path b = batch(dir.resolve("test_batch.bin"), 0, 4);
        List<String> names = List.of("a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9");
        Files.writeString(dir.resolve(CifarImport.META), String.join("\n", names) + "\n\n");
        CifarImport.Outcome o = CifarImport.run(new CifarImport.Config(List.of(b), dir.resolve("set"), 1 / 255.0, 100));
        assertEquals(names, o.metadata().classes());
        assertEquals(dir.resolve(CifarImport.META).toAbsolutePath(), o.classesFrom());
        assertEquals(1.0, o.metadata().high(), 1e-15);
        TestSetFiles.Row row = TestSetFiles.rows(dir.resolve("set")).get(2);
        assertEquals((float) (pixel(2, 1, 0, 5) / 255.0), row.features()[1024 + 5]);
    }

    @Test
    void truncatedFileNamesFileAndRecord(@TempDir Path dir) throws Exception {
        Path good = batch(dir.resolve("data_batch_1.bin"), 0, 2);
        Path cut = dir.resolve("data_batch_2.bin");
        byte[] full = Files.readAllBytes(batch(cut, 2, 3));
        Files.write(cut, Arrays.copyOf(full, 2 * CifarImport.RECORD + 1000));
        Path set = dir.resolve("set");
        CifarImport.run(new CifarImport.Config(List.of(good), set, 1, 100)); // a previous set
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CifarImport.run(new CifarImport.Config(List.of(good, cut), set, 1, 100)));
        assertTrue(e.getMessage().startsWith(cut + ": truncated: record 2 (0-based, at byte 6146) has 1000 of 3073 bytes"), e.getMessage());
        assertEquals(2, TestSetFiles.rows(set).size(), "the previous set stays");

        Files.write(cut, new byte[0]);
        e = assertThrows(IllegalArgumentException.class, () -> CifarImport.run(new CifarImport.Config(List.of(cut), set, 1, 100)));
        assertTrue(e.getMessage().startsWith(cut + ": empty"), e.getMessage());
    }

    @Test
    void labelWithoutClassNamesFileAndRecord(@TempDir Path dir) throws Exception {
        Path b = batch(dir.resolve("data_batch_1.bin"), 0, 3);
        byte[] bytes = Files.readAllBytes(b);
        bytes[2 * CifarImport.RECORD] = 10;
        Files.write(b, bytes);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CifarImport.run(new CifarImport.Config(List.of(b), dir.resolve("set"), 1, 100)));
        assertEquals(b + ": record 2 has label 10, but there are 10 classes " + CifarImport.CLASSES, e.getMessage());
        assertFalse(Files.exists(dir.resolve("set")), "nothing is left behind");
    }

    @Test
    void commandLine(@TempDir Path dir) throws Exception {
        Path b1 = batch(dir.resolve("data_batch_1.bin"), 0, 2);
        Path b2 = batch(dir.resolve("data_batch_2.bin"), 2, 1);
        Path set = dir.resolve("set");
        assertEquals(0, Main.run("import-cifar", "-c", "../conf/robustbounds.conf", b1.toString(), b2.toString(), "--out", set.toString()));
        assertEquals(List.of(0L, 1L, 2L), TestSetFiles.rows(set).stream().map(TestSetFiles.Row::id).toList());
        assertEquals(2, Main.run("import-cifar", "-c", "../conf/robustbounds.conf", b1.toString(), "--out", set.toString(), "--scale", "0"));
    }
}

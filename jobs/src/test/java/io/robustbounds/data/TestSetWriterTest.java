package io.robustbounds.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A set appears only on commit; a run that fails part-way leaves the previous set as it was and no staging folder. */
class TestSetWriterTest {

    private static List<String> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aFailedWriteLeavesThePreviousSet(@TempDir Path dir) throws Exception {
        TestSetMetadata meta = new TestSetMetadata(new long[] {2}, -1, 1, List.of("a", "b"), Map.of());
        Path target = dir.resolve("set");
        try (TestSetWriter w = new TestSetWriter(target, meta, false, 2)) {
            for (int i = 0; i < 5; i++) {
                w.write(i, new double[] {0.1 * i, 0}, i % 2);
            }
            w.commit();
        }
        List<String> first = files(target);
        assertEquals(List.of("_robustbounds.json", "part-00000.parquet", "part-00001.parquet", "part-00002.parquet"), first);

        assertThrows(IllegalArgumentException.class, () -> {
            try (TestSetWriter w = new TestSetWriter(target, meta, false, 2)) {
                w.write(0, new double[] {0, 0}, 0);
                w.write(1, new double[] {0, 0, 0}, 0); // wrong length: the run fails before its commit
                w.commit();
            }
        });
        assertEquals(first, files(target), "the previous set is untouched");
        assertEquals(List.of("set"), files(dir), "no staging folder left behind");
        assertTrue(Files.size(target.resolve("part-00002.parquet")) > 0);
    }

    private static void writeSet(Path target, int rows) throws IOException {
        TestSetMetadata meta = new TestSetMetadata(new long[] {2}, -1, 1, List.of("a", "b"), Map.of());
        try (TestSetWriter w = new TestSetWriter(target, meta, false, 2)) {
            for (int i = 0; i < rows; i++) {
                w.write(i, new double[] {0.1 * i, 0}, i % 2);
            }
            w.commit();
        }
    }

    @Test
    void aReRunReplacesTheSetWhole(@TempDir Path dir) throws Exception {
        Path target = dir.resolve("set");
        writeSet(target, 5);
        writeSet(target, 1);
        assertEquals(List.of("_robustbounds.json", "part-00000.parquet"), files(target), "no file of the first run outlives the second");
        assertEquals(List.of("set"), files(dir));
    }

    @Test
    void aFolderWithAUsersFileIsNeverEmptied(@TempDir Path dir) throws Exception {
        Path target = Files.createDirectories(dir.resolve("photos"));
        Files.writeString(target.resolve("holiday.jpg"), "mine");
        io.robustbounds.output.OutputException e = assertThrows(io.robustbounds.output.OutputException.class, () -> writeSet(target, 3));
        assertEquals(target + ": not empty and not a test set written by robustbounds (it holds 'holiday.jpg'; no _robustbounds.json); "
                + "refusing to replace it: choose a new or empty folder, or delete it yourself", e.getMessage());
        assertEquals(List.of("holiday.jpg"), files(target));
        assertEquals(List.of("photos"), files(dir), "no staging folder, no lock");
    }

    @Test
    void theDebrisOfAKilledRunIsRemovedByTheNext(@TempDir Path dir) throws Exception {
        Path target = dir.resolve("set");
        Path killed = Files.createDirectories(dir.resolve(".set.writing")); // the staging name before this version
        Files.writeString(killed.resolve("part-00000.parquet"), "half written");
        Path killedToo = Files.createDirectories(dir.resolve(".set.tmp-" + java.util.UUID.randomUUID()));
        Files.writeString(killedToo.resolve("part-00000.parquet"), "half written");
        writeSet(target, 3);
        assertEquals(List.of("set"), files(dir));
    }
}

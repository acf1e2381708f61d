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
        assertEquals(List.of("part-00000.parquet", "part-00001.parquet", "part-00002.parquet"), first);

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
}

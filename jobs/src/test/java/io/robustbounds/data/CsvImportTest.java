package io.robustbounds.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.testkit.LocalSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvImportTest {

    @Test
    void importsRowsAndRejectsBadLinesWithLineAndColumn(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("in.csv");
        Files.writeString(csv, """
                a,b,kind
                1.0,2.0,cat
                3.0,oops,dog
                5.0,6.0
                7.0,8.0,dog
                -1.0,0.5,cat
                """);
        CsvImport.Outcome o = CsvImport.run(new CsvImport.Config(csv, dir.resolve("set"), true, ",", "kind", List.of(), null, 2, false));
        assertEquals(3, o.rows());
        assertEquals(2, o.rejects());
        assertEquals(List.of("cat", "dog"), o.metadata().classes());
        assertEquals(-1.0, o.metadata().low());
        assertEquals(8.0, o.metadata().high());
        List<String> rejects = Files.readAllLines(dir.resolve("set").resolve("_rejects.csv"));
        assertEquals("file\tline\tcolumn\treason\trow", rejects.get(0));
        assertTrue(rejects.get(1).endsWith("\t3\tb\t'oops' is not a number\t3.0,oops,dog"), rejects.get(1));
        assertTrue(rejects.get(2).contains("\t4\t*\thas 2 fields, expected 3"), rejects.get(2));

        // Spark reads what the Spark-free writer wrote: ids are line numbers, labels class indices, metadata in every footer
        List<Row> rows = LocalSpark.get().read().parquet(dir.resolve("set").toString()).orderBy("id").collectAsList();
        assertEquals(List.of(2L, 5L, 6L), rows.stream().map(r -> r.getLong(0)).toList());
        assertEquals(List.of(0, 1, 0), rows.stream().map(r -> r.getInt(2)).toList());
        assertEquals(List.of(7.0f, 8.0f), rows.get(1).getList(1));
        TestSetMetadata meta = TestSets.inspect(List.of(LocalSpark.get().read().parquet(dir.resolve("set").toString()).inputFiles()),
                LocalSpark.get().sparkContext().hadoopConfiguration());
        assertEquals(2, meta.size());
        assertTrue(meta.source().get("sha256").toString().matches("[0-9a-f]{64}"));
    }
}

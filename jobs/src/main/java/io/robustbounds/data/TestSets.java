package io.robustbounds.data;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.MessageType;

/**
 * Reads what the driver must know of a test set before any work starts: every file's footer is opened, its
 * columns checked and its metadata read. Errors name the file and the column.
 */
public final class TestSets {
    private TestSets() {
    }

    /** The metadata all files agree on; throws naming the first file that is unreadable, lacks a column or disagrees. */
    public static TestSetMetadata inspect(List<String> files, Configuration conf) {
        if (files.isEmpty()) {
            throw new IllegalArgumentException("test set has no Parquet files");
        }
        TestSetMetadata first = null;
        String firstFile = null;
        for (String f : files) {
            Map<String, String> kv;
            MessageType schema;
            try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(new Path(f), conf))) {
                kv = r.getFooter().getFileMetaData().getKeyValueMetaData();
                schema = r.getFooter().getFileMetaData().getSchema();
            } catch (IOException | RuntimeException e) {
                throw new IllegalArgumentException(f + ": not a readable Parquet file (" + e.getMessage() + ")", e);
            }
            for (String column : List.of(TestSetSchema.ID, TestSetSchema.FEATURES, TestSetSchema.LABEL)) {
                if (!schema.containsField(column)) {
                    throw new IllegalArgumentException(f + ": column '" + column + "' is missing (columns: " + schema.getFields().stream()
                            .map(t -> t.getName()).toList() + ")");
                }
            }
            String json = kv.get(TestSetMetadata.KEY);
            if (json == null) {
                throw new IllegalArgumentException(f + ": footer metadata '" + TestSetMetadata.KEY + "' (shape, range, classes) is missing");
            }
            TestSetMetadata m = TestSetMetadata.fromJson(json, f);
            if (first == null) {
                first = m;
                firstFile = f;
            } else if (!java.util.Arrays.equals(first.shape(), m.shape()) || first.low() != m.low() || first.high() != m.high()
                    || !first.classes().equals(m.classes())) {
                throw new IllegalArgumentException(f + ": metadata " + m.toJson() + " disagrees with " + firstFile + ": " + first.toJson());
            }
        }
        return first;
    }
}

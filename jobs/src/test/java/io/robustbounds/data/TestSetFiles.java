package io.robustbounds.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.io.LocalInputFile;

/** Reads a test-set folder back without Spark (parquet-avro), for the import tests. */
final class TestSetFiles {
    record Row(long id, double[] features, Integer label) {
    }

    private TestSetFiles() {
    }

    static List<Path> parts(Path set) throws IOException {
        try (Stream<Path> s = Files.list(set)) {
            return s.filter(p -> p.getFileName().toString().matches("part-\\d+\\.parquet")).sorted().toList();
        }
    }

    /** All rows, ordered by id. */
    static List<Row> rows(Path set) throws IOException {
        List<Row> rows = new ArrayList<>();
        for (Path part : parts(set)) {
            try (ParquetReader<GenericRecord> r = AvroParquetReader.<GenericRecord>builder(new LocalInputFile(part), new PlainParquetConfiguration())
                    .build()) {
                for (GenericRecord g; (g = r.read()) != null; ) {
                    List<?> f = (List<?>) g.get(TestSetSchema.FEATURES);
                    double[] x = f.stream().mapToDouble(v -> ((Number) v).doubleValue()).toArray();
                    rows.add(new Row((Long) g.get(TestSetSchema.ID), x, (Integer) g.get(TestSetSchema.LABEL)));
                }
            }
        }
        rows.sort(Comparator.comparingLong(Row::id));
        return rows;
    }

    /** The footer metadata of every part file (they must agree). */
    static TestSetMetadata metadata(Path set) throws IOException {
        TestSetMetadata first = null;
        for (Path part : parts(set)) {
            try (ParquetFileReader r = ParquetFileReader.open(new LocalInputFile(part))) {
                TestSetMetadata m = TestSetMetadata.fromJson(r.getFooter().getFileMetaData().getKeyValueMetaData().get(TestSetMetadata.KEY),
                        part.toString());
                if (first != null && !first.toJson().equals(m.toJson())) {
                    throw new AssertionError(part + ": footer differs from the first part's");
                }
                first = m;
            }
        }
        return first;
    }
}

package io.robustbounds.cli;

import io.robustbounds.data.TestSetMetadata;
import io.robustbounds.data.TestSetSchema;
import io.robustbounds.data.TestSets;
import io.robustbounds.format.Checksums;
import io.robustbounds.train.LabeledSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.io.LocalInputFile;

/**
 * Reads a whole labelled test-set folder (the project's Parquet schema) into memory for training, without Spark
 * (parquet-avro, as the importers write). Errors name the file and row. Every row needs a label.
 */
final class TrainingSets {
    private TrainingSets() {
    }

    /** One split read into memory, with what provenance records of it. */
    record Split(String role, Path folder, TestSetMetadata metadata, LabeledSet data, Map<String, Object> provenance) {
    }

    static List<Path> files(Path folder) {
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException(folder + ": not a test-set folder (missing; import one first)");
        }
        try (Stream<Path> s = Files.list(folder)) {
            List<Path> files = s.filter(p -> p.getFileName().toString().endsWith(".parquet")).sorted().toList();
            if (files.isEmpty()) {
                throw new IllegalArgumentException(folder + ": holds no .parquet files");
            }
            return files;
        } catch (IOException e) {
            throw new IllegalArgumentException(folder + ": cannot list (" + e.getMessage() + ")", e);
        }
    }

    /** Reads {@code folder}; rows are kept in file order, then row order. */
    static Split read(String role, Path folder) throws IOException {
        List<Path> files = files(folder);
        TestSetMetadata meta = TestSets.inspect(files.stream().map(Path::toString).toList(), new Configuration());
        int size = Math.toIntExact(meta.size());
        List<double[]> chunks = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        double[] current = new double[size * 4096];
        int filled = 0;
        Map<String, Object> checksums = new LinkedHashMap<>();
        for (Path f : files) {
            checksums.put(f.getFileName().toString(), Checksums.sha256(f));
            long row = 0;
            try (ParquetReader<GenericRecord> r = AvroParquetReader.<GenericRecord>builder(new LocalInputFile(f))
                    .withConf(new PlainParquetConfiguration()).build()) {
                for (GenericRecord rec; (rec = r.read()) != null; row++) {
                    Object label = rec.get(TestSetSchema.LABEL);
                    if (label == null) {
                        throw new IllegalArgumentException(f + " row " + row + ": label is null; training needs labelled rows");
                    }
                    Object features = rec.get(TestSetSchema.FEATURES);
                    if (!(features instanceof List<?> values) || values.size() != size) {
                        throw new IllegalArgumentException(f + " row " + row + ": features has "
                                + (features instanceof List<?> l ? l.size() + " values" : "no values") + ", expected " + size
                                + " (shape " + Arrays.toString(meta.shape()) + ")");
                    }
                    if (filled == current.length) {
                        chunks.add(current);
                        current = new double[current.length];
                        filled = 0;
                    }
                    for (Object v : values) {
                        double d = ((Number) (v instanceof GenericRecord g ? g.get(0) : v)).doubleValue();
                        if (!Double.isFinite(d)) {
                            throw new IllegalArgumentException(f + " row " + row + ": features hold NaN or infinite values");
                        }
                        current[filled++] = d;
                    }
                    labels.add(((Number) label).intValue());
                }
            }
        }
        chunks.add(Arrays.copyOf(current, filled));
        double[] x = new double[labels.size() * size];
        int at = 0;
        for (double[] c : chunks) {
            int len = Math.min(c.length, x.length - at);
            System.arraycopy(c, 0, x, at, len);
            at += len;
        }
        int[] y = labels.stream().mapToInt(Integer::intValue).toArray();
        for (int i = 0; i < y.length; i++) {
            if (y[i] < 0 || (!meta.classes().isEmpty() && y[i] >= meta.classes().size())) {
                throw new IllegalArgumentException(folder + ": row " + i + " has label " + y[i] + ", outside the set's "
                        + meta.classes().size() + " classes");
            }
        }
        Map<String, Object> prov = new LinkedHashMap<>();
        prov.put("path", folder.toString());
        prov.put("rows", y.length);
        prov.put("sha256", checksums);
        if (!meta.source().isEmpty()) {
            prov.put("source", meta.source());
        }
        return new Split(role, folder, meta, new LabeledSet(x, y, meta.shape()), prov);
    }
}

package io.robustbounds.testkit;

import io.robustbounds.data.TestSetMetadata;
import io.robustbounds.data.TestSetSchema;
import io.robustbounds.format.ModelFormat;
import io.robustbounds.model.Activation;
import io.robustbounds.model.Model;
import io.robustbounds.random.RandomMlp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.avro.AvroWriteSupport;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.io.LocalOutputFile;

/** Small models and test sets made by the tests themselves, including rows a valid writer would refuse. */
public final class Fixtures {
    public static final RandomMlp SPEC = RandomMlp.of(5, 2, 6, Activation.TANH, 3, -1, 1, -1, 1);

    private Fixtures() {
    }

    public static Model model(Path dir) throws IOException {
        Model m = SPEC.model(11, 0);
        ModelFormat.write(m, dir);
        return m;
    }

    /** One test-set row; features may be null, of any length, or non-finite. */
    public record RawRow(Long id, double[] features, Integer label) {
    }

    public static List<RawRow> goodRows(int n) {
        double[] x = SPEC.samples(11, 0, 0, n);
        List<RawRow> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double[] f = new double[5];
            System.arraycopy(x, i * 5, f, 0, 5);
            rows.add(new RawRow(1000L + i, f, i % 3));
        }
        return rows;
    }

    /** {@link #goodRows}, then one more row with the first one's id (1000) and features. */
    public static List<RawRow> goodRowsAndADuplicateId(int n) {
        List<RawRow> rows = goodRows(n);
        rows.add(new RawRow(1000L, rows.get(0).features(), 0));
        return rows;
    }

    /** Writes rows into {@code files} part files under dir, with the test-set footer (shape [5], range [-1, 1]). */
    public static void writeTestSet(Path dir, List<RawRow> rows, int files, long[] shape) throws IOException {
        Files.createDirectories(dir);
        Schema schema = SchemaBuilder.record("Row").fields().optionalLong(TestSetSchema.ID)
                .name(TestSetSchema.FEATURES).type().unionOf().nullType().and().array().items().doubleType().endUnion().nullDefault()
                .optionalInt(TestSetSchema.LABEL).endRecord();
        TestSetMetadata meta = new TestSetMetadata(shape, -1, 1, List.of("a", "b", "c"), Map.of("made-by", "Fixtures"));
        PlainParquetConfiguration conf = new PlainParquetConfiguration();
        conf.setBoolean(AvroWriteSupport.WRITE_OLD_LIST_STRUCTURE, false);
        int per = (rows.size() + files - 1) / files;
        for (int f = 0; f < files; f++) {
            try (ParquetWriter<GenericRecord> w = AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(dir.resolve("part-" + f + ".parquet")))
                    .withSchema(schema).withConf(conf).withExtraMetaData(Map.of(TestSetMetadata.KEY, meta.toJson())).build()) {
                for (RawRow r : rows.subList(Math.min(rows.size(), f * per), Math.min(rows.size(), (f + 1) * per))) {
                    GenericRecord g = new GenericData.Record(schema);
                    g.put(TestSetSchema.ID, r.id());
                    if (r.features() != null) {
                        List<Double> v = new ArrayList<>();
                        for (double d : r.features()) {
                            v.add(d);
                        }
                        g.put(TestSetSchema.FEATURES, v);
                    }
                    g.put(TestSetSchema.LABEL, r.label());
                    w.write(g);
                }
            }
        }
    }

    /** The provenance of a test run (commit "test"). */
    public static io.robustbounds.spark.Provenance provenance() {
        return new io.robustbounds.spark.Provenance("robustbounds test", "2000-01-01T00:00:00Z", "test", "java", "os", "nd4j", "spark", null, null,
                "test", java.util.Map.of());
    }
}

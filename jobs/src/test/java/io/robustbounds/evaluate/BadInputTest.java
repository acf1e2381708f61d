package io.robustbounds.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.cli.Main;
import io.robustbounds.data.TestSetMetadata;
import io.robustbounds.data.TestSetSchema;
import io.robustbounds.data.TestSetWriter;
import io.robustbounds.format.ModelFormat;
import io.robustbounds.model.Model;
import io.robustbounds.testkit.Fixtures;
import io.robustbounds.testkit.LocalSpark;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.avro.AvroWriteSupport;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, items 3 and 6, for the Spark commands: what evaluate and accuracy do with a test set whose class names are
 * not the model's, with Parquet columns of the wrong type, float and double files in one set, long labels beyond the
 * int range and a footer of deeply nested JSON. Each case runs the job's entry point and maps what it throws to the
 * exit code and the line the command line prints ({@link Main#report}).
 */
class BadInputTest {

    /** The exit code and the one line {@code error: ...} of what {@code job} throws. */
    record Failure(int code, String line) {
    }

    static Failure failure(Runnable job) {
        Exception e = assertThrows(Exception.class, job::run); // SparkException is checked, but Scala throws it all the same
        StringWriter err = new StringWriter();
        int code = Main.report(e, new PrintWriter(err));
        List<String> lines = err.toString().lines().toList();
        assertEquals(1, lines.size(), "one line, no stack trace: " + err);
        return new Failure(code, lines.get(0));
    }

    static EvaluateJob.Config config(Path dir, String run, boolean allowClassMismatch) {
        return new EvaluateJob.Config(dir.resolve("model").toString(), dir.resolve("set").toString(), dir.resolve("out").toString(), run, 16,
                false, 0, EvaluateJobTest.SETTINGS, List.of("model"), allowClassMismatch);
    }

    /** Fixtures' model with class names. */
    static void namedModel(Path dir, List<String> classes) throws IOException {
        Model m = Fixtures.SPEC.model(11, 0);
        ModelFormat.write(new Model("named", m.input(), m.layers(), m.head(), classes, m.provenance()), dir);
    }

    @Test
    void classNamesThatDifferFailNamingBothLists(@TempDir Path dir) throws Exception {
        namedModel(dir.resolve("model"), List.of("x", "y", "z"));
        Fixtures.writeTestSet(dir.resolve("set"), Fixtures.goodRows(6), 1, new long[] {5}); // classes [a, b, c]
        SparkSession spark = LocalSpark.get();
        Failure f = failure(() -> EvaluateJob.run(spark, config(dir, "c", false), Fixtures.provenance()));
        assertEquals(2, f.code());
        assertEquals("error: test set " + dir.resolve("set") + " classes [a, b, c] differ from model 'named' classes [x, y, z]: label 0 is 'a'"
                + " in the test set, 'x' in the model (evaluate.allow-class-mismatch = true evaluates it all the same)", f.line());
        assertTrue(!Files.exists(dir.resolve("out").resolve("c")), "refused before any work");
        Failure a = failure(() -> AccuracyJob.run(spark, dir.resolve("model").toString(), dir.resolve("set").toString(), 8));
        assertEquals(f, a, "accuracy checks the same");

        assertEquals(6, EvaluateJob.run(spark, config(dir, "c", true), Fixtures.provenance()).results(), "allowed explicitly: evaluated");
        assertEquals(6, AccuracyJob.run(spark, dir.resolve("model").toString(), dir.resolve("set").toString(), 8, true).labelled());

        namedModel(dir.resolve("model"), List.of("a", "b", "d"));
        assertTrue(failure(() -> EvaluateJob.run(spark, config(dir, "c", false), Fixtures.provenance())).line()
                .contains(": label 2 is 'c' in the test set, 'd' in the model"));
        namedModel(dir.resolve("model"), List.of("a", "b", "c"));
        assertEquals(6, EvaluateJob.run(spark, config(dir, "c", false), Fixtures.provenance()).results(), "the same names: evaluated");

        TestSetMetadata two = new TestSetMetadata(new long[] {5}, -1, 1, List.of("a", "b"), Map.of());
        try (TestSetWriter w = new TestSetWriter(dir.resolve("set"), two, true, 100)) {
            w.write(1, new double[5], 1);
            w.commit();
        }
        assertTrue(failure(() -> EvaluateJob.run(spark, config(dir, "c", false), Fixtures.provenance())).line()
                .endsWith("classes [a, b] differ from model 'named' classes [a, b, c]: the test set has 2 classes, the model 3"
                        + " (evaluate.allow-class-mismatch = true evaluates it all the same)"));
    }

    /** Writes one Parquet file of {@code schema} with the test-set footer of Fixtures (shape [5], classes a, b, c). */
    static void writeParquet(Path file, Schema schema, int rows, Function<Integer, GenericRecord> row, String footer) throws IOException {
        Files.createDirectories(file.getParent());
        PlainParquetConfiguration conf = new PlainParquetConfiguration();
        conf.setBoolean(AvroWriteSupport.WRITE_OLD_LIST_STRUCTURE, false);
        try (ParquetWriter<GenericRecord> w = AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(file)).withSchema(schema)
                .withConf(conf).withExtraMetaData(Map.of(TestSetMetadata.KEY, footer)).build()) {
            for (int i = 0; i < rows; i++) {
                w.write(row.apply(i));
            }
        }
    }

    static final String FOOTER = new TestSetMetadata(new long[] {5}, -1, 1, List.of("a", "b", "c"), Map.of()).toJson();

    @Test
    void featuresOfTheWrongTypeAreOneLine(@TempDir Path dir) throws Exception {
        Fixtures.model(dir.resolve("model"));
        Schema text = SchemaBuilder.record("Row").fields().requiredLong("id").requiredString("features").optionalInt("label").endRecord();
        Path file = dir.resolve("set").resolve("part-0.parquet");
        writeParquet(file, text, 3, i -> record(text, i, "0,0,0,0,0", 0), FOOTER);
        Failure f = failure(() -> EvaluateJob.run(LocalSpark.get(), config(dir, "t", false), Fixtures.provenance()));
        assertEquals(new Failure(2, "error: file:" + file
                + ": column 'features' must be an array of float or double, found: required binary features (STRING)"), f);

        Files.delete(file);
        Schema strings = SchemaBuilder.record("Row").fields().requiredLong("id").name("features").type().array().items().stringType()
                .noDefault().optionalInt("label").endRecord();
        writeParquet(file, strings, 3, i -> record(strings, i, List.of("0", "0", "0", "0", "0"), 0), FOOTER);
        f = failure(() -> AccuracyJob.run(LocalSpark.get(), dir.resolve("model").toString(), dir.resolve("set").toString(), 8));
        assertEquals(2, f.code());
        assertTrue(f.line().matches("error: .*part-0\\.parquet: column 'features' must be an array of float or double, found: "
                + "required group features \\(LIST\\) \\{ repeated group list \\{ required binary element \\(STRING\\); } }"), f.line());
    }

    /** Labels stored as doubles would be cut to ints (2.7 → class 2): refused. */
    @Test
    void labelsOfAFloatingTypeAreRefused(@TempDir Path dir) throws Exception {
        Fixtures.model(dir.resolve("model"));
        Schema s = SchemaBuilder.record("Row").fields().requiredLong("id").name("features").type().array().items().doubleType().noDefault()
                .optionalDouble("label").endRecord();
        writeParquet(dir.resolve("set").resolve("part-0.parquet"), s, 3, i -> record(s, i, List.of(0.0, 0.0, 0.0, 0.0, 0.0), 2.7), FOOTER);
        Failure f = failure(() -> EvaluateJob.run(LocalSpark.get(), config(dir, "l", false), Fixtures.provenance()));
        assertEquals(2, f.code());
        assertTrue(f.line().endsWith("part-0.parquet: column 'label' must be int (or long), nullable, found: optional double label"), f.line());
    }

    /** Long labels are read; one beyond the int range is a reject naming its value, not wrapped into another class. */
    @Test
    void longLabelsBeyondTheIntRangeAreRejects(@TempDir Path dir) throws Exception {
        Fixtures.model(dir.resolve("model"));
        Schema s = SchemaBuilder.record("Row").fields().requiredLong("id").name("features").type().array().items().doubleType().noDefault()
                .optionalLong("label").endRecord();
        long[] labels = {0, 1L << 33, 2, (1L << 32) + 1, -(1L << 40)}; // 2^32 + 1 would wrap to class 1
        writeParquet(dir.resolve("set").resolve("part-0.parquet"), s, labels.length,
                i -> record(s, i, List.of(0.1 * i, 0.0, 0.0, 0.0, 0.0), labels[i]), FOOTER);
        SparkSession spark = LocalSpark.get();
        EvaluateJob.Outcome o = EvaluateJob.run(spark, config(dir, "r", false), Fixtures.provenance());
        assertEquals(2, o.results());
        List<Row> rejects = spark.read().parquet(o.rejectsPath()).orderBy("id").collectAsList();
        assertEquals(List.of("label 8589934592 is outside [0, 3)", "label 4294967297 is outside [0, 3)", "label -1099511627776 is outside [0, 3)"),
                rejects.stream().map(r -> r.<String>getAs("reason")).toList());
        assertEquals(List.of(0, 2), spark.read().parquet(o.resultsPath()).orderBy("id").collectAsList().stream()
                .map(r -> r.<Integer>getAs("label")).toList());
        AccuracyJob.Outcome a = AccuracyJob.run(spark, dir.resolve("model").toString(), dir.resolve("set").toString(), 8);
        assertEquals(3, a.unusable());
        assertEquals(2, a.labelled());
    }

    /** The README allows float or double features: files of both kinds in one set are read together, floats widened. */
    @Test
    void floatAndDoubleFilesInOneSet(@TempDir Path dir) throws Exception {
        Fixtures.model(dir.resolve("model"));
        List<Fixtures.RawRow> rows = new ArrayList<>();
        for (Fixtures.RawRow r : Fixtures.goodRows(40)) {
            double[] f = r.features().clone();
            for (int j = 0; j < f.length; j++) {
                f[j] = (float) f[j]; // the values float files hold
            }
            rows.add(new Fixtures.RawRow(r.id(), f, r.label()));
        }
        TestSetMetadata meta = new TestSetMetadata(new long[] {5}, -1, 1, List.of("a", "b", "c"), Map.of());
        for (boolean doubles : new boolean[] {false, true}) {
            Path part = dir.resolve(doubles ? "d" : "f");
            try (TestSetWriter w = new TestSetWriter(part, meta, doubles, 100)) {
                for (Fixtures.RawRow r : rows.subList(doubles ? 20 : 0, doubles ? 40 : 20)) {
                    w.write(r.id(), r.features(), r.label());
                }
                w.commit();
            }
            Files.createDirectories(dir.resolve("set"));
            Files.move(part.resolve("part-00000.parquet"), dir.resolve("set").resolve("part-0000" + (doubles ? 1 : 0) + ".parquet"));
        }
        Fixtures.writeTestSet(dir.resolve("all-double"), rows, 1, new long[] {5});
        SparkSession spark = LocalSpark.get();
        EvaluateJob.Outcome mixed = EvaluateJob.run(spark, config(dir, "m", false), Fixtures.provenance());
        assertEquals(40, mixed.results());
        assertEquals(0, mixed.rejects());
        EvaluateJob.Outcome reference = EvaluateJob.run(spark, new EvaluateJob.Config(dir.resolve("model").toString(),
                dir.resolve("all-double").toString(), dir.resolve("out").toString(), "ref", 16, false, 0, EvaluateJobTest.SETTINGS), Fixtures.provenance());
        Map<Long, Row> a = EvaluateJobTest.byId(spark, mixed.resultsPath());
        Map<Long, Row> b = EvaluateJobTest.byId(spark, reference.resultsPath());
        assertEquals(b.keySet(), a.keySet());
        for (long id : a.keySet()) {
            assertEquals(b.get(id), a.get(id), "id " + id);
        }
        assertEquals(40, AccuracyJob.run(spark, dir.resolve("model").toString(), dir.resolve("set").toString(), 8).labelled());
    }

    @Test
    void deeplyNestedFooterJsonIsOneLine(@TempDir Path dir) throws Exception {
        Fixtures.model(dir.resolve("model"));
        Schema s = SchemaBuilder.record("Row").fields().requiredLong("id").name("features").type().array().items().doubleType().noDefault()
                .optionalInt("label").endRecord();
        for (int depth : new int[] {40, 200_000}) {
            String footer = FOOTER.replace("\"source\":{}", "\"source\":" + "[".repeat(depth) + "]".repeat(depth));
            Path file = dir.resolve("set").resolve("part-0.parquet");
            Files.deleteIfExists(file);
            writeParquet(file, s, 1, i -> record(s, i, List.of(0.0, 0.0, 0.0, 0.0, 0.0), 0), footer);
            Failure f = failure(() -> EvaluateJob.run(LocalSpark.get(), config(dir, "n", false), Fixtures.provenance()));
            assertEquals(2, f.code());
            assertTrue(f.line().endsWith("part-0.parquet: footer robustbounds.testset nests deeper than 32 levels"), f.line());
        }
    }

    /** A data page that cannot be decoded fails a task; the line names the file and the root cause, and nothing is published. */
    @Test
    void corruptDataPageIsOneLineNamingTheFile(@TempDir Path dir) throws Exception {
        Fixtures.model(dir.resolve("model"));
        Fixtures.writeTestSet(dir.resolve("set"), Fixtures.goodRows(2000), 1, new long[] {5});
        Path file = dir.resolve("set").resolve("part-0.parquet");
        byte[] b = Files.readAllBytes(file);
        for (int i = 100; i < 20_000; i++) {
            b[i] = (byte) (b[i] * 7 + 13);
        }
        Files.write(file, b);
        Failure f = failure(() -> EvaluateJob.run(LocalSpark.get(), config(dir, "p", false), Fixtures.provenance()));
        assertEquals(io.robustbounds.cli.Main.RUN_FAILED, f.code());
        assertEquals(3, f.code(), "a failed run is not a finding (1) nor bad input (2)");
        assertTrue(f.line().startsWith("error: Encountered error while reading file file://" + file + ". ("), f.line());
        assertTrue(!Files.exists(dir.resolve("out").resolve("p").resolve("evaluate")), "nothing published");
    }

    private static GenericRecord record(Schema s, int i, Object features, Object label) {
        GenericRecord g = new GenericData.Record(s);
        g.put(TestSetSchema.ID, (long) i);
        g.put(TestSetSchema.FEATURES, features);
        g.put(TestSetSchema.LABEL, label);
        return g;
    }
}

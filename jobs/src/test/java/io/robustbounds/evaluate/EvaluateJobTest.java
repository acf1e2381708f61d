package io.robustbounds.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.robustbounds.eval.DenseStack;
import io.robustbounds.eval.EvalSettings;
import io.robustbounds.eval.MlpEvaluator;
import io.robustbounds.eval.SampleResults;
import io.robustbounds.model.Model;
import io.robustbounds.model.ModelException;
import io.robustbounds.results.ResultSchema;
import io.robustbounds.testkit.Fixtures;
import io.robustbounds.testkit.LocalSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvaluateJobTest {
    static final EvalSettings SETTINGS = EvalSettings.defaults();

    static EvaluateJob.Config config(Path model, Path testSet, Path out, String run, int batch, int partitions, boolean fail) {
        return new EvaluateJob.Config(model.toString(), testSet.toString(), out.toString(), run, batch, fail, partitions, SETTINGS);
    }

    static Map<Long, Row> byId(SparkSession spark, String path) {
        Map<Long, Row> m = new HashMap<>();
        for (Row r : spark.read().parquet(path).collectAsList()) {
            m.put(r.getLong(r.fieldIndex("id")), r);
        }
        return m;
    }

    /** Results do not depend on partitioning or batch size, and equal the library's own, bit for bit. */
    @Test
    void resultsIndependentOfPartitioningAndBatchSize(@TempDir Path dir) throws Exception {
        SparkSession spark = LocalSpark.get();
        Model model = Fixtures.model(dir.resolve("model"));
        List<Fixtures.RawRow> rows = Fixtures.goodRows(150);
        Fixtures.writeTestSet(dir.resolve("set"), rows, 3, new long[] {5});
        EvaluateJob.Outcome a = EvaluateJob.run(spark, config(dir.resolve("model"), dir.resolve("set"), dir.resolve("out"), "a", 7, 1, false), Fixtures.provenance());
        EvaluateJob.Outcome b = EvaluateJob.run(spark, config(dir.resolve("model"), dir.resolve("set"), dir.resolve("out"), "b", 64, 4, false), Fixtures.provenance());
        assertEquals(150, a.results());
        assertEquals(0, a.rejects());
        assertEquals(0, spark.read().parquet(a.rejectsPath()).count(), "no rejects: an empty rejects output all the same");
        assertEquals(List.of("file", "id", "column", "reason", "features", "label"), List.of(spark.read().parquet(a.rejectsPath()).columns()));
        assertEquals(ResultSchema.REJECTS.asNullable(), spark.read().parquet(a.rejectsPath()).schema().asNullable(),
                "the empty rejects have the types of non-empty ones");
        Map<Long, Row> ra = byId(spark, a.resultsPath());
        Map<Long, Row> rb = byId(spark, b.resultsPath());
        assertEquals(ra.keySet(), rb.keySet());

        double[] x = new double[150 * 5];
        for (int i = 0; i < 150; i++) {
            System.arraycopy(rows.get(i).features(), 0, x, i * 5, 5);
        }
        SampleResults lib = new MlpEvaluator(SETTINGS).evaluate(DenseStack.of(model, SETTINGS.dataType()), x, 150);
        for (int i = 0; i < 150; i++) {
            Row r1 = ra.get(1000L + i);
            Row r2 = rb.get(1000L + i);
            for (String c : List.of("bound", "delta", "jacobian_norm")) {
                assertEquals(r1.<Double>getAs(c), r2.<Double>getAs(c), c + " of id " + (1000 + i));
            }
            assertEquals(r1.<Object>getAs("fgs_eps"), r2.<Object>getAs("fgs_eps"));
            assertEquals(lib.bound()[i], r1.<Double>getAs("bound"), "bound vs library, id " + (1000 + i));
            assertEquals(lib.predicted()[i], r1.<Integer>getAs("predicted"));
            assertEquals(lib.fgsSuccess()[i], r1.<Boolean>getAs("fgs_success"));
            if (lib.fgsSuccess()[i]) {
                assertEquals(lib.fgsEpsilon()[i], r1.<Double>getAs("fgs_eps"));
            }
            assertEquals("paper", r1.<String>getAs("bound_mode"));
            assertEquals(List.of(lib.bound()[i], lib.delta()[i]), r1.getList(r1.fieldIndex("kappas")));
        }
    }

    /**
     * The certified mode in the job: a row per sample and mode, bound_method and certify_steps filled for certified
     * only, the radius between the sound bound and the best attack, and the κ chain [radius, δ].
     */
    @Test
    void certifiedRowsBesideSoundOnes(@TempDir Path dir) throws Exception {
        SparkSession spark = LocalSpark.get();
        Fixtures.model(dir.resolve("model"));
        Fixtures.writeTestSet(dir.resolve("set"), Fixtures.goodRows(40), 2, new long[] {5});
        EvalSettings s = SETTINGS.withModes(io.robustbounds.bounds.BoundMode.parseList("sound,certified")).withAttacks(List.of("deepfool"));
        EvaluateJob.Outcome o = EvaluateJob.run(spark, new EvaluateJob.Config(dir.resolve("model").toString(), dir.resolve("set").toString(),
                dir.resolve("out").toString(), "c", 16, false, 0, s), Fixtures.provenance());
        assertEquals(40, o.results());
        Map<Long, Row> sound = new HashMap<>();
        Map<Long, Row> certified = new HashMap<>();
        for (Row r : spark.read().parquet(o.resultsPath()).collectAsList()) {
            (r.<String>getAs("bound_mode").equals("sound") ? sound : certified).put(r.getLong(r.fieldIndex("id")), r);
        }
        assertEquals(40, sound.size());
        assertEquals(sound.keySet(), certified.keySet());
        for (Map.Entry<Long, Row> e : certified.entrySet()) {
            Row c = e.getValue();
            Row so = sound.get(e.getKey());
            assertTrue(c.<String>getAs("bound_method").startsWith("crown"), c.<String>getAs("bound_method"));
            assertEquals("sound", so.<String>getAs("bound_method"));
            assertTrue(so.isNullAt(so.fieldIndex("certify_steps")));
            assertTrue(c.<Integer>getAs("certify_steps") >= 1);
            double radius = c.<Double>getAs("bound");
            assertTrue(radius >= so.<Double>getAs("bound"), "id " + e.getKey());
            assertEquals(false, c.<Boolean>getAs("violation"));
            if (!c.isNullAt(c.fieldIndex("attack_norm"))) {
                assertTrue(radius <= c.<Double>getAs("attack_norm"), "id " + e.getKey());
            }
            assertEquals(List.of(radius, c.<Double>getAs("delta")), c.getList(c.fieldIndex("kappas")));
        }
    }

    @Test
    void badRowsGoToRejectsWithFileIdColumnAndReason(@TempDir Path dir) throws Exception {
        SparkSession spark = LocalSpark.get();
        Fixtures.model(dir.resolve("model"));
        List<Fixtures.RawRow> rows = new ArrayList<>(Fixtures.goodRows(20));
        rows.add(new Fixtures.RawRow(1L, null, 0));
        rows.add(new Fixtures.RawRow(2L, new double[] {1, 2, 3}, 0));
        rows.add(new Fixtures.RawRow(3L, new double[] {0, Double.NaN, 0, 0, 0}, 0));
        rows.add(new Fixtures.RawRow(4L, new double[] {0, 0, Double.POSITIVE_INFINITY, 0, 0}, 1));
        rows.add(new Fixtures.RawRow(5L, new double[] {0, 0, 0, 0, 0}, 7));
        rows.add(new Fixtures.RawRow(6L, new double[] {0, 0, 0, 0, 0.1}, 1));
        rows.add(new Fixtures.RawRow(6L, new double[] {0, 0, 0, 0, 0.2}, 1));
        rows.add(new Fixtures.RawRow(1003L, new double[] {0, Double.NaN, 0, 0, 0}, 1)); // shares its id with a good row
        Fixtures.writeTestSet(dir.resolve("set"), rows, 2, new long[] {5});
        EvaluateJob.Outcome o = EvaluateJob.run(spark, config(dir.resolve("model"), dir.resolve("set"), dir.resolve("out"), "r", 16, 0, false), Fixtures.provenance());
        assertEquals(28, o.rowsIn());
        assertEquals(19, o.results());
        assertEquals(9, o.rejects());
        assertEquals(19, spark.read().parquet(o.resultsPath()).count());
        assertEquals(0, spark.read().parquet(o.resultsPath()).where("id = 1003").count(), "a duplicated id leaves the results");
        Map<Long, List<Row>> rejects = new HashMap<>();
        for (Row r : spark.read().parquet(o.rejectsPath()).collectAsList()) {
            rejects.computeIfAbsent(r.getLong(r.fieldIndex("id")), k -> new ArrayList<>()).add(r);
        }
        assertReject(rejects.get(1L).get(0), "features", "features is null");
        assertReject(rejects.get(2L).get(0), "features", "features has 3 values, expected 5");
        assertReject(rejects.get(3L).get(0), "features", "features hold NaN or infinite values");
        assertReject(rejects.get(4L).get(0), "features", "features hold NaN or infinite values");
        assertReject(rejects.get(5L).get(0), "label", "label 7 is outside [0, 3)");
        assertEquals(2, rejects.get(6L).size(), "both rows of a duplicated id are kept");
        assertReject(rejects.get(6L).get(0), "id", "duplicate id: 2 rows share it");
        assertEquals(2, rejects.get(1003L).size(), "the good row and the bad row of id 1003");
        for (Row r : rejects.get(1003L)) {
            assertReject(r, "id", "duplicate id: 2 rows share it");
        }
        assertTrue(rejects.get(2L).get(0).<String>getAs("file").contains("part-"), "the reject names its file");
        assertEquals(List.of(1.0, 2.0, 3.0), rejects.get(2L).get(0).getList(rejects.get(2L).get(0).fieldIndex("features")), "the row itself");
        assertEquals(0, rejects.get(2L).get(0).<Integer>getAs("label"));

        JsonNode p = new ObjectMapper().readTree(Path.of(dir.resolve("out").toString(), "r", "evaluate", "_provenance.json").toFile());
        assertEquals(28, p.get("rows_in").asLong());
        assertEquals(19, p.get("rows_out").asLong());
        assertEquals(9, p.get("rows_rejected").asLong());
    }

    /** Ids that repeat across partitions are found too (here the set is shuffled into 3 partitions). */
    @Test
    void duplicateIdsAcrossPartitions(@TempDir Path dir) throws Exception {
        SparkSession spark = LocalSpark.get();
        Fixtures.model(dir.resolve("model"));
        Fixtures.writeTestSet(dir.resolve("set"), Fixtures.goodRowsAndADuplicateId(40), 2, new long[] {5});
        EvaluateJob.Outcome o = EvaluateJob.run(spark, config(dir.resolve("model"), dir.resolve("set"), dir.resolve("out"), "d", 8, 3, false), Fixtures.provenance());
        assertEquals(41, o.rowsIn());
        assertEquals(39, o.results());
        assertEquals(2, o.rejects());
        assertEquals(2, spark.read().parquet(o.rejectsPath()).where("id = 1000 AND reason = 'duplicate id: 2 rows share it'").count());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EvaluateJob.run(spark,
                config(dir.resolve("model"), dir.resolve("set"), dir.resolve("out"), "d", 8, 3, true), Fixtures.provenance()));
        assertTrue(e.getMessage().matches(".*part-\\d\\.parquet row id 1000: column id: duplicate id: 2 rows share it.*"), e.getMessage());
        assertEquals(41, o.rowsIn());
    }

    /** Partitions prove the absence of duplicates only when all their runs of increasing ids are disjoint. */
    @Test
    void idRunsProveNoDuplicatesOnlyWhenDisjoint() {
        PartitionEvaluator.PartitionStats a = stats(0, 20, 29, 10, 19);   // two files read in the order 20.., 10..
        PartitionEvaluator.PartitionStats b = stats(1, 0, 9, 30, 39);
        PartitionEvaluator.PartitionStats empty = new PartitionEvaluator.PartitionStats(2, 0, 0, 0, 0, 0, new long[0], null);
        assertTrue(EvaluateJob.Totals.of(List.of(a, b, empty, a), 3).idsDisjointAndIncreasing(), "a partition reported twice counts once");
        assertEquals(40, EvaluateJob.Totals.of(List.of(a, b, empty, a), 3).rows());
        assertFalse(EvaluateJob.Totals.of(List.of(a, stats(1, 0, 10)), 2).idsDisjointAndIncreasing(), "runs share 10");
        assertFalse(EvaluateJob.Totals.of(List.of(stats(0, 0, 9, 9, 12)), 1).idsDisjointAndIncreasing(), "9 twice in a partition");
        assertFalse(EvaluateJob.Totals.of(List.of(a, new PartitionEvaluator.PartitionStats(1, 5, 0, 5, 0, 0, null, null)), 2)
                .idsDisjointAndIncreasing(), "too many runs to tell");
        assertThrows(IllegalStateException.class, () -> EvaluateJob.Totals.of(List.of(a), 2), "a partition's statistics are missing");
    }

    private static PartitionEvaluator.PartitionStats stats(int partition, long... runs) {
        long n = 0;
        for (int i = 0; i < runs.length; i += 2) {
            n += runs[i + 1] - runs[i] + 1;
        }
        return new PartitionEvaluator.PartitionStats(partition, n, 0, n, 0, 0, runs, null);
    }

    /** Float features (as random-testset and the importers write them) give the results of the same values as doubles. */
    @Test
    void floatFeaturesEqualTheirDoubleValues(@TempDir Path dir) throws Exception {
        SparkSession spark = LocalSpark.get();
        Fixtures.model(dir.resolve("model"));
        List<Fixtures.RawRow> rows = new ArrayList<>();
        for (Fixtures.RawRow r : Fixtures.goodRows(50)) {
            double[] f = r.features().clone();
            for (int j = 0; j < f.length; j++) {
                f[j] = (float) f[j];
            }
            rows.add(new Fixtures.RawRow(r.id(), f, r.label()));
        }
        Fixtures.writeTestSet(dir.resolve("doubles"), rows, 2, new long[] {5});
        io.robustbounds.data.TestSetMetadata meta = new io.robustbounds.data.TestSetMetadata(new long[] {5}, -1, 1, List.of("a", "b", "c"), Map.of());
        try (io.robustbounds.data.TestSetWriter w = new io.robustbounds.data.TestSetWriter(dir.resolve("floats"), meta, false, 20)) {
            for (Fixtures.RawRow r : rows) {
                w.write(r.id(), r.features(), r.label());
            }
            w.commit();
        }
        EvaluateJob.Outcome a = EvaluateJob.run(spark, config(dir.resolve("model"), dir.resolve("doubles"), dir.resolve("out"), "fd", 16, 0, false), Fixtures.provenance());
        EvaluateJob.Outcome b = EvaluateJob.run(spark, config(dir.resolve("model"), dir.resolve("floats"), dir.resolve("out"), "ff", 16, 0, false), Fixtures.provenance());
        assertEquals(50, b.results());
        Map<Long, Row> ra = byId(spark, a.resultsPath());
        Map<Long, Row> rb = byId(spark, b.resultsPath());
        for (long id : ra.keySet()) {
            assertEquals(ra.get(id), rb.get(id), "id " + id);
        }
    }

    private static void assertReject(Row r, String column, String reason) {
        assertEquals(column, r.<String>getAs("column"));
        assertEquals(reason, r.<String>getAs("reason"));
    }

    @Test
    void onBadRowFailNamesFileRowAndColumn(@TempDir Path dir) throws Exception {
        Fixtures.model(dir.resolve("model"));
        List<Fixtures.RawRow> rows = new ArrayList<>(Fixtures.goodRows(5));
        rows.add(new Fixtures.RawRow(77L, new double[] {1, 2}, 0));
        Fixtures.writeTestSet(dir.resolve("set"), rows, 1, new long[] {5});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EvaluateJob.run(LocalSpark.get(),
                config(dir.resolve("model"), dir.resolve("set"), dir.resolve("out"), "f", 16, 0, true), Fixtures.provenance()));
        assertTrue(e.getMessage().matches(".*part-0\\.parquet row id 77: column features: features has 2 values, expected 5.*"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("out").resolve("f").resolve("evaluate")), "a failed run leaves no output");
    }

    @Test
    void shapeMismatchFailsBeforeAnyWork(@TempDir Path dir) throws Exception {
        Fixtures.model(dir.resolve("model"));
        Fixtures.writeTestSet(dir.resolve("set"), List.of(new Fixtures.RawRow(1L, new double[6], 0)), 1, new long[] {6});
        ModelException e = assertThrows(ModelException.class, () -> EvaluateJob.run(LocalSpark.get(),
                config(dir.resolve("model"), dir.resolve("set"), dir.resolve("out"), "s", 16, 0, false), Fixtures.provenance()));
        assertTrue(e.getMessage().contains("expects input [5]") && e.getMessage().contains("has [6]"), e.getMessage());
    }

    @Test
    void missingColumnNamesFileAndColumn(@TempDir Path dir) throws Exception {
        Fixtures.model(dir.resolve("model"));
        Files.createDirectories(dir.resolve("set"));
        LocalSpark.get().range(3).toDF("id").write().parquet(dir.resolve("set").resolve("bad").toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EvaluateJob.run(LocalSpark.get(),
                config(dir.resolve("model"), dir.resolve("set").resolve("bad"), dir.resolve("out"), "m", 16, 0, false), Fixtures.provenance()));
        assertTrue(e.getMessage().contains("column 'features' is missing") && e.getMessage().contains(".parquet"), e.getMessage());
    }

    @Test
    void rerunReplacesTheOutputWhole(@TempDir Path dir) throws Exception {
        Fixtures.model(dir.resolve("model"));
        Fixtures.writeTestSet(dir.resolve("set"), Fixtures.goodRows(10), 1, new long[] {5});
        for (int i = 0; i < 2; i++) {
            EvaluateJob.run(LocalSpark.get(), config(dir.resolve("model"), dir.resolve("set"), dir.resolve("out"), "x", 16, 0, false), Fixtures.provenance());
        }
        try (Stream<Path> s = Files.list(dir.resolve("out").resolve("x"))) {
            assertEquals(List.of("evaluate"), s.map(p -> p.getFileName().toString()).toList(), "one copy, no staging folders");
        }
        assertEquals(10, LocalSpark.get().read().parquet(dir.resolve("out").resolve("x").resolve("evaluate").resolve("results").toString()).count());
    }

    /** A folder at the step's place that evaluate did not write is refused and kept; a held run id refuses a second run. */
    @Test
    void aRunNeverReplacesAFolderItDidNotWriteNorRacesAnother(@TempDir Path dir) throws Exception {
        SparkSession spark = LocalSpark.get();
        Fixtures.model(dir.resolve("model"));
        Fixtures.writeTestSet(dir.resolve("set"), Fixtures.goodRows(10), 1, new long[] {5});
        Path step = Files.createDirectories(dir.resolve("out").resolve("mine").resolve("evaluate"));
        Files.writeString(step.resolve("notes.txt"), "mine");
        io.robustbounds.output.OutputException e = assertThrows(io.robustbounds.output.OutputException.class,
                () -> EvaluateJob.run(spark, config(dir.resolve("model"), dir.resolve("set"), dir.resolve("out"), "mine", 8, 1, false), Fixtures.provenance()));
        assertTrue(e.getMessage().startsWith(step + ": not empty and not a run's evaluate output written by robustbounds (it holds 'notes.txt'"),
                e.getMessage());
        assertEquals(List.of("notes.txt"), names(step));

        EvaluateJob.Config c = config(dir.resolve("model"), dir.resolve("set"), dir.resolve("out"), "x", 8, 1, false);
        EvaluateJob.Outcome first = EvaluateJob.run(spark, c, Fixtures.provenance());
        Path run = dir.resolve("out").resolve("x");
        List<String> results = names(run.resolve("evaluate").resolve("results"));
        ProcessHandle holder = ProcessHandle.current().parent().orElseThrow();
        Files.writeString(run.resolve(".evaluate.lock"), "{\"host\": \"" + io.robustbounds.output.OutputFolder.host() + "\", \"pid\": "
                + holder.pid() + ", \"process_start\": \"" + holder.info().startInstant().orElseThrow() + "\", \"since\": \"then\"}");
        e = assertThrows(io.robustbounds.output.OutputException.class, () -> EvaluateJob.run(spark, c, Fixtures.provenance()));
        assertTrue(e.getMessage().contains("another run is writing this output: pid " + holder.pid()), e.getMessage());
        assertEquals(results, names(run.resolve("evaluate").resolve("results")), "the first run's output is intact");
        assertEquals(10, spark.read().parquet(first.resultsPath()).count());

        // the holder was killed while writing: its lock is stale, its staging folder debris; the next run removes both
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Files.writeString(run.resolve(".evaluate.lock"), "{\"host\": \"" + io.robustbounds.output.OutputFolder.host() + "\", \"pid\": "
                + gone.pid() + ", \"process_start\": \"\", \"since\": \"then\"}");
        Files.createDirectories(run.resolve(".evaluate.tmp-" + java.util.UUID.randomUUID()).resolve("results"));
        EvaluateJob.run(spark, c, Fixtures.provenance());
        assertEquals(List.of("evaluate"), names(run), "no lock, no staging folder");
        assertTrue(names(run.resolve("evaluate")).contains(io.robustbounds.output.OutputFolder.MARKER));
    }

    private static List<String> names(Path dir) throws java.io.IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}

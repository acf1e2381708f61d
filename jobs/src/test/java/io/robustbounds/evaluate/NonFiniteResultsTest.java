package io.robustbounds.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.robustbounds.bounds.BoundMode;
import io.robustbounds.config.Settings;
import io.robustbounds.config.SweepConfig;
import io.robustbounds.eval.DenseStack;
import io.robustbounds.eval.EvalSettings;
import io.robustbounds.eval.MlpEvaluator;
import io.robustbounds.eval.SampleResults;
import io.robustbounds.format.ModelFormat;
import io.robustbounds.model.Activation;
import io.robustbounds.model.Model;
import io.robustbounds.random.RandomMlp;
import io.robustbounds.results.NonFinite;
import io.robustbounds.results.ResultSchema;
import io.robustbounds.sweep.SweepJob;
import io.robustbounds.testkit.Fixtures;
import io.robustbounds.testkit.LocalSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Issue 14, item 7: a model whose float forward pass overflows (weights up to 10³⁰, identity activations: the second
 * hidden layer reaches ~10⁶⁰ > 3.4·10³⁸) gives NaN bounds; such samples are rejects with a reason, never results
 * that count as "no violation". In double precision the same model evaluates to finite numbers.
 */
class NonFiniteResultsTest {
    static final RandomMlp OVERFLOWING = RandomMlp.of(5, 2, 6, Activation.IDENTITY, 3, -1e30, 1e30, -1, 1);
    static final String FLOAT_REASON = "non-finite bound in paper mode (NaN): the model's forward pass overflows in float; "
            + "try evaluation.precision = double";

    static Model overflowingModel(Path dir) throws Exception {
        Model m = OVERFLOWING.model(11, 0);
        ModelFormat.write(m, dir);
        return m;
    }

    static EvaluateJob.Config config(Path dir, String run, boolean fail, EvalSettings settings) {
        return new EvaluateJob.Config(dir.resolve("model").toString(), dir.resolve("set").toString(), dir.resolve("out").toString(), run,
                8, fail, 0, settings);
    }

    @Test
    void overflowingModelGivesRejectsWithReasonsNotResults(@TempDir Path dir) throws Exception {
        SparkSession spark = LocalSpark.get();
        overflowingModel(dir.resolve("model"));
        List<Fixtures.RawRow> rows = new ArrayList<>(Fixtures.goodRows(20));
        rows.add(new Fixtures.RawRow(1L, new double[] {0, Double.NaN, 0, 0, 0}, 0)); // an input reject beside them
        Fixtures.writeTestSet(dir.resolve("set"), rows, 2, new long[] {5});
        EvaluateJob.Outcome o = EvaluateJob.run(spark, config(dir, "f", false, EvaluateJobTest.SETTINGS), Fixtures.provenance());
        assertEquals(21, o.rowsIn());
        assertEquals(0, o.results(), "no sample of an overflowed forward pass is a result");
        assertEquals(0, spark.read().parquet(o.resultsPath()).count());
        assertEquals(ResultSchema.SCHEMA.simpleString(), spark.read().parquet(o.resultsPath()).schema().simpleString(),
                "without a result row, the results' folder still gives their columns and types");
        assertEquals(0, o.violations());
        assertEquals(20, o.nonFinite());
        assertEquals(21, o.rejects());
        List<Row> rejects = spark.read().parquet(o.rejectsPath()).orderBy("id").collectAsList();
        assertEquals(21, rejects.size());
        assertEquals("features hold NaN or infinite values", rejects.get(0).<String>getAs("reason"));
        for (int i = 0; i < 20; i++) {
            Row r = rejects.get(1 + i);
            assertEquals(1000L + i, r.<Long>getAs("id"));
            assertEquals("bound", r.<String>getAs("column"));
            assertEquals(FLOAT_REASON, r.<String>getAs("reason"));
            assertTrue(r.<String>getAs("file").matches(".*part-\\d\\.parquet"), r.<String>getAs("file"));
            List<Object> features = r.getList(r.fieldIndex("features"));
            for (int j = 0; j < 5; j++) {
                assertEquals(rows.get(i).features()[j], (Double) features.get(j), "the sample itself, id " + (1000 + i));
            }
            assertEquals(rows.get(i).label(), r.<Integer>getAs("label"));
        }
        var p = new ObjectMapper().readTree(dir.resolve("out/f/evaluate/_provenance.json").toFile());
        assertEquals(20, p.get("non_finite").asLong());
        assertEquals(21, p.get("rows_rejected").asLong());
    }

    @Test
    void onBadRowFailNamesTheFirstNonFiniteSample(@TempDir Path dir) throws Exception {
        overflowingModel(dir.resolve("model"));
        Fixtures.writeTestSet(dir.resolve("set"), Fixtures.goodRows(20), 1, new long[] {5});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EvaluateJob.run(LocalSpark.get(), config(dir, "x", true, EvaluateJobTest.SETTINGS), Fixtures.provenance()));
        assertTrue(e.getMessage().matches(".*part-0\\.parquet row id 1000: column bound: " + java.util.regex.Pattern.quote(FLOAT_REASON)
                + " \\(on-bad-row = fail\\)"), e.getMessage());
        assertTrue(!dir.resolve("out/x/evaluate").toFile().exists(), "nothing written");
    }

    /** Sound mode too, in any order of modes; and with double precision, as the reason advises, every sample is a result. */
    @Test
    void soundModeAndDoublePrecision(@TempDir Path dir) throws Exception {
        SparkSession spark = LocalSpark.get();
        overflowingModel(dir.resolve("model"));
        Fixtures.writeTestSet(dir.resolve("set"), Fixtures.goodRows(12), 1, new long[] {5});
        EvalSettings sound = EvaluateJobTest.SETTINGS.withModes(List.of(BoundMode.SOUND, BoundMode.PAPER));
        EvaluateJob.Outcome f = EvaluateJob.run(spark, config(dir, "s", false, sound), Fixtures.provenance());
        assertEquals(12, f.nonFinite());
        assertEquals(0, f.results());
        assertEquals(12, spark.read().parquet(f.rejectsPath()).where("reason LIKE 'non-finite bound in sound mode (NaN)%'").count());
        EvaluateJob.Outcome d = EvaluateJob.run(spark, config(dir, "d", false, sound.withDataType(DataType.DOUBLE)), Fixtures.provenance());
        assertEquals(0, d.nonFinite());
        assertEquals(12, d.results());
        assertEquals(0, d.rejects());
        assertEquals(0, spark.read().parquet(d.resultsPath()).where("isnan(bound) OR isnan(delta) OR isnan(jacobian_norm) OR bound = double('inf')").count());
    }

    /** The check itself: which values are problems and which are legitimately absent or infinite. */
    @Test
    void whatCountsAsNonFinite() {
        EvalSettings s = EvaluateJobTest.SETTINGS.withModes(List.of(BoundMode.PAPER, BoundMode.SOUND)).withDataType(DataType.DOUBLE);
        Model m = Fixtures.SPEC.model(11, 0);
        double[] x = Fixtures.SPEC.samples(11, 0, 0, 40);
        SampleResults r = new MlpEvaluator(s).evaluate(DenseStack.of(m, DataType.DOUBLE), x, 40);
        int failed = -1;
        int flipped = -1;
        for (int i = 0; i < r.size(); i++) {
            assertNull(NonFinite.of(r, i), "finite results of sample " + i);
            failed = r.fgsSuccess()[i] ? failed : i;
            flipped = r.fgsSuccess()[i] ? i : flipped;
        }
        assertTrue(failed >= 0 && flipped >= 0, "the fixture has samples FGS flips and samples it does not");
        assertTrue(Double.isNaN(r.attackNorm()[failed]), "no attack: NaN attack norm, legitimately");

        r.of(BoundMode.SOUND).bound()[flipped] = Double.POSITIVE_INFINITY;
        assertEquals(new NonFinite.Problem("bound", BoundMode.SOUND, Double.POSITIVE_INFINITY), NonFinite.of(r, flipped));
        assertEquals("non-finite bound in sound mode (Infinity): the model's forward pass overflows even in double precision",
                NonFinite.of(r, flipped).reason(true));
        r.runnerUp()[flipped] = -1; // no boundary to cross: δ = bound = +∞ is the exact answer
        r.delta()[flipped] = Double.POSITIVE_INFINITY;
        r.of(BoundMode.PAPER).bound()[flipped] = Double.POSITIVE_INFINITY;
        java.util.Arrays.fill(r.of(BoundMode.PAPER).kappas(), flipped * r.kappaCount(), (flipped + 1) * r.kappaCount(), Double.POSITIVE_INFINITY);
        java.util.Arrays.fill(r.of(BoundMode.SOUND).kappas(), flipped * r.of(BoundMode.SOUND).kappaCount(),
                (flipped + 1) * r.of(BoundMode.SOUND).kappaCount(), Double.POSITIVE_INFINITY);
        assertNull(NonFinite.of(r, flipped));
        r.delta()[flipped] = Double.NaN; // but never NaN
        assertEquals("delta", NonFinite.of(r, flipped).column());

        r.jacobianNorm()[failed] = Double.NaN;
        assertEquals(new NonFinite.Problem("jacobian_norm", null, Double.NaN), NonFinite.of(r, failed));
        r.jacobianNorm()[failed] = 1;
        r.attackNorm()[failed] = Double.POSITIVE_INFINITY;
        assertEquals("attack_norm", NonFinite.of(r, failed).column());
        assertEquals("non-finite attack_norm (Infinity): the model's forward pass overflows in float; try evaluation.precision = double",
                NonFinite.of(r, failed).reason(false));
    }

    /**
     * Sweeps: an overflowing cell's samples are counted per cell and mode (non_finite in the table, CSV and Markdown)
     * and averaged into nothing; the finite cell beside it is unaffected.
     */
    @Test
    void sweepCountsNonFiniteSamplesPerCell(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("sweep.conf");
        Files.writeString(f, """
                run { output = "%s", id = "nf" }
                spark.master = "local[2]"
                evaluation { precision = float, jacobian-tolerance = 1e-4, max-lanczos-steps = 64, fgs-tolerance = 1e-6 }
                sweep {
                  name = "non-finite", seed = 3, models-per-unit = 4, models-per-stack = 4, partitions = 0, write-models = false
                  defaults { models = 6, samples-per-model = 5, input-size = 3, layers = 2, units = 4, classes = 3, activation = identity,
                             sample-interval = [-1, 1], parameter-interval = [-1, 1], fgs-upper = 1, modes = both }
                  cells = [ { id = "fine" }, { id = "overflow", parameter-interval = [-1e30, 1e30] } ]
                }
                """.formatted(dir.resolve("runs").toString().replace("\\", "/")));
        SweepConfig c = SweepConfig.from(Settings.load(f, List.of(), SweepConfig.schema()));
        SweepJob.Outcome o = SweepJob.run(LocalSpark.get(), c, SweepJob.Start.NEW, Fixtures.provenance());
        assertEquals(30, o.nonFinite(), "each sample once, though it has a row per mode");
        for (SweepJob.CellRow r : o.rows()) {
            if (r.cell().id().equals("overflow")) {
                assertEquals(30, r.nonFinite());
                assertEquals(30, r.samples());
                assertEquals(0, r.n(), "no FGS success counted");
                assertEquals(0, r.violations());
                assertTrue(Double.isNaN(r.mean()) && Double.isNaN(r.boundMean()) && Double.isNaN(r.fgsRate()), "nothing averaged: " + r);
            } else {
                assertEquals(0, r.nonFinite());
                assertTrue(Double.isFinite(r.boundMean()) && r.n() > 0, r.toString());
            }
        }
        List<Row> table = LocalSpark.get().read().parquet(o.path() + "/table").where("cell = 'overflow'").collectAsList();
        assertEquals(2, table.size());
        for (Row r : table) {
            assertEquals(30L, r.<Long>getAs("non_finite"));
            assertNull(r.getAs("bound_mean"));
        }
        assertEquals(6 * 2, LocalSpark.get().read().parquet(o.path() + "/per-model").where("cell = 'overflow' AND non_finite = 5").count(),
                "per model and mode: all 5 samples");
        assertTrue(Files.readString(Path.of(o.path(), "table.csv")).contains(",violations,non_finite,"));
        assertTrue(o.markdown().contains("| violations | non-finite |"), o.markdown());
        assertTrue(o.markdown().matches("(?s).*\\| 0 \\| 30 \\|\n.*"), o.markdown());
    }
}

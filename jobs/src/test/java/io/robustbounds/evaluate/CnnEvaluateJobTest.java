package io.robustbounds.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.eval.ModelEvaluator;
import io.robustbounds.eval.SampleResults;
import io.robustbounds.format.ModelFormat;
import io.robustbounds.linalg.Arrays2;
import io.robustbounds.model.Activation;
import io.robustbounds.model.Conv2d;
import io.robustbounds.model.DenseLayer;
import io.robustbounds.model.Flatten;
import io.robustbounds.model.InputSpec;
import io.robustbounds.model.Layer;
import io.robustbounds.model.LinearHead;
import io.robustbounds.model.Model;
import io.robustbounds.model.ModelException;
import io.robustbounds.model.Pool2d;
import io.robustbounds.testkit.Fixtures;
import io.robustbounds.testkit.LocalSpark;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The evaluate job on a convolutional network: image rows (C×H×W, row-major) in, the κ chain out. */
class CnnEvaluateJobTest {

    private static INDArray random(SplittableRandom r, double scale, long... shape) {
        int n = 1;
        for (long s : shape) {
            n *= (int) s;
        }
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextDouble(-scale, scale);
        }
        return Arrays2.fromDoubles(v, DataType.FLOAT, shape);
    }

    /** [1, 6, 6] → conv 2×1×3×3 + ReLU → max pool 2/2 → flatten → dense 4 tanh → head 3. */
    static Model cnn() {
        SplittableRandom r = new SplittableRandom(21);
        List<Layer> layers = List.of(new Conv2d(random(r, 1, 2, 1, 3, 3), random(r, 0.1, 2), 1, 0, true), Pool2d.max(2, 2),
                new Flatten(), new DenseLayer(random(r, 1, 4, 8), random(r, 0.1, 4), Activation.TANH));
        return new Model("tiny-cnn", new InputSpec(new long[] {1, 6, 6}, -1, 1), layers,
                new LinearHead(random(r, 1, 3, 4), random(r, 0.1, 3)), List.of("a", "b", "c"), Map.of());
    }

    @Test
    void cnnResultsEqualTheLibraryWhateverThePartitioning(@TempDir Path dir) throws Exception {
        SparkSession spark = LocalSpark.get();
        Model model = cnn();
        ModelFormat.write(model, dir.resolve("model"));
        SplittableRandom r = new SplittableRandom(5);
        int n = 120;
        double[] x = new double[n * 36];
        List<Fixtures.RawRow> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double[] f = new double[36];
            for (int j = 0; j < 36; j++) {
                f[j] = r.nextDouble(-1, 1);
            }
            System.arraycopy(f, 0, x, i * 36, 36);
            rows.add(new Fixtures.RawRow(5000L + i, f, i % 3));
        }
        Fixtures.writeTestSet(dir.resolve("set"), rows, 3, new long[] {1, 6, 6});
        EvaluateJob.Outcome a = EvaluateJob.run(spark, EvaluateJobTest.config(dir.resolve("model"), dir.resolve("set"),
                dir.resolve("out"), "a", 7, 1, false), Fixtures.provenance());
        EvaluateJob.Outcome b = EvaluateJob.run(spark, EvaluateJobTest.config(dir.resolve("model"), dir.resolve("set"),
                dir.resolve("out"), "b", 100, 3, false), Fixtures.provenance());
        assertEquals(n, a.results());
        Map<Long, Row> ra = EvaluateJobTest.byId(spark, a.resultsPath());
        Map<Long, Row> rb = EvaluateJobTest.byId(spark, b.resultsPath());
        SampleResults lib = ModelEvaluator.of(model, EvaluateJobTest.SETTINGS).evaluate(x, n);
        for (int i = 0; i < n; i++) {
            Row r1 = ra.get(5000L + i);
            Row r2 = rb.get(5000L + i);
            assertEquals(lib.bound()[i], r1.<Double>getAs("bound"), "bound, id " + (5000 + i));
            assertEquals(r1.<Double>getAs("bound"), r2.<Double>getAs("bound"));
            assertEquals(r1.<Object>getAs("fgs_eps"), r2.<Object>getAs("fgs_eps"));
            List<Double> kappas = r1.getList(r1.fieldIndex("kappas"));
            assertEquals(5, kappas.size()); // input, pool, flatten, MLP input, δ
            for (int l = 0; l < 5; l++) {
                assertEquals(lib.kappasOf(i)[l], kappas.get(l));
            }
            assertEquals(36, r1.<Integer>getAs("input_size"));
        }
    }

    @Test
    void imageShapeMismatchFailsBeforeAnyWork(@TempDir Path dir) throws Exception {
        ModelFormat.write(cnn(), dir.resolve("model"));
        List<Fixtures.RawRow> rows = List.of(new Fixtures.RawRow(1L, new double[36], 0));
        Fixtures.writeTestSet(dir.resolve("set"), rows, 1, new long[] {36});
        ModelException e = assertThrows(ModelException.class, () -> EvaluateJob.run(LocalSpark.get(), EvaluateJobTest.config(
                dir.resolve("model"), dir.resolve("set"), dir.resolve("out"), "x", 10, 0, false), Fixtures.provenance()));
        assertTrue(e.getMessage().contains("expects input [1, 6, 6]") && e.getMessage().contains("has [36]"), e.getMessage());
    }

    @Test
    void bothModesAndStrongerAttacksGiveOneRowPerSampleAndMode(@TempDir Path dir) throws Exception {
        SparkSession spark = LocalSpark.get();
        ModelFormat.write(cnn(), dir.resolve("model"));
        SplittableRandom r = new SplittableRandom(8);
        List<Fixtures.RawRow> rows = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            double[] f = new double[36];
            for (int j = 0; j < 36; j++) {
                f[j] = r.nextDouble(-1, 1);
            }
            rows.add(new Fixtures.RawRow(100L + i, f, i % 3));
        }
        Fixtures.writeTestSet(dir.resolve("set"), rows, 1, new long[] {1, 6, 6});
        var settings = EvaluateJobTest.SETTINGS.withModes(List.of(io.robustbounds.bounds.BoundMode.PAPER, io.robustbounds.bounds.BoundMode.SOUND))
                .withAttacks(List.of("fgs", "deepfool"));
        EvaluateJob.Outcome o = EvaluateJob.run(spark, new EvaluateJob.Config(dir.resolve("model").toString(), dir.resolve("set").toString(),
                dir.resolve("out").toString(), "m", 16, false, 2, settings), Fixtures.provenance());
        assertEquals(30, o.results()); // samples, not rows
        List<Row> out = spark.read().parquet(o.resultsPath()).collectAsList();
        assertEquals(60, out.size());
        for (Row row : out) {
            Double norm = row.getAs("attack_norm");
            if (norm != null) {
                assertEquals(row.<Double>getAs("bound") / norm, row.<Double>getAs("tightness"), 1e-12);
                assertTrue(List.of("fgs", "deepfool").contains(row.<String>getAs("attack")));
                Double eta = row.getAs("eta_norm");
                assertTrue(eta == null || norm <= eta);
            }
        }
        assertEquals(0, out.stream().filter(x -> x.getAs("bound_mode").equals("sound") && x.<Boolean>getAs("violation")).count());
    }
}

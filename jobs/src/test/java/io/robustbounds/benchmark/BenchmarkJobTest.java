package io.robustbounds.benchmark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.bounds.BoundMode;
import io.robustbounds.format.ModelFormat;
import io.robustbounds.model.DenseLayer;
import io.robustbounds.model.Layer;
import io.robustbounds.model.LinearHead;
import io.robustbounds.model.Model;
import io.robustbounds.testkit.Fixtures;
import io.robustbounds.testkit.LocalSpark;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scheduled benchmark runs: history appended per run, the previous run compared, alerts naming the model. */
class BenchmarkJobTest {
    private static final BenchmarkJob.Thresholds T = new BenchmarkJob.Thresholds(0.01, 0.01, 0.02, 0.02, 0.01, 0.005);

    private static BenchmarkJob.Config config(Path dir, String run, Path model) {
        return new BenchmarkJob.Config("nightly", List.of(new BenchmarkJob.Entry("fixture", model.toString(), dir.resolve("set").toString())),
                dir.resolve("history").toString(), dir.resolve("runs").toString(), run, 64, 0,
                io.robustbounds.eval.EvalSettings.defaults().withModes(List.of(BoundMode.PAPER, BoundMode.SOUND)), T);
    }

    /** The suite run as the command runs it: each entry evaluated and aggregated by model and bound mode. */
    private static BenchmarkJob.Outcome run(SparkSession spark, BenchmarkJob.Config c) throws java.io.IOException {
        return BenchmarkJob.run(spark, c, Fixtures.provenance(), (e, run) -> {
            io.robustbounds.evaluate.EvaluateJob.run(spark, new io.robustbounds.evaluate.EvaluateJob.Config(e.model(), e.testSet(),
                    c.outputRoot(), run, c.batchSize(), false, c.partitions(), c.evaluation()), Fixtures.provenance());
            return io.robustbounds.aggregate.AggregateJob.run(spark, new io.robustbounds.aggregate.AggregateJob.Config(
                    List.of(Path.of(c.outputRoot(), run, "evaluate", "results").toString()), c.outputRoot(), run,
                    List.of("model", "bound_mode")), Fixtures.provenance()).path();
        });
    }

    @Test
    void secondRunComparesWithTheFirstAndAChangedModelRaisesAnAlertNamingIt(@TempDir Path dir) throws Exception {
        SparkSession spark = LocalSpark.get();
        Model m = Fixtures.model(dir.resolve("model"));
        Fixtures.writeTestSet(dir.resolve("set"), Fixtures.goodRows(120), 2, new long[] {5});
        BenchmarkJob.Outcome first = run(spark, config(dir, "r1", dir.resolve("model")));
        assertTrue(first.firstRun());
        assertEquals(2, first.rows().size()); // one row per bound mode
        BenchmarkJob.Outcome same = run(spark, config(dir, "r2", dir.resolve("model")));
        assertTrue(!same.firstRun() && same.alerts().isEmpty(), "an unchanged model must not alert: " + same.alerts());

        // the "same" model retrained: its first layer's weights halved, under the same name
        List<Layer> layers = new ArrayList<>(m.layers());
        DenseLayer d = (DenseLayer) layers.get(0);
        layers.set(0, new DenseLayer(d.weight().mul(0.5), d.bias(), d.activation()));
        ModelFormat.write(new Model(m.name(), m.input(), layers, new LinearHead(m.head().weight(), m.head().bias()), m.classNames(),
                m.provenance()), dir.resolve("model2"));
        BenchmarkJob.Outcome changed = run(spark, config(dir, "r3", dir.resolve("model2")));
        assertTrue(changed.alerts().stream().anyMatch(a -> a.model().equals(m.name()) && a.what().startsWith("bound_mean moved")),
                changed.alerts().toString());

        List<Row> history = spark.read().parquet(dir.resolve("history").toString()).collectAsList();
        assertEquals(6, history.size()); // 3 runs × 2 modes, partitioned by date
        assertTrue(history.stream().allMatch(r -> r.getAs("date") != null));
    }
}

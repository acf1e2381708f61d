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
        assertEquals("r1", same.baseline().runId());

        // the "same" model retrained: its first layer's weights halved, under the same name
        List<Layer> layers = new ArrayList<>(m.layers());
        DenseLayer d = (DenseLayer) layers.get(0);
        layers.set(0, new DenseLayer(d.weight().mul(0.5), d.bias(), d.activation()));
        ModelFormat.write(new Model(m.name(), m.input(), layers, new LinearHead(m.head().weight(), m.head().bias()), m.classNames(),
                m.provenance()), dir.resolve("model2"));
        BenchmarkJob.Outcome changed = run(spark, config(dir, "r3", dir.resolve("model2")));
        assertTrue(changed.alerts().stream().anyMatch(a -> a.model().equals(m.name()) && a.what().startsWith("bound_mean moved")),
                changed.alerts().toString());
        assertTrue(changed.alerts().stream().anyMatch(a -> a.mode() == null && a.testSet() == null
                && a.what().startsWith("model '" + m.name() + "' changed since the previous run: its files' checksum ")), changed.alerts().toString());

        List<Row> history = spark.read().parquet(dir.resolve("history").toString()).collectAsList();
        assertEquals(6, history.size()); // 3 runs × 2 modes, partitioned by date
        assertTrue(history.stream().allMatch(r -> r.getAs("date") != null));
        assertTrue(history.stream().allMatch(r -> r.<Long>getAs("test_set_rows") == 120 && r.<String>getAs("test_set_sha256").length() == 64));
    }

    /**
     * The same model on a test set that lost a row, then on one whose values changed (same rows): each run alerts and names the
     * test set (path, checksums, rows), and the outcome names the run it was compared with (id, time, commit).
     */
    @Test
    void aChangedTestSetAlertsNamingItAndTheRunComparedWith(@TempDir Path dir) throws Exception {
        SparkSession spark = LocalSpark.get();
        Fixtures.model(dir.resolve("model"));
        Path set = dir.resolve("set");
        Fixtures.writeTestSet(set, Fixtures.goodRows(90), 2, new long[] {5});
        BenchmarkJob.Outcome first = run(spark, config(dir, "r1", dir.resolve("model")));
        assertTrue(first.firstRun() && first.alerts().isEmpty(), first.alerts().toString());

        org.apache.commons.io.FileUtils.deleteDirectory(set.toFile());
        Fixtures.writeTestSet(set, Fixtures.goodRows(89), 2, new long[] {5});
        BenchmarkJob.Outcome fewer = run(spark, config(dir, "r2", dir.resolve("model")));
        assertEquals("r1", fewer.baseline().runId());
        assertEquals("test", fewer.baseline().gitCommit());
        assertEquals(first.rows().get(0).<java.sql.Timestamp>getAs("time"), fewer.baseline().time());
        assertTrue(fewer.baseline().toString().matches("run r1 of \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC, commit test"),
                fewer.baseline().toString());
        List<BenchmarkJob.Alert> sets = fewer.alerts().stream().filter(a -> a.testSet() != null).toList();
        assertEquals(1, sets.size(), "one alert per entry, not per mode: " + fewer.alerts());
        assertEquals(set.toString(), sets.get(0).testSet());
        assertTrue(sets.get(0).toString().matches("entry 'fixture': test set '" + java.util.regex.Pattern.quote(set.toString())
                + "' changed since the previous run: its files' checksum [0-9a-f]{12} \\(2 files\\) → [0-9a-f]{12} \\(2 files\\), rows 90 → 89; "
                + "its statistics are not comparable"), sets.get(0).toString());

        List<Fixtures.RawRow> rows = Fixtures.goodRows(89);
        double[] f = rows.get(7).features().clone();
        f[0] += 1e-3; // one value of one row: same rows, other bytes
        rows.set(7, new Fixtures.RawRow(rows.get(7).id(), f, rows.get(7).label()));
        org.apache.commons.io.FileUtils.deleteDirectory(set.toFile());
        Fixtures.writeTestSet(set, rows, 2, new long[] {5});
        BenchmarkJob.Outcome edited = run(spark, config(dir, "r3", dir.resolve("model")));
        assertEquals("r2", edited.baseline().runId());
        List<BenchmarkJob.Alert> edits = edited.alerts().stream().filter(a -> a.testSet() != null).toList();
        assertEquals(1, edits.size(), edited.alerts().toString());
        assertTrue(edits.get(0).what().contains("its files' checksum ") && !edits.get(0).what().contains("rows"), edits.get(0).what());

        BenchmarkJob.Outcome again = run(spark, config(dir, "r4", dir.resolve("model")));
        assertTrue(again.alerts().isEmpty(), "the same test set again: " + again.alerts());
    }

    /** A history written before the checksums were recorded: nothing to compare them with, so no alert about the inputs. */
    @Test
    void rowsWithoutChecksumsAreNotCompared() {
        org.apache.spark.sql.types.StructType h = BenchmarkJob.HISTORY;
        Object[] old = {"s", "r1", new java.sql.Timestamp(0), "e", "m", "set", "paper", 10L, 1.0, 0.5, 1.0, 1.0, 0.1, 0.1, 0L, "c", null, null, null,
                null, "1970-01-01"};
        Object[] now = old.clone();
        now[1] = "r2";
        now[16] = "ab".repeat(32);
        now[17] = 2;
        now[18] = 11L;
        now[19] = "cd".repeat(32);
        List<BenchmarkJob.Alert> alerts = BenchmarkJob.compare(List.of(io.robustbounds.spark.SparkInternals.rowWithSchema(now, h)),
                List.of(io.robustbounds.spark.SparkInternals.rowWithSchema(old, h)), T);
        assertTrue(alerts.isEmpty(), alerts.toString());
    }

    /**
     * README: the suite exits 1 and names the model when a bound exceeds a real adversarial perturbation. Here the
     * alert that carries it, on the suite's first run as on later ones ({@code BenchmarkCommand} exits 1 on any alert).
     */
    @Test
    void aViolationAlertsNamingTheModelEvenWithoutAPreviousRun() {
        org.apache.spark.sql.types.StructType h = BenchmarkJob.HISTORY;
        Object[] row = {"s", "r1", new java.sql.Timestamp(0), "e", "m", "set", "paper", 10L, 1.0, 0.5, 1.0, 1.0, 0.1, 0.1, 3L, "c", null, null, null,
                null, "1970-01-01"};
        assertEquals("violations", h.fields()[14].name());
        Row now = io.robustbounds.spark.SparkInternals.rowWithSchema(row, h);
        for (List<Row> before : List.of(List.<Row>of(), List.of(now))) {
            List<BenchmarkJob.Alert> alerts = BenchmarkJob.compare(List.of(now), before, T);
            assertEquals(1, alerts.size(), alerts.toString());
            BenchmarkJob.Alert a = alerts.get(0);
            assertTrue(a.model().equals("m") && "paper".equals(a.mode()) && a.what().startsWith("3 violation(s)"), a.toString());
        }
        Object[] clean = row.clone();
        clean[14] = 0L;
        assertTrue(BenchmarkJob.compare(List.of(io.robustbounds.spark.SparkInternals.rowWithSchema(clean, h)), List.of(), T).isEmpty());
    }
}

package io.robustbounds.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.aggregate.AggregateJob;
import io.robustbounds.bounds.BoundMode;
import io.robustbounds.eval.EvalSettings;
import io.robustbounds.evaluate.EvaluateJob;
import io.robustbounds.testkit.Fixtures;
import io.robustbounds.testkit.LocalSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The aggregate from evaluate's summaries ({@link ResultSummary}) is the aggregate from the results, to the last bit,
 * and the summaries are used only when they describe exactly the results folder given.
 */
class ResultSummaryTest {
    private static final EvalSettings BOTH = EvalSettings.defaults().withModes(List.of(BoundMode.PAPER, BoundMode.SOUND));

    private static EvaluateJob.Outcome evaluate(SparkSession spark, Path dir, String run, List<String> keys) throws Exception {
        return EvaluateJob.run(spark, new EvaluateJob.Config(dir.resolve("model").toString(), dir.resolve("set").toString(),
                dir.resolve("out").toString(), run, 16, false, 4, BOTH, keys), Fixtures.provenance());
    }

    private static AggregateJob.Outcome aggregate(SparkSession spark, Path dir, String results, String run, List<String> groupBy,
                                                  boolean summaries, long driverBytes) {
        return AggregateJob.run(spark, new AggregateJob.Config(List.of(results), dir.resolve("out").toString(), run, groupBy, summaries,
                driverBytes), Fixtures.provenance());
    }

    private static String table(SparkSession spark, AggregateJob.Outcome o) {
        return spark.read().parquet(o.path()).collectAsList().toString();
    }

    @Test
    void summariesGiveTheTableOfTheResults(@TempDir Path dir) throws Exception {
        SparkSession spark = LocalSpark.get();
        Fixtures.model(dir.resolve("model"));
        List<Fixtures.RawRow> rows = new ArrayList<>(Fixtures.goodRows(120));
        rows.add(new Fixtures.RawRow(1L, new double[] {1, 2, 3}, 0)); // a reject: not in the results, not in the summaries
        rows.add(new Fixtures.RawRow(2L, new double[] {0, 0, 0, 0, 0}, null)); // unlabelled
        Fixtures.writeTestSet(dir.resolve("set"), rows, 3, new long[] {5});

        EvaluateJob.Outcome e = evaluate(spark, dir, "s", List.of("model"));
        assertTrue(Files.exists(Path.of(e.resultsPath(), "_summary", "manifest.json")));
        assertEquals(2 * 121, spark.read().parquet(e.resultsPath()).count(), "Spark reads past the summary folder");
        AggregateJob.Outcome fromSummaries = aggregate(spark, dir, e.resultsPath(), "a1", List.of("model"), true, 1L << 30);
        AggregateJob.Outcome onExecutors = aggregate(spark, dir, e.resultsPath(), "a2", List.of("model"), true, 0);
        AggregateJob.Outcome fromResults = aggregate(spark, dir, e.resultsPath(), "a3", List.of("model"), false, 1L << 30);
        assertTrue(fromSummaries.source().contains("summaries"), fromSummaries.source());
        assertTrue(onExecutors.source().contains("summaries"), onExecutors.source());
        assertTrue(fromResults.source().contains("aggregate.summaries = false"), fromResults.source());
        assertEquals(2, fromSummaries.groups());
        assertEquals(table(spark, fromResults), table(spark, fromSummaries));
        assertEquals(table(spark, fromResults), table(spark, onExecutors));
        assertEquals(fromResults.markdown(), fromSummaries.markdown());

        // two folders: their summaries merged, as reading both would
        EvaluateJob.Outcome again = evaluate(spark, dir, "s2", List.of("model"));
        AggregateJob.Outcome both = AggregateJob.run(spark, new AggregateJob.Config(List.of(e.resultsPath(), again.resultsPath()),
                dir.resolve("out").toString(), "a6", List.of("model"), true, 1L << 30), Fixtures.provenance());
        AggregateJob.Outcome bothRead = AggregateJob.run(spark, new AggregateJob.Config(List.of(e.resultsPath(), again.resultsPath()),
                dir.resolve("out").toString(), "a7", List.of("model"), false, 1L << 30), Fixtures.provenance());
        assertTrue(both.source().contains("summaries"), both.source());
        assertEquals(table(spark, bothRead), table(spark, both));
        assertTrue(table(spark, both).contains(",242,"), "n doubled: " + table(spark, both));

        // grouped by another key than the summaries': the results are read
        AggregateJob.Outcome byLabel = aggregate(spark, dir, e.resultsPath(), "a4", List.of("label"), true, 1L << 30);
        assertTrue(byLabel.source().contains("summarized by [model, bound_mode], not [label, bound_mode]"), byLabel.source());

        // summarized by label (nullable int) from the start: the same table as from the results
        EvaluateJob.Outcome l = evaluate(spark, dir, "l", List.of("label"));
        AggregateJob.Outcome labelSummaries = aggregate(spark, dir, l.resultsPath(), "a5", List.of("label"), true, 0); // on the executors
        assertTrue(labelSummaries.source().contains("summaries"), labelSummaries.source());
        assertEquals(table(spark, byLabel), table(spark, labelSummaries));
    }

    @Test
    void resultsChangedSinceTheyWereSummarizedAreRead(@TempDir Path dir) throws Exception {
        SparkSession spark = LocalSpark.get();
        Fixtures.model(dir.resolve("model"));
        Fixtures.writeTestSet(dir.resolve("set"), Fixtures.goodRows(80), 2, new long[] {5});
        EvaluateJob.Outcome e = evaluate(spark, dir, "c", List.of("model"));
        String before = table(spark, aggregate(spark, dir, e.resultsPath(), "b", List.of("model"), true, 1L << 30));
        Path gone;
        try (Stream<Path> s = Files.list(Path.of(e.resultsPath()))) {
            gone = s.filter(p -> p.getFileName().toString().endsWith(".parquet")).sorted().findFirst().orElseThrow();
        }
        Files.delete(gone);
        AggregateJob.Outcome after = aggregate(spark, dir, e.resultsPath(), "c", List.of("model"), true, 1L << 30);
        assertTrue(after.source().contains("its files differ from those summarized"), after.source());
        assertNotEquals(before, table(spark, after));
        assertEquals(table(spark, aggregate(spark, dir, e.resultsPath(), "d", List.of("model"), false, 1L << 30)), table(spark, after));

        Files.delete(Path.of(e.resultsPath(), "_summary", "part-00001"));
        Files.delete(Path.of(e.resultsPath(), "_summary", "manifest.json"));
        assertTrue(aggregate(spark, dir, e.resultsPath(), "e", List.of("model"), true, 1L << 30).source().contains("has no _summary"));
    }

    @Test
    void duplicateIdsLeaveNoSummaries(@TempDir Path dir) throws Exception {
        SparkSession spark = LocalSpark.get();
        Fixtures.model(dir.resolve("model"));
        Fixtures.writeTestSet(dir.resolve("set"), Fixtures.goodRowsAndADuplicateId(30), 2, new long[] {5});
        EvaluateJob.Outcome e = evaluate(spark, dir, "d", List.of("model"));
        assertEquals(2, e.rejects());
        assertFalse(Files.exists(Path.of(e.resultsPath(), "_summary")), "the summaries would still count the duplicated rows");
        assertFalse(Files.exists(Path.of(e.resultsPath()).getParent().resolve("summary")), "nothing staged is left");
    }
}

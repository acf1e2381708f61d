package io.robustbounds.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.robustbounds.spark.JobProgress;
import io.robustbounds.spark.ProgressCounter;
import io.robustbounds.testkit.Fixtures;
import io.robustbounds.testkit.LocalSpark;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.LongStream;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** evaluate's subsets (limit, fraction), tasks of rows-per-task rows, samples counted for the progress line, U from the data. */
class EvaluateOptionsTest {
    /** Keeps the counter a job started, to read it after the job. */
    static final class Recording implements JobProgress {
        ProgressCounter counter;
        String unit;

        @Override
        public LongAccumulator start(SparkContext sc, String unit, long total) {
            this.unit = unit;
            counter = new ProgressCounter(sc, "test progress", total);
            return counter.accumulator();
        }
    }

    private static EvaluateJob.Outcome run(Path dir, String run, EvaluateOptions options) {
        return EvaluateJob.run(LocalSpark.get(), EvaluateJobTest.config(dir.resolve("model"), dir.resolve("set"), dir.resolve("out"), run, 16, 0,
                false), Fixtures.provenance(), options);
    }

    private static TreeSet<Long> ids(EvaluateJob.Outcome o) {
        return new TreeSet<>(LocalSpark.get().read().parquet(o.resultsPath()).select("id").as(org.apache.spark.sql.Encoders.LONG()).collectAsList());
    }

    private static JsonNode provenance(Path dir, String run) throws Exception {
        return new ObjectMapper().readTree(dir.resolve("out").resolve(run).resolve("evaluate").resolve("_provenance.json").toFile());
    }

    @Test
    void limitKeepsExactlyTheFirstNRowsInFileOrderWhateverTheTasks(@TempDir Path dir) throws Exception {
        Fixtures.model(dir.resolve("model"));
        Fixtures.writeTestSet(dir.resolve("set"), Fixtures.goodRows(150), 3, new long[] {5}); // ids 1000.. in part-0, -1, -2: 50 each
        EvaluateJob.Outcome a = run(dir, "a", new EvaluateOptions(JobProgress.NONE, new Subset(70, 1, 1), 0, false));
        EvaluateJob.Outcome b = run(dir, "b", new EvaluateOptions(JobProgress.NONE, new Subset(70, 1, 1), 7, false));
        assertEquals(70, a.rowsIn());
        assertEquals(70, a.results());
        TreeSet<Long> expected = new TreeSet<>(LongStream.range(1000, 1070).boxed().toList());
        assertEquals(expected, ids(a), "the first 70 rows: all of part-0 and the first 20 of part-1");
        assertEquals(expected, ids(b));
        Map<Long, Row> ra = EvaluateJobTest.byId(LocalSpark.get(), a.resultsPath());
        Map<Long, Row> rb = EvaluateJobTest.byId(LocalSpark.get(), b.resultsPath());
        assertEquals(ra, rb, "the same results whatever the tasks");
        JsonNode subset = provenance(dir, "a").get("subset");
        assertEquals(70, subset.get("rows").asLong());
        assertEquals(List.of(50L, 20L), List.of(subset.get("rows_by_file").elements().next().asLong(),
                subset.get("rows_by_file").get(subset.get("rows_by_file").fieldNames().next().replace("part-0", "part-1")).asLong()));
        EvaluateJob.Outcome all = run(dir, "all", new EvaluateOptions(JobProgress.NONE, new Subset(1000, 1, 1), 0, false));
        assertEquals(150, all.rowsIn(), "a limit above the rows: all of them");
    }

    @Test
    void fractionKeepsTheSameRowsWhateverTheTasksAndASupersetWhenLarger(@TempDir Path dir) throws Exception {
        Fixtures.model(dir.resolve("model"));
        Fixtures.writeTestSet(dir.resolve("set"), Fixtures.goodRows(150), 3, new long[] {5});
        EvaluateJob.Outcome a = run(dir, "a", new EvaluateOptions(JobProgress.NONE, new Subset(0, 0.3, 5), 0, false));
        EvaluateJob.Outcome b = run(dir, "b", new EvaluateOptions(JobProgress.NONE, new Subset(0, 0.3, 5), 7, false));
        EvaluateJob.Outcome larger = run(dir, "c", new EvaluateOptions(JobProgress.NONE, new Subset(0, 0.6, 5), 0, false));
        EvaluateJob.Outcome otherSeed = run(dir, "d", new EvaluateOptions(JobProgress.NONE, new Subset(0, 0.3, 6), 0, false));
        assertEquals(ids(a), ids(b));
        assertTrue(a.rowsIn() > 20 && a.rowsIn() < 70, "about 45 of 150: " + a.rowsIn());
        assertTrue(ids(larger).containsAll(ids(a)), "a larger fraction keeps a superset");
        assertTrue(!ids(otherSeed).equals(ids(a)), "another seed, other rows");
        assertEquals(a.rowsIn(), provenance(dir, "a").get("subset").get("rows").asLong(), "the count known up front is the count evaluated");
        Map<Long, Row> full = EvaluateJobTest.byId(LocalSpark.get(), run(dir, "full", EvaluateOptions.DEFAULT).resultsPath());
        EvaluateJobTest.byId(LocalSpark.get(), a.resultsPath()).forEach((id, r) -> assertEquals(full.get(id), r, "a subset's results are the full run's"));
    }

    @Test
    void progressCountsEverySampleOnceInTasksOfRowsPerTask(@TempDir Path dir) throws Exception {
        Fixtures.model(dir.resolve("model"));
        Fixtures.writeTestSet(dir.resolve("set"), Fixtures.goodRows(150), 3, new long[] {5});
        Recording progress = new Recording();
        EvaluateJob.Outcome o = run(dir, "p", new EvaluateOptions(progress, Subset.ALL, 20, false));
        assertEquals("samples", progress.unit);
        assertEquals(150, progress.counter.total(), "the total from the footers, before any work");
        assertEquals(150, progress.counter.done(), "N/N at the end");
        assertEquals(150, progress.counter.accumulator().value(), "each sample counted once");
        progress.counter.close();
        assertTrue(provenance(dir, "p").get("partitions").asInt() >= 3, "at least a task per file: " + provenance(dir, "p").get("partitions"));
        assertEquals(150, o.results());
    }

    @Test
    void fgsUpperAutoComesFromTheTestSetsRange(@TempDir Path dir) throws Exception {
        Fixtures.model(dir.resolve("model"));
        Fixtures.writeTestSet(dir.resolve("set"), Fixtures.goodRows(30), 1, new long[] {5}); // range [-1, 1]
        EvaluateJob.Outcome auto = run(dir, "auto", new EvaluateOptions(JobProgress.NONE, Subset.ALL, 0, true));
        assertEquals(1.0, auto.fgsUpper().value());
        assertTrue(auto.fgsUpper().source().startsWith("auto: the test set's range [-1, 1]"), auto.fgsUpper().source());
        assertEquals(1.0, provenance(dir, "auto").get("fgs_upper").get("value").asDouble());
        EvaluateJob.Outcome given = EvaluateJob.run(LocalSpark.get(), new EvaluateJob.Config(dir.resolve("model").toString(),
                dir.resolve("set").toString(), dir.resolve("out").toString(), "given", 16, false, 0, EvaluateJobTest.SETTINGS.withFgsUpper(1)),
                Fixtures.provenance());
        assertEquals("evaluation.fgs-upper", given.fgsUpper().source());
        assertEquals(EvaluateJobTest.byId(LocalSpark.get(), given.resultsPath()), EvaluateJobTest.byId(LocalSpark.get(), auto.resultsPath()),
                "auto = the same run with U = 1 given");
        // and U reaches the evaluation: another U gives other rows (the test set's range is also the default U)
        EvaluateJob.Outcome other = EvaluateJob.run(LocalSpark.get(), new EvaluateJob.Config(dir.resolve("model").toString(),
                dir.resolve("set").toString(), dir.resolve("out").toString(), "other", 16, false, 0, EvaluateJobTest.SETTINGS.withFgsUpper(0.01)),
                Fixtures.provenance());
        org.junit.jupiter.api.Assertions.assertNotEquals(EvaluateJobTest.byId(LocalSpark.get(), other.resultsPath()),
                EvaluateJobTest.byId(LocalSpark.get(), auto.resultsPath()), "U = 0.01 against U = 1");
    }

    @Test
    void subsetSettingsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> new Subset(-1, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new Subset(0, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new Subset(0, 1.5, 1));
        assertThrows(IllegalArgumentException.class, () -> new Subset(10, 0.5, 1));
    }
}

package io.robustbounds.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.benchmark.BenchmarkJob;
import io.robustbounds.config.ConfigException;
import io.robustbounds.config.ConfigSchemas;
import io.robustbounds.config.Settings;
import io.robustbounds.testkit.Fixtures;
import io.robustbounds.testkit.LocalSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped example suite needs nothing prepared: its entry imports the repository's blobs CSV at each run (a fresh clone has
 * no runs/ folder). An entry whose inputs are absent is refused before any work, naming the key and the path.
 */
class BenchmarkSuiteTest {
    private static final Path SUITE = Path.of("../conf/benchmarks/example.conf");

    /** The example suite's settings with its history and outputs under {@code dir}; the entry's repository paths seen from jobs/. */
    private static Settings example(Path dir, String... more) {
        Settings shipped = Settings.load(SUITE, List.of(), ConfigSchemas.benchmark());
        ConfigProbe.validateBenchmark(shipped);
        io.robustbounds.config.ConfigReader entry = shipped.getObjectList("benchmark.entries").get(0);
        List<String> set = new ArrayList<>(List.of("benchmark.history=\"" + dir.resolve("history") + "\"",
                "benchmark.output=\"" + dir.resolve("runs") + "\"", "spark.master=\"local[1]\"",
                "benchmark.entries=[{ name = " + entry.getString("name") + ", model = \"../" + entry.getString("model") + "\", csv = \"../"
                        + entry.getString("csv") + "\", test-set = \"" + dir.resolve(entry.getString("test-set")) + "\" }]"));
        set.addAll(List.of(more));
        return Settings.load(SUITE, set, ConfigSchemas.benchmark());
    }

    @Test
    void theExampleSuiteImportsItsTestSetAndRunsOnAFreshClone(@TempDir Path dir) throws Exception {
        Settings shipped = Settings.load(SUITE, List.of(), ConfigSchemas.benchmark());
        io.robustbounds.config.ConfigReader entry = shipped.getObjectList("benchmark.entries").get(0);
        assertTrue(Files.isRegularFile(Path.of("..", entry.getString("csv"))), "the example's csv is in the repository");
        assertTrue(Files.isDirectory(Path.of("..", entry.getString("model"))), "the example's model is in the repository");
        assertTrue(entry.getString("test-set").startsWith("runs/"), "the example's test set is made by the run: " + entry.getString("test-set"));

        SparkSession spark = LocalSpark.get();
        Settings s = example(dir);
        BenchmarkCommand.requireInputs(s);
        BenchmarkJob.Config c = BenchmarkCommand.config(s);
        assertEquals(c.entries().get(0).testSet(), dir.resolve("runs/benchmarks/testsets/blobs").toString());
        BenchmarkJob.Outcome first = BenchmarkJob.run(spark, c, Fixtures.provenance(), BenchmarkCommand.entryRun(spark, s, c, Fixtures.provenance(), false));
        assertTrue(first.firstRun() && first.alerts().isEmpty(), first.alerts().toString());
        assertEquals(2, first.rows().size(), "paper and sound");
        assertEquals(600L, first.rows().get(0).<Long>getAs("test_set_rows"));

        // the next night imports the same CSV again: the same checksum, no alert; the run compared with is named
        Settings next = example(dir, "benchmark.run-id=second");
        BenchmarkJob.Config c2 = BenchmarkCommand.config(next);
        BenchmarkJob.Outcome second = BenchmarkJob.run(spark, c2, Fixtures.provenance(), BenchmarkCommand.entryRun(spark, next, c2, Fixtures.provenance(), false));
        assertTrue(second.alerts().isEmpty(), second.alerts().toString());
        assertNotNull(second.baseline());
        assertEquals(c.runId(), second.baseline().runId());

        // the suite reads evaluate's keys as evaluate does (it accepted and ignored them): here a subset of 100 rows
        Settings third = example(dir, "benchmark.run-id=third", "evaluate.limit=100");
        BenchmarkJob.Config c3 = BenchmarkCommand.config(third);
        BenchmarkJob.Outcome limited = BenchmarkJob.run(spark, c3, Fixtures.provenance(), BenchmarkCommand.entryRun(spark, third, c3, Fixtures.provenance(), false));
        assertEquals(100L, limited.rows().get(0).<Long>getAs("n"));
    }

    /** The message starts with the suite file (and the --set that gave the key), then the key, the rule and the value. */
    private static void assertEndsWith(String end, String message) {
        assertTrue(message.startsWith(SUITE.toString()) && message.endsWith(end), message);
    }

    @Test
    void anEntryWhoseInputsAreAbsentIsRefusedNamingTheKey(@TempDir Path dir) {
        Path missing = dir.resolve("no-such-set");
        Settings s = Settings.load(SUITE, List.of("benchmark.entries=[{ name = a, model = \"../conf/examples/blobs-model\", test-set = \""
                + missing + "\" }]"), ConfigSchemas.benchmark());
        ConfigException e = assertThrows(ConfigException.class, () -> BenchmarkCommand.requireInputs(s));
        assertEndsWith(": benchmark.entries[0].test-set names no file or folder (import the test set first, or give the entry a csv to "
                + "import into it at each run), got \"" + missing + "\"", e.getMessage());
        Settings csv = Settings.load(SUITE, List.of("benchmark.entries=[{ name = a, model = \"../conf/examples/blobs-model\", csv = \"nope.csv\", "
                + "test-set = \"" + missing + "\" }]"), ConfigSchemas.benchmark());
        assertEndsWith(": benchmark.entries[0].csv names no file, got \"nope.csv\"",
                assertThrows(ConfigException.class, () -> BenchmarkCommand.requireInputs(csv)).getMessage());
        Settings model = Settings.load(SUITE, List.of("benchmark.entries=[{ name = a, model = \"no-model\", csv = \"../conf/examples/blobs.csv\", "
                + "test-set = \"" + missing + "\" }]"), ConfigSchemas.benchmark());
        assertEndsWith(": benchmark.entries[0].model names no model folder or file, got \"no-model\"",
                assertThrows(ConfigException.class, () -> BenchmarkCommand.requireInputs(model)).getMessage());
    }

    /** Keys of the main file that a suite does not read were accepted and ignored: set, they are refused by name. */
    @Test
    void keysTheSuiteDoesNotReadAreRefusedWhenSet() {
        for (String[] c : new String[][] {{"run.output=\"/data/runs\"", "run.output", "\"/data/runs\"", "benchmark.output"},
                {"evaluate.batch-size=64", "evaluate.batch-size", "64", "benchmark.batch-size"},
                {"report.enabled=false", "report.enabled", "false", "no HTML report"},
                {"aggregate.group-by=[bound_mode]", "aggregate.group-by", "[\"bound_mode\"]", "by model and bound mode"},
                {"import-idx.scale=2", "import-idx.scale", "2", "CSV entries only"}}) {
            Settings s = Settings.load(SUITE, List.of(c[0]), ConfigSchemas.benchmark());
            String m = assertThrows(ConfigException.class, () -> BenchmarkCommand.config(s), c[0]).getMessage();
            assertTrue(m.contains(": " + c[1] + " is not read by benchmark-suite (") && m.contains(c[3])
                    && m.endsWith("); remove it or leave its shipped value, got " + c[2]), m);
        }
        // their shipped values, as the example suite includes them, pass; so do the evaluate keys the suite reads
        BenchmarkCommand.config(Settings.load(SUITE, List.of("evaluate.limit=100", "evaluation.mode=sound"), ConfigSchemas.benchmark()));
    }
}

package io.robustbounds.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.config.ConfigException;
import io.robustbounds.config.Settings;
import io.robustbounds.config.SweepConfig;
import io.robustbounds.testkit.Fixtures;
import io.robustbounds.testkit.LocalSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.commons.math3.stat.descriptive.DescriptiveStatistics;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.Tuple2;

/**
 * The sweep job: identical tables and per-model means whatever the units, stacks and partitions; resuming after
 * lost units or a kill gives the clean run's numbers with nothing counted twice; a changed config is refused.
 */
class SweepJobTest {

    /** Two cells: an MLP grid cell pair and a linear classifier, small enough for seconds. */
    private static SweepConfig config(Path dir, String runId, String... sets) throws Exception {
        Path f = dir.resolve("sweep.conf");
        Files.writeString(f, """
                run { output = "%s", id = "%s" }
                spark.master = "local[2]"
                evaluation { precision = float, jacobian-tolerance = 1e-4, max-lanczos-steps = 64, fgs-tolerance = 1e-6 }
                sweep {
                  name = "test", seed = 3, models-per-unit = 7, models-per-stack = 7, partitions = 0, write-models = false
                  defaults { models = 23, samples-per-model = 9, input-size = 4, layers = 2, units = 6, classes = 3, activation = tanh,
                             sample-interval = [-1, 1], parameter-interval = [-1, 1], fgs-upper = 1, modes = both }
                  cells = [ { id = "lin", layers = 0, classes = 4, thesis { mean = 0.5, median = 0.4, std = 0.3 } } ]
                  grid { input-size = [2, 5] }
                }
                """.formatted(dir.resolve("runs").toString().replace("\\", "/"), runId));
        List<String> s = new ArrayList<>(Arrays.asList(sets));
        return SweepConfig.from(Settings.load(f, s, SweepConfig.schema()));
    }

    private static List<String> table(SparkSession spark, SweepJob.Outcome o) {
        return spark.read().parquet(o.path() + "/table").collectAsList().stream().map(Row::toString).sorted().toList();
    }

    private static List<String> perModel(SparkSession spark, SweepJob.Outcome o) {
        return spark.read().parquet(o.path() + "/per-model").collectAsList().stream().map(Row::toString).sorted().toList();
    }

    @Test
    void resultsDoNotDependOnUnitsStacksOrPartitions(@TempDir Path dir) throws Exception {
        SparkSession spark = LocalSpark.get();
        SweepConfig a = config(dir, "a");
        SweepConfig b = config(dir, "b", "sweep.models-per-unit=10", "sweep.models-per-stack=3", "sweep.partitions=2");
        SweepConfig c = config(dir, "c", "sweep.models-per-unit=23", "sweep.models-per-stack=1", "sweep.partitions=1");
        assertEquals(3, a.cells().size(), "one listed cell and a grid of two");
        SweepJob.Outcome oa = SweepJob.run(spark, a, SweepJob.Start.NEW, Fixtures.provenance());
        SweepJob.Outcome ob = SweepJob.run(spark, b, SweepJob.Start.NEW, Fixtures.provenance());
        SweepJob.Outcome oc = SweepJob.run(spark, c, SweepJob.Start.NEW, Fixtures.provenance());
        assertEquals(6, table(spark, oa).size(), "3 cells × 2 bound modes");
        assertEquals(table(spark, oa), table(spark, ob));
        assertEquals(table(spark, oa), table(spark, oc));
        assertEquals(perModel(spark, oa), perModel(spark, ob));
        assertEquals(perModel(spark, oa), perModel(spark, oc));
        assertEquals(Files.readString(Path.of(oa.path(), "table.csv")), Files.readString(Path.of(oc.path(), "table.csv")));
        assertTrue(Files.size(Path.of(oa.path(), "box-plot-paper.png")) > 1000);
        assertTrue(Files.readString(Path.of(oa.path(), "box-plot-sound.svg")).contains("<svg"));
        assertTrue(Files.readString(Path.of(oa.path(), "table.md")).contains("| lin | 23 | 9 | 4 | linear | 4 |"));
    }

    /**
     * A sweep in the certified mode: per cell a certified row beside the sound one, without violations (the search runs
     * between the sound bound and the FGS norm, so this checks the wiring; soundness is the Certified*Test's).
     */
    @Test
    void certifiedModeInASweep(@TempDir Path dir) throws Exception {
        SparkSession spark = LocalSpark.get();
        SweepConfig a = config(dir, "cert", "sweep.defaults.modes=\"sound,certified\"", "sweep.defaults.models=6");
        SweepJob.Outcome o = SweepJob.run(spark, a, SweepJob.Start.NEW, Fixtures.provenance());
        List<Row> rows = spark.read().parquet(o.path() + "/table").collectAsList();
        assertEquals(6, rows.size(), "3 cells × 2 bound modes");
        for (Row r : rows) {
            assertEquals(0L, ((Number) r.getAs("violations")).longValue(), r.toString());
        }
        assertTrue(Files.exists(Path.of(o.path(), "box-plot-certified.png")));
    }

    /**
     * A sweep's certified cells take the sweep's {@code evaluation.certified} settings; they enter the config hash (a
     * resume must not mix searches) only when some cell has the mode, so other sweeps keep their hash.
     */
    @Test
    void certifiedSettingsOfASweep(@TempDir Path dir) throws Exception {
        SweepConfig plain = config(dir, "c1");
        SweepConfig plainOther = config(dir, "c1", "evaluation.certified.branching=0");
        assertEquals(plain.hash(), plainOther.hash(), "no certified cell: the search's settings do not matter");
        SweepConfig cert = config(dir, "c1", "sweep.defaults.modes=\"sound,certified\"");
        SweepConfig certOther = config(dir, "c1", "sweep.defaults.modes=\"sound,certified\"", "evaluation.certified.branching=0",
                "evaluation.certified.tolerance=0.05", "evaluation.batch-memory=64m");
        org.junit.jupiter.api.Assertions.assertNotEquals(cert.hash(), certOther.hash());
        io.robustbounds.eval.EvalSettings e = certOther.evalSettings(certOther.cells().get(0));
        assertEquals(0, e.certification().branching());
        assertEquals(0.05, e.certification().tolerance());
        assertEquals(64L << 20, e.batchMemory());
        assertEquals(16, cert.evalSettings(cert.cells().get(0)).certification().branching(), "the shipped default");
        assertEquals(cert.hash(), config(dir, "c1", "sweep.defaults.modes=\"sound,certified\"", "evaluation.batch-memory=64m").hash(),
                "the batch memory does not change results");
    }

    /**
     * evaluation.attacks in a sweep (it ran FGS only): each model's samples are attacked on that model too, so the sound
     * mode's deviations shrink (the same bounds against smaller perturbations) and the certified search gets the
     * smallest as its upper end, without violations. The attacks enter the hash only beyond FGS.
     */
    @Test
    void strongerAttacksInASweep(@TempDir Path dir) throws Exception {
        SparkSession spark = LocalSpark.get();
        String modes = "sweep.defaults.modes=\"sound,certified\"";
        SweepConfig fgs = config(dir, "fgs", modes, "sweep.defaults.models=6", "sweep.defaults.activation=relu");
        SweepConfig all = config(dir, "all", modes, "sweep.defaults.models=6", "sweep.defaults.activation=relu",
                "evaluation.attacks=[fgs, deepfool, l2-search]");
        assertEquals(List.of("fgs"), fgs.attacks(), "a sweep file without the key: the shipped default");
        assertEquals(config(dir, "fgs", modes, "sweep.defaults.models=6", "sweep.defaults.activation=relu", "evaluation.attacks=[fgs]").hash(),
                fgs.hash(), "FGS alone keeps the hash of sweeps written before the key");
        org.junit.jupiter.api.Assertions.assertNotEquals(fgs.hash(), all.hash());
        SweepJob.Outcome of = SweepJob.run(spark, fgs, SweepJob.Start.NEW, Fixtures.provenance());
        SweepJob.Outcome oa = SweepJob.run(spark, all, SweepJob.Start.NEW, Fixtures.provenance());
        int smaller = 0;
        for (SweepJob.CellRow r : oa.rows()) {
            SweepJob.CellRow before = of.rows().stream().filter(x -> x.cell().id().equals(r.cell().id()) && x.mode() == r.mode()).findFirst().orElseThrow();
            assertEquals(0L, r.violations(), r.toString());
            assertEquals(before.n(), r.n(), "the same FGS successes");
            if (r.mode() == io.robustbounds.bounds.BoundMode.SOUND) {
                assertTrue(r.mean() <= before.mean(), r + " against " + before);
                smaller += r.mean() < 0.99 * before.mean() ? 1 : 0;
            }
        }
        assertTrue(smaller >= 2, "the attacks found smaller perturbations than FGS in most cells");
    }

    /** The table's statistics equal those computed directly from every unit's deviations (exact median, n − 1 std). */
    @Test
    void statisticsMatchDirectComputation(@TempDir Path dir) throws Exception {
        SparkSession spark = LocalSpark.get();
        SweepConfig c = config(dir, "direct");
        SweepJob.Outcome o = SweepJob.run(spark, c, SweepJob.Start.NEW, Fixtures.provenance());
        for (SweepJob.CellRow r : o.rows()) {
            int cell = c.cells().indexOf(r.cell());
            DescriptiveStatistics d = new DescriptiveStatistics();
            long violations = 0;
            for (SweepUnit u : SweepJob.plan(c)) {
                if (u.cell() == cell) {
                    SweepUnit.Result res = SweepFolder.read(io.robustbounds.spark.HadoopFiles.fileSystem(dir.toString()), Path.of(o.path()).getParent().toString(), u);
                    SweepUnit.ModeResult m = res.modes().stream().filter(x -> x.mode() == r.mode()).findFirst().orElseThrow();
                    Arrays.stream(m.deviations()).forEach(d::addValue);
                    violations += Arrays.stream(m.violationsPerModel()).sum();
                }
            }
            assertEquals(d.getN(), r.n());
            assertEquals(d.getMean(), r.mean(), 1e-12 * Math.abs(d.getMean()) + 1e-15);
            double[] sorted = d.getSortedValues();
            int n = sorted.length;
            assertEquals(n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]), r.median(), 0.0, "exact median");
            assertEquals(d.getStandardDeviation(), r.std(), 1e-10 * d.getStandardDeviation());
            assertEquals(d.getMin(), r.min(), 0.0);
            assertEquals(d.getMax(), r.max(), 0.0);
            assertEquals(violations, r.violations());
        }
    }

    /**
     * The radix selection gives the exact medians whether it collects values at once, after one more digit or only
     * after histogramming all 64 bits (collect limits 2^20, 1 and 0).
     */
    @Test
    void radixSelectionFindsExactMediansAtEveryCollectLimit(@TempDir Path dir) throws Exception {
        SparkSession spark = LocalSpark.get();
        SweepConfig c = config(dir, "radix");
        SweepJob.Outcome o = SweepJob.run(spark, c, SweepJob.Start.NEW, Fixtures.provenance());
        String sweepDir = Path.of(o.path()).getParent().toString();
        List<SweepUnit> plan = SweepJob.plan(c);
        Map<Tuple2<Integer, Integer>, long[]> digit = new HashMap<>();
        Map<Tuple2<Integer, Integer>, Long> n = new HashMap<>();
        Map<Tuple2<Integer, Integer>, DescriptiveStatistics> direct = new HashMap<>();
        for (SweepUnit u : plan) {
            SweepUnit.Result r = SweepFolder.read(io.robustbounds.spark.HadoopFiles.fileSystem(sweepDir), sweepDir, u);
            for (UnitSummary.Mode m : UnitSummary.of(r).modes()) {
                Tuple2<Integer, Integer> key = new Tuple2<>(u.cell(), m.mode().ordinal());
                long[] h = digit.computeIfAbsent(key, k -> new long[1 << 16]);
                for (int b = 0; b < m.bins().length; b++) {
                    h[m.bins()[b]] += m.counts()[b];
                    n.merge(key, m.counts()[b], Long::sum);
                }
            }
            for (SweepUnit.ModeResult m : r.modes()) {
                DescriptiveStatistics d = direct.computeIfAbsent(new Tuple2<>(u.cell(), m.mode().ordinal()), k -> new DescriptiveStatistics());
                Arrays.stream(m.deviations()).forEach(d::addValue);
            }
        }
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        for (int limit : new int[] {SweepMedians.COLLECT_LIMIT, 1, 0}) {
            Map<Tuple2<Integer, Integer>, double[]> medians = SweepMedians.find(jsc, plan, 3, sweepDir, digit, n, limit);
            assertEquals(direct.keySet(), medians.keySet());
            direct.forEach((k, d) -> {
                double[] sorted = d.getSortedValues();
                int m = sorted.length;
                assertEquals(sorted[(m - 1) / 2], medians.get(k)[0], 0.0, "limit " + limit + ", " + k);
                assertEquals(sorted[m / 2], medians.get(k)[1], 0.0, "limit " + limit + ", " + k);
            });
        }
        // the keys' order is the doubles' order, −0.0 just below +0.0
        assertTrue(Long.compareUnsigned(SweepMedians.sortable(-0.0), SweepMedians.sortable(0.0)) < 0);
        assertTrue(Long.compareUnsigned(SweepMedians.sortable(-1.5), SweepMedians.sortable(-1.0)) < 0);
        assertEquals(-1.5, SweepMedians.unsortable(SweepMedians.sortable(-1.5)), 0.0);
    }

    @Test
    void resumeComputesOnlyMissingUnitsAndCountsNothingTwice(@TempDir Path dir) throws Exception {
        SparkSession spark = LocalSpark.get();
        SweepJob.Outcome clean = SweepJob.run(spark, config(dir, "clean"), SweepJob.Start.NEW, Fixtures.provenance());

        // a run that loses some units (and leaves a half-written one behind) is resumed
        SweepConfig r = config(dir, "resumed");
        SweepJob.Outcome first = SweepJob.run(spark, r, SweepJob.Start.NEW, Fixtures.provenance());
        assertEquals(first.units(), first.computedUnits());
        Path units = Path.of(first.path()).getParent().resolve("units");
        List<Path> files;
        try (Stream<Path> s = Files.walk(units)) {
            files = s.filter(p -> p.toString().endsWith(".bin")).sorted().toList();
        }
        Files.delete(files.get(0));
        Files.delete(files.get(files.size() - 1));
        Files.writeString(units.resolve("0").resolve(".0-7.bin.tmp-dead"), "half a unit");
        assertThrows(ConfigException.class, () -> SweepJob.run(spark, r, SweepJob.Start.NEW, Fixtures.provenance()), "existing output without --resume");
        SweepJob.Outcome resumed = SweepJob.run(spark, r, SweepJob.Start.RESUME, Fixtures.provenance());
        assertEquals(2, resumed.computedUnits());
        assertEquals(table(spark, clean), table(spark, resumed));
        assertEquals(perModel(spark, clean), perModel(spark, resumed));
        assertTrue(Files.notExists(units.resolve("0").resolve(".0-7.bin.tmp-dead")), "stale partial unit removed");

        // a run killed after k committed units: resuming computes the rest, and the totals equal the clean run's
        SweepConfig killed = config(dir, "killed", "sweep.test-fail-after-units=3", "sweep.partitions=1");
        assertThrows(Exception.class, () -> SweepJob.run(spark, killed, SweepJob.Start.NEW, Fixtures.provenance()));
        long committed;
        try (Stream<Path> s = Files.walk(dir.resolve("runs").resolve("killed").resolve("sweep").resolve("units"))) {
            committed = s.filter(p -> p.toString().endsWith(".bin")).count();
        }
        assertTrue(committed >= 1 && committed < clean.units(), "committed " + committed);
        SweepJob.Outcome after = SweepJob.run(spark, config(dir, "killed"), SweepJob.Start.RESUME, Fixtures.provenance());
        assertEquals(clean.units() - committed, after.computedUnits());
        assertEquals(table(spark, clean), table(spark, after));
        assertEquals(clean.rows().stream().mapToLong(SweepJob.CellRow::samples).sum(), after.rows().stream().mapToLong(SweepJob.CellRow::samples).sum());

        // a changed config is refused on resume; --fresh starts over
        ConfigException e = assertThrows(ConfigException.class,
                () -> SweepJob.run(spark, config(dir, "killed", "sweep.seed=4"), SweepJob.Start.RESUME, Fixtures.provenance()));
        assertTrue(e.getMessage().contains("configuration changed"), e.getMessage());
        SweepJob.Outcome fresh = SweepJob.run(spark, config(dir, "killed", "sweep.seed=4"), SweepJob.Start.FRESH, Fixtures.provenance());
        assertEquals(fresh.units(), fresh.computedUnits());
    }

    @Test
    void configErrorsNameFileKeyAndValue(@TempDir Path dir) throws Exception {
        ConfigException e = assertThrows(ConfigException.class, () -> config(dir, "x", "sweep.defaults.classes=one"));
        assertTrue(e.getMessage().contains("sweep.grid[input-size=2].classes must be a whole number, got \"one\""), e.getMessage());
        e = assertThrows(ConfigException.class, () -> config(dir, "x", "sweep.grid.layers=2"));
        assertTrue(e.getMessage().contains("sweep.grid.layers must be a non-empty list"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> config(dir, "x", "sweep.defaults.sample-interval=[1, -1]"));
        assertTrue(e.getMessage().contains("sample-interval must be an interval [low, high] with low < high, got [1,-1]"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> config(dir, "x", "sweep.defaults.modes=lax"));
        assertTrue(e.getMessage().contains("sweep.conf") && e.getMessage().contains("modes must be paper, sound, certified"), e.getMessage());
    }

    /** Both shipped thesis files parse into every row of their tables (plus the U variants). */
    @Test
    void thesisConfigsCoverTheirTables() {
        Path root = Path.of(System.getProperty("user.dir")).getParent();
        SweepConfig t31 = SweepConfig.from(Settings.load(root.resolve("conf/sweeps/thesis-table-3-1.conf"), List.of(), SweepConfig.schema()));
        SweepConfig t42 = SweepConfig.from(Settings.load(root.resolve("conf/sweeps/thesis-table-4-2.conf"), List.of(), SweepConfig.schema()));
        assertEquals(List.of("1", "2", "3", "4", "5", "4-U1"), t31.cells().stream().map(SweepConfig.Cell::id).toList());
        assertEquals(List.of("1", "2", "3", "4", "5", "6", "7", "8", "2-U100", "8-U10"), t42.cells().stream().map(SweepConfig.Cell::id).toList());
        assertEquals(0.9283, t31.cells().get(0).thesisMean());
        assertEquals(50, t42.cells().get(5).classes());
        SweepConfig scale = SweepConfig.from(Settings.load(root.resolve("conf/sweeps/scale-1e7.conf"), List.of(), SweepConfig.schema()));
        assertEquals(10_000_000L, scale.totalSamples());
    }

    /** --fresh deleted whatever was at the sweep's place; a folder the sweep did not write is now refused and kept. */
    @Test
    void freshNeverDeletesAFolderTheSweepDidNotWrite(@TempDir Path dir) throws Exception {
        SweepConfig c = config(dir, "mine");
        Path sweep = Files.createDirectories(dir.resolve("runs").resolve("mine").resolve("sweep"));
        Files.writeString(sweep.resolve("notes.txt"), "mine");
        io.robustbounds.output.OutputException e = assertThrows(io.robustbounds.output.OutputException.class,
                () -> SweepJob.run(LocalSpark.get(), c, SweepJob.Start.FRESH, Fixtures.provenance()));
        assertTrue(e.getMessage().startsWith(sweep + ": not empty and not a sweep output written by robustbounds (it holds 'notes.txt')"),
                e.getMessage());
        assertEquals("mine", Files.readString(sweep.resolve("notes.txt")));
    }
}

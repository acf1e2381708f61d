package io.robustbounds.report;

import static io.robustbounds.report.ReportFixtures.row;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.robustbounds.report.ReportData.Box;
import io.robustbounds.report.ReportData.Hist;
import io.robustbounds.report.ReportData.KappaProfile;
import io.robustbounds.report.ReportData.Rank;
import io.robustbounds.report.ReportData.Summary;
import io.robustbounds.report.ReportData.Transitions;
import io.robustbounds.testkit.LocalSpark;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark summaries on five samples worked out by hand. Every sample has a paper and a sound row (sound bound = paper / 2) with the
 * same FGS columns: FGS statistics must count each sample once.
 *
 * <pre>
 * id  label predicted adversarial  paper bound  ‖η‖   ε    paper deviation
 * 0   0     0         1            0.05         0.5   0.1  0.45
 * 1   1     0         2            0.2          2.0   0.4  1.8
 * 2   1     1         0            0.3          0.25  0.05 −0.05 (violation)
 * 3   null  1         — (no flip)  3.0          —     —    —
 * 4   2     2         0            0.02         7.0   1.4  6.98
 * </pre>
 */
class ReportDataTest {
    @TempDir
    static Path dir;
    static ReportData data;

    @BeforeAll
    static void write() {
        SparkSession spark = LocalSpark.get();
        double[][] v = {{0, 0, 0, 1, 0.05, 0.5, 0.1}, {1, 1, 0, 2, 0.2, 2.0, 0.4}, {2, 1, 1, 0, 0.3, 0.25, 0.05}, {3, -1, 1, -1, 3.0, -1, -1},
                {4, 2, 2, 0, 0.02, 7.0, 1.4}};
        List<Row> rows = new ArrayList<>();
        for (double[] s : v) {
            boolean flip = s[5] >= 0;
            for (String mode : List.of("paper", "sound")) {
                double bound = mode.equals("paper") ? s[4] : s[4] / 2;
                rows.add(row("m", (long) s[0], s[1] < 0 ? null : (int) s[1], (int) s[2], mode, bound, new double[] {bound, 1.0, 100.0},
                        flip ? s[6] : null, flip ? s[5] : null, flip ? (int) s[3] : null));
            }
        }
        ReportFixtures.write(spark, dir.resolve("results"), rows);
        data = new ReportData(spark, List.of(dir.resolve("results").toString()), 10_000);
    }

    @Test
    void inputsNameModelsAndModes() {
        assertEquals(List.of("m"), data.inputs().models());
        assertEquals(List.of("paper", "sound"), data.inputs().modes());
        assertEquals(10, data.inputs().rows());
        assertEquals(List.of("results"), data.inputs().labels());
    }

    @Test
    void histogramsUseTheFixedLogBins() {
        LogBins b = new LogBins(-2, 3, 1); // (0.01, 0.1], (0.1, 1], (1, 10]
        List<Hist> bounds = data.boundHistograms(b);
        assertEquals(2, bounds.size());
        assertEquals("paper", bounds.get(0).mode());
        assertArrayEquals(new long[] {0, 2, 2, 1, 0}, bounds.get(0).counts());
        // sound bounds 0.025, 0.1, 0.15, 1.5, 0.01: 0.1 is an edge (either side within rounding), 0.01 the underflow
        long[] sound = bounds.get(1).counts();
        assertEquals(1, sound[0]);
        assertEquals(3, sound[1] + sound[2]);
        assertEquals(1, sound[3]);
        List<Hist> eta = data.etaHistograms(b);
        assertEquals(1, eta.size(), "‖η‖ once per sample, not per mode");
        assertArrayEquals(new long[] {0, 0, 2, 2, 0}, eta.get(0).counts());
        assertEquals(1, eta.get(0).missing());
        assertEquals(5, eta.get(0).total());
        assertArrayEquals(new double[] {1.0, 1.0, 0.6, 0.2}, b.exceeding(eta.get(0).counts(), eta.get(0).missing(), 5), 1e-15);
        assertArrayEquals(new double[] {1.0, 0.6, 0.2, 0.0}, b.exceeding(bounds.get(0).counts(), 0, 5), 1e-15);
    }

    @Test
    void binsInSparkEqualTheJavaDefinition() {
        LogBins b = new LogBins(-3, 5, 20);
        SparkSession spark = LocalSpark.get();
        double[] values = {-1, 0, 1e-4, 1e-3, 1.0000001e-3, 0.0123, 0.5, 0.99999, 1.00001, 3.3, 99.9, 100, 100.0001, 1e9, Double.NaN,
                Double.POSITIVE_INFINITY};
        List<Row> rows = new ArrayList<>();
        for (double v : values) {
            rows.add(org.apache.spark.sql.RowFactory.create(v));
        }
        List<Row> got = spark.createDataFrame(rows, new org.apache.spark.sql.types.StructType().add("v", "double"))
                .select(b.binColumn(org.apache.spark.sql.functions.col("v"))).collectAsList();
        for (int i = 0; i < values.length; i++) {
            Integer expected = b.bin(values[i]);
            assertEquals(expected, got.get(i).isNullAt(0) ? null : got.get(i).getInt(0), "bin of " + values[i]);
        }
    }

    @Test
    void transitionMatrixCountsPredictedToAdversarialOncePerSample() {
        List<Transitions> t = data.transitions(4);
        assertEquals(1, t.size());
        assertEquals(3, t.get(0).classes());
        assertArrayEquals(new long[][] {{0, 1, 1, 0}, {1, 0, 0, 1}, {1, 0, 0, 0}}, t.get(0).counts());
    }

    @Test
    void boxesHaveNearestRankQuartilesAndTukeyWhiskers() {
        List<Box> dev = data.deviationBoxes();
        Box paper = dev.get(0);
        assertEquals("paper", paper.mode());
        assertEquals(4, paper.n());
        // sorted −0.05, 0.45, 1.8, 6.98: Q1, median, Q3 are the 1st, 2nd and 3rd (nearest rank); fences −2.825 and 4.575
        assertEquals(-0.05, paper.q1(), 1e-12);
        assertEquals(0.45, paper.median(), 1e-12);
        assertEquals(1.8, paper.q3(), 1e-12);
        assertEquals(-0.05, paper.lowWhisker(), 1e-12);
        assertEquals(1.8, paper.highWhisker(), 1e-12);
        assertEquals(6.98, paper.max(), 1e-12);
        assertEquals(1, paper.outliers());
        List<Box> eps = data.epsBoxes();
        assertEquals(1, eps.size());
        assertNull(eps.get(0).mode());
        assertEquals(4, eps.get(0).n(), "ε once per sample");
        assertEquals(0.05, eps.get(0).q1(), 1e-12);
        assertEquals(0.1, eps.get(0).median(), 1e-12);
        assertEquals(0.4, eps.get(0).q3(), 1e-12);
    }

    @Test
    void summaryAndRanking() {
        List<Summary> s = data.summary();
        assertEquals(2, s.size());
        Summary paper = s.get(0);
        assertEquals(5, paper.n());
        assertEquals(1, paper.violations());
        assertEquals(0.75, paper.accuracy(), 1e-12, "labels 0,1,1,2 against predicted 0,0,1,2; the unlabelled row left out");
        assertEquals(0.8, paper.fgsRate(), 1e-12);
        assertEquals((0.05 + 0.2 + 0.3 + 3.0 + 0.02) / 5, paper.boundMean(), 1e-12);
        assertEquals(0.2, paper.boundMedian(), 1e-12);
        assertEquals((0.1 + 0.4 + 0.05 + 1.4) / 4, paper.epsMean(), 1e-12);
        // an even count: the mean of the two middle values, as the aggregate table's median (the demo printed 0.2491
        // there and 0.2489, the nearest rank, here)
        io.robustbounds.results.DoubleList eps = new io.robustbounds.results.DoubleList(4);
        for (double e : new double[] {0.1, 0.4, 0.05, 1.4}) {
            eps.add(e);
        }
        assertEquals(eps.median(), paper.epsMedian(), 1e-12);
        assertEquals(0.25, paper.epsMedian(), 1e-12);
        assertEquals(0, s.get(1).violations(), "sound bounds are half: 0.15 < 0.25");
        List<Rank> r = data.ranking();
        assertEquals(1, r.size());
        assertEquals(Map.of("paper", (0.05 + 0.2 + 0.3 + 3.0 + 0.02) / 5, "sound", (0.05 + 0.2 + 0.3 + 3.0 + 0.02) / 10).keySet(),
                r.get(0).boundMean().keySet());
        assertEquals(0.4875, r.get(0).epsMean(), 1e-12);
    }

    @Test
    void kappaProfileHasQuartilesOfLog10PerPosition() {
        List<KappaProfile> k = data.kappaProfiles();
        assertEquals(2, k.size());
        KappaProfile paper = k.get(0);
        assertEquals(3, paper.median().length);
        assertEquals(Math.log10(0.2), paper.median()[0], 1e-12, "median of the input bounds 0.02, 0.05, 0.2, 0.3, 3.0");
        assertEquals(0.0, paper.median()[1], 1e-12);
        assertEquals(2.0, paper.q3()[2], 1e-12);
        assertArrayEquals(new long[] {5, 5, 5}, paper.n());
    }

    @Test
    void labelsNameRunsAndStayUnique() {
        assertEquals(List.of("demo", "results", "demo#2"), ReportData.labels(List.of("runs/demo/evaluate/results", "x/results", "y/demo")));
    }
}

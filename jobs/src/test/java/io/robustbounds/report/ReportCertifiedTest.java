package io.robustbounds.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.report.ReportData.Hist;
import io.robustbounds.report.ReportData.ModeTotal;
import io.robustbounds.testkit.Fixtures;
import io.robustbounds.testkit.LocalSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report with a third bound mode, "certified", beside paper and sound (synthetic result rows): tightness per mode, the
 * robustness curve and the certified-accuracy curve per mode, one colour per mode whatever modes are present, class names in
 * the heat map and layer names in the κ profile from the evaluate step's provenance, and the console's short summary.
 */
class ReportCertifiedTest {
    @TempDir
    static Path dir;
    static List<Row> rows;
    static ReportData data;

    /** Labelled results of one model with 3 classes and a κ chain of 4, in modes paper, sound (paper / 3) and certified (paper / 30). */
    static List<Row> results(long seed, int samples, String model, List<String> modes) {
        Random r = new Random(seed);
        List<Row> out = new ArrayList<>();
        for (long id = 0; id < samples; id++) {
            int label = r.nextInt(3);
            int predicted = r.nextDouble() < 0.8 ? label : (label + 1) % 3;
            double eta = Math.exp(r.nextGaussian() * 0.5);
            double paper = eta * Math.exp(-1 + r.nextGaussian() * 0.3);
            boolean flip = r.nextDouble() < 0.9;
            for (String mode : modes) {
                double bound = switch (mode) {
                    case "paper" -> paper;
                    case "sound" -> paper / 3;
                    default -> paper / 30;
                };
                out.add(ReportFixtures.row(model, id, label, predicted, mode, bound, new double[] {bound, bound * 5, bound * 40, bound * 90},
                        flip ? eta / 3 : null, flip ? eta : null, flip ? (predicted + 1) % 3 : null));
            }
        }
        return out;
    }

    @BeforeAll
    static void write() throws Exception {
        SparkSession spark = LocalSpark.get();
        Path results = dir.resolve("run/evaluate/results");
        ReportFixtures.write(spark, results, results(7, 400, "cnn", List.of("paper", "sound", "certified")));
        rows = spark.read().parquet(results.toString()).collectAsList(); // with their schema, so columns are read by name
        // what evaluate writes beside its results: the provenance naming the model, whose model.json names classes and layers
        Path model = dir.resolve("model");
        Files.createDirectories(model);
        Files.writeString(model.resolve("model.json"), "{\"format\": \"robustbounds-model\", \"name\": \"cnn\", \"classes\": [\"cat\", \"dog\", "
                + "\"horse with a long name\"], \"layers\": [{\"kind\": \"conv\"}, {\"kind\": \"pool\"}, {\"kind\": \"dense\"}]}");
        Files.writeString(dir.resolve("run/evaluate/_provenance.json"), "{\"step\": \"evaluate\", \"model\": {\"path\": \"" + model
                + "\", \"name\": \"cnn\"}, \"test_set\": {\"metadata\": \"{\\\"classes\\\": [\\\"a\\\", \\\"b\\\", \\\"c\\\"]}\"}}");
        data = new ReportData(spark, List.of(results.toString()), 10_000);
    }

    @Test
    void certifiedAccuracyIsTheShareOfLabelledSamplesCorrectAndCertifiedAtR() {
        LogBins fine = LogBins.covering(1e-4, 100, ReportJob.PER_DECADE);
        List<Hist> correct = data.correctBoundHistograms(fine);
        assertEquals(List.of("certified", "paper", "sound"), correct.stream().map(Hist::mode).toList());
        Hist certified = correct.get(0);
        double[] curve = fine.exceeding(certified.counts(), 0, certified.total());
        for (int k : new int[] {0, 250, 330, 360, 400, 600}) {
            double r = fine.edge(k);
            long above = rows.stream().filter(x -> x.getAs("bound_mode").equals("certified") && x.getAs("label").equals(x.getAs("predicted"))
                    && x.<Double>getAs("bound") > r).count();
            assertEquals(above / 400.0, curve[k], 1e-12, "certified accuracy at r = " + r);
        }
        assertEquals(400, certified.total(), "over the labelled samples");
        // the attacks' curve: correct and no attack below r; a sample no attack flipped counts at every r
        Hist attack = data.correctAttackHistograms(fine).get(0);
        double[] empirical = fine.exceeding(attack.counts(), 0, attack.total());
        double r = fine.edge(400);
        long expected = rows.stream().filter(x -> x.getAs("bound_mode").equals("paper") && x.getAs("label").equals(x.getAs("predicted"))
                && (x.getAs("attack_norm") == null || x.<Double>getAs("attack_norm") > r)).count();
        assertEquals(expected / 400.0, empirical[400], 1e-12);
    }

    @Test
    void tightnessBoxesAndTotalsArePerMode() {
        assertEquals(List.of("certified", "paper", "sound"), data.tightnessBoxes().stream().map(ReportData.Box::mode).toList());
        List<ModeTotal> totals = data.modeTotals();
        assertEquals(3, totals.size());
        for (ModeTotal t : totals) {
            assertEquals(400, t.n());
        }
        String console = ConsoleSummary.ofModes(totals, 1);
        assertEquals(3, console.lines().count(), console);
        assertTrue(console.lines().allMatch(l -> l.matches("  (certified|paper \\(not a guarantee\\)|sound): 400 samples, \\d+ violations?, "
                + "median bound [0-9.e-]+, median tightness [0-9.e-]+")), console);
        // several models: the lines say they pool them
        String pooled = ConsoleSummary.ofModes(totals, 2);
        assertTrue(pooled.lines().limit(3).allMatch(l -> l.contains(", 2 models pooled: 400 samples")), pooled);
        assertTrue(pooled.contains("(per model: the report's summary table)"), pooled);
    }

    @Test
    void everyModeHasItsOwnColour() {
        assertNotEquals(Charts.modeColor("paper"), Charts.modeColor("sound"));
        assertNotEquals(Charts.modeColor("sound"), Charts.modeColor("certified"));
        assertNotEquals(Charts.modeColor("paper"), Charts.modeColor("certified"));
        for (String known : List.of("paper", "sound", "certified")) {
            assertNotEquals(Charts.modeColor(known), Charts.modeColor("interval"), "a mode not known yet gets a colour of its own");
        }
        assertNotEquals(Charts.ATTACK, Charts.modeColor("interval"));
    }

    @Test
    void theReportDrawsEveryModeAndNamesClassesAndLayers() throws Exception {
        SparkSession spark = LocalSpark.get();
        Path out = dir.resolve("report");
        ReportJob.Outcome o = ReportJob.run(spark, new ReportJob.Config(List.of(dir.resolve("run/evaluate/results").toString()), null, out, 30, 4,
                10_000, 960, 540), Fixtures.provenance());
        assertEquals(List.of("fig-deviation-box", "fig-eps-box", "fig-tightness-box", "fig-bound-hist", "fig-eta-hist", "fig-robustness",
                "fig-certified-accuracy", "fig-transitions-0", "fig-kappa", "fig-ranking"), o.figures());
        // XChart draws text as outlines: the names are checked where the figures take them from
        Map<String, ModelInfo> info = ModelInfo.of(List.of(dir.resolve("run/evaluate/results").toString()), List.of("run"));
        assertEquals(List.of("cat", "dog", "horse with a long name"), info.get("cnn").classes());
        assertEquals(List.of("conv 1", "pool 2", "dense 3", "δ (head)"), info.get("cnn").kappaPositions(4));
        assertEquals(null, info.get("cnn").kappaPositions(3), "a chain of another length is numbered, not misnamed");
        org.knowm.xchart.HeatMapChart heat = (org.knowm.xchart.HeatMapChart) new Charts(960, 540).transitions(data.transitions(1).get(0),
                info.get("cnn").classes());
        assertEquals(List.of("cat", "dog", "horse with a long name", "none"), heat.getHeatMapSeries().getXData());
        assertEquals(List.of("cat", "dog", "horse with a long name"), heat.getHeatMapSeries().getYData());
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("Classes by name, from the model."));
        assertTrue(html.contains("named by kind and index"));
        assertFalse(html.contains("no model.json found"));
        Path keep = Path.of("target", "report-test-certified");
        Files.createDirectories(keep);
        for (String f : o.figures()) {
            Files.copy(out.resolve(f + ".png"), keep.resolve(f + ".png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Test
    void histogramAxesAreFittedToTheData() {
        LogBins fine = new LogBins(-4, 8, 100); // 1e-4 … 1e4, as when a few values stretch the grid
        long[] counts = new long[fine.bins() + 2];
        Random r = new Random(3);
        for (int i = 0; i < 1000; i++) {
            counts[fine.bin(1e-3 + 9e-3 * r.nextDouble()) + 1]++; // all in [1e-3, 1e-2]
        }
        counts[fine.bin(5e3) + 1]++; // one far value
        Fit.Histogram h = Fit.histogram(fine, Map.of("bounds", counts));
        assertFalse(h.range().log(), "one decade: a linear axis");
        assertTrue(h.range().lo() >= 0 && h.range().lo() < 1.5e-3 && h.range().hi() > 9e-3 && h.range().hi() < 1.2e-2, h.range().toString());
        assertEquals(1, h.above(), "the far value is counted, not drawn");
        assertEquals(1000, java.util.Arrays.stream(h.counts().get("bounds")).sum());

        long[] wide = new long[fine.bins() + 2];
        for (int i = 0; i < 1000; i++) {
            wide[fine.bin(Math.pow(10, -3 + 4 * r.nextDouble())) + 1]++; // four decades
        }
        Fit.Histogram w = Fit.histogram(fine, Map.of("bounds", wide));
        assertTrue(w.range().log(), "four decades: a log axis");
        assertTrue(w.range().lo() < 1.1e-3 && w.range().hi() > 9e0 && w.range().hi() < 2e1, w.range().toString());
    }
}

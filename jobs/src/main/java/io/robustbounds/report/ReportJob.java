package io.robustbounds.report;

import io.robustbounds.output.OutputFolder;
import io.robustbounds.report.ReportData.Box;
import io.robustbounds.report.ReportData.Hist;
import io.robustbounds.report.ReportData.KappaProfile;
import io.robustbounds.report.ReportData.Rank;
import io.robustbounds.report.ReportData.Summary;
import io.robustbounds.report.ReportData.Transitions;
import io.robustbounds.spark.Provenance;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.apache.spark.sql.SparkSession;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.internal.chartpart.Chart;

/**
 * {@code report}: per-sample results (and optionally the aggregate table) → one self-contained HTML file
 * ({@code report.html}: inline CSS, figures as base64 PNG, no script but a render check, no network) with every
 * figure beside it as PNG and SVG, and {@code _provenance.json}. The output folder is written aside and renamed
 * into place, so a failed report leaves the previous one.
 */
public final class ReportJob {
    /** Fine log bins per decade: robustness curves are exact at their edges; histograms are drawn from them over fitted axes ({@link Fit}). */
    static final int PER_DECADE = 100;
    /** Histograms and curves draw one line per group (and mode) up to this many groups, else one per mode over all groups. */
    static final int MAX_GROUP_LINES = 4;

    public record Config(List<String> results, String aggregate, Path output, int maxGroups, int maxHeatmaps, int quantileAccuracy, int width,
            int height) {
    }

    public record Figure(String id, String title, String caption, Chart<?, ?> chart) {
    }

    /** {@code totals}: per bound mode over every model, for the console. */
    public record Outcome(Path html, List<String> figures, long rows, List<String> models, double seconds, List<ReportData.ModeTotal> totals) {
    }

    private ReportJob() {
    }

    /** Writes the report; its folder is claimed first ({@link OutputFolder}: refused unless absent, empty or a report). */
    public static Outcome run(SparkSession spark, Config c, Provenance provenance) throws IOException {
        String partitions = spark.conf().get("spark.sql.shuffle.partitions");
        try (OutputFolder output = OutputFolder.claim(c.output(), OutputFolder.Kind.REPORT)) {
            return run(spark, c, provenance, output);
        } finally {
            spark.conf().set("spark.sql.shuffle.partitions", partitions); // a small report's ReportData sets 1
        }
    }

    private static Outcome run(SparkSession spark, Config c, Provenance provenance, OutputFolder output) throws IOException {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        long t0 = System.nanoTime();
        ReportData data = new ReportData(spark, c.results(), c.quantileAccuracy());
        ReportData.Inputs in = data.inputs();
        List<Summary> summary = data.summary();
        List<String> allGroups = summary.stream().map(Summary::group).distinct().toList();
        List<String> groups = allGroups.stream().limit(c.maxGroups()).toList();
        String kind = in.cells() ? "cell" : "model";
        String shown = allGroups.size() > groups.size()
                ? String.format(Locale.ROOT, " Only the first %d of %d %ss (report.max-groups) are drawn.", groups.size(), allGroups.size(), kind) : "";
        String quartiles = String.format(Locale.ROOT, "Quartiles by Spark's percentile_approx with accuracy %d (rank error at most n/%d; exact "
                + "nearest-rank quartiles below %d samples).", c.quantileAccuracy(), c.quantileAccuracy(), c.quantileAccuracy());
        String whiskers = "Boxes span Q1–Q3 with the median as a thick line; whiskers reach the most extreme values within 1.5 IQR of the box; "
                + "dots mark the minimum and maximum when they lie beyond the whiskers. All statistics are computed on the executors, not from a sample. ";
        Charts charts = new Charts(c.width(), c.height());
        List<Figure> figures = new ArrayList<>();
        Boxes boxes = new Boxes(figures, charts, kind, groups, whiskers + quartiles, shown);

        boxes.add("fig-deviation-box", "Deviations ‖η‖ − bound per " + kind + " (thesis Figures 3.2, 4.1)",
                " Over the samples an attack flipped; a negative deviation is a violation (bound above a real adversarial perturbation).",
                "Bound deviations ‖η‖ − bound per " + kind, "‖η‖ − bound", data.deviationBoxes(), Format::mode);
        boxes.add("fig-eps-box", "FGS ε per " + kind + " (thesis Figure 5.11)",
                " Over the samples FGS flipped (ε is the smallest flipping step found by the binary search).", "FGS ε per " + kind, "ε",
                data.epsBoxes(), m -> "ε");
        List<Box> tight = data.tightnessBoxes();
        if (!tight.isEmpty()) {
            boxes.add("fig-tightness-box", "Tightness per " + kind + " and bound mode",
                    " Tightness is bound ÷ the norm of the smallest adversarial perturbation the attacks found, over the samples some attack "
                            + "flipped: 1 is a bound as large as a real perturbation, above 1 a violation. One colour per bound mode, the same in "
                            + "every figure.", "Tightness (bound ÷ best attack norm) per " + kind, "bound ÷ best attack norm", tight, Format::mode);
        }

        double[] range = data.positiveRange();
        LogBins fine = LogBins.covering(range[0], range[1], PER_DECADE);
        ReportData.HistPair boundPair = data.boundHistogramPair(fine);
        List<Hist> boundHists = boundPair.all();
        List<Hist> etaHists = data.etaHistograms(fine);
        boolean perGroup = allGroups.size() <= MAX_GROUP_LINES;
        boolean oneGroup = allGroups.size() == 1;
        Map<String, Hist> boundSeries = series(boundHists, perGroup, oneGroup, ReportJob::boundName);
        Map<String, Hist> etaSeries = series(etaHists, perGroup, oneGroup, h -> "FGS ‖η‖");
        String pooled = perGroup ? "" : String.format(Locale.ROOT, " One line per mode over all %d %ss.", allGroups.size(), kind);
        String styles = oneGroup ? " One colour per bound mode, the same in every figure; attacks in grey."
                : " One colour per bound mode, the same in every figure (attacks in grey); one dash pattern per " + kind + ".";
        Map<String, Charts.Look> looks = looks(List.of(boundSeries, etaSeries), allGroups);
        Map<String, long[]> bh = new LinkedHashMap<>();
        boundSeries.forEach((n, h) -> bh.put(n, h.counts()));
        Fit.Histogram boundFit = Fit.histogram(fine, bh);
        figures.add(new Figure("fig-bound-hist", "Histogram of the bounds",
                histogramCaption(boundFit) + styles + pooled, charts.histogram("Lower bounds", "bound", boundFit, looks)));
        Map<String, long[]> eh = new LinkedHashMap<>();
        etaSeries.forEach((n, h) -> eh.put(n, h.counts()));
        Fit.Histogram etaFit = Fit.histogram(fine, eh);
        figures.add(new Figure("fig-eta-hist", "Histogram of the FGS perturbation norms ‖η‖",
                String.format(Locale.ROOT, "%d samples without an FGS flip in [0, U] have no ‖η‖. ", etaSeries.values().stream().mapToLong(Hist::missing).sum())
                        + histogramCaption(etaFit) + pooled,
                charts.histogram("FGS ‖η‖", "‖η‖", etaFit, looks)));

        // robustness curves: the fraction of samples whose bound (a mode's certified radius) is ≥ r, and whose best attack needs ≥ r
        String attackName = data.bestAttackColumn() ? "best attack ‖x′ − x‖" : "FGS ‖η‖";
        ReportData.HistPair attackPair = data.attackHistogramPair(fine);
        Map<String, Hist> attackSeries = series(attackPair.all(), perGroup, oneGroup, h -> attackName);
        Map<String, double[]> curves = new LinkedHashMap<>();
        Map<String, Double> atZero = new LinkedHashMap<>();
        boundSeries.forEach((n, h) -> {
            curves.put(n, fine.exceeding(h.counts(), 0, h.total()));
            atZero.put(n, h.total() == 0 ? Double.NaN : (double) (h.total() - h.missing()) / h.total());
        });
        attackSeries.forEach((n, h) -> {
            curves.put(n, fine.exceeding(h.counts(), 0, h.total()));
            atZero.put(n, h.total() == 0 ? Double.NaN : (double) (h.total() - h.missing()) / h.total());
        });
        Map<String, Charts.Look> curveLooks = looks(List.of(boundSeries, attackSeries), allGroups);
        Fit.Range curveRange = curveRange(fine, boundSeries, attackSeries);
        figures.add(new Figure("fig-robustness", "Robustness curve: bound ≥ r per mode",
                "For each bound mode, the fraction of samples whose bound is at least r (for the certified mode: the samples certified at "
                        + "radius r), and in grey the fraction whose " + attackName + " is at least r (samples no attack flipped count at every r). "
                        + "A valid bound's curve stays below the attack's. Exact at the fine grid's edges (" + PER_DECADE + " per decade)"
                        + (curveRange.log() ? "" : ", joined by straight lines") + "." + styles + pooled,
                charts.curves("Robustness curve", "r", "fraction of samples with value ≥ r", fine.edges(), curves, atZero, curveLooks, curveRange)));
        if (summary.stream().anyMatch(r -> r.accuracy() != null)) {
            Map<String, Hist> certified = series(boundPair.correct(), perGroup, oneGroup, ReportJob::boundName);
            Map<String, Hist> empirical = series(attackPair.correct(), perGroup, oneGroup, h -> attackName);
            Map<String, double[]> accuracy = new LinkedHashMap<>();
            Map<String, Double> accuracyAtZero = new LinkedHashMap<>();
            for (Map<String, Hist> m : List.of(certified, empirical)) {
                m.forEach((n, h) -> {
                    accuracy.put(n, fine.exceeding(h.counts(), 0, h.total()));
                    accuracyAtZero.put(n, h.total() == 0 ? Double.NaN : (double) (h.total() - h.missing()) / h.total());
                });
            }
            // "certified accuracy" is the certified mode's term; for the other modes it is the accuracy with bound ≥ r
            boolean certifiedMode = summary.stream().anyMatch(r -> "certified".equals(r.mode()));
            String accuracyTitle = certifiedMode ? "Certified accuracy" : "Accuracy with bound ≥ r";
            figures.add(new Figure("fig-certified-accuracy", accuracyTitle + ": correctly classified and bound ≥ r",
                    "Over the labelled samples: for each bound mode, the fraction classified correctly whose bound is at least r (for the "
                            + "certified mode, the certified accuracy at radius r; at r = 0 the accuracy), and in grey the fraction classified "
                            + "correctly whose " + attackName + " is at least r (an upper bound on the robust accuracy: an attack found nothing "
                            + "smaller). Same axis as the robustness curve." + styles + pooled,
                    charts.curves(accuracyTitle, "r", "fraction correct with value ≥ r", fine.edges(), accuracy, accuracyAtZero,
                            looks(List.of(certified, empirical), allGroups), curveRange)));
        }

        Map<String, ModelInfo> info = ModelInfo.of(c.results(), in.labels());
        List<Transitions> transitions = data.transitions(c.maxHeatmaps());
        int t = 0;
        for (Transitions tr : transitions) {
            ModelInfo mi = info.get(tr.model());
            boolean named = mi != null && mi.classes().size() >= tr.classes();
            figures.add(new Figure("fig-transitions-" + t++, "Class transitions: " + tr.model() + " (thesis Figure 5.10)",
                    "Samples per predicted class (rows) and the class FGS moved them to (columns); \"none\": FGS found no flip in [0, U]. "
                            + (named ? "Classes by name, from the model." : "Classes by index (no class names found beside the results).")
                            + (in.models().size() > transitions.size() ? String.format(Locale.ROOT,
                            " Heat maps of the first %d of %d models (report.max-heatmaps).", transitions.size(), in.models().size()) : ""),
                    charts.transitions(tr, named ? mi.classes() : null)));
        }

        List<KappaProfile> kappas = data.kappaProfiles();
        List<KappaProfile> drawn = kappas.stream().filter(k -> groups.contains(k.group())).limit(2L * MAX_GROUP_LINES).toList();
        boolean oneKappaGroup = drawn.stream().map(KappaProfile::group).distinct().count() == 1;
        List<String> positions = kappaPositions(drawn, info);
        boolean layerNames = positions != null;
        if (positions == null) {
            int length = drawn.stream().mapToInt(k -> k.median().length).max().orElse(0);
            positions = new ArrayList<>();
            for (int i = 0; i < length; i++) {
                positions.add(String.valueOf(i));
            }
        }
        figures.add(new Figure("fig-kappa", "Per-layer κ profile",
                "Median (solid, with markers) and quartiles (dashed) of log10 κ at each position of the κ chain: "
                        + (layerNames ? "κ at the input of each layer up to the MLP's first, named by kind and index (1 is the network's input: its κ "
                        + "is the bound), then δ at the head. " : "0 is the bound on the input, then the κ at the input of every trunk layer and of "
                        + "the MLP, the last is δ at the head (no model.json found beside the results to name the layers). ")
                        + "One colour per bound mode; one marker per " + kind + ". " + quartiles
                        + (drawn.size() < kappas.size() ? String.format(Locale.ROOT, " %d of %d profiles drawn.", drawn.size(), kappas.size()) : ""),
                charts.kappa(drawn, k -> (oneKappaGroup ? "" : k.group() + " · ") + Format.mode(k.mode()), positions,
                        layerNames ? "κ at the input of layer (kind, index); last: δ at the head" : "position in the κ chain (0: input … last: δ at the head)")));

        List<Rank> ranks = data.ranking();
        figures.add(new Figure("fig-ranking", "Model selection",
                "One point per model and bound mode: mean FGS ε (over the samples FGS flipped) against the mean bound; up and right is more robust "
                        + "by both measures. One colour per bound mode.",
                charts.ranking(ranks, in.modes())));
        // one group: its summary rows are the totals; else one more (small) pass
        List<ReportData.ModeTotal> totals = oneGroup ? summary.stream().map(r -> new ReportData.ModeTotal(r.mode(), r.n(), r.violations(),
                r.boundMedian(), r.tightnessMedian())).toList() : data.modeTotals();

        List<List<String>> aggregate = c.aggregate() == null || c.aggregate().isBlank() ? null : ReportData.aggregateTable(spark, c.aggregate());
        double seconds = (System.nanoTime() - t0) / 1e9;
        Map<String, Object> p = provenance.with();
        p.put("step", "report");
        p.put("spark_master", spark.sparkContext().master());
        p.put("inputs", c.results());
        p.put("input_labels", in.labels());
        p.put("aggregate", c.aggregate());
        p.put("rows", in.rows());
        p.put("models", in.models().size());
        p.put("modes", in.modes());
        p.put("quantile_accuracy", c.quantileAccuracy());
        p.put("log_bins", Map.of("low_decade", fine.lo(), "decades", fine.decades(), "per_decade", PER_DECADE));
        p.put("class_names_from", info.isEmpty() ? "none (indices)" : "the evaluate step's _provenance.json and model.json");
        p.put("figures", figures.stream().map(Figure::id).toList());
        p.put("seconds", seconds);

        Path out = c.output().toAbsolutePath().normalize();
        Files.createDirectories(out.getParent());
        org.apache.hadoop.fs.Path stagingPath = output.stagingPath("tmp");
        Path staging = Path.of(stagingPath.toUri());
        Files.createDirectories(staging);
        try {
            Map<String, String> png = new LinkedHashMap<>();
            for (Figure f : figures) {
                byte[] bytes = BitmapEncoder.getBitmapBytes(f.chart(), BitmapEncoder.BitmapFormat.PNG);
                Files.write(staging.resolve(f.id() + ".png"), bytes);
                try (OutputStream svg = Files.newOutputStream(staging.resolve(f.id() + ".svg"))) {
                    VectorGraphicsEncoder.saveVectorGraphic(f.chart(), svg, VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
                }
                png.put(f.id(), java.util.Base64.getEncoder().encodeToString(bytes));
            }
            String html = HtmlReport.render(new HtmlReport.Content(in, summary, ranks, figures, png, aggregate, p));
            Files.writeString(staging.resolve("report.html"), html, StandardCharsets.UTF_8);
            Files.writeString(staging.resolve("_provenance.json"), Provenance.json(p), StandardCharsets.UTF_8);
            output.replaceWith(stagingPath);
        } catch (IOException | RuntimeException e) {
            output.drop(stagingPath);
            throw e;
        }
        return new Outcome(out.resolve("report.html"), figures.stream().map(Figure::id).toList(), in.rows(), in.models(), seconds, totals);
    }

    /**
     * Box-plot figures: one, or two when some groups reach more than {@link Fit#OWN_SCALE} times further from zero than the
     * median group (a sweep's cell with another U beside the others): those get a figure of their own ({@code id-own-scale})
     * with its own axis, so that they do not flatten the rest.
     */
    private record Boxes(List<Figure> figures, Charts charts, String kind, List<String> groups, String common, String shown) {
        void add(String id, String title, String about, String chartTitle, String yTitle, List<Box> boxes, Function<String, String> series) {
            double[] reach = new double[groups.size()];
            for (Box b : boxes) {
                int g = groups.indexOf(b.group());
                if (g >= 0) {
                    reach[g] = Math.max(reach[g], Math.max(Math.abs(b.lowWhisker()), Math.abs(b.highWhisker())));
                }
            }
            boolean[] own = Fit.ownScale(reach);
            List<String> main = new ArrayList<>();
            List<String> apart = new ArrayList<>();
            for (int g = 0; g < groups.size(); g++) {
                (own[g] ? apart : main).add(groups.get(g));
            }
            String split = apart.isEmpty() ? "" : String.format(Locale.ROOT, " %s %s on a scale of their own (their whiskers reach more than %.0f "
                    + "times further from zero than the median %s's) are drawn in the next figure.", kind.substring(0, 1).toUpperCase(Locale.ROOT)
                    + kind.substring(1) + "s", String.join(", ", apart), Fit.OWN_SCALE, kind);
            figures.add(new Figure(id, title, common + about + clipped(boxes, main) + split + shown + key(main),
                    charts.boxes(chartTitle, yTitle, kind, main, boxes, series)));
            if (!apart.isEmpty()) {
                figures.add(new Figure(id + "-own-scale", title + ", " + kind + "s on a scale of their own",
                        common + about + clipped(boxes, apart) + key(apart), charts.boxes(chartTitle + " (own scale)", yTitle, kind, apart, boxes, series)));
            }
        }

        /** The key to the numbers under the boxes when the names do not fit ({@link Charts#numbered}). */
        private String key(List<String> drawn) {
            if (!charts.numbered(drawn)) {
                return "";
            }
            StringBuilder key = new StringBuilder(" Numbers under the boxes:");
            for (int i = 0; i < drawn.size(); i++) {
                key.append(i == 0 ? " " : ", ").append('#').append(i + 1).append(' ').append(drawn.get(i));
            }
            return key.append('.').toString();
        }
    }

    /** The lines of a histogram or curve: per group (and mode) when few groups, else summed per mode over all groups. */
    static Map<String, Hist> series(List<Hist> hists, boolean perGroup, boolean oneGroup, java.util.function.Function<Hist, String> what) {
        Map<String, Hist> out = new LinkedHashMap<>();
        for (Hist h : hists) {
            String name = perGroup ? (oneGroup ? what.apply(h) : h.group() + " · " + what.apply(h)) : "all · " + what.apply(h);
            Hist prev = out.get(name);
            if (prev == null) {
                out.put(name, new Hist(perGroup ? h.group() : "all", h.mode(), h.counts().clone(), h.missing(), h.total()));
            } else {
                long[] sum = prev.counts().clone();
                for (int i = 0; i < sum.length; i++) {
                    sum[i] += h.counts()[i];
                }
                out.put(name, new Hist(prev.group(), h.mode(), sum, prev.missing() + h.missing(), prev.total() + h.total()));
            }
        }
        return out;
    }

    private static String boundName(Hist h) {
        return "bound, " + Format.mode(h.mode());
    }

    /** One colour per bound mode in every figure (attacks, of no mode, grey); one dash pattern per group when there are several. */
    static Map<String, Charts.Look> looks(List<Map<String, Hist>> series, List<String> groups) {
        Map<String, Charts.Look> looks = new LinkedHashMap<>();
        boolean byGroup = series.stream().flatMap(m -> m.values().stream()).map(Hist::group).distinct().count() > 1;
        for (Map<String, Hist> m : series) {
            m.forEach((name, h) -> {
                int g = byGroup ? Math.max(0, groups.indexOf(h.group())) : 0;
                looks.put(name, new Charts.Look(Charts.modeColor(h.mode()), Charts.DASHES[g % Charts.DASHES.length]));
            });
        }
        return looks;
    }

    /** The robustness curves' axis: fitted to the bounds and the attacks' finite norms (not the unattacked samples at +∞). */
    private static Fit.Range curveRange(LogBins fine, Map<String, Hist> bounds, Map<String, Hist> attacks) {
        List<long[]> all = new ArrayList<>();
        bounds.values().forEach(h -> all.add(h.counts()));
        attacks.values().forEach(h -> {
            long[] c = h.counts().clone();
            c[c.length - 1] = 0; // +∞: no attack succeeded
            all.add(c);
        });
        return Fit.range(fine, Fit.pooled(all, fine.bins() + 2));
    }

    /** "n below and m above the drawn range are not drawn", or nothing when all are drawn. */
    private static String histogramCaption(Fit.Histogram h) {
        String axis = h.range().log()
                ? String.format(Locale.ROOT, "Log axis from %s to %s (the values span two decades or more); %d bins.", Format.number(h.range().lo()),
                        Format.number(h.range().hi()), h.edges().length - 1)
                : String.format(Locale.ROOT, "Linear axis from %s to %s, %d equal-width bins (counts of the fine log grid, %d bins per decade, each "
                        + "counted in the bin holding its centre).", Format.number(h.range().lo()), Format.number(h.range().hi()), h.edges().length - 1,
                        PER_DECADE);
        return axis + " The axis spans the 0.5%–99.5% quantiles with a 5% margin" + (h.below() + h.above() == 0 ? "."
                : String.format(Locale.ROOT, "; %d value(s) below and %d above it are not drawn.", h.below(), h.above()));
    }

    /** How many box extremes lie beyond a box plot's fitted axis, as a caption sentence. */
    private static String clipped(List<Box> boxes, List<String> groups) {
        int n = Charts.BoxRange.of(boxes.stream().filter(b -> groups.contains(b.group())).toList()).clipped();
        return n == 0 ? "" : String.format(Locale.ROOT, " The axis is fitted to the whiskers: %d minimum or maximum dot(s) far beyond them are not drawn.", n);
    }

    /** Layer names for the κ chain when every drawn profile's model has the same layers and the chain has their length; else null. */
    private static List<String> kappaPositions(List<KappaProfile> drawn, Map<String, ModelInfo> info) {
        List<String> names = null;
        for (KappaProfile k : drawn) {
            ModelInfo mi = info.get(k.group());
            List<String> own = mi == null ? null : mi.kappaPositions(k.median().length);
            if (own == null || (names != null && !names.equals(own))) {
                return null;
            }
            names = own;
        }
        return names;
    }

}

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
import java.util.stream.Stream;
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
    /** Fine log bins per decade (robustness curves); histograms merge them by {@link #HIST_MERGE}. */
    static final int PER_DECADE = 20;
    static final int HIST_MERGE = 4;
    /** Histograms and curves draw one line per group (and mode) up to this many groups, else one per mode over all groups. */
    static final int MAX_GROUP_LINES = 4;

    public record Config(List<String> results, String aggregate, Path output, int maxGroups, int maxHeatmaps, int quantileAccuracy, int width,
            int height) {
    }

    public record Figure(String id, String title, String caption, Chart<?, ?> chart) {
    }

    public record Outcome(Path html, List<String> figures, long rows, List<String> models, double seconds) {
    }

    private ReportJob() {
    }

    /** Writes the report; its folder is claimed first ({@link OutputFolder}: refused unless absent, empty or a report). */
    public static Outcome run(SparkSession spark, Config c, Provenance provenance) throws IOException {
        try (OutputFolder output = OutputFolder.claim(c.output(), OutputFolder.Kind.REPORT)) {
            return run(spark, c, provenance, output);
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
        if (charts.numbered(groups)) {
            StringBuilder key = new StringBuilder(" Numbers under the boxes:");
            for (int i = 0; i < groups.size(); i++) {
                key.append(i == 0 ? " " : ", ").append('#').append(i + 1).append(' ').append(groups.get(i));
            }
            shown = shown + key.append('.');
        }
        List<Figure> figures = new ArrayList<>();

        List<Box> dev = data.deviationBoxes();
        figures.add(new Figure("fig-deviation-box", "Deviations ‖η‖ − bound per " + kind + " (thesis Figures 3.2, 4.1)",
                whiskers + quartiles + " Over the samples FGS flipped; a negative deviation is a violation (bound above a real adversarial "
                        + "perturbation)." + shown,
                charts.boxes("Bound deviations ‖η‖ − bound per " + kind, "‖η‖ − bound", kind, groups, dev, Format::mode)));
        List<Box> eps = data.epsBoxes();
        figures.add(new Figure("fig-eps-box", "FGS ε per " + kind + " (thesis Figure 5.11)",
                whiskers + quartiles + " Over the samples FGS flipped (ε is the smallest flipping step found by the binary search)." + shown,
                charts.boxes("FGS ε per " + kind, "ε", kind, groups, eps, m -> "ε")));

        double[] range = data.positiveRange();
        LogBins fine = LogBins.covering(range[0], range[1], PER_DECADE);
        LogBins coarse = fine.coarser(HIST_MERGE);
        List<Hist> boundHists = data.boundHistograms(fine);
        List<Hist> etaHists = data.etaHistograms(fine);
        boolean perGroup = allGroups.size() <= MAX_GROUP_LINES;
        Map<String, Hist> boundSeries = series(boundHists, perGroup, allGroups.size() == 1);
        Map<String, Hist> etaSeries = series(etaHists, perGroup, allGroups.size() == 1);
        String pooled = perGroup ? "" : String.format(Locale.ROOT, " One line per mode over all %d %ss.", allGroups.size(), kind);
        Map<String, Charts.Look> looks = looks(boundSeries, etaSeries, allGroups, in.modes());
        Map<String, long[]> bh = new LinkedHashMap<>();
        boundSeries.forEach((n, h) -> bh.put(n, fine.merge(h.counts(), HIST_MERGE)));
        figures.add(new Figure("fig-bound-hist", "Histogram of the bounds (log scale)",
                String.format(Locale.ROOT, "%d bins per decade from %s to %s; %s below and %s above the range are not drawn.%s", coarse.perDecade(),
                        Format.number(fine.edge(0)), Format.number(fine.edge(fine.bins())), outside(boundSeries, 0),
                        outside(boundSeries, fine.bins() + 1), pooled),
                charts.logHistogram("Lower bounds", "bound (log scale)", coarse, bh, looks)));
        Map<String, long[]> eh = new LinkedHashMap<>();
        etaSeries.forEach((n, h) -> eh.put(n, fine.merge(h.counts(), HIST_MERGE)));
        figures.add(new Figure("fig-eta-hist", "Histogram of the FGS perturbation norms ‖η‖ (log scale)",
                String.format(Locale.ROOT, "%d bins per decade; %d samples without an FGS flip in [0, U] have no ‖η‖; %s below and %s above the range "
                                + "are not drawn.%s", coarse.perDecade(), etaSeries.values().stream().mapToLong(Hist::missing).sum(),
                        outside(etaSeries, 0), outside(etaSeries, fine.bins() + 1), pooled),
                charts.logHistogram("FGS ‖η‖", "‖η‖ (log scale)", coarse, eh, looks)));

        Map<String, double[]> curves = new LinkedHashMap<>();
        etaSeries.forEach((n, h) -> curves.put(n, fine.exceeding(h.counts(), h.missing(), h.total())));
        boundSeries.forEach((n, h) -> curves.put(n, fine.exceeding(h.counts(), 0, h.total())));
        figures.add(new Figure("fig-robustness", "Robustness curve",
                "Fraction of samples whose FGS ‖η‖ exceeds r (solid; samples FGS could not flip count as exceeding every r), and whose bound "
                        + "exceeds r (dashed, dotted for a second mode), at the fine bin edges (" + PER_DECADE + " per decade). A valid bound's curve stays below the FGS curve."
                        + pooled,
                charts.curves("Robustness curve", "r (log scale)", "fraction of samples above r", fine.edges(), curves, looks)));

        List<Transitions> transitions = data.transitions(c.maxHeatmaps());
        int t = 0;
        for (Transitions tr : transitions) {
            figures.add(new Figure("fig-transitions-" + t++, "Class transitions: " + tr.model() + " (thesis Figure 5.10)",
                    "Samples per predicted class (rows) and the class FGS moved them to (columns); \"none\": FGS found no flip in [0, U]."
                            + (in.models().size() > transitions.size() ? String.format(Locale.ROOT,
                            " Heat maps of the first %d of %d models (report.max-heatmaps).", transitions.size(), in.models().size()) : ""),
                    charts.transitions(tr)));
        }

        List<KappaProfile> kappas = data.kappaProfiles();
        List<KappaProfile> drawn = kappas.stream().filter(k -> groups.contains(k.group())).limit(2L * MAX_GROUP_LINES).toList();
        boolean oneGroup = drawn.stream().map(KappaProfile::group).distinct().count() == 1;
        figures.add(new Figure("fig-kappa", "Per-layer κ profile",
                "Median (solid) and quartiles (dashed) of log10 κ at each position of the κ chain: 0 is the bound on the input, then the κ at the "
                        + "input of every trunk layer and of the MLP, the last is δ at the head. " + quartiles
                        + (drawn.size() < kappas.size() ? String.format(Locale.ROOT, " %d of %d profiles drawn.", drawn.size(), kappas.size()) : ""),
                charts.kappa(drawn, k -> (oneGroup ? "" : k.group() + " · ") + Format.mode(k.mode()))));

        List<Rank> ranks = data.ranking();
        figures.add(new Figure("fig-ranking", "Model selection",
                "One point per model and bound mode: mean FGS ε (over the samples FGS flipped) against the mean bound; up and right is more robust "
                        + "by both measures.",
                charts.ranking(ranks, in.modes())));

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
        return new Outcome(out.resolve("report.html"), figures.stream().map(Figure::id).toList(), in.rows(), in.models(), seconds);
    }

    /** The lines of a histogram or curve: per group (and mode) when few groups, else summed per mode over all groups. */
    static Map<String, Hist> series(List<Hist> hists, boolean perGroup, boolean oneGroup) {
        Map<String, Hist> out = new LinkedHashMap<>();
        for (Hist h : hists) {
            String what = h.mode() == null ? "FGS ‖η‖" : "bound, " + Format.mode(h.mode());
            String name = perGroup ? (oneGroup ? what : h.group() + " · " + what) : "all · " + what;
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

    /** One colour per group (per kind of line when there is one line of each); FGS solid, the first mode dashed, the next dotted. */
    static Map<String, Charts.Look> looks(Map<String, Hist> bounds, Map<String, Hist> eta, List<String> groups, List<String> modes) {
        Map<String, Charts.Look> looks = new LinkedHashMap<>();
        boolean byGroup = Stream.concat(eta.values().stream(), bounds.values().stream()).map(Hist::group).distinct().count() > 1;
        float[][] dashes = {null, {8f, 5f}, {2f, 4f}, {12f, 4f, 2f, 4f}};
        Stream.concat(eta.entrySet().stream(), bounds.entrySet().stream()).forEach(e -> {
            int kind = e.getValue().mode() == null ? 0 : 1 + modes.indexOf(e.getValue().mode());
            int color = byGroup ? Math.max(0, groups.indexOf(e.getValue().group())) : kind;
            looks.put(e.getKey(), new Charts.Look(Charts.PALETTE[color % Charts.PALETTE.length], dashes[Math.min(kind, dashes.length - 1)]));
        });
        return looks;
    }

    private static String outside(Map<String, Hist> series, int index) {
        return String.valueOf(series.values().stream().mapToLong(h -> h.counts()[index]).sum());
    }
}

package io.robustbounds.cli;

import io.robustbounds.config.Settings;
import io.robustbounds.report.ReportJob;
import io.robustbounds.spark.Provenance;
import io.robustbounds.spark.Sessions;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code report}: one self-contained HTML page with the figures (PNG and SVG beside it) from per-sample results. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "HTML report with figures (box plots, log histograms, class transitions, robustness curve, κ profile, model ranking) "
                + "from evaluate results; options override the report block of the configuration.")
final class ReportCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Option(names = "--results", split = ",", paramLabel = "DIR", description = "evaluate results folder(s), comma-separated (default: report.results)")
    List<String> results;

    @Option(names = "--aggregate", paramLabel = "DIR", description = "aggregate table folder to show as well (default: report.aggregate)")
    String aggregate;

    @Option(names = "--out", paramLabel = "DIR", description = "output folder: report.html, figures, _provenance.json (default: report.output)")
    Path out;

    @Override
    public Integer call() throws Exception {
        Settings s = options.load();
        ReportJob.Config c = config(s, results, aggregate, out);
        try (SparkSession spark = Sessions.create("robustbounds report", s.sparkMaster())) {
            report(spark, s, c, System.out);
        }
        return 0;
    }

    /**
     * The pipeline's last step when {@code report.enabled}: the report of this run's results and aggregate table, in the same
     * Spark session. Returns whether it ran.
     */
    static boolean afterPipeline(SparkSession spark, Settings s, PrintStream out) throws Exception {
        if (!s.getBoolean("report.enabled")) {
            return false;
        }
        report(spark, s, config(s, null, null, null), out);
        return true;
    }

    static ReportJob.Outcome report(SparkSession spark, Settings s, ReportJob.Config c, PrintStream out) throws Exception {
        ReportJob.Outcome o;
        try (SparkProgress ignored = new SparkProgress(spark, "report")) {
            o = ReportJob.run(spark, c, Provenance.of(s));
        }
        out.printf(Locale.ROOT, "%nreport: %d rows of %d model(s), %d figures, %.1f s → %s%n%s", o.rows(), o.models().size(), o.figures().size(),
                o.seconds(), o.html(), io.robustbounds.report.ConsoleSummary.ofModes(o.totals(), o.models().size()));
        return o;
    }

    /** The report block with the command line's overrides; empty results mean this run's, with its aggregate table when there is one. */
    static ReportJob.Config config(Settings s, List<String> results, String aggregate, Path out) {
        Path run = Path.of(s.getString("run.output"), SparkCommands.runId(s));
        List<String> r = results != null && !results.isEmpty() ? results : s.getStringList("report.results");
        boolean thisRun = r.isEmpty();
        if (thisRun) {
            r = List.of(run.resolve("evaluate").resolve("results").toString());
        }
        for (String dir : r) {
            if (!dir.contains("://") && !Files.isDirectory(Path.of(dir))) {
                throw new IllegalArgumentException("report: results folder " + dir + " does not exist");
            }
        }
        String a = aggregate != null ? aggregate : s.getString("report.aggregate");
        if (a.isBlank() && thisRun && aggregate == null && Files.isDirectory(run.resolve("aggregate").resolve("table"))) {
            a = run.resolve("aggregate").resolve("table").toString();
        }
        String o = out != null ? out.toString() : s.getString("report.output");
        Path output = o.isBlank() ? run.resolve("report") : Path.of(o);
        int accuracy = s.getInt("report.quantile-accuracy", 100);
        return new ReportJob.Config(r, a.isBlank() ? null : a, output, s.getInt("report.max-groups", 1), s.getInt("report.max-heatmaps", 0),
                accuracy, s.getInt("report.width", 320), s.getInt("report.height", 240));
    }
}

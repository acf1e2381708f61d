package io.robustbounds.cli;

import io.robustbounds.config.Settings;
import io.robustbounds.config.SweepConfig;
import io.robustbounds.spark.Provenance;
import io.robustbounds.spark.Sessions;
import io.robustbounds.sweep.SweepJob;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sweep}: a randomized sweep of conf/sweeps/ as a Spark job (thesis Tables 3.1 and 4.2 and larger). */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = "Randomized sweep (conf/sweeps/*.conf): models and samples generated on the executors, per-cell tables "
                + "(thesis layout, its numbers beside ours), per-model means and box plots; resumable.")
final class SweepCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, required = true, description = "sweep file, e.g. conf/sweeps/thesis-table-4-2.conf")
    Path config;

    @Option(names = "--set", description = "override a key, e.g. --set sweep.seed=2 or --set run.id=try2")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--resume", description = "continue the run of the same run.id: compute only its missing units (the config must be unchanged)")
    boolean resume;

    @Option(names = "--fresh", description = "delete the run's previous sweep output and start over")
    boolean fresh;

    @Override
    public Integer call() throws Exception {
        if (resume && fresh) {
            throw new IllegalArgumentException("--resume and --fresh exclude each other");
        }
        Settings s = Settings.load(config, overrides, SweepConfig.schema());
        SweepConfig c = SweepConfig.from(s);
        Provenance provenance = Provenance.of(s);
        SweepJob.Outcome o;
        try (SparkSession spark = Sessions.create("robustbounds sweep", c.master())) {
            try (SparkProgress progress = new SparkProgress(spark, "sweep", SparkCommands.progressInterval(s))) {
                o = SweepJob.run(spark, c, resume ? SweepJob.Start.RESUME : fresh ? SweepJob.Start.FRESH : SweepJob.Start.NEW, provenance, progress);
            }
            System.out.printf(Locale.ROOT, "%nsweep %s (%s) on %s: %d cells, %d models, %d samples; config hash %s…%n", c.name(), config,
                    spark.sparkContext().master(), c.cells().size(), c.totalModels(), c.totalSamples(), c.hash().substring(0, 12));
        }
        System.out.printf(Locale.ROOT, "  units: %d, computed now %d, kept from before %d%n", o.units(), o.computedUnits(),
                o.units() - o.computedUnits());
        if (o.evaluatedSamples() > 0) {
            System.out.printf(Locale.ROOT, "  evaluated %d samples in %.1f s (%.0f samples/s); whole job %.1f s%n", o.evaluatedSamples(),
                    o.evaluateSeconds(), o.evaluatedSamples() / o.evaluateSeconds(), o.seconds());
        } else {
            System.out.printf(Locale.ROOT, "  nothing left to evaluate; tables rebuilt in %.1f s%n", o.seconds());
        }
        System.out.printf(Locale.ROOT, "  violations (bound > ‖η‖): %d%s%n", o.violations(),
                c.allModes().contains(io.robustbounds.bounds.BoundMode.PAPER) ? " (paper mode: the published formulas, not guarantees)" : "");
        if (o.nonFinite() > 0) {
            System.out.printf(Locale.ROOT, "  NON-FINITE RESULTS: %d sample(s) got a NaN or infinite bound, δ, ‖J‖ or attack norm (an overflowed "
                    + "forward pass; try evaluation.precision = double): counted in the table's non-finite column, in no other figure%n", o.nonFinite());
        }
        System.out.printf("  → %s (table Parquet, table.csv, table.md, per-model/, box-plot-*.png|svg, _provenance.json)%n%n", o.path());
        String[] lines = o.markdown().split("\n");
        int shown = Math.min(lines.length, 40);
        for (int i = 0; i < shown; i++) {
            System.out.println(lines[i]);
        }
        if (shown < lines.length) {
            System.out.printf("… %d more rows in %s/table.md%n", lines.length - shown, o.path());
        }
        // paper-mode violations are findings about the published formulas; a sound-mode violation is a bug; a non-finite
        // result is a sample the run could not evaluate
        long sound = o.rows().stream().filter(r -> r.mode() == io.robustbounds.bounds.BoundMode.SOUND).mapToLong(SweepJob.CellRow::violations).sum();
        return sound > 0 || o.nonFinite() > 0 ? 1 : 0;
    }
}

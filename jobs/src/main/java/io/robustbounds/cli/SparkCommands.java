package io.robustbounds.cli;

import io.robustbounds.aggregate.AggregateJob;
import io.robustbounds.config.EvaluationSettings;
import io.robustbounds.config.Settings;
import io.robustbounds.evaluate.EvaluateJob;
import io.robustbounds.evaluate.EvaluateOptions;
import io.robustbounds.evaluate.Subset;
import io.robustbounds.spark.JobProgress;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** The Spark jobs' configurations (evaluate, aggregate) read from a {@link Settings}; errors name the file, the key and the value. */
final class SparkCommands {
    private SparkCommands() {
    }

    /** {@code evaluate.on-bad-row}: whether a bad row fails the job ({@code fail}) or goes to the rejects ({@code reject}). */
    static boolean failOnBadRow(Settings s) {
        String onBadRow = s.getString("evaluate.on-bad-row").toLowerCase(Locale.ROOT);
        if (!onBadRow.equals("reject") && !onBadRow.equals("fail")) {
            throw s.invalid("evaluate.on-bad-row", "must be reject or fail");
        }
        return onBadRow.equals("fail");
    }

    static EvaluateJob.Config evaluate(Settings s) {
        boolean fail = failOnBadRow(s);
        int partitions = s.getInt("evaluate.partitions");
        if (partitions < 0) {
            throw s.invalid("evaluate.partitions", "must be >= 0");
        }
        return new EvaluateJob.Config(s.getInputPath("evaluate.model"), s.getInputPath("evaluate.test-set"), s.getString("run.output"),
                runId(s), s.getInt("evaluate.batch-size", 1), fail, partitions, EvaluationSettings.read(s),
                s.getStringList("aggregate.group-by"), // summarized for the aggregate, which then need not read the results
                allowClassMismatch(s));
    }

    /**
     * How evaluate runs: the subset of rows ({@code evaluate.limit}, {@code fraction}, {@code seed}), rows per task, whether U
     * is derived ({@code evaluation.fgs-upper = auto}), and who shows its progress. Keys a configuration file from before
     * them lacks take their defaults (all rows, Spark's splits).
     */
    static EvaluateOptions evaluateOptions(Settings s, JobProgress progress) {
        long limit = s.hasPath("evaluate.limit") ? s.getLong("evaluate.limit") : 0;
        double fraction = s.hasPath("evaluate.fraction") ? s.getDouble("evaluate.fraction") : 1.0;
        long seed = s.hasPath("evaluate.seed") ? s.getLong("evaluate.seed") : 1;
        long rowsPerTask = s.hasPath("evaluate.rows-per-task") ? s.getLong("evaluate.rows-per-task") : 0;
        if (limit < 0) {
            throw s.invalid("evaluate.limit", "must be >= 0 (0: all rows)");
        }
        if (!(fraction > 0 && fraction <= 1)) {
            throw s.invalid("evaluate.fraction", "must be in (0, 1] (1: all rows)");
        }
        if (limit > 0 && fraction < 1) {
            throw s.invalid("evaluate.fraction", "excludes evaluate.limit = " + limit + ": give one of them");
        }
        if (rowsPerTask < 0) {
            throw s.invalid("evaluate.rows-per-task", "must be >= 0 (0: Spark's file splits)");
        }
        return new EvaluateOptions(progress, new Subset(limit, fraction, seed), rowsPerTask, EvaluationSettings.fgsUpperAuto(s));
    }

    /** How often a plain progress line is printed when standard error is not a terminal ({@code progress.interval}). */
    static java.time.Duration progressInterval(io.robustbounds.config.ConfigReader s) {
        if (!s.hasPath("progress.interval")) {
            return ConsoleProgress.DEFAULT_INTERVAL;
        }
        java.time.Duration d = s.getDuration("progress.interval");
        if (d.isNegative() || d.isZero()) {
            throw s.invalid("progress.interval", "must be positive");
        }
        return d;
    }

    static AggregateJob.Config aggregate(Settings s) {
        List<String> results = s.getStringList("aggregate.results");
        if (results.isEmpty()) {
            results = List.of(Path.of(s.getString("run.output"), runId(s), "evaluate", "results").toString());
        }
        List<String> groupBy = s.getStringList("aggregate.group-by");
        if (groupBy.isEmpty()) {
            throw s.invalid("aggregate.group-by", "must name at least one column");
        }
        long driverMb = s.getLong("aggregate.summaries-on-driver-mb");
        if (driverMb < 0) {
            throw s.invalid("aggregate.summaries-on-driver-mb", "must be >= 0");
        }
        return new AggregateJob.Config(results, s.getString("run.output"), runId(s), groupBy, s.getBoolean("aggregate.summaries"),
                driverMb << 20);
    }

    /** evaluate.allow-class-mismatch; false when a configuration file predates the key. */
    static boolean allowClassMismatch(Settings s) {
        return s.hasPath(EvaluateJob.ALLOW_CLASS_MISMATCH) && s.getBoolean(EvaluateJob.ALLOW_CLASS_MISMATCH);
    }

    static String runId(Settings s) {
        String id = s.getString("run.id");
        if (!id.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
            throw s.invalid("run.id", "must be letters, digits, '.', '_' or '-'");
        }
        return id;
    }
}

package io.robustbounds.cli;

import io.robustbounds.aggregate.AggregateJob;
import io.robustbounds.config.EvaluationSettings;
import io.robustbounds.config.Settings;
import io.robustbounds.evaluate.EvaluateJob;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** The Spark jobs' configurations (evaluate, aggregate) read from a {@link Settings}; errors name the file, the key and the value. */
final class SparkCommands {
    private SparkCommands() {
    }

    static EvaluateJob.Config evaluate(Settings s) {
        String onBadRow = s.getString("evaluate.on-bad-row").toLowerCase(Locale.ROOT);
        if (!onBadRow.equals("reject") && !onBadRow.equals("fail")) {
            throw s.invalid("evaluate.on-bad-row", "must be reject or fail");
        }
        int partitions = s.getInt("evaluate.partitions");
        if (partitions < 0) {
            throw s.invalid("evaluate.partitions", "must be >= 0");
        }
        return new EvaluateJob.Config(s.getString("evaluate.model"), s.getString("evaluate.test-set"), s.getString("run.output"),
                runId(s), s.getInt("evaluate.batch-size", 1), onBadRow.equals("fail"), partitions, EvaluationSettings.read(s),
                s.getStringList("aggregate.group-by"), // summarized for the aggregate, which then need not read the results
                allowClassMismatch(s));
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

package io.robustbounds.cli;

import io.robustbounds.config.Settings;
import io.robustbounds.data.CsvImport;
import io.robustbounds.data.IdxImport;
import io.robustbounds.aggregate.AggregateJob;
import io.robustbounds.evaluate.EvaluateJob;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Typed job configurations read from a {@link Settings}; errors name the key and the value. */
final class SparkCommands {
    private SparkCommands() {
    }

    static CsvImport.Config importCsv(Settings s) {
        List<String> classes = s.getStringList("import-csv.classes");
        List<Double> range = s.getDoubleList("import-csv.range");
        if (!range.isEmpty() && (range.size() != 2 || !(range.get(0) < range.get(1)))) {
            throw s.invalid("import-csv.range", "must be empty or [low, high] with low < high");
        }
        long rowsPerFile = s.getInt("import-csv.rows-per-file", 1);
        return new CsvImport.Config(Path.of(s.getString("import-csv.input")), Path.of(s.getString("import-csv.output")),
                s.getBoolean("import-csv.header"), s.getString("import-csv.delimiter"), s.getString("import-csv.label-column"),
                classes, range.isEmpty() ? null : new double[] {range.get(0), range.get(1)}, rowsPerFile,
                precision(s, "import-csv.precision"));
    }

    static IdxImport.Config importIdx(Settings s) {
        String images = s.getString("import-idx.images");
        if (images.isBlank()) {
            throw s.invalid("import-idx.images", "must name the IDX images file");
        }
        String labels = s.getString("import-idx.labels");
        String output = s.getString("import-idx.output");
        if (output.isBlank()) {
            throw s.invalid("import-idx.output", "must name the test-set folder");
        }
        double scale = s.getDouble("import-idx.scale");
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw s.invalid("import-idx.scale", "must be a finite number > 0");
        }
        return new IdxImport.Config(Path.of(images), labels.isBlank() ? null : Path.of(labels), Path.of(output), scale,
                s.getInt("import-idx.rows-per-file", 1));
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
                runId(s), s.getInt("evaluate.batch-size", 1), onBadRow.equals("fail"), partitions, RandomMlpCommand.evalSettings(s),
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

    private static boolean precision(Settings s, String key) {
        return switch (s.getString(key).toLowerCase(Locale.ROOT)) {
            case "float" -> false;
            case "double" -> true;
            default -> throw s.invalid(key, "must be float or double");
        };
    }
}

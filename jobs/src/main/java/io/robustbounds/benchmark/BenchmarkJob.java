package io.robustbounds.benchmark;

import static org.apache.spark.sql.functions.col;

import io.robustbounds.eval.EvalSettings;
import io.robustbounds.spark.Provenance;
import io.robustbounds.spark.SparkInternals;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * {@code benchmark}: a suite of (model, test set) entries evaluated and aggregated as one scheduled run; one
 * history row per entry, model and bound mode appended to a Parquet table partitioned by date; each row compared
 * with the same entry's row of the previous run. Alerts: any violation, and statistics that moved beyond the
 * configured thresholds. The caller exits non-zero when there are alerts, naming the models.
 */
public final class BenchmarkJob {

    /**
     * One entry of the suite: a model and a test set; {@code csv} (null: none) is a CSV file that the run imports into
     * {@code testSet} first, so that the entry needs nothing prepared beforehand.
     */
    public record Entry(String name, String model, String testSet, String csv) {
        public Entry(String name, String model, String testSet) {
            this(name, model, testSet, null);
        }
    }

    /**
     * Relative thresholds (|new − old| / |old|) for the bound and ε means and medians; absolute ones for the FGS
     * rate and the accuracy. A negative threshold switches that check off.
     */
    public record Thresholds(double boundMean, double boundMedian, double epsMean, double epsMedian, double fgsRate, double accuracy) {
    }

    public record Config(String suite, List<Entry> entries, String history, String outputRoot, String runId, int batchSize,
                         int partitions, EvalSettings evaluation, Thresholds thresholds) {
    }

    /**
     * A statistic that moved, violations, or a changed input. {@code mode} is null for an alert about the entry's inputs
     * (its test set or model changed): then {@code what} names the input and {@code testSet} is set when it is the test set.
     */
    public record Alert(String entry, String model, String mode, String what, String testSet) {
        Alert(String entry, String model, String mode, String what) {
            this(entry, model, mode, what, null);
        }

        @Override
        public String toString() {
            return mode == null ? "entry '" + entry + "': " + what : "model '" + model + "' (" + entry + ", " + mode + "): " + what;
        }
    }

    /** The earlier run this one was compared with: its run id, time and the git commit it ran. */
    public record Baseline(String runId, java.sql.Timestamp time, String gitCommit) {
        @Override
        public String toString() {
            return "run " + runId + " of " + java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC)
                    .format(time.toInstant()) + ", commit " + gitCommit;
        }
    }

    /** {@code baseline}: the run compared with, null on the suite's first run. */
    public record Outcome(String runId, List<Row> rows, List<Alert> alerts, Baseline baseline, double seconds) {
        public boolean firstRun() {
            return baseline == null;
        }
    }

    /**
     * What one entry's run is: evaluate its model on its test set and aggregate the results by model and bound mode under
     * {@code runId}, returning the aggregate table's folder (Parquet, one row per model and mode). The command supplies
     * it (the evaluate and aggregate jobs), so this package needs neither.
     */
    @FunctionalInterface
    public interface EntryRun {
        String evaluateAndAggregate(Entry entry, String runId);
    }

    /** The history table's columns; {@code date} is the partition column. */
    static final StructType HISTORY = new StructType()
            .add("suite", DataTypes.StringType, false)
            .add("run_id", DataTypes.StringType, false)
            .add("time", DataTypes.TimestampType, false)
            .add("entry", DataTypes.StringType, false)
            .add("model", DataTypes.StringType, false)
            .add("test_set", DataTypes.StringType, false)
            .add("bound_mode", DataTypes.StringType, false)
            .add("n", DataTypes.LongType, false)
            .add("accuracy", DataTypes.DoubleType, true)
            .add("fgs_rate", DataTypes.DoubleType, true)
            .add("eps_mean", DataTypes.DoubleType, true)
            .add("eps_median", DataTypes.DoubleType, true)
            .add("bound_mean", DataTypes.DoubleType, true)
            .add("bound_median", DataTypes.DoubleType, true)
            .add("violations", DataTypes.LongType, false)
            .add("git_commit", DataTypes.StringType, true)
            // what the entry ran on (null in histories written before they were recorded): see Fingerprint
            .add("test_set_sha256", DataTypes.StringType, true)
            .add("test_set_files", DataTypes.IntegerType, true)
            .add("test_set_rows", DataTypes.LongType, true)
            .add("model_sha256", DataTypes.StringType, true)
            .add("date", DataTypes.StringType, false);

    private BenchmarkJob() {
    }

    public static Outcome run(SparkSession spark, Config c, Provenance provenance, EntryRun entryRun) throws java.io.IOException {
        long t0 = System.nanoTime();
        Instant now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MICROS); // as the history stores it
        String date = now.atZone(ZoneOffset.UTC).toLocalDate().toString();
        List<Row> rows = new ArrayList<>();
        for (int k = 0; k < c.entries().size(); k++) {
            Entry e = c.entries().get(k);
            String run = c.runId() + "-" + e.name();
            String table = entryRun.evaluateAndAggregate(e, run);
            // after the run: an entry with a csv has just imported its test set
            org.apache.hadoop.conf.Configuration conf = spark.sparkContext().hadoopConfiguration();
            Fingerprint set = e.csv() == null ? Fingerprint.ofTestSet(e.testSet(), conf) : Fingerprint.ofImported(e.csv(), e.testSet(), conf);
            Fingerprint model = Fingerprint.ofModel(e.model(), conf);
            for (Row r : spark.read().parquet(table).collectAsList()) { // one row per model and mode: small
                rows.add(SparkInternals.rowWithSchema(new Object[] {c.suite(), c.runId(), java.sql.Timestamp.from(now), e.name(), r.getAs("model"), e.testSet(),
                        r.getAs("bound_mode"), r.<Long>getAs("n"), r.getAs("accuracy"), r.getAs("fgs_rate"), r.getAs("eps_mean"),
                        r.getAs("eps_median"), r.getAs("bound_mean"), r.getAs("bound_median"), r.<Long>getAs("violations"),
                        String.valueOf(provenance.gitCommit()), set.sha256(), set.files(), set.rows(), model.sha256(), date}, HISTORY));
            }
        }

        // the previous run of this suite: the latest run in the history before this one
        List<Row> previous = List.of();
        Baseline baseline = null;
        boolean exists = Files.isDirectory(Path.of(c.history()));
        if (exists) {
            Dataset<Row> h = spark.read().schema(HISTORY).parquet(c.history()).where(col("suite").equalTo(c.suite()))
                    .where(col("run_id").notEqual(c.runId()));
            List<Row> last = h.orderBy(col("time").desc()).limit(1).select("run_id", "time", "git_commit").collectAsList();
            if (!last.isEmpty()) {
                Row b = last.get(0);
                baseline = new Baseline(b.getString(0), b.getTimestamp(1), b.isNullAt(2) ? "unknown" : b.getString(2));
                previous = h.where(col("run_id").equalTo(baseline.runId())).collectAsList();
            }
        }
        List<Alert> alerts = compare(rows, previous, c.thresholds());
        spark.createDataFrame(rows, HISTORY).write().mode(SaveMode.Append).partitionBy("date").parquet(c.history());
        return new Outcome(c.runId(), rows, alerts, baseline, (System.nanoTime() - t0) / 1e9);
    }

    /**
     * Violations in this run; per entry, a test set or model whose files (or rows) differ from the previous run's; and
     * statistics that moved against the previous run's row of the same entry, model and mode.
     */
    static List<Alert> compare(List<Row> now, List<Row> before, Thresholds t) {
        Map<String, Row> old = new LinkedHashMap<>();
        Map<String, Row> oldEntry = new LinkedHashMap<>();
        for (Row r : before) {
            old.put(key(r), r);
            oldEntry.putIfAbsent(r.getAs("entry"), r);
        }
        List<Alert> alerts = new ArrayList<>();
        java.util.Set<String> inputsChecked = new java.util.HashSet<>();
        for (Row r : now) {
            Row o = oldEntry.get(r.<String>getAs("entry"));
            if (o != null && inputsChecked.add(r.getAs("entry"))) {
                inputs(alerts, r, o);
            }
        }
        for (Row r : now) {
            String entry = r.getAs("entry");
            String model = r.getAs("model");
            String mode = r.getAs("bound_mode");
            long v = r.<Long>getAs("violations");
            if (v > 0) {
                alerts.add(new Alert(entry, model, mode, v + " violation(s): a bound exceeds a real adversarial perturbation"));
            }
            Row o = old.get(key(r));
            if (o == null) {
                continue;
            }
            relative(alerts, r, o, "bound_mean", t.boundMean());
            relative(alerts, r, o, "bound_median", t.boundMedian());
            relative(alerts, r, o, "eps_mean", t.epsMean());
            relative(alerts, r, o, "eps_median", t.epsMedian());
            absolute(alerts, r, o, "fgs_rate", t.fgsRate());
            absolute(alerts, r, o, "accuracy", t.accuracy());
        }
        return alerts;
    }

    /**
     * Alerts for an entry whose test set or model is not what the previous run used: checksums or rows differ. A side
     * without a checksum (histories from before they were recorded) is not compared.
     */
    private static void inputs(List<Alert> alerts, Row now, Row old) {
        String entry = now.getAs("entry");
        String set = now.getAs("test_set");
        String shaNow = now.getAs("test_set_sha256");
        String shaOld = old.getAs("test_set_sha256");
        Long rowsNow = now.getAs("test_set_rows");
        Long rowsOld = old.getAs("test_set_rows");
        List<String> what = new ArrayList<>();
        if (shaNow != null && shaOld != null && !shaNow.equals(shaOld)) {
            what.add(String.format(Locale.ROOT, "its files' checksum %s (%s) → %s (%s)", Fingerprint.shortSha(shaOld),
                    files(old.getAs("test_set_files")), Fingerprint.shortSha(shaNow), files(now.getAs("test_set_files"))));
        }
        if (rowsNow != null && rowsOld != null && !rowsNow.equals(rowsOld)) {
            what.add(String.format(Locale.ROOT, "rows %d → %d", rowsOld, rowsNow));
        }
        String oldSet = old.getAs("test_set");
        if (!what.isEmpty()) {
            alerts.add(new Alert(entry, now.getAs("model"), null, "test set '" + set + "' changed since the previous run"
                    + (set.equals(oldSet) ? "" : " (then '" + oldSet + "')") + ": " + String.join(", ", what)
                    + "; its statistics are not comparable", set));
        }
        String modelNow = now.getAs("model_sha256");
        String modelOld = old.getAs("model_sha256");
        if (modelNow != null && modelOld != null && !modelNow.equals(modelOld)) {
            alerts.add(new Alert(entry, now.getAs("model"), null, "model '" + now.getAs("model") + "' changed since the previous run: its files' checksum "
                    + Fingerprint.shortSha(modelOld) + " → " + Fingerprint.shortSha(modelNow)));
        }
    }

    private static String files(Integer n) {
        return n == null ? "? files" : n == 1 ? "1 file" : n + " files";
    }

    private static String key(Row r) {
        return r.getAs("entry") + "\u0000" + r.getAs("model") + "\u0000" + r.getAs("bound_mode");
    }

    private static void relative(List<Alert> alerts, Row now, Row old, String column, double threshold) {
        Double a = now.getAs(column);
        Double b = old.getAs(column);
        if (threshold < 0 || a == null || b == null) {
            return;
        }
        double change = b == 0 ? (a == 0 ? 0 : Double.POSITIVE_INFINITY) : Math.abs(a - b) / Math.abs(b);
        if (change > threshold) {
            alerts.add(new Alert(now.getAs("entry"), now.getAs("model"), now.getAs("bound_mode"), String.format(Locale.ROOT,
                    "%s moved %.3g → %.3g (%+.1f%%, threshold %.1f%%)", column, b, a, 100 * (a - b) / Math.abs(b), 100 * threshold)));
        }
    }

    private static void absolute(List<Alert> alerts, Row now, Row old, String column, double threshold) {
        Double a = now.getAs(column);
        Double b = old.getAs(column);
        if (threshold < 0 || a == null || b == null) {
            return;
        }
        if (Math.abs(a - b) > threshold) {
            alerts.add(new Alert(now.getAs("entry"), now.getAs("model"), now.getAs("bound_mode"), String.format(Locale.ROOT,
                    "%s moved %.4f → %.4f (threshold ±%.4f)", column, b, a, threshold)));
        }
    }
}

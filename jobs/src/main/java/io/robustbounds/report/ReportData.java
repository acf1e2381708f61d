package io.robustbounds.report;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.posexplode;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The report's summaries, computed by Spark aggregations on the executors: only small tables (a row per
 * group, per group and bin, per class pair or per κ position) reach the driver, never per-sample rows.
 *
 * Groups: the sweep cell when the results have a {@code cell} column, else the model ("run/model" when the same
 * model name comes from several result folders). FGS columns are the same in every bound mode's row of a
 * sample, so FGS statistics (ε, ‖η‖, transitions) read one mode's rows per model ("the FGS view"); bounds,
 * deviations, violations and κ are per mode. Quartiles are Spark's percentile_approx with the configured
 * accuracy A: the rank error is at most n/A (exact for n ≤ A, as nearest-rank quantiles). The medians of the summary
 * tables are exact for results of up to {@link #LOCAL_ROWS} rows (Spark's percentile: the mean of the two middle values
 * of an even count, the aggregate table's definition, so the report and {@code aggregate} print the same median), and
 * percentile_approx above.
 */
public final class ReportData {
    static final String GROUP = "_group";
    static final String MODEL = "_model";
    static final String RUN = "_run";
    static final String MODE = "bound_mode";

    /** Box-plot statistics: quartiles, Tukey whiskers (the most extreme values within 1.5 IQR of the box), extremes. */
    public record Box(String group, String mode, long n, double q1, double median, double q3, double lowWhisker, double highWhisker,
            double min, double max, long outliers) {
    }

    /** Log-binned counts of one series (see {@link LogBins}); {@code missing}: rows without a value. */
    public record Hist(String group, String mode, long[] counts, long missing, long total) {
    }

    public record Summary(String group, String mode, long models, long n, Double accuracy, double fgsRate, long violations, double boundMean,
            double boundMedian, Double epsMean, Double epsMedian, Double etaMean, Double deviationMean, Double deviationMedian,
            Double attackNormMedian, Double tightnessMedian) {
    }

    /** counts[from][to]: predicted class → adversarial class; column {@code classes} counts samples where FGS found no flip. */
    public record Transitions(String model, int classes, long[][] counts) {
    }

    /** Quartiles of log10 κ per chain position (0: the input's bound, last: δ at the head). */
    public record KappaProfile(String group, String mode, double[] q1, double[] median, double[] q3, long[] n) {
    }

    public record Rank(String model, long n, Map<String, Double> boundMean, Double epsMean, double fgsRate) {
    }

    public record Inputs(List<String> paths, List<String> labels, boolean cells, List<String> models, List<String> modes, long rows) {
    }

    /** One bound mode over every group: samples, violations, median bound and median tightness (null without the column). */
    public record ModeTotal(String mode, long n, long violations, double boundMedian, Double tightnessMedian) {
    }

    private final SparkSession spark;
    private final int accuracy;
    /** The summaries' median as a SQL format with one %s (the column): exact for small results, else approximate. */
    private final String median;
    private final Dataset<Row> all;
    private final Dataset<Row> fgs;
    private final Inputs inputs;

    /** Results up to this many rows are read once and held on the driver for the report's passes. */
    static final long LOCAL_ROWS = 200_000;

    /** Reads the result folders (union by column name) and decides groups and the FGS view. */
    public ReportData(SparkSession spark, List<String> results, int quantileAccuracy) {
        this.accuracy = quantileAccuracy;
        List<String> labels = labels(results);
        Dataset<Row> union = null;
        for (int i = 0; i < results.size(); i++) {
            Dataset<Row> d = spark.read().parquet(results.get(i));
            for (String c : List.of("model", "id", "predicted", MODE, "bound", "kappas", "fgs_success", "violation")) {
                if (!Arrays.asList(d.columns()).contains(c)) {
                    throw new IllegalArgumentException("report: " + results.get(i) + " has no column '" + c + "'; is it an evaluate results folder? "
                            + "(columns: " + Arrays.asList(d.columns()) + ")");
                }
            }
            d = d.withColumn(RUN, lit(labels.get(i)));
            union = union == null ? d : union.unionByName(d, true);
        }
        boolean cells = Arrays.asList(union.columns()).contains("cell");
        // one small pass: the models of every run, their modes; the FGS view reads the first mode of each
        List<Row> models = union.groupBy(RUN, "model").agg(min(MODE).as("fgs_mode"), expr("sort_array(collect_set(" + MODE + "))").as("modes"),
                count(lit(1)).as("n")).orderBy(RUN, "model").collectAsList();
        Map<String, Integer> runsPerName = new HashMap<>();
        for (Row r : models) {
            runsPerName.merge(r.getString(1), 1, Integer::sum);
        }
        boolean qualify = runsPerName.values().stream().anyMatch(c -> c > 1);
        Column modelKey = qualify ? concat(col(RUN), lit("/"), col("model")) : col("model");
        Dataset<Row> d = union.withColumn(MODEL, modelKey);
        d = d.withColumn(GROUP, cells ? coalesce(col("cell").cast("string"), col(MODEL)) : col(MODEL));
        long rows = models.stream().mapToLong(r -> r.getLong(4)).sum();
        if (rows <= LOCAL_ROWS) {
            // a small report: its twenty-odd passes read the rows from the driver's memory, not Parquet, and shuffle into
            // one partition (ReportJob restores the session's setting); the demo's report went from 13.9 to ~8 s
            d = spark.createDataFrame(d.collectAsList(), d.schema());
            spark.conf().set("spark.sql.shuffle.partitions", "1");
        }
        this.median = rows <= LOCAL_ROWS ? "percentile(%s, 0.5D)" : "percentile_approx(%s, 0.5D, " + accuracy + ")";
        this.spark = spark;
        this.all = d;
        StructType firstModes = DataTypes.createStructType(List.of(DataTypes.createStructField("_r", DataTypes.StringType, false),
                DataTypes.createStructField("_m", DataTypes.StringType, false), DataTypes.createStructField("_fgs_mode", DataTypes.StringType, false)));
        List<Row> fm = new ArrayList<>();
        Set<String> modes = new java.util.TreeSet<>();
        List<String> modelNames = new ArrayList<>();
        for (Row r : models) {
            fm.add(RowFactory.create(r.getString(0), r.getString(1), r.getString(2)));
            modes.addAll(r.getList(3));
            modelNames.add(qualify ? r.getString(0) + "/" + r.getString(1) : r.getString(1));
        }
        Dataset<Row> first = spark.createDataFrame(fm, firstModes);
        this.fgs = d.join(broadcast(first), col(RUN).equalTo(col("_r")).and(col("model").equalTo(col("_m"))))
                .filter(col(MODE).equalTo(col("_fgs_mode"))).drop("_r", "_m", "_fgs_mode");
        this.inputs = new Inputs(results, labels, cells, modelNames, new ArrayList<>(modes), rows);
    }

    public Inputs inputs() {
        return inputs;
    }

    /** A short name per results folder: the run id for {@code <run>/evaluate/results}, else the folder's name; made unique. */
    static List<String> labels(List<String> results) {
        List<String> labels = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String r : results) {
            Path p = Path.of(r.replaceFirst("^file:", "")).normalize();
            String label = p.getFileName() == null ? r : p.getFileName().toString();
            if (p.getNameCount() >= 3 && label.equals("results") && p.getParent().getFileName().toString().equals("evaluate")) {
                label = p.getParent().getParent().getFileName().toString();
            }
            String unique = label;
            for (int i = 2; !seen.add(unique); i++) {
                unique = label + "#" + i;
            }
            labels.add(unique);
        }
        return labels;
    }

    /** The smallest and largest positive finite bound and ‖η‖ of all rows: [min, max], NaN when there is none. */
    public double[] positiveRange() {
        Column b = col("bound");
        Column e = col("eta_norm");
        Column a = attack();
        Row r = all.agg(min(when(b.gt(0).and(b.lt(Double.POSITIVE_INFINITY)), b)), max(when(b.gt(0).and(b.lt(Double.POSITIVE_INFINITY)), b)),
                min(when(e.gt(0).and(e.lt(Double.POSITIVE_INFINITY)), e)), max(when(e.gt(0).and(e.lt(Double.POSITIVE_INFINITY)), e)),
                min(when(a.gt(0).and(a.lt(Double.POSITIVE_INFINITY)), a)), max(when(a.gt(0).and(a.lt(Double.POSITIVE_INFINITY)), a))).first();
        double lo = Double.NaN;
        double hi = Double.NaN;
        for (int i = 0; i < 6; i += 2) {
            if (!r.isNullAt(i)) {
                lo = Double.isNaN(lo) ? r.getDouble(i) : Math.min(lo, r.getDouble(i));
                hi = Double.isNaN(hi) ? r.getDouble(i + 1) : Math.max(hi, r.getDouble(i + 1));
            }
        }
        return new double[] {lo, hi};
    }

    /** Per group and mode: counts, accuracy, FGS rate, violations, bound/ε/‖η‖/deviation means and medians. */
    public List<Summary> summary() {
        String q = median;
        Map<List<String>, Row> eps = new HashMap<>();
        for (Row r : fgs.groupBy(GROUP).agg(avg("fgs_eps"), expr(String.format(q, "fgs_eps")), avg("eta_norm"),
                avg(when(col("fgs_success"), 1.0).otherwise(0.0))).collectAsList()) {
            eps.put(List.of(r.getString(0)), r);
        }
        List<Summary> out = new ArrayList<>();
        for (Row r : all.groupBy(GROUP, MODE).agg(expr("count(DISTINCT " + MODEL + ")"), count(lit(1)),
                        avg(when(col("label").isNull(), lit(null)).when(col("predicted").equalTo(col("label")), 1.0).otherwise(0.0)),
                        sum(when(col("violation"), 1L).otherwise(0L)), avg("bound"), expr(String.format(q, "bound")), avg("deviation"),
                        expr(String.format(q, "deviation")), bestAttackMedian("attack_norm", q), bestAttackMedian("tightness", q))
                .orderBy(GROUP, MODE).collectAsList()) {
            Row e = eps.get(List.of(r.getString(0)));
            out.add(new Summary(r.getString(0), r.getString(1), r.getLong(2), r.getLong(3), nullable(r, 4), e.getDouble(4), r.getLong(5),
                    r.getDouble(6), r.getDouble(7), nullable(e, 1), nullable(e, 2), nullable(e, 3), nullable(r, 8), nullable(r, 9),
                    nullable(r, 10), nullable(r, 11)));
        }
        return out;
    }

    /** The median of a best-attack column (results written before those columns existed have none: null). */
    private Column bestAttackMedian(String column, String q) {
        return java.util.Arrays.asList(all.columns()).contains(column) ? expr(String.format(q, column)) : lit(null).cast("double");
    }

    private static Double nullable(Row r, int i) {
        return r.isNullAt(i) ? null : ((Number) r.get(i)).doubleValue();
    }

    /** Box statistics of the deviations ‖η‖ − bound per group and mode. */
    public List<Box> deviationBoxes() {
        return boxes(all, List.of(GROUP, MODE), "deviation");
    }

    /** Box statistics of the FGS ε per group (mode-independent). */
    public List<Box> epsBoxes() {
        return boxes(fgs, List.of(GROUP), "fgs_eps");
    }

    /** Two passes: quartiles per key, then the whiskers inside the Tukey fences and the count outside them. */
    List<Box> boxes(Dataset<Row> d, List<String> keys, String value) {
        Column v = col(value);
        Dataset<Row> values = d.filter(v.isNotNull().and(not(v.isNaN())));
        Column[] k = keys.stream().map(c -> col(c)).toArray(Column[]::new);
        Dataset<Row> q = values.groupBy(k).agg(count(lit(1)).as("_n"), expr("percentile_approx(" + value + ", array(0.25D, 0.5D, 0.75D), " + accuracy + ")")
                .as("_q"), min(v).as("_min"), max(v).as("_max"));
        q = q.withColumn("_lo", expr("_q[0] - 1.5D * (_q[2] - _q[0])")).withColumn("_hi", expr("_q[2] + 1.5D * (_q[2] - _q[0])")).cache();
        try {
            Dataset<Row> fences = q.select(concatKeys(keys, "_lo", "_hi"));
            Column inside = v.geq(col("_lo")).and(v.leq(col("_hi")));
            Map<List<String>, Row> whiskers = new HashMap<>();
            for (Row r : values.join(broadcast(fences), keys.toArray(String[]::new))
                    .groupBy(k).agg(min(when(inside, v)), max(when(inside, v)), sum(when(inside, 0L).otherwise(1L))).collectAsList()) {
                whiskers.put(keyOf(r, keys.size()), r);
            }
            List<Box> out = new ArrayList<>();
            for (Row r : q.orderBy(k).collectAsList()) {
                int n = keys.size();
                Row w = whiskers.get(keyOf(r, n));
                List<Double> qs = r.getList(n + 1);
                out.add(new Box(r.getString(0), n > 1 ? r.getString(1) : null, r.getLong(n), qs.get(0), qs.get(1), qs.get(2), w.getDouble(n),
                        w.getDouble(n + 1), r.getDouble(n + 2), r.getDouble(n + 3), w.getLong(n + 2)));
            }
            return out;
        } finally {
            q.unpersist();
        }
    }

    private static Column[] concatKeys(List<String> keys, String... more) {
        List<Column> c = new ArrayList<>();
        keys.forEach(k -> c.add(col(k)));
        for (String m : more) {
            c.add(col(m));
        }
        return c.toArray(Column[]::new);
    }

    private static List<String> keyOf(Row r, int n) {
        List<String> k = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            k.add(r.getString(i));
        }
        return k;
    }

    /** Log-binned bounds per group and mode. */
    public List<Hist> boundHistograms(LogBins bins) {
        return histograms(all, List.of(GROUP, MODE), "bound", bins);
    }

    /** Log-binned ‖η‖ per group (FGS view); samples without a flip are the missing ones. */
    public List<Hist> etaHistograms(LogBins bins) {
        return histograms(fgs, List.of(GROUP), "eta_norm", bins);
    }

    List<Hist> histograms(Dataset<Row> d, List<String> keys, String value, LogBins bins) {
        return histograms(d, keys, col(value), bins);
    }

    List<Hist> histograms(Dataset<Row> d, List<String> keys, Column value, LogBins bins) {
        Column[] k = keys.stream().map(c -> col(c)).toArray(Column[]::new);
        Map<List<String>, long[]> counts = new TreeMap<>(ReportData::compareKeys);
        Map<List<String>, long[]> missing = new HashMap<>(); // {missing, total}
        List<Column> groupCols = new ArrayList<>(Arrays.asList(k));
        groupCols.add(bins.binColumn(value).as("_bin"));
        for (Row r : d.groupBy(groupCols.toArray(Column[]::new)).count().collectAsList()) {
            List<String> key = keyOf(r, keys.size());
            long[] c = counts.computeIfAbsent(key, x -> new long[bins.bins() + 2]);
            long[] m = missing.computeIfAbsent(key, x -> new long[2]);
            long n = r.getLong(keys.size() + 1);
            m[1] += n;
            if (r.isNullAt(keys.size())) {
                m[0] += n;
            } else {
                c[r.getInt(keys.size()) + 1] += n;
            }
        }
        List<Hist> out = new ArrayList<>();
        counts.forEach((key, c) -> out.add(new Hist(key.get(0), key.size() > 1 ? key.get(1) : null, c, missing.get(key)[0], missing.get(key)[1])));
        return out;
    }

    private static int compareKeys(List<String> a, List<String> b) {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            int c = a.get(i).compareTo(b.get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.size(), b.size());
    }

    /** Whether the results hold the column (results of older versions lack the best-attack ones). */
    boolean has(String column) {
        return Arrays.asList(all.columns()).contains(column);
    }

    /** The best attack's norm: attack_norm, or FGS ‖η‖ in results written before attack_norm existed. */
    private Column attack() {
        return col(has("attack_norm") ? "attack_norm" : "eta_norm");
    }

    /** Whether the best attack is attack_norm (true) or, in older results, FGS ‖η‖. */
    boolean bestAttackColumn() {
        return has("attack_norm");
    }

    /**
     * One pass, two histograms: of every row, and, for the certified accuracy, over the labelled rows, of the correctly
     * classified ones (a misclassified row has no bin: it counts in {@code missing} and {@code total}, never above r).
     */
    public record HistPair(List<Hist> all, List<Hist> correct) {
    }

    /** Log-binned bounds per group and mode, of all rows and of the correctly classified labelled ones. */
    public HistPair boundHistogramPair(LogBins bins) {
        return histogramPair(all, List.of(GROUP, MODE), col("bound"), bins);
    }

    /**
     * Log-binned best-attack norms per group (FGS view), of all rows and of the correctly classified labelled ones; a sample
     * without a successful attack is +∞ (the overflow bin): its robustness is not bounded above by any r.
     */
    public HistPair attackHistogramPair(LogBins bins) {
        return histogramPair(fgs, List.of(GROUP), coalesce(attack(), lit(Double.POSITIVE_INFINITY)), bins);
    }

    public List<Hist> attackHistograms(LogBins bins) {
        return attackHistogramPair(bins).all();
    }

    public List<Hist> correctBoundHistograms(LogBins bins) {
        return boundHistogramPair(bins).correct();
    }

    public List<Hist> correctAttackHistograms(LogBins bins) {
        return attackHistogramPair(bins).correct();
    }

    private HistPair histogramPair(Dataset<Row> d, List<String> keys, Column value, LogBins bins) {
        Column correctness = when(col("label").isNull(), lit("u")).when(col("predicted").equalTo(col("label")), lit("y")).otherwise(lit("n"));
        List<Column> groupCols = new ArrayList<>();
        keys.forEach(k -> groupCols.add(col(k)));
        groupCols.add(correctness.as("_c"));
        groupCols.add(bins.binColumn(value).as("_bin"));
        int n = keys.size();
        Map<List<String>, long[]> counts = new TreeMap<>(ReportData::compareKeys);
        Map<List<String>, long[]> missing = new HashMap<>(); // {missing, total}
        Map<List<String>, long[]> correctCounts = new TreeMap<>(ReportData::compareKeys);
        Map<List<String>, long[]> correctMissing = new HashMap<>();
        for (Row r : d.groupBy(groupCols.toArray(Column[]::new)).count().collectAsList()) {
            List<String> key = keyOf(r, n);
            String c = r.getString(n);
            boolean binned = !r.isNullAt(n + 1);
            long rows = r.getLong(n + 2);
            long[] all = counts.computeIfAbsent(key, x -> new long[bins.bins() + 2]);
            long[] m = missing.computeIfAbsent(key, x -> new long[2]);
            m[1] += rows;
            if (binned) {
                all[r.getInt(n + 1) + 1] += rows;
            } else {
                m[0] += rows;
            }
            if (!c.equals("u")) {
                long[] cc = correctCounts.computeIfAbsent(key, x -> new long[bins.bins() + 2]);
                long[] cm = correctMissing.computeIfAbsent(key, x -> new long[2]);
                cm[1] += rows;
                if (c.equals("y") && binned) {
                    cc[r.getInt(n + 1) + 1] += rows;
                } else {
                    cm[0] += rows;
                }
            }
        }
        return new HistPair(hists(counts, missing), hists(correctCounts, correctMissing));
    }

    private static List<Hist> hists(Map<List<String>, long[]> counts, Map<List<String>, long[]> missing) {
        List<Hist> out = new ArrayList<>();
        counts.forEach((key, c) -> out.add(new Hist(key.get(0), key.size() > 1 ? key.get(1) : null, c, missing.get(key)[0], missing.get(key)[1])));
        return out;
    }

    /** Box statistics of the tightness (bound ÷ best attack norm) per group and mode; none in results without the column. */
    public List<Box> tightnessBoxes() {
        return has("tightness") ? boxes(all, List.of(GROUP, MODE), "tightness") : List.of();
    }

    /** Per bound mode over all groups: samples, violations, median bound and tightness (the console's summary). */
    public List<ModeTotal> modeTotals() {
        String q = median;
        List<ModeTotal> out = new ArrayList<>();
        for (Row r : all.groupBy(MODE).agg(count(lit(1)), sum(when(col("violation"), 1L).otherwise(0L)), expr(String.format(q, "bound")),
                bestAttackMedian("tightness", q)).orderBy(MODE).collectAsList()) {
            out.add(new ModeTotal(r.getString(0), r.getLong(1), r.getLong(2), r.isNullAt(3) ? Double.NaN : r.getDouble(3), nullable(r, 4)));
        }
        return out;
    }

    /** Predicted → adversarial class counts of the first {@code maxModels} models (in name order). */
    public List<Transitions> transitions(int maxModels) {
        List<String> chosen = inputs.models().stream().sorted().limit(maxModels).toList();
        Map<String, Map<List<Integer>, Long>> cells = new TreeMap<>();
        Map<String, Integer> classes = new HashMap<>();
        for (Row r : fgs.filter(col(MODEL).isin(chosen.toArray())).groupBy(MODEL, "predicted", "adversarial_class").count().collectAsList()) {
            int from = r.getInt(1);
            Integer to = r.isNullAt(2) ? null : r.getInt(2);
            cells.computeIfAbsent(r.getString(0), x -> new HashMap<>()).put(Arrays.asList(from, to), r.getLong(3));
            classes.merge(r.getString(0), Math.max(from, to == null ? 0 : to) + 1, Math::max);
        }
        List<Transitions> out = new ArrayList<>();
        cells.forEach((model, m) -> {
            int k = classes.get(model);
            long[][] c = new long[k][k + 1];
            m.forEach((pair, n) -> c[pair.get(0)][pair.get(1) == null ? k : pair.get(1)] += n);
            out.add(new Transitions(model, k, c));
        });
        return out;
    }

    /** Quartiles of log10 κ per chain position, per group and mode (positive finite κ only). */
    public List<KappaProfile> kappaProfiles() {
        Dataset<Row> k = all.select(col(GROUP), col(MODE), posexplode(col("kappas")).as(new String[] {"_pos", "_k"}))
                .filter(col("_k").gt(0).and(col("_k").lt(Double.POSITIVE_INFINITY)));
        Map<List<String>, TreeMap<Integer, Row>> byKey = new TreeMap<>(ReportData::compareKeys);
        for (Row r : k.groupBy(GROUP, MODE, "_pos").agg(expr("percentile_approx(log10(_k), array(0.25D, 0.5D, 0.75D), " + accuracy + ")"),
                count(lit(1))).collectAsList()) {
            byKey.computeIfAbsent(List.of(r.getString(0), r.getString(1)), x -> new TreeMap<>()).put(r.getInt(2), r);
        }
        List<KappaProfile> out = new ArrayList<>();
        byKey.forEach((key, rows) -> {
            int len = rows.lastKey() + 1;
            double[] q1 = new double[len];
            double[] med = new double[len];
            double[] q3 = new double[len];
            long[] n = new long[len];
            Arrays.fill(q1, Double.NaN);
            Arrays.fill(med, Double.NaN);
            Arrays.fill(q3, Double.NaN);
            rows.forEach((pos, r) -> {
                List<Double> q = r.getList(3);
                q1[pos] = q.get(0);
                med[pos] = q.get(1);
                q3[pos] = q.get(2);
                n[pos] = r.getLong(4);
            });
            out.add(new KappaProfile(key.get(0), key.get(1), q1, med, q3, n));
        });
        return out;
    }

    /** Model selection: every model's mean bound per mode and mean FGS ε (over the samples FGS flipped). */
    public List<Rank> ranking() {
        Map<String, Map<String, Double>> bounds = new TreeMap<>();
        for (Row r : all.groupBy(MODEL, MODE).agg(avg("bound")).collectAsList()) {
            bounds.computeIfAbsent(r.getString(0), x -> new LinkedHashMap<>()).put(r.getString(1), r.getDouble(2));
        }
        List<Rank> out = new ArrayList<>();
        for (Row r : fgs.groupBy(MODEL).agg(count(lit(1)), avg("fgs_eps"), avg(when(col("fgs_success"), 1.0).otherwise(0.0))).orderBy(MODEL)
                .collectAsList()) {
            out.add(new Rank(r.getString(0), r.getLong(1), bounds.getOrDefault(r.getString(0), Map.of()), nullable(r, 2), r.getDouble(3)));
        }
        return out;
    }

    /** The aggregate table (one row per model and mode), as column names and formatted rows, or null without one. */
    public static List<List<String>> aggregateTable(SparkSession spark, String folder) {
        Dataset<Row> t = spark.read().parquet(folder);
        List<List<String>> rows = new ArrayList<>();
        rows.add(Arrays.asList(t.columns()));
        for (Row r : t.limit(10_000).collectAsList()) {
            List<String> cells = new ArrayList<>();
            for (int i = 0; i < r.size(); i++) {
                Object v = r.get(i);
                cells.add(v instanceof Double x ? Format.number(x) : String.valueOf(v));
            }
            rows.add(cells);
        }
        return rows;
    }
}

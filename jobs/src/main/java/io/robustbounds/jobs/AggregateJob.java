package io.robustbounds.jobs;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;

/**
 * {@code aggregate}: per-sample results → one row per group (model, and later sweep cell) with the thesis'
 * table columns. ε statistics are over samples where FGS succeeded; deviations, attack norms and tightness (bound ÷ best
 * attack norm) over samples where some attack succeeded.
 * Medians are exact, as the thesis reports them: each group's values are sorted on the executors and the
 * middle one (or the mean of the middle two) is taken — no rows are collected to the driver ({@link ExactMedian};
 * Spark's {@code percentile} gives the same numbers but took 5× longer on 10⁶ rows, and
 * {@code sort_array(collect_list(..))} 4×). All columns come from one aggregation over the results. "Normalized"
 * columns divide by the number of input elements (thesis Table 5.1).
 */
public final class AggregateJob {

    public record Config(List<String> results, String outputRoot, String runId, List<String> groupBy) {
    }

    public record Outcome(long groups, String path, String markdown, double seconds) {
    }

    /** Output columns in order, with the SQL that computes each. */
    static final String[][] COLUMNS = {
            {"n", "count(*)"},
            {"accuracy", "avg(CASE WHEN label IS NULL THEN NULL WHEN predicted = label THEN 1.0D ELSE 0.0D END)"},
            {"fgs_rate", "avg(CASE WHEN fgs_success THEN 1.0D ELSE 0.0D END)"},
            {"eps_min", "min(fgs_eps)"},
            {"eps_max", "max(fgs_eps)"},
            {"eps_mean", "avg(fgs_eps)"},
            {"eps_median", "median:fgs_eps"},
            {"eps_std", "stddev_samp(fgs_eps)"},
            {"eta_mean", "avg(eta_norm)"},
            {"deviation_mean", "avg(deviation)"},
            {"deviation_median", "median:deviation"},
            {"deviation_std", "stddev_samp(deviation)"},
            {"deviation_min", "min(deviation)"},
            {"deviation_max", "max(deviation)"},
            {"bound_mean", "avg(bound)"},
            {"bound_median", "median:bound"},
            {"normalized_bound_mean", "avg(bound / input_size)"},
            {"normalized_bound_median", "median:bound / input_size"},
            {"normalized_eta_mean", "avg(eta_norm / input_size)"},
            {"attack_rate", "avg(CASE WHEN attack_norm IS NOT NULL THEN 1.0D ELSE 0.0D END)"},
            {"attack_norm_mean", "avg(attack_norm)"},
            {"attack_norm_median", "median:attack_norm"},
            {"tightness_mean", "avg(tightness)"},
            {"tightness_median", "median:tightness"},
            {"violations", "sum(CASE WHEN violation THEN 1L ELSE 0L END)"},
    };

    private AggregateJob() {
    }

    public static Outcome run(SparkSession spark, Config c, Map<String, Object> provenance) {
        long t0 = System.nanoTime();
        StructType schema = sparkSchema(c.results(), spark.sparkContext().hadoopConfiguration());
        Dataset<Row> results = (schema == null ? spark.read() : spark.read().schema(schema)).parquet(c.results().toArray(String[]::new));
        for (String g : c.groupBy()) {
            if (!List.of(results.columns()).contains(g)) {
                throw new IllegalArgumentException("aggregate.group-by: column '" + g + "' is not in the results " + c.results()
                        + " (columns: " + List.of(results.columns()) + ")");
            }
        }
        List<Column> aggs = new ArrayList<>();
        UserDefinedFunction median = functions.udaf(new ExactMedian(), Encoders.DOUBLE());
        List<String> keys = new ArrayList<>(c.groupBy());
        if (!keys.contains("bound_mode")) {
            keys.add("bound_mode"); // a table never mixes bounds of two modes
        }
        for (String[] column : COLUMNS) {
            aggs.add((column[1].startsWith("median:") ? median.apply(expr(column[1].substring(7)).cast("double")) : expr(column[1])).as(column[0]));
        }
        Dataset<Row> table = results.groupBy(keys.stream().map(k -> col(k)).toArray(Column[]::new))
                .agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(Column[]::new))
                .coalesce(1) // one row per group: sorted in one task, no range-partitioning job
                .sortWithinPartitions(keys.stream().map(k -> col(k)).toArray(Column[]::new));

        RunOutput out = new RunOutput(c.outputRoot(), c.runId(), "aggregate", spark.sparkContext().hadoopConfiguration());
        try {
            EvaluateJob.Timings timings = new EvaluateJob.Timings();
            List<Row> rows = table.collectAsList(); // one row per group, computed on the executors
            timings.lap("aggregation");
            Dataset<Row> written = spark.createDataFrame(rows, table.schema()).coalesce(1);
            written.write().mode(SaveMode.Overwrite).parquet(out.staging("table"));
            written.write().mode(SaveMode.Overwrite).option("header", "true").csv(out.staging("table.csv"));
            String markdown = markdown(table.columns(), rows);
            out.writeText("table.md", markdown);
            timings.lap("table_csv_markdown");
            double seconds = (System.nanoTime() - t0) / 1e9;
            Map<String, Object> p = new LinkedHashMap<>(provenance);
            p.put("step", "aggregate");
            p.put("run_id", c.runId());
            p.put("spark_master", spark.sparkContext().master());
            p.put("inputs", c.results());
            p.put("group_by", keys);
            p.put("groups", rows.size());
            p.put("seconds", seconds);
            p.put("seconds_by_pass", timings.seconds());
            out.writeText("_provenance.json", Provenance.json(p));
            out.commit();
            return new Outcome(rows.size(), out.path("table"), markdown, seconds);
        } catch (RuntimeException e) {
            out.abort();
            throw e;
        }
    }

    /**
     * The Spark schema that Spark wrote into the footer of the first results file (so reading needs no schema-inference
     * job; Spark itself would take that same footer's schema), or null if there is none.
     */
    static StructType sparkSchema(List<String> results, Configuration conf) {
        if (results.isEmpty()) {
            return null;
        }
        try {
            Path dir = new Path(results.get(0));
            FileSystem fs = dir.getFileSystem(conf);
            for (FileStatus f : fs.listStatus(dir)) {
                String name = f.getPath().getName();
                if (f.isFile() && !name.startsWith("_") && !name.startsWith(".") && name.endsWith(".parquet")) {
                    try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(f.getPath(), conf))) {
                        String json = r.getFooter().getFileMetaData().getKeyValueMetaData().get("org.apache.spark.sql.parquet.row.metadata");
                        return json == null ? null : (StructType) DataType.fromJson(json);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return null; // Spark's own reading reports the problem
        }
        return null;
    }

    static String markdown(String[] columns, List<Row> rows) {
        StringBuilder b = new StringBuilder("|");
        for (String c : columns) {
            b.append(' ').append(c).append(" |");
        }
        b.append("\n|");
        b.append("---|".repeat(columns.length));
        b.append('\n');
        for (Row r : rows) {
            b.append('|');
            for (int i = 0; i < columns.length; i++) {
                Object v = r.get(i);
                b.append(' ').append(v instanceof Double x ? String.format(Locale.ROOT, "%.6g", x) : String.valueOf(v)).append(" |");
            }
            b.append('\n');
        }
        return b.toString();
    }
}

package io.robustbounds.cli;

import static org.apache.spark.sql.functions.col;

import io.robustbounds.spark.Sessions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Compares two Parquet outputs row by row, matched on key columns: every other column must be equal (bit for bit
 * by default; doubles within a relative tolerance when one is given). Used by the cluster tests (local against
 * spark-submit results) and useful to check that a re-run reproduced a run.
 */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = "Compare two Parquet outputs matched on key columns; exit 1 when they differ.")
final class CompareCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "the first output (a Parquet folder, e.g. runs/local/evaluate/results)")
    String left;

    @Parameters(index = "1", description = "the second output, with the same columns")
    String right;

    @Option(names = "--key", split = ",", description = "key columns (default: those of model, id, bound_mode the outputs have: "
            + "a result row is one sample of one model in one mode, an aggregate row one model and mode)")
    List<String> keys;

    /** The keys asked for, or those of model, id, bound_mode both sides have; each must be a column of both. */
    static List<String> keys(List<String> asked, String[] columns) {
        List<String> have = List.of(columns);
        List<String> keys = asked != null && !asked.isEmpty() ? asked
                : List.of("model", "id", "bound_mode").stream().filter(have::contains).toList();
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("compare: no key columns: the outputs have none of model, id, bound_mode; name them with "
                    + "--key (columns: " + String.join(", ", have) + ")");
        }
        for (String k : keys) {
            if (!have.contains(k)) {
                throw new IllegalArgumentException("compare: --key " + k + " is not a column of the outputs (columns: " + String.join(", ", have) + ")");
            }
        }
        return keys;
    }

    @Option(names = "--tolerance", defaultValue = "0", description = "relative tolerance for double columns (default: exact)")
    double tolerance;

    @Override
    public Integer call() throws Exception {
        try (SparkSession spark = Sessions.create("robustbounds compare", "local[2]")) {
            Dataset<Row> a = spark.read().parquet(left);
            Dataset<Row> b = spark.read().parquet(right);
            if (!Arrays.equals(a.columns(), b.columns())) {
                System.out.println("compare: columns differ: " + List.of(a.columns()) + " vs " + List.of(b.columns()));
                return 1;
            }
            List<String> report = differences(a, b, keys(keys, a.columns()), tolerance);
            long rows = a.count();
            if (report.isEmpty()) {
                System.out.println("compare: " + left + " and " + right + " agree on all " + rows + " rows"
                        + (tolerance > 0 ? " (doubles within " + tolerance + " relative)" : " (exactly)"));
                return 0;
            }
            System.out.println("compare: " + left + " and " + right + " differ: " + String.join("; ", report));
            return 1;
        }
    }

    /**
     * What differs between a and b (same columns): row counts, keys that are not unique on a side (the join would
     * pair rows arbitrarily: a re-run task's duplicated rows, or too few key columns), rows without a partner, and per
     * other column the rows whose values differ: floating-point values and arrays of them by their text form (exact:
     * −0.0 is not 0.0, and NaN is compared too), within a relative tolerance when one is given. Empty: they agree.
     */
    static List<String> differences(Dataset<Row> a, Dataset<Row> b, List<String> keys, double tolerance) {
        List<String> report = new ArrayList<>();
        long rowsA = a.count();
        long rowsB = b.count();
        if (rowsA != rowsB) {
            report.add("row counts differ: " + rowsA + " vs " + rowsB);
        }
        Column[] keyColumns = keys.stream().map(org.apache.spark.sql.functions::col).toArray(Column[]::new);
        for (Dataset<Row> side : List.of(a, b)) {
            long repeated = side.groupBy(keyColumns).count().where(col("count").gt(1)).count();
            if (repeated > 0) {
                report.add(repeated + " keys " + keys + " repeat in " + (side == a ? "the first" : "the second")
                        + " (duplicated rows, or add key columns: --key)");
            }
        }
        Dataset<Row> l = a.select(Arrays.stream(a.columns()).map(c -> col(c).as("l_" + c)).toArray(Column[]::new));
        Dataset<Row> r = b.select(Arrays.stream(b.columns()).map(c -> col(c).as("r_" + c)).toArray(Column[]::new));
        Column on = null;
        for (String k : keys) {
            Column eq = col("l_" + k).eqNullSafe(col("r_" + k));
            on = on == null ? eq : on.and(eq);
        }
        Dataset<Row> joined = l.join(r, on, "full_outer");
        long unmatched = joined.where(keys.stream().map(k -> col("l_" + k).isNull().or(col("r_" + k).isNull()))
                .reduce(Column::or).orElseThrow()).count();
        if (unmatched > 0) {
            report.add(unmatched + " rows have no partner");
        }
        // every column's count of differing rows in one pass over the join (a pass per column took minutes at 10⁵ rows)
        List<String> names = new ArrayList<>();
        List<Column> counts = new ArrayList<>();
        for (StructField f : a.schema().fields()) {
            if (keys.contains(f.name())) {
                continue;
            }
            Column x = col("l_" + f.name());
            Column y = col("r_" + f.name());
            boolean floating = floating(f.dataType());
            Column differs = tolerance > 0 && f.dataType().equals(DataTypes.DoubleType)
                    ? x.isNull().notEqual(y.isNull()).or(org.apache.spark.sql.functions.abs(x.minus(y))
                            .gt(org.apache.spark.sql.functions.greatest(org.apache.spark.sql.functions.abs(x), org.apache.spark.sql.functions.abs(y)).multiply(tolerance)))
                    : floating ? x.cast("string").eqNullSafe(y.cast("string")).unary_$bang()
                    : x.eqNullSafe(y).unary_$bang();
            names.add(f.name());
            counts.add(org.apache.spark.sql.functions.sum(org.apache.spark.sql.functions.when(differs, 1L).otherwise(0L)));
        }
        if (!counts.isEmpty()) {
            Row n = joined.agg(counts.get(0), counts.subList(1, counts.size()).toArray(new Column[0])).first();
            for (int i = 0; i < names.size(); i++) {
                long differing = n.isNullAt(i) ? 0 : n.getLong(i);
                if (differing > 0) {
                    report.add(names.get(i) + ": " + differing + " rows differ");
                }
            }
        }
        return report;
    }

    /** Doubles, floats and arrays of them: Spark's equality takes −0.0 for 0.0 and NaN for NaN. */
    private static boolean floating(org.apache.spark.sql.types.DataType t) {
        return t.equals(DataTypes.DoubleType) || t.equals(DataTypes.FloatType)
                || t instanceof org.apache.spark.sql.types.ArrayType at && floating(at.elementType());
    }
}

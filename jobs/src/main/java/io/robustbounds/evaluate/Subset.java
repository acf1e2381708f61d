package io.robustbounds.evaluate;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.shiftrightunsigned;
import static org.apache.spark.sql.functions.xxhash64;

import io.robustbounds.data.TestSets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.parquet.schema.MessageType;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The rows of a test set that evaluate takes ({@code evaluate.limit}, {@code evaluate.fraction}, {@code evaluate.seed}):
 * all of them; the first {@code limit} in file order (files by name, rows as stored: whole files from the footers' row
 * counts, then the first rows of one more file by their Parquet row index); or every row whose id hashes below the
 * fraction ({@code xxhash64(id, seed) >>> 11 < fraction · 2^53}, so a row is kept or not whatever the partitioning, and
 * a larger fraction with the same seed keeps a superset). Both are deterministic: the same test set and settings keep the
 * same rows.
 */
public record Subset(long limit, double fraction, long seed) {
    /** Every row. */
    public static final Subset ALL = new Subset(0, 1.0, 0);

    public Subset {
        if (limit < 0) {
            throw new IllegalArgumentException("evaluate.limit must be >= 0 (0: all rows), got " + limit);
        }
        if (!(fraction > 0 && fraction <= 1)) {
            throw new IllegalArgumentException("evaluate.fraction must be in (0, 1], got " + fraction);
        }
        if (limit > 0 && fraction < 1) {
            throw new IllegalArgumentException("evaluate.limit (" + limit + ") and evaluate.fraction (" + fraction
                    + ") exclude each other: give one");
        }
    }

    boolean all() {
        return limit == 0 && fraction == 1;
    }

    /** The kept rows, read as {@link EvaluateJob#rows} reads them all. */
    Dataset<Row> rows(SparkSession spark, String testSet, TestSets.Footers footers) {
        if (limit > 0 && limit < footers.rows()) {
            return firstRows(spark, testSet, footers);
        }
        Dataset<Row> rows = EvaluateJob.rows(spark, testSet, footers);
        return fraction < 1 ? rows.where(kept(col("id"))) : rows;
    }

    /** Rows kept by the fraction: the top 53 bits of the id's hash below fraction · 2^53. */
    Column kept(Column id) {
        return shiftrightunsigned(xxhash64(id, lit(seed)), 11).lt(lit((long) (fraction * 0x1p53)));
    }

    /**
     * How many rows are kept: from the footers for all rows or a limit; for a fraction by counting the kept ids (a pass
     * over the id column only).
     */
    long count(TestSets.Footers footers, Dataset<Row> kept) {
        if (fraction < 1) {
            return kept.select("id").count();
        }
        return limit > 0 ? Math.min(limit, footers.rows()) : footers.rows();
    }

    /** What the provenance records: the rule, its settings and the rows kept (per file, for a limit). */
    Map<String, Object> describe(TestSets.Footers footers, long rows) {
        Map<String, Object> d = new LinkedHashMap<>();
        if (all()) {
            d.put("rule", "all rows");
        } else if (limit > 0) {
            d.put("rule", "the first " + limit + " rows in file order (files by name, rows as stored)");
            d.put("limit", limit);
            d.put("rows_by_file", perFile(footers));
        } else {
            d.put("rule", "rows whose xxhash64(id, seed) >>> 11 < fraction * 2^53");
            d.put("fraction", fraction);
            d.put("seed", seed);
        }
        d.put("rows", rows);
        return d;
    }

    /** The rows a limit takes from each file, in file order (files it takes nothing from left out). */
    Map<String, Long> perFile(TestSets.Footers footers) {
        Map<String, Long> taken = new LinkedHashMap<>();
        long left = limit;
        for (Map.Entry<String, Long> f : footers.rowsByFile().entrySet()) {
            if (left == 0) {
                break;
            }
            long n = Math.min(left, f.getValue());
            if (n > 0) {
                taken.put(f.getKey(), n);
            }
            left -= n;
        }
        return taken;
    }

    /** The files a limit reads whole, read by their column types, and the first rows of the one it cuts. */
    private Dataset<Row> firstRows(SparkSession spark, String testSet, TestSets.Footers footers) {
        Map<String, Long> taken = perFile(footers);
        boolean mixed = footers.filesByColumns().size() > 1;
        Dataset<Row> all = null;
        for (Map.Entry<MessageType, List<String>> kind : footers.filesByColumns().entrySet()) {
            List<String> whole = new ArrayList<>();
            for (String f : kind.getValue()) {
                Long n = taken.get(f);
                if (n == null) {
                    continue;
                }
                if (n.equals(footers.rowsByFile().get(f))) {
                    whole.add(f);
                } else { // the file the limit cuts: its first n rows
                    Dataset<Row> cut = EvaluateJob.normalized(EvaluateJob.read(spark, testSet, kind.getKey(), f)
                            .where(col("_metadata.row_index").lt(n)), mixed);
                    all = all == null ? cut : all.union(cut);
                }
            }
            if (!whole.isEmpty()) {
                Dataset<Row> part = EvaluateJob.normalized(EvaluateJob.read(spark, testSet, kind.getKey(), whole.toArray(String[]::new)), mixed);
                all = all == null ? part : all.union(part);
            }
        }
        return all;
    }
}

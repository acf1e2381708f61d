package io.robustbounds.evaluate;

import io.robustbounds.data.TestSets;
import io.robustbounds.spark.JobProgress;
import java.util.function.Supplier;
import org.apache.spark.sql.SparkSession;

/**
 * How evaluate runs, beyond what it computes ({@link EvaluateJob.Config}): who shows its progress, which rows of the test
 * set it takes ({@link Subset}), how many rows a task reads at most ({@code evaluate.rows-per-task}; 0: Spark's own
 * file splits) and whether U is derived from the data ({@code evaluation.fgs-upper = auto}, {@link FgsUpper}). Tasks of a bounded size let the progress move and the cores share a large set; the results are the same
 * whatever the partitioning.
 */
public record EvaluateOptions(JobProgress progress, Subset subset, long rowsPerTask, boolean deriveFgsUpper) {
    public static final EvaluateOptions DEFAULT = new EvaluateOptions(JobProgress.NONE, Subset.ALL, 0, false);

    public EvaluateOptions {
        if (rowsPerTask < 0) {
            throw new IllegalArgumentException("evaluate.rows-per-task must be >= 0 (0: Spark's file splits), got " + rowsPerTask);
        }
    }

    /**
     * Plans the read with splits of about {@code rowsPerTask} rows: Spark's maximum split size set to that many rows'
     * bytes (the files' bytes per row) and the cost of opening a file to a tenth of it, so small files share a task,
     * for this planning only. Parquet splits at row groups: a row group is never divided.
     */
    <T> T planned(SparkSession spark, TestSets.Footers footers, Supplier<T> plan) {
        long rows = footers.rows();
        long bytes = rowsPerTask == 0 ? 0 : bytes(footers, spark.sparkContext().hadoopConfiguration());
        if (rowsPerTask == 0 || rows == 0 || bytes <= 0) {
            return plan.get();
        }
        long split = Math.max(1, (long) Math.ceil((double) bytes / rows * rowsPerTask));
        String maxBytes = "spark.sql.files.maxPartitionBytes";
        String openCost = "spark.sql.files.openCostInBytes";
        String oldMax = spark.conf().get(maxBytes);
        String oldOpen = spark.conf().get(openCost);
        spark.conf().set(maxBytes, Long.toString(split));
        spark.conf().set(openCost, Long.toString(Math.max(1, split / 10)));
        try {
            return plan.get();
        } finally {
            spark.conf().set(maxBytes, oldMax);
            spark.conf().set(openCost, oldOpen);
        }
    }

    /** The files' total length. */
    private static long bytes(TestSets.Footers footers, org.apache.hadoop.conf.Configuration hadoop) {
        long bytes = 0;
        try {
            for (String f : footers.rowsByFile().keySet()) {
                org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(f);
                bytes += p.getFileSystem(hadoop).getFileStatus(p).getLen();
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return bytes;
    }
}

package io.robustbounds.spark;

import org.apache.spark.SparkContext;
import org.apache.spark.util.LongAccumulator;

/**
 * What a job tells whoever shows its progress: how much work it has (samples, models), once it knows, and a counter
 * its tasks add the work they finish to, a batch or a unit at a time ({@link ProgressCounter} reads it live).
 */
public interface JobProgress {
    /** Nobody watches: no counter, tasks count nothing. */
    JobProgress NONE = (sc, unit, total) -> null;

    /**
     * The job has {@code total} of {@code unit} ("samples", "models") to do; its tasks add what they finish to the
     * returned accumulator (null: nothing to count).
     */
    LongAccumulator start(SparkContext sc, String unit, long total);
}

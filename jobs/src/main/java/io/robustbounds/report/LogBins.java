package io.robustbounds.report;

import static org.apache.spark.sql.functions.ceil;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.log10;
import static org.apache.spark.sql.functions.when;

import org.apache.spark.sql.Column;

/**
 * A fixed grid of logarithmic bins: edges e_k = 10^(lo + k / perDecade), k = 0..B. Bin k (0 ≤ k < B) holds
 * the values in (e_k, e_{k+1}]; bin −1 ("underflow") the values ≤ e_0, zero and negatives included; bin B
 * ("overflow") the values above e_B. Null and NaN have no bin. A value exactly on an edge falls on either
 * side within the rounding of log10.
 * Counts are indexed from 0: counts[0] is the underflow, counts[k + 1] bin k, counts[B + 1] the overflow.
 */
public record LogBins(int lo, int decades, int perDecade) {
    /** Decades kept at most: smaller values fall into the underflow bin. */
    static final int MAX_DECADES = 40;

    public LogBins {
        if (decades < 1 || perDecade < 1) {
            throw new IllegalArgumentException("decades and perDecade must be >= 1, got " + decades + ", " + perDecade);
        }
    }

    /** The smallest grid of whole decades covering [min, max] (positive; max ≥ min), at most MAX_DECADES. */
    public static LogBins covering(double min, double max, int perDecade) {
        if (!(min > 0) || !(max >= min) || Double.isInfinite(max)) {
            return new LogBins(-1, 2, perDecade); // no positive finite values: any grid will do, [0.1, 10]
        }
        int hi = (int) Math.ceil(Math.log10(max));
        int lo = (int) Math.floor(Math.log10(min));
        if (hi <= lo) {
            hi = lo + 1;
        }
        lo = Math.max(lo, hi - MAX_DECADES);
        return new LogBins(lo, hi - lo, perDecade);
    }

    public int bins() {
        return decades * perDecade;
    }

    public double edge(int k) {
        return Math.pow(10, lo + (double) k / perDecade);
    }

    public double[] edges() {
        double[] e = new double[bins() + 1];
        for (int k = 0; k <= bins(); k++) {
            e[k] = edge(k);
        }
        return e;
    }

    /** The bin of one value, as {@link #binColumn} computes it; null for null or NaN. */
    public Integer bin(Double v) {
        if (v == null || v.isNaN()) {
            return null;
        }
        if (v <= edge(0)) {
            return -1;
        }
        if (v > edge(bins())) {
            return bins();
        }
        int k = (int) Math.ceil((Math.log10(v) - lo) * perDecade) - 1;
        return Math.min(bins() - 1, Math.max(0, k));
    }

    /** The same in Spark: an int column, null where v is null or NaN. */
    public Column binColumn(Column v) {
        Column inner = least(lit(bins() - 1), greatest(lit(0), ceil(log10(v).minus(lo).multiply(perDecade)).cast("int").minus(1)));
        return when(v.isNull().or(v.isNaN()), lit(null).cast("int"))
                .when(v.leq(edge(0)), lit(-1))
                .when(v.gt(edge(bins())), lit(bins()))
                .otherwise(inner);
    }

    /**
     * The robustness curve at r = e_0..e_B: the fraction of {@code total} samples whose value exceeds r.
     * {@code alwaysAbove} samples count as exceeding every r (FGS found no flip: no perturbation of any norm ≤ r was found).
     */
    public double[] exceeding(long[] counts, long alwaysAbove, long total) {
        double[] f = new double[bins() + 1];
        long above = counts[bins() + 1] + alwaysAbove; // overflow: above e_B
        for (int k = bins(); k >= 0; k--) {
            f[k] = total == 0 ? Double.NaN : (double) above / total;
            if (k > 0) {
                above += counts[k]; // bin k − 1 = (e_{k−1}, e_k] lies above e_{k−1}
            }
        }
        return f;
    }

    /** Counts of a coarser grid: every {@code factor} bins merged (perDecade must be a multiple of it); under/overflow kept. */
    public long[] merge(long[] counts, int factor) {
        if (perDecade % factor != 0) {
            throw new IllegalArgumentException(perDecade + " bins per decade cannot be merged by " + factor);
        }
        int coarse = bins() / factor;
        long[] m = new long[coarse + 2];
        m[0] = counts[0];
        m[coarse + 1] = counts[bins() + 1];
        for (int k = 0; k < bins(); k++) {
            m[k / factor + 1] += counts[k + 1];
        }
        return m;
    }

    public LogBins coarser(int factor) {
        return new LogBins(lo, decades, perDecade / factor);
    }
}

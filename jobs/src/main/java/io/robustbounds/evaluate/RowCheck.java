package io.robustbounds.evaluate;

import io.robustbounds.spark.SparkInternals;
import java.io.Serializable;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;

/**
 * Validation of one test-set row, in Java on Spark's internal rows, so that the evaluation pass validates as it
 * reads (no separate pass, no per-row SQL). Rows are (id long, features array&lt;float or double&gt;, label int, file
 * string, label_out_of_range long); the checks and their reasons, in order: id null, features null, wrong length, NaN/Inf or null elements,
 * label outside the model's classes. The duplicate-id check needs all rows and is done by {@link EvaluateJob}.
 */
final class RowCheck implements Serializable {
    static final int ID = 0;
    static final int FEATURES = 1;
    static final int LABEL = 2;
    static final int FILE = 3;
    /** A label too large for an int (null when it fits): rejected, never wrapped into another class. */
    static final int LABEL_OUT_OF_RANGE = 4;

    /** A bad row: the column at fault and why. */
    record Problem(String column, String reason) {
    }

    private final int inputSize;
    private final int classes;
    private final boolean floats;
    private final boolean nullableElements;

    /** {@code floats}: the features are array&lt;float&gt; (else array&lt;double&gt;). */
    RowCheck(int inputSize, int classes, boolean floats, boolean nullableElements) {
        this.inputSize = inputSize;
        this.classes = classes;
        this.floats = floats;
        this.nullableElements = nullableElements;
    }

    int inputSize() {
        return inputSize;
    }

    /** "file row id N: column C: reason", the way a bad row is named in errors and summaries. */
    static String describe(InternalRow r, Problem p) {
        return r.getUTF8String(FILE) + " row id " + (r.isNullAt(ID) ? "null" : r.getLong(ID)) + ": column " + p.column() + ": " + p.reason();
    }

    /** The row's problem, or null when it can be evaluated. */
    Problem problem(InternalRow r) {
        if (r.isNullAt(ID)) {
            return new Problem("id", "id is null");
        }
        if (r.isNullAt(FEATURES)) {
            return new Problem("features", "features is null");
        }
        ArrayData f = r.getArray(FEATURES);
        if (f.numElements() != inputSize) {
            return new Problem("features", "features has " + f.numElements() + " values, expected " + inputSize);
        }
        if (!finite(f)) {
            return new Problem("features", "features hold NaN or infinite values");
        }
        if (r.numFields() > LABEL_OUT_OF_RANGE && !r.isNullAt(LABEL_OUT_OF_RANGE)) {
            return new Problem("label", "label " + r.getLong(LABEL_OUT_OF_RANGE) + " is outside [0, " + classes + ")");
        }
        if (!r.isNullAt(LABEL)) {
            int label = r.getInt(LABEL);
            if (label < 0 || label >= classes) {
                return new Problem("label", "label " + label + " is outside [0, " + classes + ")");
            }
        }
        return null;
    }

    /** No NaN, no infinity, no null element. */
    private boolean finite(ArrayData f) {
        int n = f.numElements();
        if (nullableElements) {
            for (int j = 0; j < n; j++) {
                if (f.isNullAt(j)) {
                    return false;
                }
            }
        }
        if (floats) {
            for (int j = 0; j < n; j++) {
                if (!Float.isFinite(f.getFloat(j))) {
                    return false;
                }
            }
        } else {
            for (int j = 0; j < n; j++) {
                if (!Double.isFinite(f.getDouble(j))) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Copies a checked row's features, as doubles, to {@code x[offset ..]}. */
    void copyFeatures(InternalRow r, double[] x, int offset) {
        ArrayData f = r.getArray(FEATURES);
        if (floats) {
            for (int j = 0; j < inputSize; j++) {
                x[offset + j] = f.getFloat(j);
            }
        } else {
            for (int j = 0; j < inputSize; j++) {
                x[offset + j] = f.getDouble(j);
            }
        }
    }

    /** Any row's features as array&lt;double&gt; (null elements kept), for the rejects output. */
    Object featuresAsDoubles(InternalRow r) {
        if (r.isNullAt(FEATURES)) {
            return null;
        }
        ArrayData f = r.getArray(FEATURES);
        int n = f.numElements();
        Object[] v = new Object[n];
        for (int j = 0; j < n; j++) {
            v[j] = f.isNullAt(j) ? null : floats ? (double) f.getFloat(j) : f.getDouble(j);
        }
        return SparkInternals.array(v);
    }
}

package io.robustbounds.results;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.util.List;
import org.apache.spark.sql.catalyst.InternalRow;

/**
 * The aggregate's accumulators for one group of results ({@link AggregateColumn}): counts, exact sums
 * ({@link ExactSum}: the table does not depend on how rows are split over partitions or merged), extremes, and the
 * values of the six median columns, which are merged on the executor that finishes the group and sorted there.
 * Rows come as {@link #INPUT}'s columns, after the group keys.
 */
public final class GroupStats implements Serializable {
    private static final long serialVersionUID = 1L;

    /**
     * The result columns the statistics read, in this order after the group keys (the evaluation's summaries read them
     * from the result rows by position in {@link ResultColumn#ALL}; the aggregate's own pass selects them, cast to their
     * types since older results may differ).
     */
    public static final List<ResultColumn> INPUT = List.of(ResultColumn.LABEL, ResultColumn.PREDICTED, ResultColumn.FGS_SUCCESS,
            ResultColumn.FGS_EPS, ResultColumn.ETA_NORM, ResultColumn.DEVIATION, ResultColumn.BOUND, ResultColumn.INPUT_SIZE,
            ResultColumn.ATTACK_NORM, ResultColumn.TIGHTNESS, ResultColumn.VIOLATION);
    private static final int LABEL = INPUT.indexOf(ResultColumn.LABEL);
    private static final int PREDICTED = INPUT.indexOf(ResultColumn.PREDICTED);
    private static final int FGS_SUCCESS = INPUT.indexOf(ResultColumn.FGS_SUCCESS);
    private static final int FGS_EPS = INPUT.indexOf(ResultColumn.FGS_EPS);
    private static final int ETA_NORM = INPUT.indexOf(ResultColumn.ETA_NORM);
    private static final int DEVIATION = INPUT.indexOf(ResultColumn.DEVIATION);
    private static final int BOUND = INPUT.indexOf(ResultColumn.BOUND);
    private static final int INPUT_SIZE = INPUT.indexOf(ResultColumn.INPUT_SIZE);
    private static final int ATTACK_NORM = INPUT.indexOf(ResultColumn.ATTACK_NORM);
    private static final int TIGHTNESS = INPUT.indexOf(ResultColumn.TIGHTNESS);
    private static final int VIOLATION = INPUT.indexOf(ResultColumn.VIOLATION);

    /** Count, exact sum (and of squares, for a standard deviation), min, max and, for a median, the values. */
    public static final class Column implements Serializable {
        private static final long serialVersionUID = 1L;
        long count;
        ExactSum sum = new ExactSum();
        ExactSum squares;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        DoubleList values;

        public Column(boolean std, boolean median) {
            squares = std ? new ExactSum() : null;
            values = median ? new DoubleList(16) : null;
        }

        public void add(double v) {
            count++;
            sum.add(v);
            if (squares != null) {
                squares.add(v * v);
            }
            min = Math.min(min, v);
            max = Math.max(max, v);
            if (values != null) {
                values.add(v);
            }
        }

        public void merge(Column o) {
            count += o.count;
            sum.merge(o.sum);
            if (squares != null) {
                squares.merge(o.squares);
            }
            min = Math.min(min, o.min);
            max = Math.max(max, o.max);
            if (values != null) {
                values.addAll(o.values);
            }
        }

        public Double mean() {
            return count == 0 ? null : sum.mean(count);
        }

        public Double std() {
            double s = ExactSum.std(sum, squares, count);
            return Double.isNaN(s) ? null : s;
        }

        public Double min() {
            return count == 0 ? null : min;
        }

        public Double max() {
            return count == 0 ? null : max;
        }

        public void write(DataOutputStream out) throws IOException {
            out.writeLong(count);
            sum.write(out);
            if (squares != null) {
                squares.write(out);
            }
            out.writeDouble(min);
            out.writeDouble(max);
            if (values != null) {
                values.write(out);
            }
        }

        /** Reads what {@link #write} wrote into this column, which has the same kind (std, median) as the writer's. */
        public void read(DataInputStream in) throws IOException {
            count = in.readLong();
            sum = ExactSum.read(in);
            if (squares != null) {
                squares = ExactSum.read(in);
            }
            min = in.readDouble();
            max = in.readDouble();
            if (values != null) {
                values = DoubleList.read(in);
            }
        }

        /** The middle value, or the mean of the middle two. */
        public Double median() {
            return count == 0 ? null : values.median();
        }
    }

    long n;
    long labelled;
    long correct;
    long fgsSuccesses;
    long attacks;
    long violations;
    final Column eps = new Column(true, true);
    final Column eta = new Column(false, false);
    final Column deviation = new Column(true, true);
    final Column bound = new Column(false, true);
    final Column normalizedBound = new Column(false, true);
    final Column normalizedEta = new Column(false, false);
    final Column attackNorm = new Column(false, true);
    final Column tightness = new Column(false, true);

    /** {@link #INPUT}'s positions when its columns follow {@code keys} group keys. */
    public static int[] positionsAfter(int keys) {
        int[] at = new int[INPUT.size()];
        for (int i = 0; i < at.length; i++) {
            at[i] = keys + i;
        }
        return at;
    }

    /** Adds one row whose {@link #INPUT} column i is at {@code at[i]}, of its type. */
    public void add(InternalRow r, int[] at) {
        n++;
        if (!r.isNullAt(at[LABEL])) {
            labelled++;
            if (!r.isNullAt(at[PREDICTED]) && r.getInt(at[LABEL]) == r.getInt(at[PREDICTED])) {
                correct++;
            }
        }
        if (!r.isNullAt(at[FGS_SUCCESS]) && r.getBoolean(at[FGS_SUCCESS])) {
            fgsSuccesses++;
        }
        Integer size = r.isNullAt(at[INPUT_SIZE]) ? null : r.getInt(at[INPUT_SIZE]);
        addIfPresent(eps, r, at[FGS_EPS]);
        addWithNormalized(eta, normalizedEta, r, at[ETA_NORM], size);
        addIfPresent(deviation, r, at[DEVIATION]);
        addWithNormalized(bound, normalizedBound, r, at[BOUND], size);
        if (!r.isNullAt(at[ATTACK_NORM])) {
            attacks++;
            attackNorm.add(r.getDouble(at[ATTACK_NORM]));
        }
        addIfPresent(tightness, r, at[TIGHTNESS]);
        if (!r.isNullAt(at[VIOLATION]) && r.getBoolean(at[VIOLATION])) {
            violations++;
        }
    }

    /** The value to {@code c} and, divided by the number of input elements, to {@code normalized} (thesis Table 5.1). */
    private static void addWithNormalized(Column c, Column normalized, InternalRow r, int i, Integer size) {
        if (!r.isNullAt(i)) {
            double v = r.getDouble(i);
            c.add(v);
            if (size != null) {
                normalized.add(v / size);
            }
        }
    }

    private static void addIfPresent(Column c, InternalRow r, int i) {
        if (!r.isNullAt(i)) {
            c.add(r.getDouble(i));
        }
    }

    public GroupStats merge(GroupStats o) {
        n += o.n;
        labelled += o.labelled;
        correct += o.correct;
        fgsSuccesses += o.fgsSuccesses;
        attacks += o.attacks;
        violations += o.violations;
        eps.merge(o.eps);
        eta.merge(o.eta);
        deviation.merge(o.deviation);
        bound.merge(o.bound);
        normalizedBound.merge(o.normalizedBound);
        normalizedEta.merge(o.normalizedEta);
        attackNorm.merge(o.attackNorm);
        tightness.merge(o.tightness);
        return this;
    }

    private Column[] columns() {
        return new Column[] {eps, eta, deviation, bound, normalizedBound, normalizedEta, attackNorm, tightness};
    }

    /** Everything, medians' values included, in a fixed binary layout ({@link ResultSummary}'s files). */
    public void write(DataOutputStream out) throws IOException {
        for (long v : new long[] {n, labelled, correct, fgsSuccesses, attacks, violations}) {
            out.writeLong(v);
        }
        for (Column c : columns()) {
            c.write(out);
        }
    }

    public static GroupStats read(DataInputStream in) throws IOException {
        GroupStats g = new GroupStats();
        g.n = in.readLong();
        g.labelled = in.readLong();
        g.correct = in.readLong();
        g.fgsSuccesses = in.readLong();
        g.attacks = in.readLong();
        g.violations = in.readLong();
        for (Column c : g.columns()) {
            c.read(in);
        }
        return g;
    }

    /** The values of the aggregate's columns ({@link AggregateColumn#ALL}), in order (null where a statistic has no values). */
    public Object[] finish() {
        return finish(AggregateColumn.ALL);
    }

    /** The values of {@code columns}, in order. */
    public Object[] finish(List<AggregateColumn> columns) {
        Object[] v = new Object[columns.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = columns.get(i).value().apply(this);
        }
        return v;
    }
}

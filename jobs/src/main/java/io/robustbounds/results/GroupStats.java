package io.robustbounds.results;

import io.robustbounds.aggregate.AggregateJob;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import org.apache.spark.sql.catalyst.InternalRow;

/**
 * The aggregate's accumulators for one group of results ({@link AggregateJob#COLUMNS}): counts, exact sums
 * ({@link ExactSum}: the table does not depend on how rows are split over partitions or merged), extremes, and the
 * values of the six median columns, which are merged on the executor that finishes the group and sorted there.
 * Rows come as {@link #INPUT}'s columns, after the group keys.
 */
public final class GroupStats implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The columns read, in order after the keys, with the SQL that makes them (casts: older results may differ). */
    public static final String[][] INPUT = {
            {"label", "cast(label as int)"},
            {"predicted", "cast(predicted as int)"},
            {"fgs_success", "cast(fgs_success as boolean)"},
            {"fgs_eps", "cast(fgs_eps as double)"},
            {"eta_norm", "cast(eta_norm as double)"},
            {"deviation", "cast(deviation as double)"},
            {"bound", "cast(bound as double)"},
            {"input_size", "cast(input_size as int)"},
            {"attack_norm", "cast(attack_norm as double)"},
            {"tightness", "cast(tightness as double)"},
            {"violation", "cast(violation as boolean)"},
    };

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
        int[] at = new int[INPUT.length];
        for (int i = 0; i < at.length; i++) {
            at[i] = keys + i;
        }
        return at;
    }

    /** Adds one row whose {@link #INPUT} column i is at {@code at[i]}, of INPUT's type. */
    public void add(InternalRow r, int[] at) {
        n++;
        if (!r.isNullAt(at[0])) {
            labelled++;
            if (!r.isNullAt(at[1]) && r.getInt(at[0]) == r.getInt(at[1])) {
                correct++;
            }
        }
        if (!r.isNullAt(at[2]) && r.getBoolean(at[2])) {
            fgsSuccesses++;
        }
        Integer size = r.isNullAt(at[7]) ? null : r.getInt(at[7]);
        addIfPresent(eps, r, at[3]);
        addWithNormalized(eta, normalizedEta, r, at[4], size);
        addIfPresent(deviation, r, at[5]);
        addWithNormalized(bound, normalizedBound, r, at[6], size);
        if (!r.isNullAt(at[8])) {
            attacks++;
            attackNorm.add(r.getDouble(at[8]));
        }
        addIfPresent(tightness, r, at[9]);
        if (!r.isNullAt(at[10]) && r.getBoolean(at[10])) {
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

    /** The values of {@link AggregateJob#COLUMNS}, in order (null where a statistic has no values). */
    public Object[] finish() {
        return new Object[] {n, labelled == 0 ? null : (double) correct / labelled, (double) fgsSuccesses / n,
                eps.min(), eps.max(), eps.mean(), eps.median(), eps.std(), eta.mean(),
                deviation.mean(), deviation.median(), deviation.std(), deviation.min(), deviation.max(),
                bound.mean(), bound.median(), normalizedBound.mean(), normalizedBound.median(), normalizedEta.mean(),
                (double) attacks / n, attackNorm.mean(), attackNorm.median(), tightness.mean(), tightness.median(), violations};
    }
}

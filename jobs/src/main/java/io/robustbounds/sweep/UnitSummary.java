package io.robustbounds.sweep;

import io.robustbounds.bounds.BoundMode;
import io.robustbounds.results.ExactSum;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * What the sweep's tables need from one unit, made where the unit was evaluated (or read, for units a resumed run
 * finds committed), so the tables never re-read the units for it: exact sums, extremes and violations per bound
 * mode, the per-model figures (the per-model table and box plots) and a histogram of the deviations' top 16 key
 * bits, the first step of the medians' radix selection ({@link SweepMedians}). About 16 bytes per model and mode
 * plus a few hundred histogram bins: nothing per sample. {@code nonFinitePerModel}: samples with a non-finite result,
 * in {@code samples} and in no other figure ({@link SweepUnit}).
 */
record UnitSummary(SweepUnit unit, int samplesPerModel, long samples, long successes, ExactSum epsilon, int[] successesPerModel,
                   List<Mode> modes, int[] nonFinitePerModel) implements Serializable {

    long nonFinite() {
        long n = 0;
        for (int v : nonFinitePerModel) {
            n += v;
        }
        return n;
    }

    /** One bound mode's part; {@code bins} (ascending) and {@code counts} are the sparse top-16-bit histogram. */
    record Mode(BoundMode mode, ExactSum bound, int[] violationsPerModel, double[] meanDeviationPerModel, long violations,
                ExactSum deviation, ExactSum squares, double min, double max, int[] bins, long[] counts) implements Serializable {
    }

    static UnitSummary of(SweepUnit.Result r) {
        List<Mode> modes = new ArrayList<>(r.modes().size());
        int[] dense = new int[1 << 16];
        for (SweepUnit.ModeResult m : r.modes()) {
            ExactSum sum = new ExactSum();
            ExactSum squares = new ExactSum();
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            java.util.Arrays.fill(dense, 0);
            for (double d : m.deviations()) {
                sum.add(d);
                squares.add(d * d);
                min = Math.min(min, d);
                max = Math.max(max, d);
                dense[SweepMedians.topBits(d)]++;
            }
            int nonZero = 0;
            for (int c : dense) {
                nonZero += c == 0 ? 0 : 1;
            }
            int[] bins = new int[nonZero];
            long[] counts = new long[nonZero];
            for (int b = 0, k = 0; b < dense.length; b++) {
                if (dense[b] != 0) {
                    bins[k] = b;
                    counts[k++] = dense[b];
                }
            }
            long violations = 0;
            for (int v : m.violationsPerModel()) {
                violations += v;
            }
            modes.add(new Mode(m.mode(), m.bound(), m.violationsPerModel(), m.meanDeviationPerModel(), violations, sum, squares,
                    min, max, bins, counts));
        }
        return new UnitSummary(r.unit(), r.samplesPerModel(), r.samples(), r.successes(), r.epsilon(), r.successesPerModel(), modes,
                r.nonFinitePerModel());
    }
}

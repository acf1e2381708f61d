package io.robustbounds.report;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Axes fitted to the data, from counts on the report's fine log grid ({@link LogBins}): the range runs from the 0.5% to the
 * 99.5% quantile of the pooled values (bin edges: the values themselves never reach the driver), widened by 5% of its
 * span on each side; the axis is logarithmic only when that range spans two decades or more. A few extreme values so no
 * longer stretch an axis over decades where there is nothing to see; the captions say how many fall outside.
 */
public final class Fit {
    /** The share of values left out at each end when fitting a range. */
    static final double TAIL = 0.005;
    /** A range spanning at least this many decades is drawn on a log axis. */
    static final double LOG_DECADES = 2;
    /** The number of bins a linear histogram aims at. */
    static final int LINEAR_BINS = 30;
    /** The number of bins a log histogram aims at over its range (a whole number per decade, dividing the grid's). */
    static final int LOG_BINS = 40;
    /** An item (a box plot's group) reaching this many times further from zero than the median item is drawn on a scale of its own. */
    public static final double OWN_SCALE = 10;

    private Fit() {
    }

    /** An axis: [lo, hi], logarithmic or not. */
    record Range(double lo, double hi, boolean log) {
        boolean contains(double v) {
            return v >= lo && v <= hi;
        }
    }

    /**
     * A histogram as drawn: {@code edges} (one more than bins), the counts of each series per bin, and how many values of all
     * series fall below or above the drawn range.
     */
    record Histogram(Range range, double[] edges, Map<String, long[]> counts, long below, long above) {
    }

    /**
     * The fitted range of counts on {@code grid} (counts[0] the underflow, counts[k + 1] bin k, the last the overflow). Values
     * in the underflow bin (zero among them) pull the range down to the grid's first edge; no values at all give the grid.
     */
    static Range range(LogBins grid, long[] counts) {
        long total = 0;
        for (long c : counts) {
            total += c;
        }
        int bins = grid.bins();
        if (total == 0) {
            return new Range(grid.edge(0), grid.edge(bins), true);
        }
        double lo = Double.NaN;
        double hi = Double.NaN;
        long cumulative = 0;
        for (int i = 0; i < counts.length; i++) {
            cumulative += counts[i];
            if (Double.isNaN(lo) && cumulative > TAIL * total) {
                lo = i == 0 ? grid.edge(0) : grid.edge(i - 1); // index i holds bin i − 1 = (e_{i−1}, e_i]
            }
            if (cumulative >= (1 - TAIL) * total) {
                hi = grid.edge(Math.min(i, bins));
                break;
            }
        }
        if (!(hi > lo)) {
            hi = lo * Math.pow(10, 1.0 / grid.perDecade());
        }
        if (Math.log10(hi / lo) >= LOG_DECADES) {
            double pad = 0.05 * Math.log10(hi / lo);
            return new Range(lo / Math.pow(10, pad), hi * Math.pow(10, pad), true);
        }
        double pad = 0.05 * (hi - lo);
        double step = niceStep((hi - lo + 2 * pad) / 10);
        // ends on multiples of a round step (1, 2 or 5 × 10^k), so that the axis' ticks read as round numbers
        return new Range(Math.max(0, Math.floor((lo - pad) / step) * step), Math.ceil((hi + pad) / step) * step, false);
    }

    /** The smallest of 1, 2, 5 × 10^k at least {@code raw}. */
    static double niceStep(double raw) {
        double decade = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * decade >= raw * (1 - 1e-9)) {
                return m * decade;
            }
        }
        return 10 * decade;
    }

    /**
     * Which items lie on a scale of their own: those reaching (largest |value| drawn) more than {@link #OWN_SCALE} times
     * further from zero than the median item. None when fewer than two items would stay on the common scale.
     */
    public static boolean[] ownScale(double[] reach) {
        double[] sorted = reach.clone();
        java.util.Arrays.sort(sorted);
        boolean[] own = new boolean[reach.length];
        if (reach.length < 3) {
            return own;
        }
        double median = sorted[(sorted.length - 1) / 2];
        int apart = 0;
        for (int i = 0; i < reach.length; i++) {
            own[i] = median > 0 && reach[i] > OWN_SCALE * median;
            apart += own[i] ? 1 : 0;
        }
        return reach.length - apart >= 2 ? own : new boolean[reach.length];
    }

    /** The element-wise sum of series' counts. */
    static long[] pooled(Iterable<long[]> series, int length) {
        long[] p = new long[length];
        for (long[] c : series) {
            for (int i = 0; i < length; i++) {
                p[i] += c[i];
            }
        }
        return p;
    }

    /**
     * Histograms of series' counts on {@code grid}, drawn over their pooled fitted range: on a log axis, the grid's bins merged
     * to about {@link #LOG_BINS} over the range; on a linear axis, about {@link #LINEAR_BINS} equal-width bins, each fine bin
     * counted whole in the bin holding its geometric centre (the underflow, zeros included, in the first bin when the axis starts
     * at zero).
     */
    static Histogram histogram(LogBins grid, Map<String, long[]> series) {
        int length = grid.bins() + 2;
        Range range = range(grid, pooled(series.values(), length));
        return range.log() ? logHistogram(grid, series, range) : linearHistogram(grid, series, range);
    }

    private static Histogram logHistogram(LogBins grid, Map<String, long[]> series, Range range) {
        double decades = Math.log10(range.hi() / range.lo());
        int perDecade = 1;
        for (int d = 1; d <= grid.perDecade(); d++) {
            if (grid.perDecade() % d == 0 && d * decades <= LOG_BINS) {
                perDecade = d;
            }
        }
        int factor = grid.perDecade() / perDecade;
        LogBins coarse = grid.coarser(factor);
        int first = 0;
        while (first < coarse.bins() - 1 && coarse.edge(first + 1) <= range.lo()) {
            first++;
        }
        int last = coarse.bins() - 1;
        while (last > first && coarse.edge(last) >= range.hi()) {
            last--;
        }
        double[] edges = new double[last - first + 2];
        for (int k = first; k <= last + 1; k++) {
            edges[k - first] = coarse.edge(k);
        }
        Map<String, long[]> counts = new LinkedHashMap<>();
        long below = 0;
        long above = 0;
        for (Map.Entry<String, long[]> e : series.entrySet()) {
            long[] merged = grid.merge(e.getValue(), factor);
            long[] c = new long[last - first + 1];
            for (int i = 0; i < merged.length; i++) {
                int k = i - 1; // merged[0] is the underflow, merged[k + 1] coarse bin k
                if (k < first) {
                    below += merged[i];
                } else if (k > last) {
                    above += merged[i];
                } else {
                    c[k - first] += merged[i];
                }
            }
            counts.put(e.getKey(), c);
        }
        return new Histogram(new Range(edges[0], edges[edges.length - 1], true), edges, counts, below, above);
    }

    private static Histogram linearHistogram(LogBins grid, Map<String, long[]> series, Range range) {
        int inside = 0;
        for (int k = 0; k < grid.bins(); k++) {
            if (range.contains(centre(grid, k))) {
                inside++;
            }
        }
        int bins = Math.max(5, Math.min(LINEAR_BINS, inside));
        double width = (range.hi() - range.lo()) / bins;
        double[] edges = new double[bins + 1];
        for (int j = 0; j <= bins; j++) {
            edges[j] = range.lo() + j * width;
        }
        boolean fromZero = range.lo() <= grid.edge(0);
        Map<String, long[]> counts = new LinkedHashMap<>();
        long below = 0;
        long above = 0;
        for (Map.Entry<String, long[]> e : series.entrySet()) {
            long[] fine = e.getValue();
            long[] c = new long[bins];
            if (fromZero) {
                c[0] += fine[0];
            } else {
                below += fine[0];
            }
            for (int k = 0; k < grid.bins(); k++) {
                double x = centre(grid, k);
                if (x < range.lo()) {
                    below += fine[k + 1];
                } else if (x > range.hi()) {
                    above += fine[k + 1];
                } else {
                    c[Math.min(bins - 1, (int) ((x - range.lo()) / width))] += fine[k + 1];
                }
            }
            above += fine[grid.bins() + 1];
            counts.put(e.getKey(), c);
        }
        return new Histogram(range, edges, counts, below, above);
    }

    /** The geometric centre of fine bin k. */
    private static double centre(LogBins grid, int k) {
        return Math.sqrt(grid.edge(k) * grid.edge(k + 1));
    }
}

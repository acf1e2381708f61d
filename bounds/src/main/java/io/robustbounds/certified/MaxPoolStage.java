package io.robustbounds.certified;

/**
 * MAX pooling over size×size windows, no padding, and its relaxation (docs/certified-mode.md, "MAX pooling"): per
 * output y = max(v_window), y ≥ v_{i*} (i* the input with the largest lower bound) and y ≤ a v_j + b, the chord of
 * max(v_j, U') on [l_j, u_j] (j = argmax u, U' = max of the others' u); y = v_j exactly when l_j ≥ U'.
 */
final class MaxPoolStage extends Stage {
    final PoolWindow window;

    /** Per MAX-pool output: i*, j, a, b, exact (see {@link #poolLine}). */
    static final int POOL_LINE = 5;

    MaxPoolStage(PoolWindow window) {
        super(window.inputSize(), window.outputSize());
        this.window = window;
    }

    /** Input index of window element (dy, dx) of output o. */
    int input(int o, int dy, int dx) {
        return window.input(o, dy, dx);
    }

    /** The maxima of n samples. */
    double[] forward(double[] v, int n) {
        double[] o = new double[n * out];
        for (int smp = 0; smp < n; smp++) {
            for (int at = 0; at < out; at++) {
                double best = Double.NEGATIVE_INFINITY;
                for (int dy = 0; dy < window.size; dy++) {
                    for (int dx = 0; dx < window.size; dx++) {
                        best = Math.max(best, v[smp * in + input(at, dy, dx)]);
                    }
                }
                o[smp * out + at] = best;
            }
        }
        return o;
    }

    /**
     * Interval bounds of the outputs of n samples (the maxima of the inputs' lower and upper bounds; the upper ones over
     * the inputs not {@code dominated}, null: none), into nl, nh.
     */
    void intervalBounds(double[] lo, double[] hi, int n, boolean[] dominated, double[] nl, double[] nh) {
        for (int smp = 0; smp < n; smp++) {
            for (int o = 0; o < out; o++) {
                double l = Double.NEGATIVE_INFINITY;
                double h = Double.NEGATIVE_INFINITY;
                for (int dy = 0; dy < window.size; dy++) {
                    for (int dx = 0; dx < window.size; dx++) {
                        int i = smp * in + input(o, dy, dx);
                        l = Math.max(l, lo[i]);
                        if (dominated == null || !dominated[i]) {
                            h = Math.max(h, hi[i]);
                        }
                    }
                }
                nl[smp * out + o] = l;
                nh[smp * out + o] = h;
            }
        }
    }

    /** Per sample and input, whether it holds the largest of {@code v} (n samples) in some window (first on ties). */
    boolean[] largestAt(double[] v, int n) {
        boolean[] mark = new boolean[n * in];
        int size = window.size;
        for (int smp = 0; smp < n; smp++) {
            for (int o = 0; o < out; o++) {
                int best = -1;
                for (int e = 0; e < size * size; e++) {
                    int i = smp * in + input(o, e / size, e % size);
                    if (best < 0 || v[i] > v[best]) {
                        best = i;
                    }
                }
                mark[best] = true;
            }
        }
        return mark;
    }

    /**
     * Per sample and input, whether some window holds it undominated: u_i ≥ max_k l_k over that window. A dominated
     * input (u_i &lt; l_m for some m of the window, so for every tighter bounds of either) is neither the argmax of
     * the lower nor of the upper ends, and its upper end is below l_j whenever it would be U' (the window is then
     * exact, which needs no U'), so {@link #poolLine} gives the same lines with any tighter bounds of it: its bound
     * rows would change nothing.
     */
    boolean[] undominated(double[] lo, double[] hi, int n) {
        boolean[] open = new boolean[n * in];
        int size = window.size;
        int area = size * size;
        for (int smp = 0; smp < n; smp++) {
            for (int o = 0; o < out; o++) {
                double maxLow = Double.NEGATIVE_INFINITY;
                for (int e = 0; e < area; e++) {
                    maxLow = Math.max(maxLow, lo[smp * in + input(o, e / size, e % size)]);
                }
                for (int e = 0; e < area; e++) {
                    int i = smp * in + input(o, e / size, e % size);
                    open[i] |= !(hi[i] < maxLow);
                }
            }
        }
        return open;
    }

    /**
     * The lines of every output of n samples on the bounds lo, hi of the input: {@link #POOL_LINE} values per output,
     * those of {@link #poolLine} with i* and j as input indices. Inputs {@code dominated} (per sample and input, null:
     * none; each proven ≤ an input of its window that is not) are left out: y is the maximum of the others.
     */
    double[] lines(double[] lo, double[] hi, int n, boolean[] dominated, double[] rise) {
        double[] p = new double[POOL_LINE * n * out];
        int size = window.size;
        int area = size * size;
        double[] wl = new double[area];
        double[] wu = new double[area];
        for (int smp = 0; smp < n; smp++) {
            for (int o = 0; o < out; o++) {
                for (int e = 0; e < area; e++) {
                    int i = smp * in + input(o, e / size, e % size);
                    boolean out = dominated != null && dominated[i];
                    wl[e] = out ? Double.NEGATIVE_INFINITY : lo[i];
                    wu[e] = out ? Double.NEGATIVE_INFINITY : hi[i];
                }
                int at = POOL_LINE * (smp * out + o);
                poolLine(wl, wu, area, p, at);
                if (rise != null && p[at + 4] == 0) {
                    tLine(smp, o, wl, wu, rise, p, at);
                }
                p[at] = input(o, (int) p[at] / size, (int) p[at] % size);
                p[at + 1] = input(o, (int) p[at + 1] / size, (int) p[at + 1] % size);
            }
        }
        return p;
    }

    /**
     * The t-line (docs/certified-mode.md, "MAX pooling: dominance by difference rows"): with t the window's largest
     * input at x₀ (rise 0) and riseᵢ ≥ vᵢ − v_t on the ball for every input left in the window, y ≤ v_t + Δ, Δ =
     * max(0, maxᵢ riseᵢ) (an input the bounds already put below another is below that one's bound: Δ covers it). It
     * replaces the chord a v_j + b where it is lower at the inputs' interval centres (both are valid). Needs a rise for
     * every input the window keeps.
     */
    private void tLine(int smp, int o, double[] wl, double[] wu, double[] rise, double[] p, int at) {
        int size = window.size;
        int t = -1;
        double delta = 0;
        double maxLow = Double.NEGATIVE_INFINITY;
        for (int e = 0; e < size * size; e++) {
            maxLow = Math.max(maxLow, wl[e]);
        }
        for (int e = 0; e < size * size; e++) {
            if (wu[e] == Double.NEGATIVE_INFINITY) {
                continue;                                   // left out (dominated)
            }
            double r = rise[smp * in + input(o, e / size, e % size)];
            if (Double.isNaN(r)) {
                if (wu[e] < maxLow) {
                    continue;                               // below another input's lower end: covered by Δ
                }
                return;
            }
            if (r == 0 && t < 0) {
                t = e;
            }
            delta = Math.max(delta, r);
        }
        if (t < 0) {
            return;
        }
        int j = (int) p[at + 1];                            // window positions here ({@link #lines} maps them)
        double chord = p[at + 2] * 0.5 * (wl[j] + wu[j]) + p[at + 3];
        double line = 0.5 * (wl[t] + wu[t]) + delta;
        if (line < chord) {
            p[at + 1] = t;
            p[at + 2] = 1;
            p[at + 3] = delta;
        }
    }

    /**
     * The lines of y = max(v₀ … v_{k−1}) for lᵢ ≤ vᵢ ≤ uᵢ (docs/certified-mode.md, "MAX pooling"), into
     * out[at … at+4] = {i*, j, a, b, exact} (window positions): y ≥ v_{i*} with i* = argmax lᵢ; y ≤ a v_j + b, the
     * chord of max(v_j, U') over [l_j, u_j] with j = argmax uᵢ and U' = max of the other uᵢ (b rounded up so that the
     * line is above both ends of the chord, which makes it valid for the computed a); exact = 1 when l_j ≥ U' (then
     * y = v_j and i* = j).
     */
    static void poolLine(double[] l, double[] u, int k, double[] out, int at) {
        for (int i = 0; i < k; i++) {
            if (Double.isNaN(l[i]) || Double.isNaN(u[i])) {
                // an unknown input: no line (NaN carries into the margins' A, so nothing is proven)
                out[at] = 0;
                out[at + 1] = 0;
                out[at + 2] = 0;
                out[at + 3] = Double.NaN;
                out[at + 4] = 0;
                return;
            }
        }
        int best = -1;
        double bestLow = Double.NEGATIVE_INFINITY;
        double top = Double.NEGATIVE_INFINITY;
        double second = Double.NEGATIVE_INFINITY;
        int topAt = -1;
        for (int i = 0; i < k; i++) {
            if (best < 0 || l[i] > bestLow) {
                best = i;
                bestLow = l[i];
            }
            if (topAt < 0 || u[i] > top) {
                second = top;
                top = u[i];
                topAt = i;
            } else {
                second = Math.max(second, u[i]);
            }
        }
        double lj = l[topAt];
        boolean exact = lj >= second;                  // v_j ≥ l_j ≥ U' ≥ every other vᵢ
        out[at] = exact ? topAt : best;
        out[at + 1] = topAt;
        out[at + 2] = 0;
        out[at + 3] = top;
        out[at + 4] = exact ? 1 : 0;
        if (!(Double.isFinite(bestLow) && Double.isFinite(top) && Double.isFinite(lj))) {
            out[at + 3] = Double.NaN;
        } else if (!exact && top > second) {
            // a = (u_j − U')/(u_j − l_j) ∈ [0, 1] (fl is monotone and U' > l_j); b ≥ U' − a l_j and ≥ u_j − a u_j
            double a = (top - second) / (top - lj);
            out[at + 2] = a;
            out[at + 3] = Math.max(Rounding.up(second - Rounding.down(a * lj)), Rounding.up(top - Rounding.down(a * top)));
        }
    }
}

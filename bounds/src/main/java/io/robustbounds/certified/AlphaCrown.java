package io.robustbounds.certified;

import io.robustbounds.certified.CrownNetwork.Slope;
import java.util.Arrays;
import java.util.List;

/**
 * The bound rows of one {@link Propagation} at their best: every lower slope of the network's list tried for the
 * unstable ReLUs (each row keeps the best), then alpha-CROWN steps on the slopes.
 */
final class AlphaCrown {
    private final BackSubstitution backSubstitution;
    private final List<Stage> stages;
    private final List<Slope> slopes;
    private final int samples;
    private final int inputSize;
    private final int depth;
    private final double[] x;
    private final double[] eps;
    private final double[][] lower;
    private final double[][] upper;
    private final double[][] lines;
    private final Propagation pass;

    AlphaCrown(Propagation pass, BackSubstitution backSubstitution, List<Slope> slopes) {
        this.pass = pass;
        this.backSubstitution = backSubstitution;
        this.stages = pass.stages;
        this.slopes = slopes;
        this.samples = pass.samples;
        this.inputSize = pass.inputSize;
        this.depth = pass.depth;
        this.x = pass.x;
        this.eps = pass.eps;
        this.lower = pass.lower;
        this.upper = pass.upper;
        this.lines = pass.lines;
    }

    /**
     * alpha-CROWN on the margins (Xu et al., ICLR 2021), with the intermediate bounds fixed: projected gradient
     * ascent on the lower slopes α ∈ [0, 1] of the unstable ReLUs, one α per margin row and unit, of the row's
     * bound A − ε'B at ε' = its current radius (the direction of A/B). The bound is the objective evaluated
     * through the relaxed linear network: ∂/∂Λ at a linear stage is M G + b (its forward map applied to the
     * gradient G below), at an activation G·α_sel + β_sel, and ∂/∂α = G·Λ where the lower line is used. Every
     * iterate's bound is a full, rounded back-substitution, so keeping the best of them is sound.
     *
     * @param steps the alpha-CROWN steps (0: the slopes only)
     * @param ratio whether a row's objective is taken at its radius A/B (margins) rather than at ε
     * @return per row: the best lower bound at ε, the best radius A/B (signed: negative where A &lt; 0), and the A, B of
     *         the best bound
     */
    double[][] bestBounds(int top, double[] lam, int rows, double[] beta, double[] slack, int steps, boolean ratio) {
        int total = samples * rows;
        double[] lowest = new double[total];
        double[] rowRadius = new double[total];
        Arrays.fill(rowRadius, Double.NEGATIVE_INFINITY);
        double[] bestA = new double[total];
        double[] bestB = new double[total];
        Arrays.fill(lowest, Double.NEGATIVE_INFINITY);
        Arrays.fill(bestA, Double.NaN);
        Slope[] start = new Slope[total];
        boolean unstable = false;
        for (int s = 0; s < top && !unstable; s++) {
            if (ActivationStage.isRelu(stages.get(s))) {
                for (int i = 0; i < lower[s].length && !unstable; i++) {
                    unstable = lower[s][i] < 0 && upper[s][i] > 0;
                }
            }
        }
        for (Slope slope : unstable ? slopes : List.of(Slope.ADAPTIVE)) {
            double[][] ab = backSubstitution.run(top, lam.clone(), rows, beta.clone(), slack.clone(), slope, null, null);
            keep(ab, rows, lowest, rowRadius, bestA, bestB, start, slope);
        }
        // branch and bound: beta-CROWN multipliers β ≥ 0 of the subdomains' split units, optimized with the slopes
        boolean split = pass.splits != null && pass.splits.below(top);
        if (steps == 0 || slopes.size() == 1 || !unstable && !split) {
            return new double[][] {lowest, rowRadius, bestA, bestB};
        }
        double[][] alpha = new double[depth][];
        boolean any = false;
        for (int s = 0; s < top; s++) {
            if (ActivationStage.isRelu(stages.get(s))) {
                int w = stages.get(s).in;
                alpha[s] = new double[total * w];
                for (int row = 0; row < total; row++) {
                    int n = row / rows;
                    for (int i = 0; i < w; i++) {
                        double l = lower[s][n * w + i];
                        double u = upper[s][n * w + i];
                        boolean fixed = split && !(l < 0 && u > 0) && pass.splits.has(n, s, i);
                        alpha[s][row * w + i] = l < 0 && u > 0 ? start[row].alpha(l, u) : fixed ? 0 : Double.NaN;
                        any |= l < 0 && u > 0 || fixed;
                    }
                }
            }
        }
        if (!any) {
            return new double[][] {lowest, rowRadius, bestA, bestB};
        }
        double step = 0.25;
        for (int it = 0; it < steps; it++) {
            double[][] record = new double[depth][];
            double[][] ab = backSubstitution.run(top, lam.clone(), rows, beta.clone(), slack.clone(), Slope.ADAPTIVE, alpha, record);
            keep(ab, rows, lowest, rowRadius, bestA, bestB, null, null);
            double[] g = new double[total * inputSize];
            for (int row = 0; row < total; row++) {
                double a = ab[0][row];
                double b = ab[2][row];
                int n = row / rows;
                double at = ratio && a > 0 && b > 0 ? Math.min(a / b, eps[n]) : eps[n];
                double[] l0 = ab[3];
                for (int i = 0; i < inputSize; i++) {
                    g[row * inputSize + i] = x[n * inputSize + i] - (b > 0 ? at * l0[row * inputSize + i] / b : 0);
                }
            }
            if (it == steps - 1) {
                break;
            }
            // forward through the relaxed network: G over each stage's output, gradients of the α on the way
            double[][] grad = new double[depth][];
            double[] maxGrad = new double[total];
            double[][] scale = new double[depth][];
            for (int s = 0; s < top; s++) {
                Stage st = stages.get(s);
                if (st instanceof LinearStage lin) {
                    g = lin.forward(g, total);
                    continue;
                }
                double[] lamOut = record[s];
                double[] next = new double[total * st.out];
                if (st instanceof ActivationStage act) {
                    double[] lj = lines[s];
                    int w = st.in;
                    if (alpha[s] != null) {
                        grad[s] = new double[total * w];
                        scale[s] = new double[total];
                    }
                    for (int row = 0; row < total; row++) {
                        int n = row / rows;
                        for (int i = 0; i < w; i++) {
                            double l = lamOut[row * w + i];
                            int unit = n * w + i;
                            int q = 4 * unit + (l > 0 ? 0 : 2);
                            double slopeUsed = lj[q];
                            double opt = alpha[s] == null ? Double.NaN : alpha[s][row * w + i];
                            boolean crossing = lower[s][unit] < 0 && upper[s][unit] > 0;
                            if (l > 0 && !Double.isNaN(opt) && crossing) {
                                slopeUsed = opt;
                                grad[s][row * w + i] = g[row * w + i] * l;
                                maxGrad[row] = Math.max(maxGrad[row], Math.abs(grad[s][row * w + i]));
                            } else if (!Double.isNaN(opt) && !crossing) {
                                // a split unit's β: the row gains −βz (active) or +βz (inactive), z = g here
                                grad[s][row * w + i] = lower[s][unit] >= 0 ? -g[row * w + i] : g[row * w + i];
                                maxGrad[row] = Math.max(maxGrad[row], Math.abs(grad[s][row * w + i]));
                            }
                            if (scale[s] != null) {
                                scale[s][row] = Math.max(scale[s][row], Math.abs(l));
                            }
                            next[row * w + i] = g[row * w + i] * slopeUsed + lj[q + 1];
                        }
                    }
                } else {
                    MaxPoolStage m = (MaxPoolStage) st;
                    double[] p = lines[s];
                    for (int row = 0; row < total; row++) {
                        int n = row / rows;
                        for (int o = 0; o < m.out; o++) {
                            int at = MaxPoolStage.POOL_LINE * (n * m.out + o);
                            double l = lamOut[row * m.out + o];
                            next[row * m.out + o] = l > 0 || p[at + 4] == 1 ? g[row * m.in + (int) p[at]]
                                    : p[at + 2] * g[row * m.in + (int) p[at + 1]] + p[at + 3];
                        }
                    }
                }
                g = next;
            }
            for (int s = 0; s < top; s++) {
                if (grad[s] == null) {
                    continue;
                }
                int w = stages.get(s).in;
                for (int row = 0; row < total; row++) {
                    if (!(maxGrad[row] > 0)) {
                        continue;
                    }
                    for (int i = 0; i < w; i++) {
                        double v = alpha[s][row * w + i];
                        int unit = (row / rows) * w + i;
                        if (Double.isNaN(v)) {
                            continue;
                        }
                        if (lower[s][unit] < 0 && upper[s][unit] > 0) {
                            alpha[s][row * w + i] = Math.max(0, Math.min(1, v + step * Math.signum(grad[s][row * w + i])));
                        } else {
                            alpha[s][row * w + i] = Math.max(0, v + step * scale[s][row] * Math.signum(grad[s][row * w + i]));
                        }
                    }
                }
            }
            step *= 0.85;
        }
        return new double[][] {lowest, rowRadius, bestA, bestB};
    }

    /** Per row the best proven lower bound at the pass' ε and radius A/B so far (and the slope that gave it). */
    private void keep(double[][] ab, int rows, double[] lowest, double[] rowRadius, double[] bestA, double[] bestB, Slope[] start,
            Slope slope) {
        for (int row = 0; row < lowest.length; row++) {
            double a = ab[0][row];
            double b = ab[2][row];
            // A/B, rounded down where positive (a proven radius); where A ≤ 0 the signed A/B only says how far the
            // bound falls short (for the search's choice of ε, never a radius)
            double candidate = a > 0 ? (b > 0 ? Rounding.down(a / b) : b == 0 ? Double.POSITIVE_INFINITY : 0)   // B NaN: nothing
                    : a <= 0 && b > 0 ? a / b : a < 0 ? Double.NEGATIVE_INFINITY : 0;      // NaN: nothing proven
            rowRadius[row] = Math.max(rowRadius[row], candidate);
            double lo = Rounding.down(a - Rounding.up(eps[row / rows] * b));
            if (lo > lowest[row] || start != null && start[row] == null) {
                if (lo >= lowest[row]) {
                    bestA[row] = a;
                    bestB[row] = b;
                }
                lowest[row] = Math.max(lowest[row], lo);
                if (start != null) {
                    start[row] = slope;
                }
            }
        }
    }
}

package io.robustbounds.certified;

import io.robustbounds.model.Activation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One propagation of a {@link CrownNetwork} over N samples, each at its own ε (docs/certified-mode.md): per stage the
 * interval bounds of its output, at the input of every nonlinear stage CROWN's bounds ({@link BackSubstitution},
 * or rows reused from a larger ε) and the stage's lines, then the margins' bounds and the radius.
 */
final class Propagation {
    final List<Stage> stages;
    final int inputSize;
    private final CrownNetwork net;
    final double[] x;
    final int samples;
    final int[] cls;
    final double[] eps;
    final double[] xNorm;
    final int depth;
    /** Per value s = 0…S and (sample, unit): proven bounds on vₛ over the ball. */
    final double[][] lower;
    final double[][] upper;
    /** Per nonlinear stage s (its input vₛ): lines (4 per unit: αᴸ, βᴸ, αᵁ, βᵁ) or, for MAX pooling, per output
     * the lower input index i*, the upper line's input j, slope a and intercept b, and the exact flag (5 per output:
     * {@link MaxPoolStage#POOL_LINE}). */
    final double[][] lines;
    /** Per sample: bound rows to reuse (null: compute them, into {@link #recorded}). */
    final BoundRows[] cached;
    final BoundRows[] recorded;
    private final BackSubstitution backSubstitution;
    private final AlphaCrown alphaCrown;
    /** Branch and bound: the ReLU splits of each sample's subdomain, applied to the bounds after CROWN's (null: none). */
    BranchAndBound.Splits splits;

    Propagation(CrownNetwork net, double[] x, int samples, int[] cls, double[] eps, BoundRows[] cached) {
        this.net = net;
        this.stages = net.stages;
        this.inputSize = net.inputSize();
        this.depth = stages.size();
        lower = new double[depth + 1][];
        upper = new double[depth + 1][];
        lines = new double[depth][];
        this.cached = cached;
        this.recorded = cached != null ? null : new BoundRows[samples];
        if (recorded != null) {
            for (int n = 0; n < samples; n++) {
                recorded[n] = new BoundRows(eps[n], depth);
            }
        }
        this.x = x;
        this.samples = samples;
        this.cls = cls;
        this.eps = eps;
        xNorm = new double[samples];
        lower[0] = new double[samples * inputSize];
        upper[0] = new double[samples * inputSize];
        for (int n = 0; n < samples; n++) {
            double s = 0;
            for (int i = 0; i < inputSize; i++) {
                double v = x[n * inputSize + i];
                s += v * v;
                lower[0][n * inputSize + i] = Rounding.down(v - eps[n]);   // |x_i − x₀ᵢ| ≤ ‖x − x₀‖ ≤ ε
                upper[0][n * inputSize + i] = Rounding.up(v + eps[n]);
            }
            xNorm[n] = Rounding.normUp(s, inputSize);
        }
        backSubstitution = new BackSubstitution(this);
        alphaCrown = new AlphaCrown(this, backSubstitution, net.slopes);
    }

    /** Per sample {radius, estimate}: the proven radius (≤ ε) and min_j A_j/B_j, where the margins' bounds reach. */
    double[][] radii() {
        for (int s = 0; s < depth; s++) {
            Stage st = stages.get(s);
            if (!(st instanceof LinearStage)) {
                tighten(s);
                if (splits != null) {
                    splits.apply(this, s);
                }
                relax(s);
            }
            forwardBounds(s);
        }
        return margins();
    }

    /** max(|l|, |u|) of value s at (sample, unit) index {@code at}. */
    double magnitude(int value, int at) {
        return Math.max(Math.abs(lower[value][at]), Math.abs(upper[value][at]));
    }

    /** IBP: bounds of vₛ₊₁ from those of vₛ (intersected with exact first-layer bounds where they exist). */
    private void forwardBounds(int s) {
        Stage st = stages.get(s);
        double[] lo = lower[s];
        double[] hi = upper[s];
        int out = st.out;
        double[] nl = new double[samples * out];
        double[] nh = new double[samples * out];
        if (st instanceof LinearStage lin) {
            double[] c = new double[lo.length];
            double[] r = new double[lo.length];
            double[] cr = new double[lo.length];
            for (int i = 0; i < lo.length; i++) {
                c[i] = 0.5 * (lo[i] + hi[i]);
                r[i] = Rounding.up(Math.max(Rounding.up(hi[i] - c[i]), Rounding.up(c[i] - lo[i])));
                cr[i] = Rounding.up(Math.abs(c[i]) + r[i]);
            }
            double[] center = lin.forward(c, samples);
            double[] spread = lin.absForward(r, samples);
            double[] total = lin.absForward(cr, samples);
            double[] b = lin.bias();
            double[] be = lin.biasError();
            // exact: |M(v − c)| ≤ |M|r, center rounding ≤ γ(|M||c| + |b|), |M − M̂| ≤ e|M̂|; nonneg sums inflated by 2γ
            double g = Rounding.gamma(lin.forwardTerms() + 2);
            double e = lin.entryError();
            for (int n = 0; n < samples; n++) {
                for (int j = 0; j < out; j++) {
                    int at = n * out + j;
                    double w = Rounding.inflate(spread[at] + (2 * g + 2 * e) * (total[at] + Math.abs(b[j]))
                            + (be == null ? 0 : be[j]));
                    nl[at] = Rounding.down(center[at] - w);
                    nh[at] = Rounding.up(center[at] + w);
                }
            }
            if (s == 0 && net.firstRowNorm != null) {
                exactFirst(lin, nl, nh);
            }
        } else if (st instanceof ActivationStage a) {
            for (int i = 0; i < nl.length; i++) {
                nl[i] = Relaxation.valueDown(a.g, lo[i]);
                nh[i] = Relaxation.valueUp(a.g, hi[i]);
                if (a.g == Activation.RELU) {
                    nl[i] = Math.max(0, lo[i]);
                    nh[i] = Math.max(0, hi[i]);
                }
            }
        } else {
            ((MaxPoolStage) st).intervalBounds(lo, hi, samples, nl, nh);
        }
        lower[s + 1] = nl;
        upper[s + 1] = nh;
    }

    /** First stage W x + b: W x₀ + b ± (ε‖Wᵣ‖ + γ_{K+1}(‖Wᵣ‖‖x₀‖ + |bᵣ|)) (Cauchy–Schwarz), intersected into nl, nh. */
    private void exactFirst(LinearStage lin, double[] nl, double[] nh) {
        double[] center = lin.forward(x, samples);
        double[] b = lin.bias();
        double g = Rounding.gamma(lin.forwardTerms());
        int out = lin.out;
        for (int n = 0; n < samples; n++) {
            for (int j = 0; j < out; j++) {
                int at = n * out + j;
                double err = Rounding.inflate(g * (net.firstRowNorm[j] * xNorm[n] + Math.abs(b[j])));
                double spread = Rounding.up(Rounding.up(eps[n] * net.firstRowNorm[j]) + err);
                nl[at] = Math.max(nl[at], Rounding.down(center[at] - spread));
                nh[at] = Math.min(nh[at], Rounding.up(center[at] + spread));
            }
        }
    }

    /** CROWN bounds of vₛ (the input of nonlinear stage s), intersected with the IBP ones. */
    private void tighten(int s) {
        if (s == 0) {
            return;                          // the input's own box
        }
        if (s == 1 && net.firstRowNorm != null) {
            return;                          // exact already
        }
        int size = stages.get(s).in;
        if (cached != null) {
            reuse(s, size);
            return;
        }
        for (int n = 0; n < samples; n++) {
            recorded[n].allocate(s, size);
        }
        boolean linearBelow = true;
        for (int j = 0; j < s; j++) {
            linearBelow &= stages.get(j) instanceof LinearStage;
        }
        // units to bound: all, except ReLU units stable in every sample (their lines are exact whatever the bounds)
        List<Integer> units = new ArrayList<>();
        Stage st = stages.get(s);
        for (int i = 0; i < size; i++) {
            boolean needed = !ActivationStage.isRelu(st);
            for (int n = 0; n < samples && !needed; n++) {
                needed = lower[s][n * size + i] < 0 && upper[s][n * size + i] > 0;
            }
            if (needed) {
                units.add(i);
            }
        }
        int sides = linearBelow ? 1 : 2;
        if ((long) sides * size > net.crownRowLimit) {
            return;                          // interval bounds only (the network's row limit)
        }
        int block = Math.max(1, CrownNetwork.ROW_BLOCK / sides);
        for (int from = 0; from < units.size(); from += block) {
            int count = Math.min(block, units.size() - from);
            int rows = sides * count;
            double[] lam = new double[samples * rows * size];
            for (int n = 0; n < samples; n++) {
                for (int r = 0; r < count; r++) {
                    int unit = units.get(from + r);
                    lam[(n * rows + r) * size + unit] = 1;
                    if (sides == 2) {
                        lam[(n * rows + count + r) * size + unit] = -1;
                    }
                }
            }
            double[][] best = linearBelow ? null
                    : alphaCrown.bestBounds(s, lam, rows, new double[samples * rows], new double[samples * rows], net.intermediateAlphaSteps, false);
            double[][] ab = linearBelow ? backSubstitution.run(s, lam, rows, new double[samples * rows], new double[samples * rows], CrownNetwork.Slope.ADAPTIVE, null, null)
                    : null;
            for (int n = 0; n < samples; n++) {
                for (int r = 0; r < count; r++) {
                    int at = n * size + units.get(from + r);
                    int row = n * rows + r;
                    double lo;
                    double hi;
                    if (linearBelow) {
                        lo = Rounding.down(ab[0][row] - Rounding.up(eps[n] * ab[2][row]));
                        hi = Rounding.up(ab[1][row] + Rounding.up(eps[n] * ab[2][row]));
                    } else {
                        lo = best[0][row];
                        hi = -best[0][row + count];
                    }
                    boolean relu = ActivationStage.isRelu(st);
                    if (relu && !(lower[s][at] < 0 && upper[s][at] > 0)) {
                        continue;                    // stable in this sample: its bounds stay as they are (chunk-independent)
                    }
                    // −v ≥ A' − εB' is v ≤ −A' + εB'
                    recorded[n].set(s, at - n * size, linearBelow ? ab[0][row] : best[2][row], linearBelow ? ab[2][row] : best[3][row],
                            linearBelow ? ab[1][row] : -best[2][row + count], linearBelow ? ab[2][row] : best[3][row + count]);
                    lower[s][at] = Math.max(lower[s][at], lo);
                    upper[s][at] = Math.min(upper[s][at], hi);
                }
            }
        }
    }

    /**
     * The bounds of a propagation at ε_c ≥ ε reused: each row's relaxed linear network is valid on the ball of
     * radius ε_c, hence on the smaller one, so A − εB ≤ v ≤ A⁺ + εB⁺ with the rows' A, B (docs/certified-mode.md,
     * "Reuse across the search"), intersected with this pass' interval bounds.
     */
    private void reuse(int s, int size) {
        for (int n = 0; n < samples; n++) {
            BoundRows c = cached[n];
            if (!(eps[n] <= c.eps) || c.a[s] == null) {
                throw new IllegalStateException("bound rows of radius " + c.eps + " reused at " + eps[n]);
            }
            for (int i = 0; i < size; i++) {
                int at = n * size + i;
                if (!Double.isNaN(c.a[s][i])) {
                    lower[s][at] = Math.max(lower[s][at], Rounding.down(c.a[s][i] - Rounding.up(eps[n] * c.b[s][i])));
                }
                if (!Double.isNaN(c.aUp[s][i])) {
                    upper[s][at] = Math.min(upper[s][at], Rounding.up(c.aUp[s][i] + Rounding.up(eps[n] * c.bUp[s][i])));
                }
            }
        }
    }

    /** Lines of nonlinear stage s on the bounds of its input. */
    private void relax(int s) {
        Stage st = stages.get(s);
        double[] lo = lower[s];
        double[] hi = upper[s];
        if (st instanceof ActivationStage a) {
            double[] l4 = new double[4 * lo.length];
            for (int at = 0; at < lo.length; at++) {
                if (!(Double.isFinite(lo[at]) && Double.isFinite(hi[at]) && lo[at] <= hi[at])) {
                    Arrays.fill(l4, 4 * at, 4 * at + 4, Double.NaN);
                    continue;
                }
                Relaxation.lines(a.g, lo[at], hi[at], l4, 4 * at);
            }
            lines[s] = l4;
            return;
        }
        lines[s] = ((MaxPoolStage) st).lines(lo, hi, samples);
    }

    /** Rows (H_c − H_j) v_S + (h_c − h_j), j ≠ c, back-substituted; the radius is min_j A_j / B_j, at most ε. */
    private double[][] margins() {
        int in = net.head.in;
        int rows = net.classes() - 1;
        double[] lam = new double[samples * rows * in];
        double[] beta = new double[samples * rows];
        double[] slack = new double[samples * rows];
        double[] hw = net.head.weight.values;
        for (int n = 0; n < samples; n++) {
            int c = cls[n];
            int r = 0;
            for (int j = 0; j < net.classes(); j++) {
                if (j == c) {
                    continue;
                }
                int row = n * rows + r;
                double abs = 0;
                for (int i = 0; i < in; i++) {
                    double v = hw[c * in + i] - hw[j * in + i];
                    lam[row * in + i] = v;
                    abs += Math.abs(v) * magnitude(depth, n * in + i);
                }
                beta[row] = net.head.b[c] - net.head.b[j];
                slack[row] = Rounding.inflate(Rounding.U * (abs + Math.abs(beta[row])));   // fl(H_c − H_j), fl(h_c − h_j)
                r++;
            }
        }
        double[] rowRadius = alphaCrown.bestBounds(depth, lam, rows, beta, slack, net.alphaSteps, true)[1];
        double[] radius = new double[samples];
        double[] estimate = new double[samples];
        for (int n = 0; n < samples; n++) {
            double best = Double.POSITIVE_INFINITY;
            for (int r = 0; r < rows; r++) {
                best = Math.min(best, rowRadius[n * rows + r]);
            }
            estimate[n] = best;
            radius[n] = Math.min(eps[n], best);
        }
        return new double[][] {radius, estimate};
    }
}

package io.robustbounds.model;

import io.robustbounds.linalg.Arrays2;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Local response normalization across channels (thesis §5.2.4), at every spatial position of a batch
 * [N, C, ...] (dimension 1 is the channel): {@code b_i = a_i S_i^{−β}}, {@code S_i = k + α' Σ_l a_l²} with l
 * running over max(0, i − n/2) … min(C − 1, i + n/2) (integer n/2), and α' = α (the thesis' convention) or α/n
 * (Caffe's, when {@code caffeAlpha}). Every formula below uses α'.
 *
 * <p>The paper κ is Theorem 5.9 as BOUNDS.md §1 states it. It is <b>not</b> a guarantee (BOUNDS.md §3:
 * Lemma 5.8 claims every a ∈ Δ satisfies the quadratic inequality where only one component must).
 *
 * @param k          additive constant (the bound needs k > 0)
 * @param n          window size (local_size), ≥ 1
 * @param alpha      α as the model states it (the bound needs α > 0)
 * @param beta       exponent (the bound needs 0 < β < 1)
 * @param caffeAlpha whether α is divided by n (Caffe) or used as is (thesis)
 */
public record Lrn(double k, int n, double alpha, double beta, boolean caffeAlpha) implements TrunkLayer {

    public Lrn {
        if (n < 1) {
            throw new IllegalArgumentException("Lrn n (window size) must be >= 1, got " + n);
        }
        if (!Double.isFinite(k) || !Double.isFinite(alpha) || !Double.isFinite(beta)) {
            throw new IllegalArgumentException("Lrn parameters must be finite: k = " + k + ", alpha = " + alpha + ", beta = " + beta);
        }
    }

    /** α' = α or α / n. */
    public double effectiveAlpha() {
        return caffeAlpha ? alpha / n : alpha;
    }

    @Override
    public LayerKind kind() {
        return LayerKind.LRN;
    }

    @Override
    public long[] outputShape(long[] inputShape) {
        if (inputShape.length < 1 || inputShape[0] < 1) {
            throw new IllegalArgumentException("Lrn cannot take input shape " + Arrays.toString(inputShape) + " (need [C, ...], C >= 1)");
        }
        return inputShape.clone();
    }

    private static int inner(INDArray x) {
        return Batches.elementsPerChannel(x, "Lrn");
    }

    /** S for every element: k + α' Σ_{l in window} x_l² at the same sample and spatial position. */
    private double[] sums(double[] xs, int c, int inner) {
        double a = effectiveAlpha();
        int half = n / 2;
        double[] s = new double[xs.length];
        int blocks = xs.length / (c * inner);
        for (int b = 0; b < blocks; b++) {
            int base = b * c * inner;
            for (int i = 0; i < c; i++) {
                int lo = Math.max(0, i - half);
                int hi = Math.min(c - 1, i + half);
                for (int p = 0; p < inner; p++) {
                    double sum = 0;
                    for (int l = lo; l <= hi; l++) {
                        double v = xs[base + l * inner + p];
                        sum += v * v;
                    }
                    s[base + i * inner + p] = k + a * sum;
                }
            }
        }
        return s;
    }

    @Override
    public INDArray forward(INDArray x) {
        int inner = inner(x);
        int c = Math.toIntExact(x.size(1));
        double[] xs = Arrays2.toDoubles(x);
        double[] s = sums(xs, c, inner);
        double[] out = new double[xs.length];
        for (int e = 0; e < xs.length; e++) {
            out[e] = xs[e] * Math.pow(s[e], -beta);
        }
        return Arrays2.fromDoubles(out, x.dataType(), x.shape());
    }

    /**
     * Exact backpropagation: ∂b_a/∂x_j = −2α'β x_a x_j S_a^{−β−1} for j in a's window, plus S_a^{−β} when j = a
     * (§5.2.4, after Theorem 5.9). Windows are symmetric (j in a's window iff a in j's), so
     * grad_j = g_j S_j^{−β} − 2α'β x_j Σ_{a in j's window} g_a x_a S_a^{−β−1}.
     */
    @Override
    public INDArray inputGradient(INDArray x, INDArray gradOut) {
        int inner = inner(x);
        Batches.requireInputShape(x, gradOut);
        int c = Math.toIntExact(x.size(1));
        double a = effectiveAlpha();
        int half = n / 2;
        double[] xs = Arrays2.toDoubles(x);
        double[] g = Arrays2.toDoubles(gradOut);
        double[] s = sums(xs, c, inner);
        double[] t = new double[xs.length]; // g_a x_a S_a^{−β−1}
        for (int e = 0; e < xs.length; e++) {
            t[e] = g[e] * xs[e] * Math.pow(s[e], -beta - 1);
        }
        double[] out = new double[xs.length];
        int blocks = xs.length / (c * inner);
        for (int b = 0; b < blocks; b++) {
            int base = b * c * inner;
            for (int j = 0; j < c; j++) {
                int lo = Math.max(0, j - half);
                int hi = Math.min(c - 1, j + half);
                for (int p = 0; p < inner; p++) {
                    int e = base + j * inner + p;
                    double cross = 0;
                    for (int l = lo; l <= hi; l++) {
                        cross += t[base + l * inner + p];
                    }
                    out[e] = g[e] * Math.pow(s[e], -beta) - 2 * a * beta * xs[e] * cross;
                }
            }
        }
        return Arrays2.fromDoubles(out, x.dataType(), x.shape());
    }

    /**
     * Theorem 5.9 (BOUNDS.md §1), per sample, D = elements of one sample:
     * δ_a = |LRN(X)_a| − (‖LRN(X)‖_F + κ) / sqrt(D), Δ = {a : δ_a < 0}, ∇LRN(X)_a the row a of the Jacobian,
     * M_a = 4 x_max α'β (x_max² α'(β+1) k^{−β−2} + k^{−β−1}) + 2 x_max α'β k^{−β−1} (Lemma 5.11, the same for
     * every a), λ_a = (sqrt(‖∇_a‖² − 2 M_a δ_a) − ‖∇_a‖) / M_a; returns max_{a∈Δ} λ_a.
     *
     * <p>Δ is empty only when κ ≤ 0 (Lemma 5.7; e.g. κ = 0 with all |b_a| equal): the sample's κ is then
     * <b>0</b> (no robustness claimed). When X = 0, M_a = 0 and λ_a is the limit −δ_a / ‖∇_a‖ of the linear
     * inequality. An infinite κ gives an infinite bound.
     *
     * @throws IllegalArgumentException unless α > 0, 0 < β < 1, k > 0 (Assumption 5.10), naming the parameter
     */
    @Override
    public double[] paperKappa(INDArray x, INDArray y, double[] nextKappa) {
        if (!(alpha > 0)) {
            throw new IllegalArgumentException("Lrn paper bound needs alpha > 0 (Assumption 5.10), got alpha = " + alpha);
        }
        if (!(beta > 0 && beta < 1)) {
            throw new IllegalArgumentException("Lrn paper bound needs 0 < beta < 1 (Assumption 5.10), got beta = " + beta);
        }
        if (!(k > 0)) {
            throw new IllegalArgumentException("Lrn paper bound needs k > 0 (Assumption 5.10), got k = " + k);
        }
        int inner = inner(x);
        int c = Math.toIntExact(x.size(1));
        int samples = Math.toIntExact(x.size(0));
        if (nextKappa.length != samples) {
            throw new IllegalArgumentException("nextKappa has " + nextKappa.length + " values for a batch of " + samples);
        }
        double a = effectiveAlpha();
        int half = n / 2;
        int d = c * inner;
        double[] xs = Arrays2.toDoubles(x);
        double[] ys = Arrays2.toDoubles(y);
        if (ys.length != xs.length) {
            throw new IllegalArgumentException("y has " + ys.length + " elements, x has " + xs.length);
        }
        double[] s = sums(xs, c, inner);
        double[] out = new double[samples];
        for (int smp = 0; smp < samples; smp++) {
            double kappa = nextKappa[smp];
            if (Double.isInfinite(kappa) || Double.isNaN(kappa)) {
                out[smp] = kappa;
                continue;
            }
            int base = smp * d;
            double norm2 = 0;
            double xmax = 0;
            for (int e = 0; e < d; e++) {
                norm2 += ys[base + e] * ys[base + e];
                xmax = Math.max(xmax, Math.abs(xs[base + e]));
            }
            double threshold = (Math.sqrt(norm2) + kappa) / Math.sqrt(d);
            // Lemma 5.11: M_a ≤ 4 x_max α β (x_max² α (β+1) k^{−β−2} + k^{−β−1}) + 2 x_max α β k^{−β−1}
            double m = 4 * xmax * a * beta * (xmax * xmax * a * (beta + 1) * Math.pow(k, -beta - 2) + Math.pow(k, -beta - 1))
                    + 2 * xmax * a * beta * Math.pow(k, -beta - 1);
            double best = 0; // Δ empty: κ = 0
            for (int i = 0; i < c; i++) {
                int lo = Math.max(0, i - half);
                int hi = Math.min(c - 1, i + half);
                for (int p = 0; p < inner; p++) {
                    int e = base + i * inner + p;
                    double delta = Math.abs(ys[e]) - threshold; // δ_a
                    if (!(delta < 0)) {
                        continue; // a ∉ Δ
                    }
                    // row a of ∇LRN(X): −2 x_j x_a α β S_a^{−β−1} (j ≠ a), plus S_a^{−β} on the diagonal
                    double coef = -2 * xs[e] * a * beta * Math.pow(s[e], -beta - 1);
                    double g2 = 0;
                    for (int l = lo; l <= hi; l++) {
                        double entry = coef * xs[base + l * inner + p];
                        if (l == i) {
                            entry += Math.pow(s[e], -beta);
                        }
                        g2 += entry * entry;
                    }
                    double gn = Math.sqrt(g2);
                    // Thm 5.9: λ_a = (sqrt(‖∇_a‖² − 2 M_a δ_a) − ‖∇_a‖) / M_a, evaluated without cancellation as the
                    // equal −2δ_a / (sqrt(‖∇_a‖² − 2 M_a δ_a) + ‖∇_a‖) (also the M_a = 0 limit −δ_a / ‖∇_a‖)
                    double lambda = -2 * delta / (Math.sqrt(g2 - 2 * m * delta) + gn);
                    best = Math.max(best, lambda); // max over Δ (BOUNDS.md §3: unsound)
                }
            }
            out[smp] = best;
        }
        return out;
    }

    /** Sound mode: {@link io.robustbounds.bounds.SoundBounds#lrnLipschitz}. */
    @Override
    public io.robustbounds.bounds.Rounding.Layer rounding(long[] inputShape, double u) {
        // computed in double over positive sums and a pow (relative error ≤ (n + 8)·2⁻⁵³), then stored
        return io.robustbounds.bounds.Rounding.storedFromDouble(u, n + 8);
    }

    @Override
    public double lipschitz() {
        return io.robustbounds.bounds.SoundBounds.lrnLipschitz(k, n, effectiveAlpha(), beta);
    }
}

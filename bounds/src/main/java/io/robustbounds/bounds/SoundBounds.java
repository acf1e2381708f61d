package io.robustbounds.bounds;

import io.robustbounds.model.DenseLayer;
import java.util.List;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;

/**
 * The sound mode's proven constants (docs/sound-mode.md has each derivation). A layer h with Lipschitz
 * constant L in the Euclidean norm turns κ at its output into κ / L at its input: if ‖h(x + r) − h(x)‖ ≤ L‖r‖
 * and every class-changing perturbation of the output has norm ≥ κ, every class-changing r has ‖r‖ ≥ κ / L.
 *
 * <p>Every constant here is an upper bound that holds for all inputs, computed in double. The rounding of
 * the forward pass itself (float by default) is bounded by {@link Rounding}.
 */
public final class SoundBounds {
    private SoundBounds() {
    }

    /**
     * Convolution (any stride s, any zero padding), kernels W [k, c, q, q']: min(‖W‖_F · sqrt(ceil(q/s)·ceil(q'/s)),
     * sqrt(R·C)) with R = max_k Σ_{c,u,v} |W| (the largest row
     * sum of the convolution's matrix) and C = max_c Σ_{k,u,v} |W| (its largest column sum; each kernel entry meets
     * a given input pixel at most once). The first: Cauchy–Schwarz per window, each pixel in at most
     * ceil(q/s)·ceil(q'/s) windows; the second: Schur's test ‖A‖₂ ≤ sqrt(‖A‖₁‖A‖_∞). ReLU is 1-Lipschitz.
     */
    public static double convLipschitz(double[] w, int k, int c, int q, int q2, int stride) {
        double frob = 0;
        double[] rows = new double[k];
        double[] cols = new double[c];
        int per = q * q2;
        for (int o = 0; o < k; o++) {
            for (int ch = 0; ch < c; ch++) {
                for (int e = 0; e < per; e++) {
                    double v = w[(o * c + ch) * per + e];
                    frob += v * v;
                    rows[o] += Math.abs(v);
                    cols[ch] += Math.abs(v);
                }
            }
        }
        double overlap = Math.sqrt((double) ceilDiv(q, stride) * ceilDiv(q2, stride));
        return Math.min(Math.sqrt(frob) * overlap, Math.sqrt(max(rows) * max(cols)));
    }

    /**
     * Pooling over q×q windows with stride s, m = ceil(q/s)² windows at most per pixel. MAX: |max a − max b| ≤
     * ‖a − b‖₂ per window, so L = ceil(q/s). AVERAGE: |mean(a − b)| ≤ ‖a − b‖₂ / q, so L = ceil(q/s) / q. L_p:
     * |‖a‖_p − ‖b‖_p| ≤ ‖a − b‖_p ≤ max(1, q^{2/p − 1}) ‖a − b‖₂ (Hölder on q² entries), times ceil(q/s).
     */
    public static double poolLipschitz(io.robustbounds.model.Pool2d.Method method, double p, int q, int stride) {
        double overlap = ceilDiv(q, stride);
        return switch (method) {
            case MAX -> overlap;
            case AVERAGE -> overlap / q;
            case LP -> overlap * Math.max(1.0, Math.pow(q, 2.0 / p - 1.0));
        };
    }

    /** Batch normalization is affine and diagonal: L = max_j |γ_j| / sqrt(Var_j + ε), exactly. */
    public static double batchNormLipschitz(double[] gamma, double[] variance, double epsilon) {
        double l = 0;
        for (int j = 0; j < gamma.length; j++) {
            l = Math.max(l, Math.abs(gamma[j]) / Math.sqrt(variance[j] + epsilon));
        }
        return l;
    }

    /**
     * LRN across channels, b_i = a_i S_i^{−β}, S_i = k + α' Σ_{l∈N(i)} a_l², windows of at most w channels:
     * J = D − E with D = diag(S^{−β}) (‖D‖ ≤ k^{−β}) and E_ij = 2α'β a_i a_j S_i^{−β−1} (j ∈ N(i)). With
     * Q_i = Σ_{N(i)} a_l² ≥ a_i²: ‖E x‖² ≤ Σ_i c_i² Q_i ‖x_{N(i)}‖² ≤ w · 4β² f*² ‖x‖², f* = sup_u u (k + u)^{−β−1} =
     * k^{−β} β^β (1 + β)^{−β−1}. So L = k^{−β} (1 + 2 √w β^{β+1} (1 + β)^{−β−1}) for every input (mean value
     * theorem). Needs k > 0, α' ≥ 0, β > 0.
     */
    public static double lrnLipschitz(double k, int n, double effectiveAlpha, double beta) {
        if (!(k > 0 && effectiveAlpha >= 0 && beta > 0)) {
            throw new IllegalArgumentException("LRN sound bound needs k > 0, alpha >= 0, beta > 0, got k = " + k
                    + ", alpha' = " + effectiveAlpha + ", beta = " + beta);
        }
        int window = 2 * (n / 2) + 1;
        return Math.pow(k, -beta) * (1 + 2 * Math.sqrt(window) * Math.pow(beta, beta + 1) * Math.pow(1 + beta, -beta - 1));
    }

    /**
     * Certified ‖V‖₂ of a dense [rows, cols] matrix: sqrt of the largest eigenvalue of the smaller Gram matrix,
     * computed in double, plus a relative 1e-9 for its rounding, and never above ‖V‖_F.
     */
    public static double spectralNorm(double[] v, int rows, int cols) {
        int n = Math.min(rows, cols);
        double[][] g = new double[n][n];
        double frob = 0;
        for (double x : v) {
            frob += x * x;
        }
        if (rows <= cols) {
            for (int i = 0; i < rows; i++) {
                for (int j = i; j < rows; j++) {
                    double s = 0;
                    for (int t = 0; t < cols; t++) {
                        s += v[i * cols + t] * v[j * cols + t];
                    }
                    g[i][j] = g[j][i] = s;
                }
            }
        } else {
            for (int i = 0; i < cols; i++) {
                for (int j = i; j < cols; j++) {
                    double s = 0;
                    for (int t = 0; t < rows; t++) {
                        s += v[t * cols + i] * v[t * cols + j];
                    }
                    g[i][j] = g[j][i] = s;
                }
            }
        }
        double lambda = largestEigenvalue(g);
        return Math.min(Math.sqrt(frob), Math.sqrt(Math.max(0, lambda) * (1 + 1e-9) + 1e-300));
    }

    /**
     * The largest eigenvalue of a symmetric matrix (commons-math's eigen decomposition, double); NaN when an entry is
     * not finite (an overflowed forward pass: the decomposition would not converge and throw).
     */
    public static double largestEigenvalue(double[][] symmetric) {
        for (double[] row : symmetric) {
            for (double x : row) {
                if (!Double.isFinite(x)) {
                    return Double.NaN;
                }
            }
        }
        double[] ev = new EigenDecomposition(new Array2DRowRealMatrix(symmetric, false)).getRealEigenvalues();
        double m = Double.NEGATIVE_INFINITY;
        for (double e : ev) {
            m = Math.max(m, e);
        }
        return m;
    }

    /** Lipschitz constant of h_L for an MLP trunk: Π_i A_i ‖V_i‖₂ (A_i = sup |g_i'|). */
    public static double mlpLipschitz(List<DenseLayer> layers) {
        double l = 1;
        for (DenseLayer d : layers) {
            l *= d.lipschitz();
        }
        return l;
    }

    private static long ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    private static double max(double[] a) {
        double m = 0;
        for (double x : a) {
            m = Math.max(m, x);
        }
        return m;
    }
}

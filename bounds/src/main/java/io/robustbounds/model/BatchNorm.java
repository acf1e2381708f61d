package io.robustbounds.model;

import io.robustbounds.linalg.Arrays2;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Batch normalization with inference statistics (thesis §5.2.3): per channel (dimension 1 of the batch, so
 * per channel for [N, C, H, W] and per feature for [N, d]),
 * {@code BN(x)_j = γ_j (x_j − E[x_j]) / sqrt(Var[x_j] + ε) + β_j}.
 *
 * <p>The paper κ is Theorem 5.6 as BOUNDS.md §1 states it. It is <b>not</b> a guarantee (BOUNDS.md §3: the
 * proof takes a max where only a min follows, and bounds growth of the output norm instead of movement of the
 * output); BN is affine, so {@code κ / max_j |γ_j| / sqrt(Var_j + ε)} would be a valid bound.
 *
 * @param gamma    scale γ, one value per channel (any shape with C elements)
 * @param beta     shift β, C values
 * @param mean     E[x], C values (inference statistics)
 * @param variance Var[x], C values, each ≥ 0
 * @param epsilon  ε ≥ 0, with Var + ε > 0 for every channel
 */
public record BatchNorm(INDArray gamma, INDArray beta, INDArray mean, INDArray variance, double epsilon) implements TrunkLayer {

    public BatchNorm {
        long c = gamma.length();
        if (beta.length() != c || mean.length() != c || variance.length() != c) {
            throw new IllegalArgumentException("BatchNorm parameters differ in length: gamma " + c + ", beta " + beta.length()
                    + ", mean " + mean.length() + ", variance " + variance.length());
        }
        if (!(epsilon >= 0) || Double.isInfinite(epsilon)) {
            throw new IllegalArgumentException("BatchNorm epsilon must be finite and >= 0, got " + epsilon);
        }
        double[] v = Arrays2.toDoubles(variance);
        for (int j = 0; j < v.length; j++) {
            if (!(v[j] >= 0) || !(v[j] + epsilon > 0)) {
                throw new IllegalArgumentException("BatchNorm variance[" + j + "] = " + v[j] + " with epsilon " + epsilon
                        + ": need variance >= 0 and variance + epsilon > 0");
            }
        }
    }

    /** Number of channels C. */
    public int channels() {
        return Math.toIntExact(gamma.length());
    }

    @Override
    public LayerKind kind() {
        return LayerKind.BATCH_NORM;
    }

    @Override
    public Map<String, INDArray> tensors() {
        Map<String, INDArray> t = new LinkedHashMap<>();
        t.put("gamma", gamma);
        t.put("beta", beta);
        t.put("mean", mean);
        t.put("variance", variance);
        return t;
    }

    @Override
    public long[] outputShape(long[] inputShape) {
        if (inputShape.length < 1 || inputShape[0] != channels()) {
            throw new IllegalArgumentException("BatchNorm with " + channels() + " channels cannot take input shape "
                    + Arrays.toString(inputShape) + " (need [C, ...] with C = " + channels() + ")");
        }
        return inputShape.clone();
    }

    /** Elements per channel of one sample (H·W, or 1 for [N, d]); checks the batch shape. */
    private int inner(INDArray x) {
        int in = Batches.elementsPerChannel(x, "BatchNorm");
        outputShape(Arrays.copyOfRange(x.shape(), 1, x.rank()));
        return in;
    }

    /** Per channel: scale γ/sqrt(Var+ε) and shift β − scale·E, so BN(x) = scale·x + shift. */
    private double[][] affine() {
        double[] g = Arrays2.toDoubles(gamma);
        double[] b = Arrays2.toDoubles(beta);
        double[] m = Arrays2.toDoubles(mean);
        double[] v = Arrays2.toDoubles(variance);
        double[] scale = new double[g.length];
        double[] shift = new double[g.length];
        for (int c = 0; c < g.length; c++) {
            scale[c] = g[c] / Math.sqrt(v[c] + epsilon);
            shift[c] = b[c] - scale[c] * m[c];
        }
        return new double[][] {scale, shift};
    }

    @Override
    public INDArray forward(INDArray x) {
        int inner = inner(x);
        int c = channels();
        double[][] a = affine();
        double[] v = Arrays2.toDoubles(x);
        for (int i = 0; i < v.length; i++) {
            int ch = (i / inner) % c;
            v[i] = a[0][ch] * v[i] + a[1][ch];
        }
        return Arrays2.fromDoubles(v, x.dataType(), x.shape());
    }

    /** The Jacobian is diagonal: ∂BN(x)_j/∂x_j = γ_j / sqrt(Var_j + ε). */
    @Override
    public INDArray inputGradient(INDArray x, INDArray gradOut) {
        int inner = inner(x);
        Batches.requireInputShape(x, gradOut);
        int c = channels();
        double[] scale = affine()[0];
        double[] g = Arrays2.toDoubles(gradOut);
        for (int i = 0; i < g.length; i++) {
            g[i] *= scale[(i / inner) % c];
        }
        return Arrays2.fromDoubles(g, x.dataType(), x.shape());
    }

    /**
     * Theorem 5.6 (BOUNDS.md §1), per sample with d = elements of one sample, j over every element (each with its
     * channel's statistics): φ_j = γ_j / (Var_j + ε), χ_j = 2γ_j (x_j − E_j) + 2β_j sqrt(Var_j + ε),
     * ψ = (2κ‖BN(x)‖ + κ²) / d, ρ1_j = −(sqrt(φ_j²χ_j² + 4φ_jγ_jψ) + φ_jχ_j) / (2φ_jγ_j),
     * ρ2_j = (sqrt(φ_j²χ_j² + 4φ_jγ_jψ) − φ_jχ_j) / (2φ_jγ_j), δ_j = min(|ρ1_j|, |ρ2_j|); returns max_j δ_j.
     *
     * <p>φ_jγ_j = γ_j² / (Var_j + ε) ≥ 0, so the square root is real for κ ≥ 0. When γ_j = 0 the ρ's are 0/0:
     * the thesis (after Theorem 5.6) reads that coordinate as trivial, so it contributes δ_j = 0 to the max.
     * An infinite κ gives an infinite bound.
     */
    @Override
    public double[] paperKappa(INDArray x, INDArray y, double[] nextKappa) {
        int inner = inner(x);
        int n = Math.toIntExact(x.size(0));
        if (nextKappa.length != n) {
            throw new IllegalArgumentException("nextKappa has " + nextKappa.length + " values for a batch of " + n);
        }
        int c = channels();
        int d = c * inner;
        double[] g = Arrays2.toDoubles(gamma);
        double[] b = Arrays2.toDoubles(beta);
        double[] m = Arrays2.toDoubles(mean);
        double[] v = Arrays2.toDoubles(variance);
        double[] xs = Arrays2.toDoubles(x);
        double[] ys = Arrays2.toDoubles(y);
        if (ys.length != xs.length) {
            throw new IllegalArgumentException("y has " + ys.length + " elements, x has " + xs.length);
        }
        double[] out = new double[n];
        for (int s = 0; s < n; s++) {
            double kappa = nextKappa[s];
            if (Double.isInfinite(kappa)) {
                out[s] = kappa;
                continue;
            }
            double norm2 = 0;
            for (int e = 0; e < d; e++) {
                norm2 += ys[s * d + e] * ys[s * d + e];
            }
            double psi = (2 * kappa * Math.sqrt(norm2) + kappa * kappa) / d; // Thm 5.6: ψ
            double best = 0;
            for (int e = 0; e < d; e++) {
                int ch = e / inner;
                double sd = Math.sqrt(v[ch] + epsilon);
                double phi = g[ch] / (v[ch] + epsilon); // Thm 5.6: φ_j = γ_j / (Var_j + ε)
                double chi = 2 * g[ch] * (xs[s * d + e] - m[ch]) + 2 * b[ch] * sd; // χ_j
                double pg = phi * g[ch];
                if (pg == 0) {
                    continue; // γ_j = 0: trivial coordinate, δ_j = 0
                }
                double root = Math.sqrt(phi * phi * chi * chi + 4 * pg * psi);
                if (root == 0) {
                    continue; // φχ = 0 and ψ = 0 (κ = 0): both ρ are 0
                }
                // ρ1_j = −(root + φχ) / (2φγ), ρ2_j = (root − φχ) / (2φγ); since (root − φχ)(root + φχ) = 4φγψ, the
                // root of smaller magnitude is evaluated as ∓2ψ / (root ± φχ) to avoid cancellation (same values)
                double pc = phi * chi;
                double rho1 = pc >= 0 ? -(root + pc) / (2 * pg) : -2 * psi / (root - pc);
                double rho2 = pc >= 0 ? 2 * psi / (root + pc) : (root - pc) / (2 * pg);
                double delta = Math.min(Math.abs(rho1), Math.abs(rho2)); // δ_j
                best = Math.max(best, delta); // Thm 5.6 takes the max over j (BOUNDS.md §3: unsound)
            }
            out[s] = best;
        }
        return out;
    }

    /**
     * Computed in double as scale·x + shift, scale = γ/sqrt(Var + ε), shift = β − scale·E (each to a few ulps of its
     * terms), then stored: |err| ≤ 8·2⁻⁵³(|scale||x| + |β| + |scale·E|) + u|ŷ| per element.
     */
    @Override
    public io.robustbounds.bounds.Rounding.Layer rounding(long[] inputShape, double u) {
        double[][] a = affine();
        long inner = 1;
        for (int i = 1; i < inputShape.length; i++) {
            inner *= inputShape[i];
        }
        double[] b = Arrays2.toDoubles(beta);
        double[] m = Arrays2.toDoubles(mean);
        double maxScale = 0;
        double shift = 0;
        for (int c = 0; c < b.length; c++) {
            maxScale = Math.max(maxScale, Math.abs(a[0][c]));
            double t = Math.abs(b[c]) + Math.abs(a[0][c] * m[c]);
            shift += t * t * inner;
        }
        double d = 8 * 0x1p-53;
        return new io.robustbounds.bounds.Rounding.Layer(d * maxScale, u / (1 - u), d * Math.sqrt(shift));
    }

    /** Sound mode: {@link io.robustbounds.bounds.SoundBounds#batchNormLipschitz}, the exact constant. */
    @Override
    public double lipschitz() {
        return io.robustbounds.bounds.SoundBounds.batchNormLipschitz(Arrays2.toDoubles(gamma), Arrays2.toDoubles(variance), epsilon);
    }
}

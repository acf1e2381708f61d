package io.robustbounds.eval;

import io.robustbounds.linalg.Arrays2;
import io.robustbounds.linalg.SymmetricTridiagonal;

/**
 * {@link JacobianNorm}'s Lanczos on K = J Jᵀ for small FLOAT stacks whose Krylov space it exhausts (n_L ≤
 * JacobianNorm.EXACT_DIMENSION, n_L steps), in Java float loops instead of ND4J ops: per step, ND4J's product K q
 * ({@link DenseStack#jacobianGram}) is 5–7 batched 10×10 matrix products and as many element-wise ops over [m, N, n],
 * each far more call overhead than arithmetic. Here one model's samples at a time run all their steps, vectors kept
 * feature-major ([feature] → the model's samples) so the innermost loops run over samples and C2 vectorizes them
 * (as {@link FloatRay}, whose products it shares; the same stacks qualify).
 *
 * <p>The same algorithm and arithmetic type as JacobianNorm's exhausting case: the same start vector, α = qᵀKq and
 * β = ‖w‖ summed in float, the same breakdown test, θ = λ_max(T) of the last step (or of the step that broke down),
 * used alone. Only the order of the float sums differs: ‖J‖ agrees to float rounding.
 */
final class FloatLanczos {
    private FloatLanczos() {
    }

    /** Whether {@link #compute} serves this stack when Lanczos exhausts its Krylov space (the caller checks that). */
    static boolean applies(DenseStack net) {
        return FloatRay.applies(net) && net.featureSize() <= JacobianNorm.EXACT_DIMENSION;
    }

    static JacobianNorm.Result compute(DenseStack net, DenseStack.Forward f) {
        DenseStack.FloatParameters p = net.floatParameters();
        int depth = net.depth();
        int dim = net.featureSize();
        int n = f.samplesPerModel;
        int count = net.models * n;
        float[][][][] slope = new float[depth][][][];
        int widest = net.inputSize;
        for (int l = 0; l < depth; l++) {
            slope[l] = FloatRay.featureMajor(Arrays2.toFloats(f.slope[l]), net.models, n, net.widths[l]);
            widest = Math.max(widest, net.widths[l]);
        }
        double[] start = JacobianNorm.startVector(dim);
        double breakdown = 1e-5; // JacobianNorm's for FLOAT
        float[][] q = new float[dim][n];
        float[][] qPrev = new float[dim][n];
        float[][] w = new float[widest][n];
        float[][] t = new float[widest][n];
        float[][] u = p.firstGram() == null ? new float[net.inputSize][n] : null;
        float[] alphaRow = new float[n];
        float[] betaRow = new float[n];
        float[] inverse = new float[n];
        double[][] alpha = new double[dim][n];
        double[][] beta = new double[dim][n];
        double[] a = new double[dim];
        double[] b = new double[dim];
        double[] pair = new double[2];
        double[] upper = new double[count];
        int used = 0;
        for (int k = 0; k < net.models; k++) {
            for (int r = 0; r < dim; r++) {
                java.util.Arrays.fill(q[r], (float) start[r]);
                java.util.Arrays.fill(qPrev[r], 0.0f);
            }
            double[] scale = new double[n];
            boolean[] done = new boolean[n];
            int remaining = n;
            for (int j = 0; j < dim && remaining > 0; j++) {
                used = Math.max(used, j + 1);
                float[][] kq = gram(net, p, slope, k, q, w, t, u, n);
                java.util.Arrays.fill(alphaRow, 0.0f);
                for (int r = 0; r < dim; r++) {
                    dot(kq[r], q[r], alphaRow, n);
                }
                for (int r = 0; r < dim; r++) {
                    subtract(kq[r], alphaRow, q[r], n);
                    if (j > 0) {
                        subtract(kq[r], betaRow, qPrev[r], n);
                    }
                }
                java.util.Arrays.fill(betaRow, 0.0f);
                for (int r = 0; r < dim; r++) {
                    dot(kq[r], kq[r], betaRow, n);
                }
                boolean last = j == dim - 1;
                for (int i = 0; i < n; i++) {
                    betaRow[i] = (float) Math.sqrt(betaRow[i]);
                    alpha[j][i] = alphaRow[i];
                    beta[j][i] = betaRow[i];
                    inverse[i] = 0.0f;
                    if (done[i]) {
                        continue;
                    }
                    scale[i] = Math.max(scale[i], Math.abs(alpha[j][i]));
                    if (beta[j][i] <= breakdown * scale[i] || last) {
                        for (int s = 0; s <= j; s++) {
                            a[s] = alpha[s][i];
                            b[s] = beta[s][i];
                        }
                        // the Krylov space is exhausted (or broke down): θ is exact up to rounding, |β s| no residual
                        SymmetricTridiagonal.largestEigenpair(a, b, j + 1, pair);
                        upper[k * n + i] = Math.sqrt(Math.max(pair[0], 0));
                        done[i] = true;
                        remaining--;
                        continue;
                    }
                    inverse[i] = (float) (1.0 / beta[j][i]);
                }
                float[][] old = qPrev;
                qPrev = q;
                q = old;
                for (int r = 0; r < dim; r++) {
                    scaled(kq[r], inverse, q[r], n);
                }
            }
        }
        return new JacobianNorm.Result(upper, upper.clone(), used, 0);
    }

    /**
     * K q for model k, feature-major: Jᵀ down to layer 1, V₁V₁ᵀ (or V₁ᵀ then V₁), J back up; as
     * {@link DenseStack#jacobianGram}. Works in w, t (and u, d rows, without V₁V₁ᵀ); returns whichever holds the result.
     */
    private static float[][] gram(DenseStack net, DenseStack.FloatParameters p, float[][][][] slope, int k, float[][] q,
                                  float[][] w, float[][] t, float[][] u, int n) {
        int depth = net.depth();
        int rows = net.featureSize();
        for (int r = 0; r < rows; r++) {
            System.arraycopy(q[r], 0, w[r], 0, n);
        }
        for (int l = depth - 1; l >= 1; l--) {          // w ← (w ⊙ D_l) V_l
            multiply(w, slope[l][k], net.widths[l], n);
            FloatRay.affineTransposed(p.weights()[l], k, net.widths[l], net.widths[l - 1], w, t, n);
            float[][] s = w;
            w = t;
            t = s;
        }
        int first = net.widths[0];
        multiply(w, slope[0][k], first, n);
        if (p.firstGram() != null) {
            FloatRay.affine(p.firstGram(), null, k, first, first, w, t, n);
        } else {
            FloatRay.affineTransposed(p.weights()[0], k, first, net.inputSize, w, u, n);
            FloatRay.affine(p.weights()[0], null, k, first, net.inputSize, u, t, n);
        }
        float[][] s = w;
        w = t;
        t = s;
        multiply(w, slope[0][k], first, n);
        for (int l = 1; l < depth; l++) {               // w ← D_l (V_l w)
            FloatRay.affine(p.weights()[l], null, k, net.widths[l], net.widths[l - 1], w, t, n);
            s = w;
            w = t;
            t = s;
            multiply(w, slope[l][k], net.widths[l], n);
        }
        return w;
    }

    private static void multiply(float[][] x, float[][] d, int rows, int n) {
        for (int r = 0; r < rows; r++) {
            float[] xr = x[r];
            float[] dr = d[r];
            for (int i = 0; i < n; i++) {
                xr[i] *= dr[i];
            }
        }
    }

    /** acc[i] += x[i]·y[i]. */
    private static void dot(float[] x, float[] y, float[] acc, int n) {
        for (int i = 0; i < n; i++) {
            acc[i] += x[i] * y[i];
        }
    }

    /** w[i] −= c[i]·v[i]. */
    private static void subtract(float[] w, float[] c, float[] v, int n) {
        for (int i = 0; i < n; i++) {
            w[i] -= c[i] * v[i];
        }
    }

    /** out[i] = x[i]·c[i]. */
    private static void scaled(float[] x, float[] c, float[] out, int n) {
        for (int i = 0; i < n; i++) {
            out[i] = x[i] * c[i];
        }
    }
}

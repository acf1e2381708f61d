package io.robustbounds.bounds;

import io.robustbounds.linalg.Arrays2;
import io.robustbounds.model.Activation;
import io.robustbounds.model.DenseLayer;
import java.util.List;

/** The paper's closed forms (BOUNDS.md §1), on plain numbers. */
public final class PaperBounds {
    private PaperBounds() {
    }

    /**
     * Theorem 3.6 / eq. 3.12 at one sample: δ = min over c' ≠ c of |L_c' − L_c| / ‖w_c' − w_c‖, with
     * L the logits, c the predicted class and ‖w_c' − w_c‖ the head's row distances. Pairs with identical
     * rows never change order and are skipped. Writes δ to out[0] and the minimizing class to out[1]
     * (the runner-up: the nearest decision boundary, −1 if none can be crossed). Logits that are not all finite (a
     * forward pass that overflowed) give δ = NaN, never the +∞ of "no boundary can be crossed".
     */
    public static void margin(double[] logits, int offset, int classes, int predicted, double[] rowDistances, double[] out) {
        double best = Double.POSITIVE_INFINITY;
        int runnerUp = -1;
        double lc = logits[offset + predicted];
        for (int e = 0; e < classes; e++) {
            if (!Double.isFinite(logits[offset + e])) {
                out[0] = Double.NaN;
                out[1] = -1;
                return;
            }
        }
        for (int e = 0; e < classes; e++) {
            double norm = rowDistances[predicted * classes + e];
            if (e == predicted || norm == 0) {
                continue;
            }
            double r = Math.abs(logits[offset + e] - lc) / norm;
            if (r < best) {
                best = r;
                runnerUp = e;
            }
        }
        out[0] = best;
        out[1] = runnerUp;
    }

    /**
     * Algorithm 4.1: M with |∂²h_L^(i)/∂x_j∂x_k| ≤ M. M₀ = 0, N₀ = 1; per hidden layer
     * s = max_j Σ_k |V[j,k]|, M_i = B_i N_{i−1}² s² + A_i M_{i−1} s, N_i = A_i N_{i−1} s.
     * B for ReLU is the thesis' 1 (§4.3.1).
     */
    public static double secondDerivativeBound(List<DenseLayer> layers) {
        double[] s = new double[layers.size()];
        Activation[] g = new Activation[layers.size()];
        for (int i = 0; i < s.length; i++) {
            DenseLayer layer = layers.get(i);
            s[i] = maxAbsRowSum(Arrays2.toDoubles(layer.weight()), layer.outputSize(), layer.inputSize());
            g[i] = layer.activation();
        }
        return secondDerivativeBound(s, g);
    }

    /** Algorithm 4.1 from each layer's max_j Σ_k |v_{i,j,k}| ({@link #maxAbsRowSum}) and activation. */
    public static double secondDerivativeBound(double[] rowSums, Activation[] activations) {
        double m = 0;
        double n = 1;
        for (int i = 0; i < rowSums.length; i++) {
            double s = rowSums[i];
            double a = activations[i].firstDerivativeBound();
            double b = activations[i].paperSecondDerivativeBound();
            m = b * n * n * s * s + a * m * s;
            n = a * n * s;
        }
        return m;
    }

    /** max over rows of Σ |v_jk| for a row-major [rows, cols] block of {@code v} starting at {@code offset}. */
    public static double maxAbsRowSum(double[] v, int offset, int rows, int cols) {
        double max = 0;
        for (int j = 0; j < rows; j++) {
            double s = 0;
            for (int k = 0; k < cols; k++) {
                s += Math.abs(v[offset + j * cols + k]);
            }
            max = Math.max(max, s);
        }
        return max;
    }

    static double maxAbsRowSum(double[] v, int rows, int cols) {
        double max = 0;
        for (int j = 0; j < rows; j++) {
            double s = 0;
            for (int k = 0; k < cols; k++) {
                s += Math.abs(v[j * cols + k]);
            }
            max = Math.max(max, s);
        }
        return max;
    }

    /**
     * Theorem 4.2: (√(‖J‖² + 2M√n·δ) − ‖J‖) / (M√n), evaluated in the algebraically equal form
     * 2δ / (√(‖J‖² + 2M√n·δ) + ‖J‖), which does not cancel when 2M√nδ ≪ ‖J‖² and stays defined at M = 0
     * (then it is δ/‖J‖). With no hidden layers (L = 0) the bound is δ itself.
     */
    public static double mlp(double delta, double jacobianNorm, double m, int features) {
        if (Double.isInfinite(delta)) {
            return delta;
        }
        double k = m * Math.sqrt(features);
        double denominator = Math.sqrt(jacobianNorm * jacobianNorm + 2 * k * delta) + jacobianNorm;
        return denominator == 0 ? Double.POSITIVE_INFINITY : 2 * delta / denominator;
    }
}

package io.robustbounds.bounds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.model.Activation;
import io.robustbounds.model.DenseLayer;
import io.robustbounds.model.Model;
import io.robustbounds.random.RandomMlp;
import io.robustbounds.testing.ReferenceMlp;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The closed forms of {@link PaperBounds}: Theorem 3.6's margin, Algorithm 4.1's M, Theorem 4.2's bound. */
class PaperBoundsTest {
    private static final Activation[] ALL = {Activation.TANH, Activation.SIGMOID, Activation.SOFTPLUS, Activation.RELU, Activation.IDENTITY};

    private static double maxAbsRowSum(double[][] v) {
        double max = 0;
        for (double[] row : v) {
            max = Math.max(max, Arrays.stream(row).map(Math::abs).sum());
        }
        return max;
    }

    private static double[][] random(SplittableRandom r, int rows, int cols) {
        double[][] v = new double[rows][cols];
        for (double[] row : v) {
            for (int k = 0; k < cols; k++) {
                row[k] = r.nextDouble(-1, 1);
            }
        }
        return v;
    }

    private static List<DenseLayer> layers(double[][][] weights, Activation... g) {
        double[][] biases = new double[weights.length][];
        for (int i = 0; i < weights.length; i++) {
            biases[i] = new double[weights[i].length];
        }
        int n = weights[weights.length - 1].length;
        double[][] head = {new double[n], new double[n]};
        head[1][0] = 1;
        return ReferenceMlp.mlpModel("m", weights, biases, g, head, new double[2]).denseLayers();
    }

    /** Algorithm 4.1 with one hidden layer: M₁ = B·N₀²·s² + A·M₀·s = B·s² (s the max absolute row sum of V₁). */
    @Test
    void oneHiddenLayerGivesBTimesRowSumSquared() {
        SplittableRandom r = new SplittableRandom(41);
        for (Activation g : ALL) {
            double[][] v = random(r, 5, 7);
            double s = maxAbsRowSum(v);
            double expected = g.paperSecondDerivativeBound() * s * s;
            assertEquals(expected, PaperBounds.secondDerivativeBound(layers(new double[][][] {v}, g)), 1e-14 * Math.max(1, expected), g.toString());
        }
        // ReLU uses the thesis' B = 1 (§4.3.1), not the true 0
        double[][] v = {{1, -2, 0.5}, {0, 3, -1}};
        assertEquals(16.0, PaperBounds.secondDerivativeBound(layers(new double[][][] {v}, Activation.RELU)), 0);
    }

    /**
     * Algorithm 4.1 by hand on two layers. V₁ = [[1, −2], [½, ½], [3, 0]] (s₁ = 3), tanh (A = 1, B = 4/(3√3));
     * V₂ = [[1, 1, 1], [−2, 0, 1]] (s₂ = 3), sigmoid (A = ¼, B = √3/18):
     * M₁ = B_t·1·9 = 12/√3, N₁ = 3; M₂ = B_σ·N₁²·s₂² + A_σ·M₁·s₂ = 81√3/18 + ¼·(12/√3)·3 = 4.5√3 + 3√3 = 7.5√3.
     * With ReLU in both layers (B = 1): M₁ = 9, N₁ = 3, M₂ = 1·9·9 + 1·9·3 = 108.
     */
    @Test
    void twoLayersByHand() {
        double[][] v1 = {{1, -2}, {0.5, 0.5}, {3, 0}};
        double[][] v2 = {{1, 1, 1}, {-2, 0, 1}};
        assertEquals(7.5 * Math.sqrt(3), PaperBounds.secondDerivativeBound(layers(new double[][][] {v1, v2}, Activation.TANH, Activation.SIGMOID)), 1e-13);
        assertEquals(108.0, PaperBounds.secondDerivativeBound(layers(new double[][][] {v1, v2}, Activation.RELU, Activation.RELU)), 1e-13);
        // sigmoid then tanh: M₁ = (√3/18)·9 = √3/2, N₁ = ¾; M₂ = B_t·(9/16)·9 + 1·(√3/2)·3 = (81/16)·4/(3√3) + 1.5√3
        double expected = 81.0 / 16 * 4 / (3 * Math.sqrt(3)) + 1.5 * Math.sqrt(3);
        assertEquals(expected, PaperBounds.secondDerivativeBound(layers(new double[][][] {v1, v2}, Activation.SIGMOID, Activation.TANH)), 1e-13);
    }

    /** The recurrence of Algorithm 4.1 written out independently, on random 3-layer nets. */
    @Test
    void recurrenceOnRandomNets() {
        SplittableRandom r = new SplittableRandom(43);
        for (Activation g : ALL) {
            double[][][] w = {random(r, 6, 4), random(r, 5, 6), random(r, 3, 5)};
            double m = 0;
            double n = 1;
            for (double[][] v : w) {
                double s = maxAbsRowSum(v);
                m = g.paperSecondDerivativeBound() * n * n * s * s + g.firstDerivativeBound() * m * s;
                n = g.firstDerivativeBound() * n * s;
            }
            assertEquals(m, PaperBounds.secondDerivativeBound(layers(w, g, g, g)), 1e-13 * Math.max(1, m), g.toString());
        }
    }

    /**
     * What M is for (Theorem A.1 / BOUNDS.md §3): it bounds every entry — and, by the row-norm induction, the
     * spectral norm — of the Hessian of each output of h_L, for twice-differentiable activations. Checked on
     * Hessians by finite differences of the chain-rule Jacobian at random points.
     */
    @Test
    void mBoundsTheHessiansOfSmoothNets() {
        for (Activation g : new Activation[] {Activation.TANH, Activation.SIGMOID, Activation.SOFTPLUS}) {
            RandomMlp spec = new RandomMlp(4, new int[] {5, 3}, g, 2, -1, 1, -1, 1);
            for (int k = 0; k < 3; k++) {
                Model model = spec.model(44, k);
                ReferenceMlp ref = ReferenceMlp.of(model);
                double m = PaperBounds.secondDerivativeBound(model.denseLayers());
                double[] xs = spec.samples(44, k, 0, 10);
                double largest = 0;
                for (int i = 0; i < 10; i++) {
                    double[] x = Arrays.copyOfRange(xs, i * 4, (i + 1) * 4);
                    for (int out = 0; out < 3; out++) {
                        double[][] h = ref.featureHessian(x, out, 1e-5);
                        largest = Math.max(largest, ReferenceMlp.spectralNorm(h));
                        assertTrue(ReferenceMlp.maxAbs(h) <= m, g + ": Hessian entry " + ReferenceMlp.maxAbs(h) + " > M = " + m);
                        assertTrue(ReferenceMlp.spectralNorm(h) <= m, g + ": ‖Hessian‖ " + ReferenceMlp.spectralNorm(h) + " > M = " + m);
                    }
                }
                assertTrue(largest > 0, "the check must see curvature");
            }
        }
    }

    /**
     * Theorem 4.2: the stable form 2δ / (√(‖J‖² + 2M√n δ) + ‖J‖) equals the textbook
     * (√(‖J‖² + 2M√n δ) − ‖J‖) / (M√n) (relative 1e-12 where the textbook form does not cancel), tends to δ/‖J‖
     * as M → 0, is √(2δ / (M√n)) at ‖J‖ = 0, and is the smallest ‖r‖ with ‖J‖‖r‖ + (M√n/2)‖r‖² = δ.
     */
    @Test
    void theorem42ClosedForm() {
        SplittableRandom r = new SplittableRandom(42);
        for (int t = 0; t < 1000; t++) {
            double delta = Math.exp(r.nextDouble(-5, 2));
            double j = Math.exp(r.nextDouble(-3, 3));
            double m = Math.exp(r.nextDouble(-3, 6));
            int n = 1 + r.nextInt(100);
            double k = m * Math.sqrt(n);
            double got = PaperBounds.mlp(delta, j, m, n);
            if (j * j < 1e3 * k * delta) {
                double textbook = (Math.sqrt(j * j + 2 * k * delta) - j) / k;
                assertEquals(textbook, got, 1e-12 * textbook);
            }
            assertEquals(delta, j * got + k / 2 * got * got, 1e-13 * delta, "the bound solves the Taylor quadratic");
        }
        assertEquals(0.3 / 2.0, PaperBounds.mlp(0.3, 2.0, 0.0, 10), 1e-16);
        assertEquals(0.3 / 2.0, PaperBounds.mlp(0.3, 2.0, 1e-12, 10), 1e-12);
        assertEquals(Math.sqrt(2 * 0.3 / (5 * Math.sqrt(4))), PaperBounds.mlp(0.3, 0.0, 5, 4), 1e-16);
        assertEquals(Double.POSITIVE_INFINITY, PaperBounds.mlp(Double.POSITIVE_INFINITY, 1, 1, 1));
        assertEquals(0.0, PaperBounds.mlp(0.0, 1.5, 2, 3), 0);
    }

    /** Theorem 3.6: δ = min over c' ≠ c of |L_c' − L_c| / ‖w_c' − w_c‖; identical rows are skipped. */
    @Test
    void marginOfTheorem36() {
        int classes = 4;
        double[] logits = {9, 1.0, 3.0, 2.5, 0.5, 9};   // offset 1: the four logits 1, 3, 2.5, 0.5
        double[] dist = new double[classes * classes];
        double[][] rows = {{0, 0}, {3, 4}, {1, 0}, {0, 0}};  // class 3 has the same row as class 0
        for (int c = 0; c < classes; c++) {
            for (int e = 0; e < classes; e++) {
                dist[c * classes + e] = Math.hypot(rows[c][0] - rows[e][0], rows[c][1] - rows[e][1]);
            }
        }
        double[] out = new double[2];
        PaperBounds.margin(logits, 1, classes, 1, dist, out);   // c = 1 (logit 3): |1−3|/5, |2.5−3|/√(4+16), |0.5−3|/5
        double[] cands = {2.0 / 5, 0.5 / Math.sqrt(20), 2.5 / 5};
        assertEquals(Arrays.stream(cands).min().orElseThrow(), out[0], 1e-16);
        assertEquals(2, (int) out[1]);
        PaperBounds.margin(logits, 1, classes, 0, dist, out);   // c = 0: class 3 (same row) is skipped
        assertEquals(Math.min(2.0 / 5, 1.5 / 1), out[0], 1e-16);
        assertEquals(1, (int) out[1]);
        double[] same = new double[classes * classes];
        PaperBounds.margin(logits, 1, classes, 0, same, out);    // every row identical: nothing can be crossed
        assertEquals(Double.POSITIVE_INFINITY, out[0]);
        assertEquals(-1, (int) out[1]);
        // an overflowed forward pass: |∞ − ∞| is NaN, which no comparison picks; δ must not read "nothing can be crossed"
        double[] overflowed = logits.clone();
        overflowed[1 + 2] = Double.POSITIVE_INFINITY;
        PaperBounds.margin(overflowed, 1, classes, 2, dist, out);
        assertTrue(Double.isNaN(out[0]), "δ of infinite logits: " + out[0]);
        overflowed[1 + 2] = Double.NaN;
        PaperBounds.margin(overflowed, 1, classes, 0, dist, out);
        assertTrue(Double.isNaN(out[0]), "δ of NaN logits: " + out[0]);
    }
}

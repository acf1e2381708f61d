package io.robustbounds.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.linalg.Arrays2;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@link BatchNorm} and {@link Lrn} (thesis §5.2.3–5.2.4) in DOUBLE: forward passes against plain-Java loops,
 * input gradients against central finite differences of a random linear functional of the output, the paper κ
 * of Theorems 5.6 and 5.9 against an independent plain-Java evaluation of BOUNDS.md §1's formulas, and
 * BOUNDS.md §3's counterexamples: real class-changing perturbations smaller than the paper κ.
 */
class BatchNormLrnTest {

    // ------------------------------------------------------------------ helpers

    private static INDArray arr(double[] v, long... shape) {
        return Arrays2.fromDoubles(v, DataType.DOUBLE, shape);
    }

    private static double[] uniform(Random r, int n, double lo, double hi) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = lo + (hi - lo) * r.nextDouble();
        }
        return v;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static double norm(double[] a) {
        return Math.sqrt(dot(a, a));
    }

    private static int size(long[] shape) {
        int n = 1;
        for (long s : shape) {
            n *= (int) s;
        }
        return n;
    }

    /** max relative error of op.inputGradient(x, w) against central differences of L(x) = w · op.forward(x). */
    private static double gradientError(TrunkLayer op, double[] x, long[] shape, Random r) {
        double[] w = uniform(r, x.length, -1, 1);
        double[] grad = Arrays2.toDoubles(op.inputGradient(arr(x, shape), arr(w, shape)));
        double[] fd = new double[x.length];
        double h = 1e-5;
        for (int i = 0; i < x.length; i++) {
            double[] p = x.clone();
            double[] m = x.clone();
            p[i] += h;
            m[i] -= h;
            double lp = dot(w, Arrays2.toDoubles(op.forward(arr(p, shape))));
            double lm = dot(w, Arrays2.toDoubles(op.forward(arr(m, shape))));
            fd[i] = (lp - lm) / (p[i] - m[i]);
        }
        double[] diff = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            diff[i] = grad[i] - fd[i];
        }
        return norm(diff) / norm(fd);
    }

    // ------------------------------------------------------------------ batch normalization

    private static BatchNorm randomBn(Random r, int c, double eps) {
        return new BatchNorm(arr(uniform(r, c, -2, 2), c), arr(uniform(r, c, -1, 1), c), arr(uniform(r, c, -1, 1), c),
                arr(uniform(r, c, 0.1, 3), c), eps);
    }

    /** BN(x)_j = γ_j (x_j − E_j) / sqrt(Var_j + ε) + β_j, channel of element e of a [N, C, inner] array. */
    private static double[] bnReference(double[] x, double[] g, double[] b, double[] m, double[] v, double eps, int c, int inner) {
        double[] y = new double[x.length];
        for (int s = 0; s < x.length / (c * inner); s++) {
            for (int ch = 0; ch < c; ch++) {
                for (int p = 0; p < inner; p++) {
                    int e = (s * c + ch) * inner + p;
                    y[e] = g[ch] * (x[e] - m[ch]) / Math.sqrt(v[ch] + eps) + b[ch];
                }
            }
        }
        return y;
    }

    @Test
    void batchNormForwardMatchesClosedForm() {
        Random r = new Random(11);
        long[][] shapes = {{2, 3, 2, 2}, {3, 4}, {1, 1, 3, 1}};
        for (long[] shape : shapes) {
            int c = (int) shape[1];
            int inner = size(shape) / ((int) shape[0] * c);
            BatchNorm bn = randomBn(r, c, 1e-3);
            double[] x = uniform(r, size(shape), -3, 3);
            double[] y = Arrays2.toDoubles(bn.forward(arr(x, shape)));
            double[] ref = bnReference(x, Arrays2.toDoubles(bn.gamma()), Arrays2.toDoubles(bn.beta()), Arrays2.toDoubles(bn.mean()),
                    Arrays2.toDoubles(bn.variance()), 1e-3, c, inner);
            assertArrayEquals(ref, y, 1e-12);
        }
    }

    @Test
    void batchNormGradientMatchesFiniteDifferences() {
        Random r = new Random(12);
        long[][] shapes = {{2, 3, 2, 2}, {3, 5}};
        for (long[] shape : shapes) {
            BatchNorm bn = randomBn(r, (int) shape[1], 1e-5);
            double err = gradientError(bn, uniform(r, size(shape), -3, 3), shape, r);
            assertTrue(err <= 1e-6, "relative error " + err);
        }
    }

    @Test
    void batchNormShapeChecks() {
        BatchNorm bn = randomBn(new Random(1), 3, 0);
        assertArrayEquals(new long[] {3, 4, 4}, bn.outputShape(new long[] {3, 4, 4}));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bn.outputShape(new long[] {2, 4, 4}));
        assertTrue(e.getMessage().contains("[2, 4, 4]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new BatchNorm(arr(new double[] {1}, 1), arr(new double[] {0}, 1),
                arr(new double[] {0}, 1), arr(new double[] {0}, 1), 0));
    }

    /** Theorem 5.6 as BOUNDS.md §1 writes it, evaluated literally for one sample. */
    private static double bnPaperReference(double[] x, double[] y, double[] g, double[] b, double[] m, double[] v, double eps,
                                           int c, int inner, double kappa) {
        int d = c * inner;
        double psi = (2 * kappa * norm(y) + kappa * kappa) / d;
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < d; j++) {
            int ch = j / inner;
            double phi = g[ch] / (v[ch] + eps);
            double chi = 2 * g[ch] * (x[j] - m[ch]) + 2 * b[ch] * Math.sqrt(v[ch] + eps);
            double root = Math.sqrt(phi * phi * chi * chi + 4 * phi * g[ch] * psi);
            double rho1 = -(root + phi * chi) / (2 * phi * g[ch]);
            double rho2 = (root - phi * chi) / (2 * phi * g[ch]);
            max = Math.max(max, Math.min(Math.abs(rho1), Math.abs(rho2)));
        }
        return max;
    }

    @Test
    void batchNormPaperKappaMatchesTheorem56() {
        Random r = new Random(13);
        long[][] shapes = {{3, 2, 2, 3}, {4, 5}, {2, 1, 1, 1}};
        for (long[] shape : shapes) {
            int n = (int) shape[0];
            int c = (int) shape[1];
            int d = size(shape) / n;
            int inner = d / c;
            BatchNorm bn = randomBn(r, c, 1e-3);
            double[] x = uniform(r, size(shape), -3, 3);
            INDArray xa = arr(x, shape);
            INDArray ya = bn.forward(xa);
            double[] y = Arrays2.toDoubles(ya);
            double[] kappa = uniform(r, n, 0.05, 2);
            double[] got = bn.paperKappa(xa, ya, kappa);
            for (int s = 0; s < n; s++) {
                double want = bnPaperReference(java.util.Arrays.copyOfRange(x, s * d, (s + 1) * d),
                        java.util.Arrays.copyOfRange(y, s * d, (s + 1) * d), Arrays2.toDoubles(bn.gamma()),
                        Arrays2.toDoubles(bn.beta()), Arrays2.toDoubles(bn.mean()), Arrays2.toDoubles(bn.variance()), 1e-3, c,
                        inner, kappa[s]);
                assertEquals(want, got[s], 1e-9 * want, "sample " + s);
            }
        }
    }

    /** γ_j = 0 makes ρ 0/0: documented as δ_j = 0 (trivial coordinate), so only the other coordinates count. */
    @Test
    void batchNormZeroGammaContributesNothing() {
        BatchNorm bn = new BatchNorm(arr(new double[] {0, 1}, 2), arr(new double[] {0.5, 0}, 2), arr(new double[] {0, 0}, 2),
                arr(new double[] {1, 1}, 2), 0);
        INDArray x = arr(new double[] {3, 0}, 1, 2);
        double got = bn.paperKappa(x, bn.forward(x), new double[] {1})[0];
        double psi = (2 * 0.5 + 1) / 2.0; // ‖BN(x)‖ = ‖(0.5, 0)‖ = 0.5
        assertEquals(Math.sqrt(4 * psi) / 2, got, 1e-12); // coordinate 2: χ = 0, φγ = 1
    }

    /**
     * BOUNDS.md §3: 2-D BN with identity statistics (γ = 1, β = 0, E = 0, Var = 1, ε = 0), x = (10, 0), head
     * z_0 = 0, z_1 = y_2 − 1 (class 0, margin κ = 1 along the second axis). The paper bound is sqrt(42)/2 ≈ 3.24,
     * yet r = (0, 1.0001) changes the class: Theorem 5.6 is not a guarantee.
     */
    @Test
    void batchNormCounterexample() {
        BatchNorm bn = new BatchNorm(arr(new double[] {1, 1}, 2), arr(new double[] {0, 0}, 2), arr(new double[] {0, 0}, 2),
                arr(new double[] {1, 1}, 2), 0);
        double[] x = {10, 0};
        INDArray xa = arr(x, 1, 2);
        double[] y = Arrays2.toDoubles(bn.forward(xa));
        assertEquals(0, headClass(y));
        double headKappa = Math.abs(y[1] - 1) / 1.0; // Theorem 3.6: |(w1 − w0)·y + b1 − b0| / ‖w1 − w0‖
        assertEquals(1.0, headKappa, 0);
        double paper = bn.paperKappa(xa, bn.forward(xa), new double[] {headKappa})[0];
        assertEquals(Math.sqrt(42) / 2, paper, 1e-12); // ψ = (2·1·10 + 1)/2 = 10.5, δ_2 = sqrt(4ψ)/2
        double[] r = {0, 1.0001};
        double[] moved = Arrays2.toDoubles(bn.forward(arr(new double[] {x[0] + r[0], x[1] + r[1]}, 1, 2)));
        assertEquals(1, headClass(moved));
        assertTrue(norm(r) < paper, "perturbation " + norm(r) + " vs paper bound " + paper);
        System.out.printf("BN counterexample: paper kappa %.6f, real perturbation %.6f%n", paper, norm(r));
    }

    private static int headClass(double[] y) {
        return y[1] - 1 > 0 ? 1 : 0; // argmax of (0, y_2 − 1), ties to class 0
    }

    // ------------------------------------------------------------------ local response normalization

    /** b_i = a_i (k + α' Σ_{|l − i| ≤ n/2, 0 ≤ l < C} a_l²)^{−β}, literal loops over [N, C, inner]. */
    private static double[] lrnReference(double[] x, int c, int inner, double k, int n, double alphaEff, double beta) {
        double[] y = new double[x.length];
        for (int s = 0; s < x.length / (c * inner); s++) {
            for (int i = 0; i < c; i++) {
                for (int p = 0; p < inner; p++) {
                    double sum = 0;
                    for (int l = 0; l < c; l++) {
                        if (Math.abs(l - i) <= n / 2) {
                            double v = x[(s * c + l) * inner + p];
                            sum += v * v;
                        }
                    }
                    int e = (s * c + i) * inner + p;
                    y[e] = x[e] / Math.pow(k + alphaEff * sum, beta);
                }
            }
        }
        return y;
    }

    @Test
    void lrnForwardMatchesLoops() {
        Random r = new Random(21);
        for (boolean caffe : new boolean[] {false, true}) {
            for (int n : new int[] {3, 5}) {
                for (int c = 1; c <= 7; c++) {
                    Lrn lrn = new Lrn(2, n, 0.1, 0.75, caffe);
                    long[] shape = {2, c, 2, 3};
                    double[] x = uniform(r, size(shape), -4, 4);
                    double[] y = Arrays2.toDoubles(lrn.forward(arr(x, shape)));
                    double alphaEff = caffe ? 0.1 / n : 0.1;
                    assertArrayEquals(lrnReference(x, c, 6, 2, n, alphaEff, 0.75), y, 1e-12, "caffe " + caffe + " n " + n + " C " + c);
                }
            }
        }
    }

    @Test
    void lrnEdgeChannelsByHand() {
        // C = 4, n = 5 (n/2 = 2), one position, x = (1, 2, 3, 4), thesis α = 0.5, k = 1, β = 0.5
        Lrn lrn = new Lrn(1, 5, 0.5, 0.5, false);
        double[] y = Arrays2.toDoubles(lrn.forward(arr(new double[] {1, 2, 3, 4}, 1, 4, 1, 1)));
        assertEquals(1 / Math.sqrt(1 + 0.5 * (1 + 4 + 9)), y[0], 1e-14); // channels 0..2
        assertEquals(2 / Math.sqrt(1 + 0.5 * (1 + 4 + 9 + 16)), y[1], 1e-14); // channels 0..3
        assertEquals(4 / Math.sqrt(1 + 0.5 * (4 + 9 + 16)), y[3], 1e-14); // channels 1..3
        // Caffe: α' = α / n = 0.1
        double[] yc = Arrays2.toDoubles(new Lrn(1, 5, 0.5, 0.5, true).forward(arr(new double[] {1, 2, 3, 4}, 1, 4, 1, 1)));
        assertEquals(1 / Math.sqrt(1 + 0.1 * 14), yc[0], 1e-14);
        // [N, C] input (no spatial dimensions): same as [N, C, 1, 1]
        assertArrayEquals(y, Arrays2.toDoubles(lrn.forward(arr(new double[] {1, 2, 3, 4}, 1, 4))), 0);
    }

    @Test
    void lrnGradientMatchesFiniteDifferences() {
        Random r = new Random(22);
        for (boolean caffe : new boolean[] {false, true}) {
            for (int n : new int[] {3, 5}) {
                for (int c = 1; c <= 7; c++) {
                    Lrn lrn = new Lrn(1.5, n, 0.3, 0.75, caffe);
                    long[] shape = {2, c, 1, 2};
                    double err = gradientError(lrn, uniform(r, size(shape), -2, 2), shape, r);
                    assertTrue(err <= 1e-6, "caffe " + caffe + " n " + n + " C " + c + ": relative error " + err);
                }
            }
        }
    }

    /** Theorem 5.9 as BOUNDS.md §1 writes it, evaluated literally (full Jacobian rows) for one sample [C, inner]. */
    private static double lrnPaperReference(double[] x, int c, int inner, double k, int n, double a, double beta, double kappa) {
        int d = c * inner;
        double[] y = lrnReference(x, c, inner, k, n, a, beta);
        double xmax = 0;
        for (double v : x) {
            xmax = Math.max(xmax, Math.abs(v));
        }
        double m = 4 * xmax * a * beta * (xmax * xmax * a * (beta + 1) * Math.pow(k, -beta - 2) + Math.pow(k, -beta - 1))
                + 2 * xmax * a * beta * Math.pow(k, -beta - 1);
        double best = Double.NaN;
        for (int i = 0; i < c; i++) {
            for (int p = 0; p < inner; p++) {
                int ea = i * inner + p;
                double delta = Math.abs(y[ea]) - (norm(y) + kappa) / Math.sqrt(d);
                if (delta >= 0) {
                    continue;
                }
                double sum = 0;
                for (int l = 0; l < c; l++) {
                    if (Math.abs(l - i) <= n / 2) {
                        sum += x[l * inner + p] * x[l * inner + p];
                    }
                }
                double s = k + a * sum;
                double g2 = 0;
                for (int j = 0; j < d; j++) { // every input element; nonzero only in a's window at a's position
                    int cj = j / inner;
                    int pj = j % inner;
                    double entry = 0;
                    if (pj == p && Math.abs(cj - i) <= n / 2) {
                        entry = j == ea ? -2 * x[ea] * x[ea] * a * beta * Math.pow(s, -beta - 1) + Math.pow(s, -beta)
                                : -2 * x[j] * x[ea] * a * beta * Math.pow(s, -beta - 1);
                    }
                    g2 += entry * entry;
                }
                double lambda = (Math.sqrt(g2 - 2 * m * delta) - Math.sqrt(g2)) / m;
                best = Double.isNaN(best) ? lambda : Math.max(best, lambda);
            }
        }
        return best;
    }

    @Test
    void lrnPaperKappaMatchesTheorem59() {
        Random r = new Random(23);
        for (boolean caffe : new boolean[] {false, true}) {
            for (int n : new int[] {3, 5}) {
                for (int c : new int[] {1, 3, 6}) {
                    Lrn lrn = new Lrn(2, n, 0.2, 0.75, caffe);
                    long[] shape = {3, c, 2, 2};
                    int d = c * 4;
                    double[] x = uniform(r, size(shape), -3, 3);
                    INDArray xa = arr(x, shape);
                    double[] kappa = uniform(r, 3, 0.01, 1.5);
                    double[] got = lrn.paperKappa(xa, lrn.forward(xa), kappa);
                    for (int s = 0; s < 3; s++) {
                        double want = lrnPaperReference(java.util.Arrays.copyOfRange(x, s * d, (s + 1) * d), c, 4, 2, n,
                                caffe ? 0.2 / n : 0.2, 0.75, kappa[s]);
                        assertEquals(want, got[s], 1e-9 * want, "caffe " + caffe + " n " + n + " C " + c + " sample " + s);
                    }
                }
            }
        }
    }

    /** Δ is empty when κ = 0 and all |b_a| are equal (Lemma 5.7 needs κ > 0): the documented result is 0. */
    @Test
    void lrnEmptyDeltaGivesZero() {
        Lrn lrn = new Lrn(2, 3, 0.1, 0.75, false);
        INDArray x = arr(new double[] {1.5, -1.5, 1.5, 1.5}, 1, 1, 2, 2);
        assertArrayEquals(new double[] {0}, lrn.paperKappa(x, lrn.forward(x), new double[] {0}), 0);
        // with κ > 0 the same sample has Δ = every element and a positive bound
        assertTrue(lrn.paperKappa(x, lrn.forward(x), new double[] {0.1})[0] > 0);
    }

    @Test
    void lrnRejectsParametersOutsideAssumption510() {
        INDArray x = arr(new double[] {1, 2, 3}, 1, 3);
        double[] kappa = {1};
        Object[][] cases = {{new Lrn(2, 3, 0, 0.75, false), "alpha = 0.0"}, {new Lrn(2, 3, -0.1, 0.75, false), "alpha = -0.1"},
                {new Lrn(2, 3, 0.1, 1, false), "beta = 1.0"}, {new Lrn(2, 3, 0.1, 0, false), "beta = 0.0"},
                {new Lrn(0, 3, 0.1, 0.75, false), "k = 0.0"}};
        for (Object[] c : cases) {
            Lrn lrn = (Lrn) c[0];
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> lrn.paperKappa(x, lrn.forward(x), kappa));
            assertTrue(e.getMessage().contains((String) c[1]), e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Lrn(2, 0, 0.1, 0.75, false));
        assertTrue(e.getMessage().contains("n"), e.getMessage());
    }

    /**
     * BOUNDS.md §3: 3-channel LRN (k = 2, n = 3, α = 0.1, β = 0.75, thesis α) followed by a two-class linear head
     * z_1 − z_0 = u·y + b with the bias set for a head margin of 0.01. A step along the gradient of z_1 − z_0,
     * shortened by bisection and verified through forward, changes the class with a norm far below the paper κ.
     */
    @Test
    void lrnCounterexample() {
        Lrn lrn = new Lrn(2, 3, 0.1, 0.75, false);
        double[] x = {1.0, 0.1, -0.4};
        double[] u = {0.3, 1.0, -0.5};
        double[] y = Arrays2.toDoubles(lrn.forward(arr(x, 1, 3, 1, 1)));
        double margin = 0.01;
        double b = -dot(u, y) - margin * norm(u); // u·y + b = −margin·‖u‖ < 0: class 0
        double headKappa = Math.abs(dot(u, y) + b) / norm(u); // Theorem 3.6
        assertEquals(margin, headKappa, 1e-12);
        INDArray xa = arr(x, 1, 3, 1, 1);
        double paper = lrn.paperKappa(xa, lrn.forward(xa), new double[] {headKappa})[0];

        double[] g = Arrays2.toDoubles(lrn.inputGradient(xa, arr(u, 1, 3, 1, 1)));
        double gn = norm(g);
        double lo = 0;
        double hi = 1;
        assertEquals(1, lrnHeadClass(lrn, x, g, hi / gn, u, b));
        for (int it = 0; it < 60; it++) {
            double mid = (lo + hi) / 2;
            if (lrnHeadClass(lrn, x, g, mid / gn, u, b) == 1) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        assertEquals(0, lrnHeadClass(lrn, x, g, 0, u, b));
        assertEquals(1, lrnHeadClass(lrn, x, g, hi / gn, u, b)); // r = hi · g / ‖g‖ really changes the class
        double rNorm = hi;
        assertTrue(rNorm < paper, "perturbation " + rNorm + " vs paper bound " + paper);
        assertTrue(paper > 10 * rNorm, "paper bound " + paper + " should exceed 10× the perturbation " + rNorm);
        System.out.printf("LRN counterexample: paper kappa %.6f, real perturbation %.6f (ratio %.1f)%n", paper, rNorm, paper / rNorm);
    }

    private static int lrnHeadClass(Lrn lrn, double[] x, double[] dir, double t, double[] u, double b) {
        double[] p = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            p[i] = x[i] + t * dir[i];
        }
        double[] y = Arrays2.toDoubles(lrn.forward(arr(p, 1, p.length, 1, 1)));
        return dot(u, y) + b > 0 ? 1 : 0;
    }
}

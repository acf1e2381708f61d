package io.robustbounds.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.model.Model;
import io.robustbounds.testing.ReferenceMlp;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Linear classifiers (thesis ch. 3, the L = 0 case of BOUNDS.md §1): the bound is δ of Theorem 3.6 and it is
 * exactly the smallest L2 perturbation that changes the class — checked against an independent geometric
 * computation (projection of x onto each decision hyperplane), in double precision.
 */
class LinearClassifierBoundTest {
    private static final EvalSettings DOUBLE = EvalSettings.defaults().withDataType(DataType.DOUBLE);

    private static SampleResults evaluate(Model model, double[] samples, int count) {
        return new MlpEvaluator(DOUBLE).evaluate(DenseStack.of(model, DataType.DOUBLE), samples, count);
    }

    private static double[] uniform(SplittableRandom r, int n, double low, double high) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextDouble(low, high);
        }
        return v;
    }

    private static double[] row(double[] flat, int i, int d) {
        return Arrays.copyOfRange(flat, i * d, (i + 1) * d);
    }

    /**
     * The closest point to x on the hyperplane (w_c' − w_c)·y + b_c' − b_c = 0: the perturbation
     * r = −((w_c' − w_c)·x + b_c' − b_c) (w_c' − w_c) / ‖w_c' − w_c‖².
     */
    private static double[] projection(double[][] w, double[] b, int c, int other, double[] x) {
        int d = x.length;
        double[] n = new double[d];
        double value = b[other] - b[c];
        double n2 = 0;
        for (int j = 0; j < d; j++) {
            n[j] = w[other][j] - w[c][j];
            value += n[j] * x[j];
            n2 += n[j] * n[j];
        }
        double[] r = new double[d];
        for (int j = 0; j < d; j++) {
            r[j] = -value * n[j] / n2;
        }
        return r;
    }

    private static double[] plus(double[] x, double[] r, double factor) {
        double[] y = x.clone();
        for (int j = 0; j < y.length; j++) {
            y[j] += factor * r[j];
        }
        return y;
    }

    /**
     * Checks, for every sample, that the bound is the distance to the nearest decision hyperplane and that it
     * is tight: x + r(1 + 1e-9) is classified differently, x + r(1 − 1e-9) still as c (r the projection
     * onto the nearest hyperplane).
     */
    private static void assertExactMinimalPerturbation(double[][] w, double[] b, double[] samples, int count) {
        int d = w[0].length;
        Model model = ReferenceMlp.linearModel("linear", w, b);
        ReferenceMlp ref = ReferenceMlp.of(model);
        SampleResults res = evaluate(model, samples, count);
        for (int i = 0; i < count; i++) {
            double[] x = row(samples, i, d);
            int c = ref.predict(x);
            assertEquals(c, res.predicted()[i], "sample " + i);
            double best = Double.POSITIVE_INFINITY;
            double[] bestR = null;
            int bestClass = -1;
            for (int other = 0; other < w.length; other++) {
                if (other == c) {
                    continue;
                }
                double[] r = projection(w, b, c, other, x);
                double norm = ReferenceMlp.norm(r);
                if (norm < best) {
                    best = norm;
                    bestR = r;
                    bestClass = other;
                }
            }
            assertEquals(best, res.bound()[i], 1e-12 * best, "sample " + i + ": bound against the projection");
            assertEquals(best, res.delta()[i], 1e-12 * best, "sample " + i + ": δ");
            assertEquals(bestClass, res.runnerUp()[i], "sample " + i + ": the nearest boundary's class");
            assertEquals(res.bound()[i], res.kappasOf(i)[0], 0);
            assertEquals(res.delta()[i], res.kappasOf(i)[1], 0);
            // tightness: just past the hyperplane the class changes, just before it does not
            assertNotEquals(c, ref.predict(plus(x, bestR, 1 + 1e-9)), "sample " + i + ": crossing the nearest hyperplane");
            assertEquals(c, ref.predict(plus(x, bestR, 1 - 1e-9)), "sample " + i + ": short of the nearest hyperplane");
        }
    }

    /**
     * Theorem 3.7 (the bound is tight): f(x) = argmax x, i.e. W = I, b = 0, C = d = 5. The smallest change of
     * class moves x to the hyperplane x_c = x_c', at distance |x_c − x_c'| / ‖e_c − e_c'‖ = |x_c − x_c'|/√2,
     * minimized over c' (the runner-up coordinate). The thesis writes min |x_c' − x_c|, without the √2.
     */
    @Test
    void tightClassifierOfTheorem37() {
        int d = 5;
        double[][] w = ReferenceMlp.identity(d);
        double[] b = new double[d];
        int count = 300;
        double[] samples = uniform(new SplittableRandom(37), count * d, -1, 1);
        assertExactMinimalPerturbation(w, b, samples, count);

        SampleResults res = evaluate(ReferenceMlp.linearModel("argmax", w, b), samples, count);
        for (int i = 0; i < count; i++) {
            double[] x = row(samples, i, d);
            double[] sorted = x.clone();
            Arrays.sort(sorted);
            double gap = sorted[d - 1] - sorted[d - 2];
            assertEquals(gap / Math.sqrt(2), res.bound()[i], 1e-14, "sample " + i);
            assertEquals(1.0, res.jacobianNorm()[i], 0, "L = 0: J = I");
            assertEquals(0.0, res.secondDerivativeBound()[i], 0, "L = 0: M = 0");
        }
    }

    /**
     * Algorithm 2.1 on the tight classifier, where it can be solved by hand: s = sign(p − e_c) is −1 at c and
     * +1 elsewhere, so x_c − ε meets x_c' + ε at ε* = gap/2. The search returns the upper end of an interval of
     * width ≤ 1e-6·U containing ε*, ‖η‖ = ε·√d, and never falls below the bound gap/√2.
     */
    @Test
    void fastGradientSignOnTheTightClassifier() {
        int d = 5;
        int count = 200;
        double[] samples = uniform(new SplittableRandom(21), count * d, -1, 1);
        SampleResults res = evaluate(ReferenceMlp.linearModel("argmax", ReferenceMlp.identity(d), new double[d]), samples, count);
        double tol = DOUBLE.fgsTolerance() * DOUBLE.fgsUpper();
        for (int i = 0; i < count; i++) {
            double[] sorted = row(samples, i, d);
            Arrays.sort(sorted);
            double star = (sorted[d - 1] - sorted[d - 2]) / 2;
            assertTrue(res.fgsSuccess()[i], "sample " + i);
            double eps = res.fgsEpsilon()[i];
            assertTrue(eps >= star && eps <= star + tol, "sample " + i + ": ε = " + eps + ", ε* = " + star);
            assertEquals(eps * Math.sqrt(d), res.etaNorm()[i], 1e-15 * eps);
            assertTrue(res.etaNorm()[i] >= res.bound()[i], "sample " + i);
        }
        assertEquals(0, res.violations());
    }

    /** A random linear classifier (C = 4, d = 6): δ of Theorem 3.6 is the exact distance to the decision boundary. */
    @Test
    void randomLinearClassifierIsExact() {
        SplittableRandom r = new SplittableRandom(36);
        for (int trial = 0; trial < 5; trial++) {
            int classes = 4;
            int d = 6;
            double[][] w = new double[classes][];
            for (int c = 0; c < classes; c++) {
                w[c] = uniform(r, d, -1, 1);
            }
            double[] b = uniform(r, classes, -1, 1);
            int count = 100;
            assertExactMinimalPerturbation(w, b, uniform(r, count * d, -2, 2), count);
        }
    }

    /** Eq. 3.8, the binary case: with w = w_1 − w_0 and b = b_1 − b_0 the bound is |w·x + b| / ‖w‖. */
    @Test
    void binaryCaseEquation38() {
        SplittableRandom r = new SplittableRandom(38);
        int d = 8;
        double[][] w = {uniform(r, d, -1, 1), uniform(r, d, -1, 1)};
        double[] b = uniform(r, 2, -1, 1);
        int count = 200;
        double[] samples = uniform(r, count * d, -1, 1);
        SampleResults res = evaluate(ReferenceMlp.linearModel("binary", w, b), samples, count);
        double wn = 0;
        for (int j = 0; j < d; j++) {
            wn += (w[1][j] - w[0][j]) * (w[1][j] - w[0][j]);
        }
        wn = Math.sqrt(wn);
        for (int i = 0; i < count; i++) {
            double[] x = row(samples, i, d);
            double value = b[1] - b[0];
            for (int j = 0; j < d; j++) {
                value += (w[1][j] - w[0][j]) * x[j];
            }
            double expected = Math.abs(value) / wn;
            assertEquals(expected, res.bound()[i], 1e-12 * expected, "sample " + i);
            assertEquals(value > 0 ? 1 : 0, res.predicted()[i], "sample " + i);
            assertEquals(1 - res.predicted()[i], res.runnerUp()[i], "sample " + i);
        }
        assertEquals(0, res.violations());
    }
}

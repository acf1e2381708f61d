package io.robustbounds.certified;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.linalg.Arrays2;
import io.robustbounds.model.Activation;
import io.robustbounds.model.DenseLayer;
import io.robustbounds.model.InputSpec;
import io.robustbounds.model.Layer;
import io.robustbounds.model.LinearHead;
import io.robustbounds.model.Model;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Closed forms through {@link Certified#of} (the production network): a linear classifier's radius is δ of Theorem 3.6
 * (exact, BigDecimal); one ReLU unit, stable and unstable.
 */
class CertifiedExactTest {
    private static final MathContext MC = new MathContext(50);
    private static final CertifiedRadius.Settings FINE = CertifiedRadius.Settings.defaults().withRelativeTolerance(1e-9);

    static INDArray array(double[] v, long... shape) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return Arrays2.fromDoubles(v, DataType.DOUBLE, shape);
        }
    }

    static Model model(int d, List<Layer> layers, double[] head, double[] headBias) {
        int features = head.length / headBias.length;
        return new Model("fixture", new InputSpec(new long[] {d}, -10, 10), layers,
                new LinearHead(array(head, headBias.length, features), array(headBias, headBias.length)), List.of(), Map.of());
    }

    /**
     * Random linear classifiers (d = 6, 5 classes), half the samples pushed to within 10⁻⁶…10⁻¹² of a boundary: the
     * radius never exceeds the exact δ = min_j (z_c − z_j)/‖w_c − w_j‖ (real arithmetic on the stored doubles) and is
     * within 10⁻⁹ of it (relative) where δ > 10⁻⁵, within 10⁻¹⁴ (absolute, the logits' rounding level) below.
     */
    @Test
    void linearClassifierRadiusIsTheExactDistance() {
        SplittableRandom r = new SplittableRandom(3);
        int d = 6;
        int classes = 5;
        int n = 300;
        for (int trial = 0; trial < 4; trial++) {
            double[] w = new double[classes * d];
            double[] b = new double[classes];
            for (int i = 0; i < w.length; i++) {
                w[i] = r.nextDouble(-1, 1);
            }
            for (int i = 0; i < classes; i++) {
                b[i] = r.nextDouble(-1, 1);
            }
            LinearBoundNetwork net = Certified.of(model(d, List.of(), w, b));
            double[] x = new double[n * d];
            for (int i = 0; i < x.length; i++) {
                x[i] = r.nextDouble(-1, 1);
            }
            for (int s = 0; s < n; s += 2) {      // onto the 0/1 boundary, then back by 10^−k along w₀ − w₁
                double gap = Math.pow(10, -r.nextInt(6, 13));
                nearBoundary(x, s, d, w, b, gap);
            }
            CertifiedRadius.Result result = CertifiedRadius.search(net, x, n, null, null, FINE);
            int close = 0;
            for (int s = 0; s < n; s++) {
                BigDecimal exact = exactDelta(x, s, d, w, b, classes, result.predicted()[s]);
                double radius = result.radius()[s];
                assertTrue(new BigDecimal(radius).compareTo(exact.max(BigDecimal.ZERO)) <= 0,
                        "sample " + s + ": radius " + radius + " above the exact distance " + exact);
                if (exact.doubleValue() > 1e-5) {
                    assertEquals(exact.doubleValue(), radius, 1e-9 * exact.doubleValue(), "sample " + s);
                    close++;
                } else {                          // near the boundary the logits' own rounding (~1e-16·|terms|) is the limit
                    assertEquals(Math.max(0, exact.doubleValue()), radius, 1e-14, "sample " + s);
                }
            }
            assertTrue(close > n / 2 - 10, "most samples away from the boundary: " + close);
        }
    }

    private static void nearBoundary(double[] x, int s, int d, double[] w, double[] b, double gap) {
        double diff = b[0] - b[1];
        double norm2 = 0;
        for (int i = 0; i < d; i++) {
            diff += (w[i] - w[d + i]) * x[s * d + i];
            norm2 += (w[i] - w[d + i]) * (w[i] - w[d + i]);
        }
        for (int i = 0; i < d; i++) {
            x[s * d + i] += (-diff + gap) * (w[i] - w[d + i]) / norm2;
        }
    }

    /** min_{j≠c} (z_c − z_j)/‖w_c − w_j‖ in 50-digit arithmetic (negative when c is not the exact largest logit). */
    private static BigDecimal exactDelta(double[] x, int s, int d, double[] w, double[] b, int classes, int c) {
        BigDecimal best = null;
        for (int j = 0; j < classes; j++) {
            if (j == c) {
                continue;
            }
            BigDecimal margin = new BigDecimal(b[c]).subtract(new BigDecimal(b[j]));
            BigDecimal norm2 = BigDecimal.ZERO;
            for (int i = 0; i < d; i++) {
                BigDecimal diff = new BigDecimal(w[c * d + i]).subtract(new BigDecimal(w[j * d + i]));
                margin = margin.add(diff.multiply(new BigDecimal(x[s * d + i])));
                norm2 = norm2.add(diff.multiply(diff));
            }
            BigDecimal delta = margin.divide(norm2.sqrt(MC), MC);
            best = best == null || delta.compareTo(best) < 0 ? delta : best;
        }
        return best;
    }

    /** w = (3, 4), logits (relu(wᵀx), 2) at x = (1, 1): z = 7, class 0 until z = 2, distance 5/‖w‖ = 1; the unit stays active. */
    @Test
    void stableReluUnitIsExact() {
        Model m = model(2, List.of(new DenseLayer(array(new double[] {3, 4}, 1, 2), array(new double[] {0}, 1), Activation.RELU)),
                new double[] {1, 0}, new double[] {0, 2});
        CertifiedRadius.Result r = CertifiedRadius.search(Certified.of(m), new double[] {1, 1}, 1, null, null, FINE);
        assertArrayEquals(new int[] {0}, r.predicted());
        assertTrue(r.radius()[0] <= 1.0, "radius " + r.radius()[0]);
        assertEquals(1.0, r.radius()[0], 1e-9);
    }

    /**
     * Logits (−relu(z), −1), z = 3x₁ + 4x₂, at x = (−1, 0): z = −3, class 0 until relu(z) > 1, distance 4/5. At ε > 3/5
     * the unit is unstable, l = −3 − 5ε, u = −3 + 5ε; the upper line through (l, 0) and (u, u) gives the margin's lower
     * bound 1 − u, positive exactly for ε &lt; 4/5: CROWN is exact here too.
     */
    @Test
    void unstableReluUnitIsExact() {
        Model m = model(2, List.of(new DenseLayer(array(new double[] {3, 4}, 1, 2), array(new double[] {0}, 1), Activation.RELU)),
                new double[] {-1, 0}, new double[] {0, -1});
        CertifiedRadius.Result r = CertifiedRadius.search(Certified.of(m), new double[] {-1, 0}, 1, null, null, FINE);
        assertArrayEquals(new int[] {0}, r.predicted());
        assertTrue(r.radius()[0] <= 0.8, "radius " + r.radius()[0]);
        assertEquals(0.8, r.radius()[0], 1e-8);
        assertTrue(r.steps()[0] > 1 && r.steps()[0] <= 30, "steps " + r.steps()[0]);
        boolean[] at = CertifiedRadius.certify(Certified.of(m), new double[] {-1, 0}, 1, 0.79, 1L << 20);
        boolean[] beyond = CertifiedRadius.certify(Certified.of(m), new double[] {-1, 0}, 1, 0.81, 1L << 20);
        assertTrue(at[0] && !beyond[0], "fixed-radius certification at 0.79 and 0.81");
    }

    /** A small memory budget splits the batch into chunks (large enough that the products run in ND4J); every sample's radius is unchanged. */
    @Test
    void memoryBudgetSplitsBatchesWithoutChangingRadii() {
        io.robustbounds.random.RandomMlp spec = io.robustbounds.random.RandomMlp.of(100, 2, 48, Activation.TANH, 4, -1, 1, -1, 1);
        CrownNetwork net = (CrownNetwork) Certified.of(spec.model(7, 0));
        int n = 200;
        double[] x = spec.samples(7, 0, 0, n);
        assertTrue(net.bytesPerSample() * n > (1L << 20), "the budget must force chunks");
        int[] cls = net.predict(x, n);
        double[] eps = new double[n];
        java.util.Arrays.fill(eps, 0.05);
        assertArrayEquals(net.certifiedWithin(x, n, cls, eps, 256L << 20), net.certifiedWithin(x, n, cls, eps, 1L << 20));
    }
}

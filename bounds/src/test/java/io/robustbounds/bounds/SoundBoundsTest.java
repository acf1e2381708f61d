package io.robustbounds.bounds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.model.BatchNorm;
import io.robustbounds.model.Conv2d;
import io.robustbounds.model.TrunkLayer;
import io.robustbounds.model.Lrn;
import io.robustbounds.model.Pool2d;
import io.robustbounds.linalg.Arrays2;
import io.robustbounds.model.Activation;
import io.robustbounds.model.DenseLayer;
import io.robustbounds.testing.ReferenceMlp;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The sound mode's Lipschitz constants are upper bounds: no input pair, random or pushed towards the worst
 * direction by power iteration on the layer's Jacobian, grows by more; and they are reasonably tight.
 */
class SoundBoundsTest {

    private static double[] random(SplittableRandom r, int n, double scale) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = r.nextDouble(-scale, scale);
        }
        return a;
    }

    private static INDArray array(double[] v, long... shape) {
        return Arrays2.fromDoubles(v, DataType.DOUBLE, shape);
    }

    /**
     * The largest local gain ‖J(x) v‖ / ‖v‖ found by power iteration on JᵀJ (J by the layer's forward and input
     * gradient) at several random points, and the largest finite-difference ratio over random pairs.
     */
    private static double worstGain(TrunkLayer op, long[] shape, double scale, SplittableRandom r) {
        int d = 1;
        for (long s : shape) {
            d *= (int) s;
        }
        long[] batch = new long[shape.length + 1];
        batch[0] = 1;
        System.arraycopy(shape, 0, batch, 1, shape.length);
        double worst = 0;
        for (int trial = 0; trial < 8; trial++) {
            INDArray x = array(random(r, d, scale), batch);
            double[] v = random(r, d, 1);
            double gain = 0;
            for (int it = 0; it < 60; it++) {
                double norm = ReferenceMlp.norm(v);
                for (int i = 0; i < d; i++) {
                    v[i] /= norm;
                }
                // J v by central differences, then Jᵀ(J v) by the input gradient
                double h = 1e-6;
                double[] xp = Arrays2.toDoubles(x);
                double[] xm = Arrays2.toDoubles(x);
                for (int i = 0; i < d; i++) {
                    xp[i] += h * v[i];
                    xm[i] -= h * v[i];
                }
                double[] yp = Arrays2.toDoubles(op.forward(array(xp, batch)));
                double[] ym = Arrays2.toDoubles(op.forward(array(xm, batch)));
                double[] jv = new double[yp.length];
                for (int i = 0; i < jv.length; i++) {
                    jv[i] = (yp[i] - ym[i]) / (2 * h);
                }
                gain = Math.max(gain, ReferenceMlp.norm(jv));
                INDArray y = op.forward(x);
                v = Arrays2.toDoubles(op.inputGradient(x, array(jv, y.shape())));
                if (ReferenceMlp.norm(v) == 0) {
                    break;
                }
            }
            worst = Math.max(worst, gain);
            for (int pair = 0; pair < 20; pair++) {
                double[] a = random(r, d, scale);
                double[] b = a.clone();
                double[] step = random(r, d, scale * r.nextDouble());
                for (int i = 0; i < d; i++) {
                    b[i] += step[i];
                }
                double[] fa = Arrays2.toDoubles(op.forward(array(a, batch)));
                double[] fb = Arrays2.toDoubles(op.forward(array(b, batch)));
                double num = 0;
                for (int i = 0; i < fa.length; i++) {
                    num += (fa[i] - fb[i]) * (fa[i] - fb[i]);
                }
                worst = Math.max(worst, Math.sqrt(num) / ReferenceMlp.norm(step));
            }
        }
        return worst;
    }

    @Test
    void convolutionConstantBoundsTheOperatorNorm() {
        SplittableRandom r = new SplittableRandom(1);
        // BOUNDS.md §3: a 5×5 all-ones kernel, stride 1, amplifies a constant perturbation about 25×; ‖W‖_F = 5
        double[] ones = new double[25];
        java.util.Arrays.fill(ones, 1);
        Conv2d allOnes = new Conv2d(array(ones, 1, 1, 5, 5), array(new double[] {0}, 1), 1, 0, false);
        double l = allOnes.lipschitz();
        double gain = worstGain(allOnes, new long[] {1, 12, 12}, 1, r);
        assertTrue(gain <= l * (1 + 1e-9), "gain " + gain + " > L " + l);
        assertTrue(gain > 5.0 * 3, "the counterexample's gain " + gain + " is far above ‖W‖_F = 5");
        assertEquals(25.0, l, 1e-12); // Schur: sqrt(25 · 25); Frobenius · ceil(q/s) would give 25 as well

        for (int[] cfg : new int[][] {{3, 2, 3, 1, 1}, {4, 3, 3, 2, 1}, {2, 2, 5, 3, 0}}) {
            int k = cfg[0];
            int c = cfg[1];
            int q = cfg[2];
            Conv2d conv = new Conv2d(array(random(r, k * c * q * q, 1), k, c, q, q), array(random(r, k, 0.1), k), cfg[3], cfg[4], true);
            double lc = conv.lipschitz();
            double g = worstGain(conv, new long[] {c, 9, 9}, 1, r);
            assertTrue(g <= lc * (1 + 1e-9), "conv " + java.util.Arrays.toString(cfg) + ": gain " + g + " > L " + lc);
            assertTrue(g > lc / 6, "conv " + java.util.Arrays.toString(cfg) + ": L " + lc + " is loose against gain " + g);
        }
    }

    @Test
    void poolingConstantsIncludingOverlappingWindows() {
        SplittableRandom r = new SplittableRandom(2);
        for (Pool2d pool : new Pool2d[] {Pool2d.max(2, 2), Pool2d.max(3, 1), Pool2d.max(3, 2), Pool2d.average(2, 2), Pool2d.average(3, 1),
                Pool2d.lp(2, 2, 2), Pool2d.lp(1, 3, 2), Pool2d.lp(4, 2, 1)}) {
            double l = pool.lipschitz();
            double g = worstGain(pool, new long[] {2, 7, 7}, 1, r);
            assertTrue(g <= l * (1 + 1e-9), pool + ": gain " + g + " > L " + l);
        }
        assertEquals(1.0, Pool2d.max(2, 2).lipschitz());
        assertEquals(0.5, Pool2d.average(2, 2).lipschitz());
        assertEquals(3.0, Pool2d.max(3, 1).lipschitz());
        // a constant perturbation through 3×3/1 max pooling: each pixel is in up to 9 windows, gain → 3 in the interior
        assertTrue(worstGain(Pool2d.max(3, 1), new long[] {1, 20, 20}, 1, r) > 2.5);
    }

    @Test
    void batchNormConstantIsExact() {
        SplittableRandom r = new SplittableRandom(3);
        BatchNorm bn = new BatchNorm(array(new double[] {0.5, -2, 1}, 3), array(random(r, 3, 1), 3), array(random(r, 3, 1), 3),
                array(new double[] {1, 3, 0.25}, 3), 1e-5);
        double l = bn.lipschitz();
        assertEquals(Math.max(0.5 / Math.sqrt(1 + 1e-5), Math.max(2 / Math.sqrt(3 + 1e-5), 1 / Math.sqrt(0.25 + 1e-5))), l, 1e-12);
        double g = worstGain(bn, new long[] {3, 2, 2}, 5, r);
        assertEquals(l, g, 1e-5 * l);
    }

    @Test
    void lrnConstantBoundsEveryInput() {
        SplittableRandom r = new SplittableRandom(4);
        for (Lrn lrn : new Lrn[] {new Lrn(2, 3, 0.1, 0.75, false), new Lrn(1, 5, 1e-4, 0.75, true), new Lrn(0.5, 3, 1, 0.5, false)}) {
            double l = lrn.lipschitz();
            for (double scale : new double[] {0.1, 1, 3, 10, 100}) {
                double g = worstGain(lrn, new long[] {6, 2, 2}, scale, r);
                assertTrue(g <= l * (1 + 1e-9), lrn + " at scale " + scale + ": gain " + g + " > L " + l);
            }
        }
    }

    @Test
    void denseSpectralNormIsCertifiedAndExact() {
        SplittableRandom r = new SplittableRandom(5);
        for (int[] shape : new int[][] {{5, 3}, {3, 7}, {40, 40}}) {
            double[][] v = new double[shape[0]][shape[1]];
            double[] flat = new double[shape[0] * shape[1]];
            for (int i = 0; i < shape[0]; i++) {
                for (int j = 0; j < shape[1]; j++) {
                    v[i][j] = flat[i * shape[1] + j] = r.nextDouble(-1, 1);
                }
            }
            double exact = ReferenceMlp.spectralNorm(v);
            double s = SoundBounds.spectralNorm(flat, shape[0], shape[1]);
            assertTrue(s >= exact, "certified " + s + " below the exact " + exact);
            assertEquals(exact, s, 1e-8 * exact);
        }
        DenseLayer a = new DenseLayer(array(new double[] {3, 0, 0, 1}, 2, 2), array(new double[2], 2), Activation.TANH);
        DenseLayer b = new DenseLayer(array(new double[] {0, 2}, 1, 2), array(new double[1], 1), Activation.SIGMOID);
        assertEquals(3 * 2 * 0.25, SoundBounds.mlpLipschitz(List.of(a, b)), 1e-8);
    }

    /** An overflowed Jacobian (issue 14, item 7): NaN, which the jobs reject, not a non-converging decomposition's exception. */
    @Test
    void largestEigenvalueOfNonFiniteEntriesIsNaN() {
        assertEquals(3.0, SoundBounds.largestEigenvalue(new double[][] {{3, 0}, {0, 1}}), 1e-12);
        assertTrue(Double.isNaN(SoundBounds.largestEigenvalue(new double[][] {{Double.POSITIVE_INFINITY, 0}, {0, 1}})));
        assertTrue(Double.isNaN(SoundBounds.largestEigenvalue(new double[][] {{1, Double.NaN}, {Double.NaN, 1}})));
        assertTrue(Double.isNaN(SoundBounds.spectralNorm(new double[] {1, Double.POSITIVE_INFINITY}, 1, 2)));
    }
}

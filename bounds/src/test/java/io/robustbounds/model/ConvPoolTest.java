package io.robustbounds.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.linalg.Arrays2;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Conv2d, Flatten and Pool2d against plain-Java nested-loop references (forward), central finite differences
 * (input gradients), hand-computed paper κ (Theorems 5.1, 5.3) and BOUNDS.md §3's convolution counterexample.
 */
class ConvPoolTest {

    private static double[] random(SplittableRandom r, int n) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = r.nextDouble(-1, 1);
        }
        return a;
    }

    private static INDArray array(double[] v, long... shape) {
        return Arrays2.fromDoubles(v, DataType.DOUBLE, shape);
    }

    /** Reference convolution: y[n,o,i,j] = b[o] + Σ_{c,u,v} w[o,c,u,v] · xpad[n,c,i·s+u−p, j·s+v−p]. */
    private static double[] refConv(double[] x, int n, int c, int h, int w, double[] wt, double[] b, int k, int q,
                                    int s, int p, boolean relu) {
        int th = (h + 2 * p - q) / s + 1;
        int tw = (w + 2 * p - q) / s + 1;
        double[] y = new double[n * k * th * tw];
        for (int a = 0; a < n; a++) {
            for (int o = 0; o < k; o++) {
                for (int i = 0; i < th; i++) {
                    for (int j = 0; j < tw; j++) {
                        double acc = b[o];
                        for (int ch = 0; ch < c; ch++) {
                            for (int u = 0; u < q; u++) {
                                for (int v = 0; v < q; v++) {
                                    int r = i * s + u - p;
                                    int col = j * s + v - p;
                                    if (r >= 0 && r < h && col >= 0 && col < w) {
                                        acc += wt[((o * c + ch) * q + u) * q + v] * x[((a * c + ch) * h + r) * w + col];
                                    }
                                }
                            }
                        }
                        y[((a * k + o) * th + i) * tw + j] = relu ? Math.max(0, acc) : acc;
                    }
                }
            }
        }
        return y;
    }

    /** Reference pooling, written independently of Pool2d's loops. */
    private static double[] refPool(double[] x, int planes, int h, int w, Pool2d.Method kind, double p, int q, int s) {
        int th = (h - q) / s + 1;
        int tw = (w - q) / s + 1;
        double[] y = new double[planes * th * tw];
        int idx = 0;
        for (int pl = 0; pl < planes; pl++) {
            for (int i = 0; i < th; i++) {
                for (int j = 0; j < tw; j++) {
                    double max = Double.NEGATIVE_INFINITY;
                    double sum = 0;
                    double sp = 0;
                    for (int u = 0; u < q; u++) {
                        for (int v = 0; v < q; v++) {
                            double e = x[pl * h * w + (i * s + u) * w + j * s + v];
                            max = Math.max(max, e);
                            sum += e;
                            sp += Math.pow(Math.abs(e), p);
                        }
                    }
                    y[idx++] = switch (kind) {
                        case MAX -> max;
                        case AVERAGE -> sum / (q * q);
                        case LP -> Math.pow(sp, 1 / p);
                    };
                }
            }
        }
        return y;
    }

    @Test
    void convForwardMatchesNestedLoops() {
        SplittableRandom r = new SplittableRandom(1);
        int n = 3, c = 2, h = 7, w = 6, k = 4, q = 3;
        for (int s : new int[] {1, 2}) {
            for (int p : new int[] {0, 1}) {
                for (boolean relu : new boolean[] {false, true}) {
                    double[] x = random(r, n * c * h * w);
                    double[] wt = random(r, k * c * q * q);
                    double[] b = random(r, k);
                    Conv2d conv = new Conv2d(array(wt, k, c, q, q), array(b, k), s, p, relu);
                    INDArray y = conv.forward(array(x, n, c, h, w));
                    int th = (h + 2 * p - q) / s + 1;
                    int tw = (w + 2 * p - q) / s + 1;
                    assertArrayEquals(new long[] {n, k, th, tw}, y.shape());
                    assertArrayEquals(new long[] {k, th, tw}, conv.outputShape(new long[] {c, h, w}));
                    double[] expected = refConv(x, n, c, h, w, wt, b, k, q, s, p, relu);
                    assertArrayEquals(expected, Arrays2.toDoubles(y), 1e-12, "s=" + s + " p=" + p + " relu=" + relu);
                    assertArrayEquals(expected, Arrays2.toDoubles(conv.forwardIm2col(array(x, n, c, h, w))), 1e-12);
                }
            }
        }
    }

    @Test
    void convAndPoolWorkInFloat() {
        SplittableRandom r = new SplittableRandom(2);
        double[] x = random(r, 2 * 3 * 5 * 5);
        double[] wt = random(r, 2 * 3 * 3 * 3);
        double[] b = random(r, 2);
        Conv2d conv = new Conv2d(array(wt, 2, 3, 3, 3), array(b, 2), 1, 1, true);
        INDArray y = conv.forward(Arrays2.fromDoubles(x, DataType.FLOAT, 2, 3, 5, 5));
        assertEquals(DataType.FLOAT, y.dataType());
        assertArrayEquals(refConv(x, 2, 3, 5, 5, wt, b, 2, 3, 1, 1, true), Arrays2.toDoubles(y), 1e-5);
        double[] g = random(r, 2 * 2 * 5 * 5);
        INDArray gf = conv.inputGradient(Arrays2.fromDoubles(x, DataType.FLOAT, 2, 3, 5, 5),
                Arrays2.fromDoubles(g, DataType.FLOAT, 2, 2, 5, 5));
        assertEquals(DataType.FLOAT, gf.dataType());
        assertArrayEquals(Arrays2.toDoubles(conv.inputGradient(array(x, 2, 3, 5, 5), array(g, 2, 2, 5, 5))),
                Arrays2.toDoubles(gf), 1e-5);
        Pool2d pool = Pool2d.lp(2, 2, 1);
        INDArray pf = pool.forward(Arrays2.fromDoubles(x, DataType.FLOAT, 2, 3, 5, 5));
        assertEquals(DataType.FLOAT, pf.dataType());
        assertArrayEquals(Arrays2.toDoubles(pool.forward(array(x, 2, 3, 5, 5))), Arrays2.toDoubles(pf), 1e-5);
    }

    @Test
    void poolForwardMatchesNestedLoops() {
        SplittableRandom r = new SplittableRandom(3);
        int n = 2, c = 3, h = 7, w = 7;
        for (Pool2d.Method kind : Pool2d.Method.values()) {
            for (int[] qs : new int[][] {{2, 2}, {3, 2}, {3, 1}, {2, 3}}) {
                for (double p : kind == Pool2d.Method.LP ? new double[] {1, 2, 3.5} : new double[] {Double.NaN}) {
                    Pool2d pool = new Pool2d(kind, p, qs[0], qs[1]);
                    double[] x = random(r, n * c * h * w);
                    INDArray y = pool.forward(array(x, n, c, h, w));
                    int t = (h - qs[0]) / qs[1] + 1;
                    assertArrayEquals(new long[] {n, c, t, t}, y.shape());
                    assertArrayEquals(refPool(x, n * c, h, w, kind, p, qs[0], qs[1]), Arrays2.toDoubles(y), 1e-12,
                            kind + " q=" + qs[0] + " s=" + qs[1] + " p=" + p);
                }
            }
        }
    }

    @Test
    void maxPoolTiesGoToTheFirstMaximum() {
        Pool2d pool = Pool2d.max(2, 2);
        INDArray x = array(new double[] {1, 3, 3, 0}, 1, 1, 2, 2);
        INDArray g = pool.inputGradient(x, array(new double[] {5}, 1, 1, 1, 1));
        assertArrayEquals(new double[] {0, 5, 0, 0}, Arrays2.toDoubles(g));
    }

    @Test
    void nativePoolingEqualsTheJavaLoops() {
        SplittableRandom r = new SplittableRandom(12);
        for (DataType t : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            INDArray x = Arrays2.fromDoubles(random(r, 3 * 4 * 9 * 9), t, 3, 4, 9, 9);
            for (Pool2d pool : new Pool2d[] {Pool2d.max(2, 2), Pool2d.max(3, 2), Pool2d.average(2, 2), Pool2d.average(3, 1)}) {
                INDArray y = pool.forward(x);
                assertArrayEquals(Arrays2.toDoubles(pool.forwardJava(x)), Arrays2.toDoubles(y), t == DataType.FLOAT ? 1e-6 : 1e-14, pool + " " + t);
                INDArray g = Arrays2.fromDoubles(random(r, (int) y.length()), t, y.shape());
                assertArrayEquals(Arrays2.toDoubles(pool.inputGradientJava(x, g)), Arrays2.toDoubles(pool.inputGradient(x, g)),
                        t == DataType.FLOAT ? 1e-6 : 1e-14, pool + " gradient " + t);
            }
        }
    }

    /** ‖analytic − FD‖ / ‖analytic‖ of ∂/∂x Σ G ⊙ forward(x). */
    private static double gradientError(TrunkLayer op, double[] x, long[] shape, SplittableRandom r) {
        Function<double[], double[]> f = v -> Arrays2.toDoubles(op.forward(array(v, shape)));
        double[] y = f.apply(x);
        double[] g = random(r, y.length);
        long[] outShape = op.forward(array(x, shape)).shape();
        double[] analytic = Arrays2.toDoubles(op.inputGradient(array(x, shape), array(g, outShape)));
        double eps = 1e-5;
        double num = 0;
        double den = 0;
        for (int i = 0; i < x.length; i++) {
            double[] xp = x.clone();
            double[] xm = x.clone();
            xp[i] += eps;
            xm[i] -= eps;
            double[] yp = f.apply(xp);
            double[] ym = f.apply(xm);
            double d = 0;
            for (int j = 0; j < y.length; j++) {
                d += g[j] * (yp[j] - ym[j]);
            }
            d /= 2 * eps;
            num += (d - analytic[i]) * (d - analytic[i]);
            den += analytic[i] * analytic[i];
        }
        assertTrue(den > 0);
        return Math.sqrt(num / den);
    }

    @Test
    void convGradientMatchesFiniteDifferences() {
        SplittableRandom r = new SplittableRandom(4);
        int n = 2, c = 2, h = 6, w = 5, k = 3, q = 3;
        for (int s : new int[] {1, 2}) {
            for (int p : new int[] {0, 1}) {
                for (boolean relu : new boolean[] {false, true}) {
                    Conv2d conv = new Conv2d(array(random(r, k * c * q * q), k, c, q, q), array(random(r, k), k), s, p, relu);
                    double[] x = random(r, n * c * h * w);
                    double err = gradientError(conv, x, new long[] {n, c, h, w}, r);
                    assertTrue(err <= 1e-6, "s=" + s + " p=" + p + " relu=" + relu + ": " + err);
                    INDArray xa = array(x, n, c, h, w);
                    INDArray g = array(random(r, (int) conv.forward(xa).length()), conv.forward(xa).shape());
                    double[] ref = Arrays2.toDoubles(conv.inputGradient(xa, g));
                    assertArrayEquals(ref, Arrays2.toDoubles(conv.inputGradientIm2col(xa, g)), 1e-12, "im2col");
                    assertTrue(err <= 1e-6, "s=" + s + " p=" + p + " relu=" + relu + ": " + err);
                }
            }
        }
    }

    @Test
    void poolGradientMatchesFiniteDifferences() {
        SplittableRandom r = new SplittableRandom(5);
        long[] shape = {2, 2, 6, 6};
        for (Pool2d.Method kind : Pool2d.Method.values()) {
            for (int[] qs : new int[][] {{2, 2}, {3, 2}, {3, 1}}) {
                for (double p : kind == Pool2d.Method.LP ? new double[] {1, 2, 3.5} : new double[] {Double.NaN}) {
                    Pool2d pool = new Pool2d(kind, p, qs[0], qs[1]);
                    double err = gradientError(pool, random(r, 144), shape, r);
                    assertTrue(err <= 1e-6, kind + " q=" + qs[0] + " s=" + qs[1] + " p=" + p + ": " + err);
                }
            }
        }
    }

    @Test
    void flattenIsRowMajorAndItsGradientReshapesBack() {
        double[] x = new double[2 * 3 * 2 * 2];
        for (int i = 0; i < x.length; i++) {
            x[i] = i;
        }
        Flatten f = new Flatten();
        INDArray in = array(x, 2, 3, 2, 2);
        INDArray y = f.forward(in);
        assertArrayEquals(new long[] {2, 12}, y.shape());
        assertArrayEquals(x, Arrays2.toDoubles(y));
        assertArrayEquals(new long[] {12}, f.outputShape(new long[] {3, 2, 2}));
        INDArray g = f.inputGradient(in, y);
        assertArrayEquals(in.shape(), g.shape());
        assertArrayEquals(x, Arrays2.toDoubles(g));
        assertArrayEquals(new double[] {1.5, 2}, f.paperKappa(in, y, new double[] {1.5, 2}));
        assertTrue(gradientError(f, x, new long[] {2, 3, 2, 2}, new SplittableRandom(6)) <= 1e-6);
    }

    @Test
    void paperKappaOnHandComputedCases() {
        // Theorem 5.1: a 1×1×2×2 kernel of ones has ‖W‖_F = 2.
        Conv2d conv = new Conv2d(array(new double[] {1, 1, 1, 1}, 1, 1, 2, 2), array(new double[] {0}, 1), 1, 0, true);
        INDArray x = array(new double[16], 2, 1, 2, 4);
        assertArrayEquals(new double[] {1.5, 0.5}, conv.paperKappa(x, conv.forward(x), new double[] {3, 1}), 1e-15);
        // Theorem 5.3: 4×4 input, 2×2 windows stride 2 → t = 2.
        INDArray in = array(random(new SplittableRandom(7), 32), 2, 1, 4, 4);
        for (Pool2d pool : new Pool2d[] {Pool2d.max(2, 2), Pool2d.average(2, 2)}) {
            assertArrayEquals(new double[] {2, 0.5}, pool.paperKappa(in, pool.forward(in), new double[] {4, 1}), 1e-15);
        }
        // L_p, p = 2, q = 2: q^{2/p} = 2, so κ / (t · 2) = κ / 4.
        Pool2d lp = Pool2d.lp(2, 2, 2);
        assertArrayEquals(new double[] {1, 0.25}, lp.paperKappa(in, lp.forward(in), new double[] {4, 1}), 1e-15);
        // Overlapping: 5×5 input, q = 3, stride 1 → t = 3; L_p with p = 1: q^{2} = 9 → κ / 27.
        INDArray in5 = array(random(new SplittableRandom(8), 25), 1, 1, 5, 5);
        Pool2d lp1 = Pool2d.lp(1, 3, 1);
        assertArrayEquals(new double[] {1}, lp1.paperKappa(in5, lp1.forward(in5), new double[] {27}), 1e-14);
    }

    /**
     * BOUNDS.md §3: Lemma A.4 (‖W⋆R‖ ≤ ‖W‖_F ‖R‖) is false with overlapping receptive fields. A 5×5 all-ones
     * kernel with stride 1 maps a constant perturbation R to 25 R on every interior position, so
     * ‖W⋆R‖ / ‖R‖ → 25 as the input grows, against ‖W‖_F = 5: Theorem 5.1's κ / ‖W‖_F can be 5× too large.
     */
    @Test
    void convolutionAmplifiesBeyondTheFrobeniusNorm() {
        int h = 200;
        double[] ones = new double[25];
        java.util.Arrays.fill(ones, 1);
        Conv2d conv = new Conv2d(array(ones, 1, 1, 5, 5), array(new double[] {0}, 1), 1, 0, false);
        double[] rr = new double[h * h];
        java.util.Arrays.fill(rr, 0.01);
        INDArray perturbation = array(rr, 1, 1, h, h);
        double ratio = conv.forward(perturbation).norm2Number().doubleValue() / perturbation.norm2Number().doubleValue();
        double frob = conv.weight().norm2Number().doubleValue();
        assertEquals(5, frob, 1e-12);
        assertEquals(25.0 * (h - 4) / h, ratio, 1e-9); // = 24.5: each of the (h−4)² outputs is 25·0.01
        assertTrue(ratio > 4.5 * frob, "‖W⋆R‖/‖R‖ = " + ratio + " vs ‖W‖_F = " + frob);
    }

    @Test
    void shapeErrorsNameBothShapes() {
        Conv2d conv = new Conv2d(array(new double[20 * 3 * 5 * 5], 20, 3, 5, 5), array(new double[20], 20), 1, 0, true);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> conv.outputShape(new long[] {1, 28, 28}));
        assertTrue(e.getMessage().contains("3 channels") && e.getMessage().contains("[1, 28, 28]"), e.getMessage());
        Conv2d conv20 = new Conv2d(array(new double[50 * 20 * 25], 50, 20, 5, 5), array(new double[50], 50), 1, 0, true);
        e = assertThrows(IllegalArgumentException.class, () -> conv20.forward(array(new double[3 * 32 * 32], 1, 3, 32, 32)));
        assertTrue(e.getMessage().contains("20 channels") && e.getMessage().contains("[3, 32, 32]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Pool2d.max(3, 2).outputShape(new long[] {4, 2, 2}));
        assertTrue(e.getMessage().contains("[4, 2, 2]") && e.getMessage().contains("[3, 3]"), e.getMessage());
    }

    private static double timeMs(Runnable r, int reps) {
        for (int i = 0; i < 3; i++) {
            r.run();
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < reps; i++) {
            r.run();
        }
        return (System.nanoTime() - t0) / 1e6 / reps;
    }

    /** im2col + GEMM (+ col2im) vs libnd4j's conv2d (deconv2d) on LeNet-sized batches: {@code -Dbench=true}. */
    @Test
    @EnabledIfSystemProperty(named = "bench", matches = "true")
    void benchmark() {
        SplittableRandom r = new SplittableRandom(9);
        for (DataType t : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            for (int[] cfg : new int[][] {{100, 1, 28, 20, 5}, {100, 20, 12, 50, 5}}) {
                int n = cfg[0], c = cfg[1], h = cfg[2], k = cfg[3], q = cfg[4];
                Conv2d conv = new Conv2d(Arrays2.fromDoubles(random(r, k * c * q * q), t, k, c, q, q),
                        Arrays2.fromDoubles(random(r, k), t, k), 1, 0, true);
                INDArray x = Arrays2.fromDoubles(random(r, n * c * h * h), t, n, c, h, h);
                INDArray g = conv.forward(x).dup();
                double a = timeMs(() -> conv.forwardIm2col(x), 30);
                double b = timeMs(() -> conv.forward(x), 30);
                double gr = timeMs(() -> conv.inputGradientIm2col(x, g), 30);
                double gd = timeMs(() -> conv.inputGradient(x, g), 30);
                System.out.printf("%s %dx%dx%dx%d * %dx%dx%dx%d: forward im2col+GEMM %.2f ms, nd4j conv2d %.2f ms;"
                        + " gradient col2im %.2f ms, deconv2d %.2f ms%n", t, n, c, h, h, k, c, q, q, a, b, gr, gd);
            }
            INDArray x = Arrays2.fromDoubles(random(r, 100 * 20 * 24 * 24), t, 100, 20, 24, 24);
            Pool2d pool = Pool2d.max(2, 2);
            INDArray g = pool.forward(x).dup();
            System.out.printf("%s max pool 2/2 on 100x20x24x24: forward %.2f ms, gradient %.2f ms%n", t,
                    timeMs(() -> pool.forward(x), 30), timeMs(() -> pool.inputGradient(x, g), 30));
        }
    }
}

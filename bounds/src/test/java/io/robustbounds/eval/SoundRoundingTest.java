package io.robustbounds.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.bounds.BoundMode;
import io.robustbounds.model.BatchNorm;
import io.robustbounds.model.Conv2d;
import io.robustbounds.model.Flatten;
import io.robustbounds.model.Lrn;
import io.robustbounds.model.Pool2d;
import io.robustbounds.linalg.Arrays2;
import io.robustbounds.linalg.Workspaces;
import io.robustbounds.model.Activation;
import io.robustbounds.model.DenseLayer;
import io.robustbounds.model.InputSpec;
import io.robustbounds.model.Layer;
import io.robustbounds.model.LinearHead;
import io.robustbounds.model.Model;
import io.robustbounds.testing.ReferenceMlp;
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
 * Sound mode holds for the exact network (real arithmetic on the stored weights and samples) although the forward pass
 * runs in float (issue: rounding of δ near a decision boundary is not relative to δ). Checked with exact BigDecimal
 * arithmetic on linear classifiers and ReLU MLPs with many samples within rounding distance of a boundary, and against
 * double-precision passes for the error bounds of smooth activations and every trunk layer kind.
 */
class SoundRoundingTest {
    private static final EvalSettings SOUND_FLOAT = EvalSettings.defaults().withModes(List.of(BoundMode.SOUND));

    private static double f(double v) {
        return (float) v;
    }

    private static double[][] floats(SplittableRandom r, int rows, int cols, double scale) {
        double[][] a = new double[rows][cols];
        for (double[] row : a) {
            for (int j = 0; j < cols; j++) {
                row[j] = f(r.nextDouble(-scale, scale));
            }
        }
        return a;
    }

    private static double[] floats(SplittableRandom r, int n, double scale) {
        return floats(r, 1, n, scale)[0];
    }

    /** Exact z = W x + b for float-valued W, x, b. */
    private static BigDecimal[] exactAffine(double[][] w, double[] b, BigDecimal[] x) {
        BigDecimal[] z = new BigDecimal[w.length];
        for (int i = 0; i < w.length; i++) {
            BigDecimal s = new BigDecimal(b[i]);
            for (int j = 0; j < x.length; j++) {
                s = s.add(new BigDecimal(w[i][j]).multiply(x[j]));
            }
            z[i] = s;
        }
        return z;
    }

    private static BigDecimal[] exact(double[] x) {
        BigDecimal[] e = new BigDecimal[x.length];
        for (int j = 0; j < x.length; j++) {
            e[j] = new BigDecimal(x[j]);
        }
        return e;
    }

    /**
     * Asserts the sound bound at the head is ≤ the exact distance from the exact features h to every decision
     * hyperplane of the head, bound² ‖w_c − w_j‖² ≤ (z_c − z_j)², exactly; and 0 where the computed class is not the
     * exact one. Returns whether the bound is positive.
     */
    private static boolean assertBelowExactDistance(double bound, int predicted, double[][] w, BigDecimal[] z, String where) {
        int exactClass = 0;
        for (int j = 1; j < z.length; j++) {
            if (z[j].compareTo(z[exactClass]) > 0) {
                exactClass = j;
            }
        }
        boolean tie = false;
        for (int j = 0; j < z.length; j++) {
            tie |= j != exactClass && z[j].compareTo(z[exactClass]) == 0;
        }
        if (exactClass != predicted || tie) {
            assertEquals(0.0, bound, where + ": the computed class " + predicted + " is not the exact one (" + exactClass
                    + (tie ? ", tied" : "") + "), yet the sound bound is positive");
            return false;
        }
        BigDecimal b2 = new BigDecimal(bound).pow(2);
        for (int j = 0; j < z.length; j++) {
            if (j == predicted) {
                continue;
            }
            BigDecimal n2 = BigDecimal.ZERO;
            for (int k = 0; k < w[0].length; k++) {
                BigDecimal d = new BigDecimal(w[j][k]).subtract(new BigDecimal(w[predicted][k]));
                n2 = n2.add(d.multiply(d));
            }
            BigDecimal m2 = z[predicted].subtract(z[j]).pow(2);
            BigDecimal norm2 = n2;
            assertTrue(b2.multiply(n2).compareTo(m2) <= 0, () -> where + ": sound bound " + bound + " exceeds the exact distance "
                    + Math.sqrt(m2.divide(norm2, MathContext.DECIMAL64).doubleValue()));
        }
        return bound > 0;
    }

    /**
     * Samples: half uniform in [−1, 1]^d, half pushed onto a decision boundary between the predicted class and a
     * random other (computed in double) and moved by at most 1e-7 — within float rounding of the boundary.
     */
    private static double[] samples(SplittableRandom r, int n, int d, double[][] w, double[] b) {
        double[] x = new double[n * d];
        for (int i = 0; i < n; i++) {
            double[] s = floats(r, d, 1);
            if (i % 2 == 1) {
                int c = ReferenceMlp.argmax(ReferenceMlp.affine(w, b, s));
                int o = (c + 1 + r.nextInt(w.length - 1)) % w.length;
                double m = b[c] - b[o];
                double n2 = 0;
                for (int k = 0; k < d; k++) {
                    m += (w[c][k] - w[o][k]) * s[k];
                    n2 += (w[c][k] - w[o][k]) * (w[c][k] - w[o][k]);
                }
                for (int k = 0; k < d; k++) {
                    s[k] = f(s[k] - m / n2 * (w[c][k] - w[o][k]) + r.nextDouble(-1e-7, 1e-7));
                }
            }
            System.arraycopy(s, 0, x, i * d, d);
        }
        return x;
    }

    private static void linearCase(long seed, int d, int classes, double weightScale, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        double[][] w = floats(r, classes, d, weightScale);
        double[] b = floats(r, classes, weightScale);
        double[] x = samples(r, n, d, w, b);
        Model model = ReferenceMlp.linearModel("linear", w, b);
        SampleResults res = new MlpEvaluator(SOUND_FLOAT).evaluate(DenseStack.of(model, DataType.FLOAT), x, n);
        double[] bound = res.of(BoundMode.SOUND).bound();
        int positive = 0;
        int tight = 0;
        for (int i = 0; i < n; i++) {
            BigDecimal[] z = exactAffine(w, b, exact(java.util.Arrays.copyOfRange(x, i * d, (i + 1) * d)));
            if (assertBelowExactDistance(bound[i], res.predicted()[i], w, z, "sample " + i)) {
                positive++;
                tight += bound[i] >= res.delta()[i] * (1 - 1e-3) ? 1 : 0;
            }
        }
        // not vacuous: the uniform half is certified, nearly all of it to within 0.1 % of δ
        assertTrue(positive >= n / 2 - n / 50, "only " + positive + " of " + n + " bounds positive");
        assertTrue(tight >= n / 2 - n / 20, "only " + tight + " of " + n + " bounds within 0.1 % of the computed δ");
    }

    @Test
    void linearClassifierInFloatNeverExceedsTheExactDistance() {
        linearCase(1, 2, 5, 1, 50_000);
    }

    @Test
    void linearClassifierWithLogitsOfAHundred() {
        linearCase(2, 50, 5, 20, 10_000);
    }

    /** A ReLU MLP: the head's sound δ never exceeds the exact δ at the exact features (BigDecimal forward pass). */
    @Test
    void reluMlpHeadMarginBelowTheExactOne() {
        SplittableRandom r = new SplittableRandom(3);
        int d = 6;
        int[] widths = {12, 8};
        double[][][] v = {floats(r, 12, d, 1), floats(r, 8, 12, 1)};
        double[][] c = {floats(r, 12, 1), floats(r, 8, 1)};
        double[][] w = floats(r, 4, 8, 3);
        double[] b = floats(r, 4, 1);
        Model model = ReferenceMlp.mlpModel("relu", v, c, new Activation[] {Activation.RELU, Activation.RELU}, w, b);
        ReferenceMlp ref = ReferenceMlp.of(model);
        int n = 4000;
        double[] x = new double[n * d];
        for (int i = 0; i < n; i++) {
            double[] s = floats(r, d, 1);
            if (i % 2 == 1) { // bisect in double towards a point where the class changes along a random direction
                double[] dir = floats(r, d, 1);
                int c0 = ref.predict(s);
                double lo = 0;
                double hi = 4;
                if (ref.predict(plus(s, dir, hi)) != c0) {
                    for (int k = 0; k < 60; k++) {
                        double mid = (lo + hi) / 2;
                        if (ref.predict(plus(s, dir, mid)) == c0) {
                            lo = mid;
                        } else {
                            hi = mid;
                        }
                    }
                    s = plus(s, dir, lo);
                }
            }
            for (int k = 0; k < d; k++) {
                x[i * d + k] = f(s[k]);
            }
        }
        DenseStack net = DenseStack.of(model, DataType.FLOAT);
        int positive = 0;
        try (MemoryWorkspace ignored = Workspaces.batch()) {
            DenseStack.Forward fw = net.forward(Arrays2.fromDoubles(x, DataType.FLOAT, 1, n, d));
            double[] logits = fw.logits();
            int[] predicted = io.robustbounds.attack.Classes.argmax(logits, 4);
            DenseStack.ForwardError error = net.forwardError(fw, null);
            for (int i = 0; i < n; i++) {
                BigDecimal[] h = exact(java.util.Arrays.copyOfRange(x, i * d, (i + 1) * d));
                for (int l = 0; l < widths.length; l++) {
                    h = exactAffine(v[l], c[l], h);
                    for (int k = 0; k < h.length; k++) {
                        h[k] = h[k].max(BigDecimal.ZERO);
                    }
                }
                double margin = SoundHead.exactMargin(net, logits, i, predicted[i], error);
                positive += assertBelowExactDistance(margin, predicted[i], w, exactAffine(w, b, h), "sample " + i) ? 1 : 0;
            }
        }
        assertTrue(positive > n / 2, "only " + positive + " positive margins");
    }

    private static double[] plus(double[] x, double[] dir, double t) {
        double[] y = x.clone();
        for (int k = 0; k < y.length; k++) {
            y[k] += t * dir[k];
        }
        return y;
    }

    /** tanh/sigmoid/softplus MLPs: the float pass's features lie within the bounded error of a double pass. */
    @Test
    void smoothMlpForwardErrorBoundsTheFloatPass() {
        for (Activation g : List.of(Activation.TANH, Activation.SIGMOID, Activation.SOFTPLUS)) {
            SplittableRandom r = new SplittableRandom(4);
            int d = 30;
            double[][][] v = {floats(r, 20, d, 1), floats(r, 10, 20, 1)};
            double[][] c = {floats(r, 20, 2), floats(r, 10, 2)};
            Model model = ReferenceMlp.mlpModel("smooth", v, c, new Activation[] {g, g}, floats(r, 3, 10, 1), floats(r, 3, 1));
            int n = 2000;
            double[] x = new double[n * d];
            for (int i = 0; i < x.length; i++) {
                x[i] = f(r.nextDouble(-3, 3));
            }
            DenseStack single = DenseStack.of(model, DataType.FLOAT);
            DenseStack dbl = DenseStack.of(model, DataType.DOUBLE);
            try (MemoryWorkspace ignored = Workspaces.batch()) {
                DenseStack.Forward ff = single.forward(Arrays2.fromDoubles(x, DataType.FLOAT, 1, n, d));
                DenseStack.Forward fd = dbl.forward(Arrays2.fromDoubles(x, DataType.DOUBLE, 1, n, d));
                double[] e = single.forwardError(ff, null).features();
                double[] hf = Arrays2.toDoubles(ff.post[1]);
                double[] hd = Arrays2.toDoubles(fd.post[1]);
                double worst = 0;
                for (int i = 0; i < n; i++) {
                    double s = 0;
                    for (int k = 0; k < 10; k++) {
                        s += (hf[i * 10 + k] - hd[i * 10 + k]) * (hf[i * 10 + k] - hd[i * 10 + k]);
                    }
                    double observed = Math.sqrt(s);
                    assertTrue(observed <= e[i] + 1e-12, g + " sample " + i + ": float features " + observed + " from the double ones, bound " + e[i]);
                    worst = Math.max(worst, observed / e[i]);
                }
                assertTrue(worst > 1e-4, g + ": the bound is uselessly loose, observed/bound at most " + worst);
            }
        }
    }

    private static INDArray array(SplittableRandom r, double scale, long... shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        double[] v = new double[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = f(r.nextDouble(-scale, scale));
        }
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return Nd4j.createFromArray(v).reshape(shape).castTo(DataType.DOUBLE);
        }
    }

    /** Every trunk kind: the float trunk's output lies within the bounded error of the double trunk's. */
    @Test
    void trunkErrorBoundsTheFloatPassForEveryLayerKind() {
        SplittableRandom r = new SplittableRandom(5);
        List<Layer> layers = List.of(new Conv2d(array(r, 1, 3, 2, 3, 3), array(r, 0.1, 3), 2, 1, true),
                new BatchNorm(array(r, 1, 3), array(r, 1, 3), array(r, 0.5, 3), array(r, 1, 3).add(1.5), 1e-5),
                new Lrn(2, 3, 0.5, 0.75, true), Pool2d.lp(2, 2, 1), Pool2d.average(2, 1), Pool2d.max(1, 1),
                new Conv2d(array(r, 1, 4, 3, 2, 2), array(r, 0.1, 4), 1, 0, false), new Flatten(),
                new DenseLayer(array(r, 1, 5, 4), array(r, 0.1, 5), Activation.TANH));
        Model m = new Model("kinds", new InputSpec(new long[] {2, 7, 7}, 0, 1), layers,
                new LinearHead(array(r, 1, 4, 5), array(r, 0.1, 4)), List.of(), Map.of());
        int n = 300;
        double[] x = new double[n * 98];
        for (int i = 0; i < x.length; i++) {
            x[i] = f(r.nextDouble(-2, 2));
        }
        CnnEvaluator single = new CnnEvaluator(m, SOUND_FLOAT);
        CnnEvaluator dbl = new CnnEvaluator(m, SOUND_FLOAT.withDataType(DataType.DOUBLE));
        try (MemoryWorkspace ignored = Workspaces.batch()) {
            INDArray[] af = single.trunkForward(Arrays2.fromDoubles(x, DataType.FLOAT, n, 2, 7, 7));
            INDArray[] ad = dbl.trunkForward(Arrays2.fromDoubles(x, DataType.DOUBLE, n, 2, 7, 7));
            double[] e = single.trunkError(af);
            double[] hf = Arrays2.toDoubles(af[af.length - 1]);
            double[] hd = Arrays2.toDoubles(ad[ad.length - 1]);
            int per = hf.length / n;
            double worst = 0;
            for (int i = 0; i < n; i++) {
                double s = 0;
                for (int k = i * per; k < (i + 1) * per; k++) {
                    s += (hf[k] - hd[k]) * (hf[k] - hd[k]);
                }
                double observed = Math.sqrt(s);
                assertTrue(observed <= e[i] + 1e-12, "sample " + i + ": float trunk output " + observed + " from the double one, bound " + e[i]);
                worst = Math.max(worst, observed / e[i]);
            }
            assertTrue(worst > 1e-5, "the bound is uselessly loose, observed/bound at most " + worst);
        }
    }

    /** The assumption of Rounding.ELEMENTWISE_ULPS, checked on this machine's libnd4j against double. */
    @Test
    void elementwiseActivationsWithinTheAssumedUlps() {
        SplittableRandom r = new SplittableRandom(6);
        int n = 200_000;
        double[] z = new double[n];
        for (int i = 0; i < n; i++) {
            z[i] = f(i % 4 == 0 ? r.nextDouble(-100, 100) : i % 4 == 1 ? r.nextDouble(-20, 20) : r.nextDouble(-1, 1) * Math.pow(10, -r.nextInt(8)));
        }
        double u = 0x1p-24;
        try (MemoryWorkspace ignored = Workspaces.batch()) {
            INDArray in = Arrays2.fromDoubles(z, DataType.FLOAT, 1, 1, n);
            for (Activation g : List.of(Activation.TANH, Activation.SIGMOID, Activation.SOFTPLUS)) {
                double[] out = Arrays2.toDoubles(DenseStack.activate(g, in.dup()));
                for (int i = 0; i < n; i++) {
                    double exact = g.value(z[i]);
                    double err = Math.abs(out[i] - exact);
                    double allowed = io.robustbounds.bounds.Rounding.ELEMENTWISE_ULPS * u * Math.abs(out[i]) + 2 * u;
                    int at = i;
                    assertTrue(err <= allowed, () -> g + "(" + z[at] + ") = " + out[at] + " in float, " + exact + " exactly: error " + err + " > " + allowed);
                }
            }
        }
    }
}

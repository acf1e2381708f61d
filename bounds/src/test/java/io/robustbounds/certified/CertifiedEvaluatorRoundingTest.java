package io.robustbounds.certified;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.attack.Differentiable;
import io.robustbounds.eval.DenseStack;
import io.robustbounds.eval.MlpNetwork;
import io.robustbounds.linalg.Arrays2;
import io.robustbounds.model.Activation;
import io.robustbounds.model.DenseLayer;
import io.robustbounds.model.InputSpec;
import io.robustbounds.model.Layer;
import io.robustbounds.model.LinearHead;
import io.robustbounds.model.Model;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The radii of {@code Certified.of(model, branching, FLOAT)} hold for the model as the evaluator and the attacks run it
 * (float32 weights and arithmetic: {@link MlpNetwork}), not only for the exact network (docs/certified-mode.md, "The
 * evaluator's rounding"). Samples within float rounding of a decision boundary, points along the way to it just inside
 * the radius: the evaluator's class never changes there. The exact network's radii, on the same samples, do let the
 * float evaluator's class change inside them (the gap is real, so the test can fail).
 */
class CertifiedEvaluatorRoundingTest {
    private static final CertifiedRadius.Settings FINE = CertifiedRadius.Settings.defaults().withRelativeTolerance(1e-9);

    /** The class the float32 evaluator gives each of n points [n · d] (batch padded as the attacks pad it). */
    private static int[] floatClasses(Differentiable net, double[] points, int n) {
        int d = net.inputSize();
        int padded = Math.max(n, net.minRows());
        double[] x = java.util.Arrays.copyOf(points, padded * d);
        double[] logits;
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            logits = net.forward(Arrays2.fromDoubles(x, net.dataType(), padded, d)).logits();
        }
        int k = net.classes();
        int[] cls = new int[n];
        for (int i = 0; i < n; i++) {
            for (int j = 1; j < k; j++) {
                if (logits[i * k + j] > logits[i * k + cls[i]]) {
                    cls[i] = j;
                }
            }
        }
        return cls;
    }

    /**
     * How many of the points x₀ + t·dir, t = (1 − η)·radius for η from 10⁻³ down to 10⁻¹⁰, the float evaluator puts in
     * another class than {@code cls} (points of norm ≥ the radius skipped).
     */
    private static int flipsInside(Differentiable net, double[] x0, double[] dir, double radius, int cls) {
        int d = x0.length;
        List<double[]> points = new ArrayList<>();
        for (double eta = 1e-3; eta > 1e-10; eta /= 1.3) {
            double t = radius * (1 - eta);
            double[] p = new double[d];
            double norm = 0;
            for (int i = 0; i < d; i++) {
                p[i] = (float) (x0[i] + t * dir[i]);      // the evaluator's input is float anyway
                norm += (p[i] - x0[i]) * (p[i] - x0[i]);
            }
            if (Math.sqrt(norm) < radius) {
                points.add(p);
            }
        }
        double[] all = new double[points.size() * d];
        for (int i = 0; i < points.size(); i++) {
            System.arraycopy(points.get(i), 0, all, i * d, d);
        }
        int flips = 0;
        for (int c : floatClasses(net, all, points.size())) {
            flips += c != cls ? 1 : 0;
        }
        return flips;
    }

    private static Model model(int d, List<Layer> layers, double[] w, double[] b, int classes) {
        return new Model("fixture", new InputSpec(new long[] {d}, 0, 1), layers,
                new LinearHead(CertifiedExactTest.array(w, classes, w.length / classes), CertifiedExactTest.array(b, classes)), List.of(), Map.of());
    }

    /** The auditor's case: linear classifiers on 784 inputs, 10 classes, double weights; the nearest boundary's normal. */
    @Test
    void linearClassifierRadiiHoldForTheFloatEvaluator() {
        SplittableRandom r = new SplittableRandom(1);
        int d = 784;
        int classes = 10;
        int exactFlips = 0;
        for (int trial = 0; trial < 30; trial++) {
            double[] w = new double[classes * d];
            double[] b = new double[classes];
            for (int i = 0; i < w.length; i++) {
                w[i] = r.nextDouble(-1, 1) / 28;
            }
            for (int i = 0; i < classes; i++) {
                b[i] = r.nextDouble(-1, 1);
            }
            Model m = model(d, List.of(), w, b, classes);
            double[] x = new double[d];
            for (int i = 0; i < d; i++) {
                x[i] = r.nextDouble(0, 1);
            }
            LinearBoundNetwork exact = Certified.of(m);
            LinearBoundNetwork evaluated = Certified.of(m, 0, DataType.FLOAT);
            CertifiedRadius.Result re = CertifiedRadius.search(exact, x, 1, null, null, FINE);
            CertifiedRadius.Result rf = CertifiedRadius.search(evaluated, x, 1, null, null, FINE);
            int c = re.predicted()[0];
            // the nearest boundary's unit normal, pointing at it
            double[] z = ((CrownNetwork) exact).logits(x, 1);
            double best = Double.POSITIVE_INFINITY;
            double[] dir = null;
            for (int j = 0; j < classes; j++) {
                if (j == c) {
                    continue;
                }
                double[] g = new double[d];
                double nn = 0;
                for (int i = 0; i < d; i++) {
                    g[i] = w[j * d + i] - w[c * d + i];
                    nn += g[i] * g[i];
                }
                double delta = (z[c] - z[j]) / Math.sqrt(nn);
                if (delta < best) {
                    best = delta;
                    for (int i = 0; i < d; i++) {
                        g[i] /= Math.sqrt(nn);
                    }
                    dir = g;
                }
            }
            Differentiable net = new MlpNetwork(DenseStack.of(m, DataType.FLOAT));
            assertEquals(0, flipsInside(net, x, dir, rf.radius()[0], c), "trial " + trial + ": float radius " + rf.radius()[0]);
            exactFlips += flipsInside(net, x, dir, re.radius()[0], c);
            // the price of a worst case over every summation order: γ₇₈₅ of Σ|w||x| ≈ 3·10⁻⁴ per logit, ~10⁻³ of radius here
            assertTrue(rf.radius()[0] <= re.radius()[0] && rf.radius()[0] >= re.radius()[0] * (1 - 5e-3) - 2e-3,
                    "the evaluator's rounding costs little: " + rf.radius()[0] + " against " + re.radius()[0]);
        }
        assertTrue(exactFlips > 0, "the exact network's radii let the float evaluator flip somewhere: the test has teeth");
    }

    /** Bisection steps towards a boundary: within ~10⁻⁶ of it, a few float spacings of the inputs (the exact radii's teeth). */
    private static final int ITERATIONS = 21;

    /**
     * tanh, ReLU and sigmoid MLPs (d = 12, two hidden layers of 10), samples bisected to within ~10⁻⁶ of a boundary
     * between two points of different classes: along the segment, inside the float radius, the float evaluator keeps
     * the class.
     */
    @Test
    void mlpRadiiNearABoundaryHoldForTheFloatEvaluator() {
        SplittableRandom r = new SplittableRandom(5);
        int d = 12;
        int classes = 3;
        int exactFlips = 0;
        int checked = 0;
        int certified = 0;
        for (Activation act : new Activation[] {Activation.TANH, Activation.RELU, Activation.SIGMOID}) {
            for (int trial = 0; trial < 8; trial++) {
                List<Layer> layers = new ArrayList<>();
                int in = d;
                for (int l = 0; l < 2; l++) {
                    double[] w = new double[10 * in];
                    double[] b = new double[10];
                    for (int i = 0; i < w.length; i++) {
                        w[i] = r.nextDouble(-1, 1);
                    }
                    for (int i = 0; i < b.length; i++) {
                        b[i] = r.nextDouble(-0.5, 0.5);
                    }
                    layers.add(new DenseLayer(CertifiedExactTest.array(w, 10, in), CertifiedExactTest.array(b, 10), act));
                    in = 10;
                }
                double[] hw = new double[classes * in];
                double[] hb = new double[classes];
                for (int i = 0; i < hw.length; i++) {
                    hw[i] = r.nextDouble(-1, 1);
                }
                Model m = model(d, layers, hw, hb, classes);
                CrownNetwork exact = (CrownNetwork) Certified.of(m);
                // two points of different exact classes, then bisection to the boundary between them
                double[] a = new double[d];
                double[] bpt = new double[d];
                int ca;
                int cb;
                int tries = 0;
                do {
                    for (int i = 0; i < d; i++) {
                        a[i] = r.nextDouble(0, 1);
                        bpt[i] = r.nextDouble(0, 1);
                    }
                    ca = exact.predict(a, 1)[0];
                    cb = exact.predict(bpt, 1)[0];
                } while (ca == cb && ++tries < 100);
                if (ca == cb) {
                    continue;
                }
                for (int iterations : new int[] {11, ITERATIONS}) { // ~10⁻³ of the segment from a boundary, and ~10⁻⁶
                    double lo = 0;
                    double hi = 1;
                    double[] p = new double[d];
                    for (int it = 0; it < iterations; it++) {
                        double mid = 0.5 * (lo + hi);
                        for (int i = 0; i < d; i++) {
                            p[i] = a[i] + mid * (bpt[i] - a[i]);
                        }
                        if (exact.predict(p, 1)[0] == ca) {
                            lo = mid;
                        } else {
                            hi = mid;
                        }
                    }
                    double[] x0 = new double[d];
                    double[] dir = new double[d];
                    double len = 0;
                    for (int i = 0; i < d; i++) {
                        x0[i] = a[i] + lo * (bpt[i] - a[i]);
                        dir[i] = bpt[i] - a[i];
                        len += dir[i] * dir[i];
                    }
                    for (int i = 0; i < d; i++) {
                        dir[i] /= Math.sqrt(len);
                    }
                    int c = exact.predict(x0, 1)[0];
                    // towards the boundary: down the gradient of z_c − z_j (j the runner-up), central differences in double
                    double[] z0 = exact.logits(x0, 1);
                    int j = c == 0 ? 1 : 0;
                    for (int k = 0; k < classes; k++) {
                        if (k != c && z0[k] > z0[j]) {
                            j = k;
                        }
                    }
                    len = 0;
                    for (int i = 0; i < d; i++) {
                        double[] up = x0.clone();
                        double[] down = x0.clone();
                        up[i] += 1e-6;
                        down[i] -= 1e-6;
                        double[] zu = exact.logits(up, 1);
                        double[] zd = exact.logits(down, 1);
                        dir[i] = -((zu[c] - zu[j]) - (zd[c] - zd[j])) / 2e-6;
                        len += dir[i] * dir[i];
                    }
                    for (int i = 0; i < d; i++) {
                        dir[i] /= Math.sqrt(len);
                    }
                    CertifiedRadius.Result rf = CertifiedRadius.search(Certified.of(m, 0, DataType.FLOAT), x0, 1, null, null, FINE);
                    CertifiedRadius.Result re = CertifiedRadius.search(exact, x0, 1, null, null, FINE);
                    Differentiable net = new MlpNetwork(DenseStack.of(m, DataType.FLOAT));
                    if (rf.radius()[0] > 0) {
                        certified++;
                        assertEquals(c, floatClasses(net, x0, 1)[0], act + " trial " + trial + " at 2^-" + iterations + ": certified at x₀ in another class");
                        assertEquals(0, flipsInside(net, x0, dir, rf.radius()[0], c), act + " trial " + trial + " at 2^-" + iterations + ": float radius " + rf.radius()[0]);
                    }
                    exactFlips += re.radius()[0] > 0 ? flipsInside(net, x0, dir, re.radius()[0], c) : 0;
                    checked += iterations == ITERATIONS ? 1 : 0;
                }
            }
        }
        assertTrue(checked >= 12, "samples near a boundary: " + checked);
        assertTrue(certified >= checked / 2, "samples with a float radius > 0: " + certified + " of " + checked);
        assertTrue(exactFlips > 0, "the exact network's radii let the float evaluator flip somewhere: the test has teeth");
    }
}

package io.robustbounds.attack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.bounds.PaperBounds;
import io.robustbounds.eval.CnnNetwork;
import io.robustbounds.eval.EvalSettings;
import io.robustbounds.eval.MlpNetwork;
import io.robustbounds.eval.ModelEvaluator;
import io.robustbounds.eval.SampleResults;
import io.robustbounds.model.Activation;
import io.robustbounds.model.Model;
import io.robustbounds.random.RandomMlp;
import io.robustbounds.testing.ReferenceMlp;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * DeepFool (Moosavi-Dezfooli et al. 2016): exact on affine classifiers (Theorem 3.6's δ in one step, times the
 * overshoot), every reported perturbation a real flip under an independent double-precision forward pass on
 * random MLPs and a tiny CNN, mostly smaller than FGS's ‖η‖, and results independent of the batch split.
 * BOUNDS.md §3's constructed networks are in {@link L2SearchTest}.
 */
class DeepFoolTest {
    static final EvalSettings DOUBLE = EvalSettings.defaults().withDataType(DataType.DOUBLE).withJacobianTolerance(1e-10);

    /** Every found perturbation flips the class under {@code classOf}, from the predicted class. */
    static void assertVerified(Adversarial a, double[] x, java.util.function.Function<double[], Integer> classOf) {
        int d = a.inputSize();
        for (int i = 0; i < a.size(); i++) {
            double[] xi = Arrays.copyOfRange(x, i * d, (i + 1) * d);
            assertEquals(a.predicted()[i], classOf.apply(xi), "predicted class of sample " + i);
            if (!a.found(i)) {
                continue;
            }
            double[] r = a.perturbation(i);
            double[] moved = xi.clone();
            for (int j = 0; j < d; j++) {
                moved[j] += r[j];
            }
            assertEquals(ReferenceMlp.norm(r), a.norm()[i], 1e-12 * a.norm()[i]);
            int cls = classOf.apply(moved);
            assertNotEquals(a.predicted()[i], cls, a.attack() + ": sample " + i + " with ‖r‖ = " + a.norm()[i] + " does not flip");
            assertEquals(a.adversarialClass()[i], cls, "adversarial class of sample " + i);
        }
    }

    /** The fraction of samples where {@code a} found a perturbation no larger than FGS's ‖η‖ (among FGS's successes). */
    static double fractionNoWorse(Adversarial a, SampleResults fgs) {
        int both = 0;
        int better = 0;
        for (int i = 0; i < a.size(); i++) {
            if (fgs.fgsSuccess()[i]) {
                both++;
                better += a.found(i) && a.norm()[i] <= fgs.etaNorm()[i] ? 1 : 0;
            }
        }
        return both == 0 ? 1 : (double) better / both;
    }

    @Test
    void exactMinimalPerturbationOnLinearClassifiers() {
        SplittableRandom r = new SplittableRandom(3);
        int d = 7;
        int classes = 5;
        double[][] w = new double[classes][];
        for (int c = 0; c < classes; c++) {
            w[c] = AttackFixtures.uniform(r, d, -1, 1);
        }
        double[] b = AttackFixtures.uniform(r, classes, -0.5, 0.5);
        Model model = ReferenceMlp.linearModel("linear", w, b);
        ReferenceMlp ref = ReferenceMlp.of(model);
        int n = 40;
        double[] x = AttackFixtures.uniform(r, n * d, -1, 1);
        Adversarial a = DeepFool.run(MlpNetwork.of(model, DataType.DOUBLE), x, n, DeepFool.Settings.defaults());
        double[] distances = new double[classes * classes];
        for (int c = 0; c < classes; c++) {
            for (int e = 0; e < classes; e++) {
                double s = 0;
                for (int j = 0; j < d; j++) {
                    s += (w[e][j] - w[c][j]) * (w[e][j] - w[c][j]);
                }
                distances[c * classes + e] = Math.sqrt(s);
            }
        }
        double[] pair = new double[2];
        for (int i = 0; i < n; i++) {
            double[] xi = Arrays.copyOfRange(x, i * d, (i + 1) * d);
            PaperBounds.margin(ref.logits(xi), 0, classes, ref.predict(xi), distances, pair);
            assertEquals(1, a.iterations()[i], "one linearization step on an affine classifier");
            assertEquals(pair[0], a.norm()[i] / 1.02, 1e-6 * Math.max(1, pair[0]), "sample " + i + ": δ of Theorem 3.6");
            assertEquals((int) pair[1], a.adversarialClass()[i], "the nearest boundary's class");
        }
        assertVerified(a, x, ref::predict);
    }

    @Test
    void randomMlpsFlipAndBeatFgs() {
        for (Activation g : new Activation[] {Activation.TANH, Activation.RELU}) {
            for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
                RandomMlp spec = RandomMlp.of(20, 3, 10, g, 5, -1, 1, -1, 1);
                int n = 100;
                double fraction = 0;
                for (int m = 0; m < 3; m++) {
                    Model model = spec.model(11, m);
                    double[] x = spec.samples(11, m, 0, n);
                    ReferenceMlp ref = ReferenceMlp.of(model);
                    Adversarial a = DeepFool.run(MlpNetwork.of(model, type), x, n, DeepFool.Settings.defaults());
                    if (type == DataType.DOUBLE) {
                        assertVerified(a, x, ref::predict);
                    } else {                           // float network: verified by the float evaluator's own forward pass
                        assertVerified(a, x, xi -> ModelEvaluator.of(model, DOUBLE.withDataType(type)).predict(xi, 1)[0]);
                    }
                    assertTrue(a.foundCount() >= 0.95 * n, "DeepFool found " + a.foundCount() + " of " + n);
                    SampleResults fgs = ModelEvaluator.of(model, DOUBLE.withDataType(type).withFgsUpper(2)).evaluate(x, n);
                    fraction += fractionNoWorse(a, fgs) / 3;
                }
                System.out.printf("DeepFool ≤ FGS ‖η‖ on random %s MLPs (%s): %.3f of samples%n", g, type, fraction);
                // a single linear step can land far past a curved boundary; the L2 search (L2SearchTest) fixes those
                assertTrue(fraction >= 0.7, "DeepFool ≤ FGS on " + fraction);
            }
        }
    }

    @Test
    void tinyCnnFlipsAndBeatsFgs() {
        for (Activation g : new Activation[] {Activation.TANH, Activation.RELU}) {
            Model model = AttackFixtures.tinyCnn(5, g);
            int n = 60;
            double[] x = AttackFixtures.uniform(new SplittableRandom(6), n * 36, 0, 1);
            Adversarial a = DeepFool.run(CnnNetwork.of(model, DOUBLE), x, n, DeepFool.Settings.defaults());
            assertVerified(a, x, xi -> AttackFixtures.tinyCnnClass(model, xi));
            SampleResults fgs = ModelEvaluator.of(model, DOUBLE).evaluate(x, n);
            double fraction = fractionNoWorse(a, fgs);
            System.out.printf("DeepFool on the tiny CNN (%s): %d of %d found, ≤ FGS ‖η‖ on %.3f%n", g, a.foundCount(), n, fraction);
            assertTrue(a.foundCount() >= 0.9 * n);
            assertTrue(fraction >= 0.8, "DeepFool ≤ FGS on " + fraction);
        }
    }

    /** The CNN adapter's backward pass is the vector–Jacobian product: central differences of wᵀL through the whole network. */
    @Test
    void cnnBackwardMatchesCentralDifferences() {
        Model model = AttackFixtures.tinyCnn(4, Activation.TANH);
        Differentiable net = CnnNetwork.of(model, DOUBLE);
        int n = 3;
        double[] x = AttackFixtures.uniform(new SplittableRandom(7), n * 36, 0, 1);
        double[] w = AttackFixtures.uniform(new SplittableRandom(8), 64 * 3, -1, 1);
        double[] g;
        double[] x64 = Arrays.copyOf(x, 64 * 36);
        try (org.nd4j.linalg.api.memory.MemoryWorkspace ignored = io.robustbounds.linalg.Workspaces.batch()) {
            g = io.robustbounds.linalg.Arrays2.toDoubles(net.forward(io.robustbounds.linalg.Arrays2.fromDoubles(x64, DataType.DOUBLE, 64, 36)).backward(w));
        }
        double h = 1e-6;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 36; j++) {
                double[] p = Arrays.copyOfRange(x, i * 36, (i + 1) * 36);
                double[] q = p.clone();
                p[j] += h;
                q[j] -= h;
                double fp = 0;
                double fq = 0;
                double[] lp = logits(net, p);
                double[] lq = logits(net, q);
                for (int c = 0; c < 3; c++) {
                    fp += w[i * 3 + c] * lp[c];
                    fq += w[i * 3 + c] * lq[c];
                }
                assertEquals((fp - fq) / (2 * h), g[i * 36 + j], 1e-6, "sample " + i + ", input " + j);
            }
        }
    }

    private static double[] logits(Differentiable net, double[] x) {
        try (org.nd4j.linalg.api.memory.MemoryWorkspace ignored = io.robustbounds.linalg.Workspaces.batch()) {
            return Arrays.copyOf(net.forward(io.robustbounds.linalg.Arrays2.fromDoubles(Arrays.copyOf(x, 64 * 36), DataType.DOUBLE, 64, 36)).logits(), 3);
        }
    }

    /** Norms are identical whether the samples run in batches of 1, 7 or all at once (rows padded to 64). */
    @Test
    void resultsDoNotDependOnBatchSplit() {
        RandomMlp spec = RandomMlp.of(40, 2, 30, Activation.RELU, 6, -1, 1, -1, 1);
        Model mlp = spec.model(2, 0);
        Model cnn = AttackFixtures.tinyCnn(8, Activation.RELU);
        int n = 20;
        check(MlpNetwork.of(mlp, DataType.FLOAT), spec.samples(2, 0, 0, n), n);
        check(CnnNetwork.of(cnn, EvalSettings.defaults()), AttackFixtures.uniform(new SplittableRandom(9), n * 36, 0, 1), n);
    }

    private static void check(Differentiable net, double[] x, int n) {
        double[] all = DeepFool.run(net, x, n, DeepFool.Settings.defaults()).norm();
        for (int size : new int[] {1, 7}) {
            double[] parts = new double[n];
            for (int from = 0; from < n; from += size) {
                int count = Math.min(size, n - from);
                double[] xs = Arrays.copyOfRange(x, from * net.inputSize(), (from + count) * net.inputSize());
                System.arraycopy(DeepFool.run(net, xs, count, DeepFool.Settings.defaults()).norm(), 0, parts, from, count);
            }
            assertArrayEquals(all, parts, 0, "batches of " + size + " " + io.robustbounds.linalg.OpenblasKernel.current().noteIfNotChosen());
        }
    }
}

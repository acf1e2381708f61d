package io.robustbounds.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.bounds.BoundMode;
import io.robustbounds.model.BatchNorm;
import io.robustbounds.model.Conv2d;
import io.robustbounds.model.Flatten;
import io.robustbounds.linalg.Arrays2;
import io.robustbounds.model.Activation;
import io.robustbounds.model.DenseLayer;
import io.robustbounds.model.InputSpec;
import io.robustbounds.model.Layer;
import io.robustbounds.model.LinearHead;
import io.robustbounds.model.Model;
import io.robustbounds.random.RandomMlp;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Sound mode on BOUNDS.md §3's constructed networks: the paper bound is beaten by a real adversarial
 * perturbation that the project finds, the sound bound is not; and on random MLPs sound mode has no violations.
 */
class SoundModeTest {
    private static final EvalSettings BOTH = EvalSettings.defaults().withDataType(DataType.DOUBLE)
            .withModes(List.of(BoundMode.PAPER, BoundMode.SOUND));

    private static INDArray array(double[] v, long... shape) {
        return Arrays2.fromDoubles(v, DataType.DOUBLE, shape);
    }

    private static double[] filled(int n, double v) {
        double[] a = new double[n];
        Arrays.fill(a, v);
        return a;
    }

    /** [1, 9, 9] → conv 5×5 all ones, stride 1 → flatten [25] → logits (0, Σ − m): class 0 with margin m. */
    @Test
    void overlappingConvolutionBreaksThePaperBoundNotTheSoundOne() {
        double m = 1.0;
        List<Layer> layers = List.of(new Conv2d(array(filled(25, 1), 1, 1, 5, 5), array(new double[] {0}, 1), 1, 0, false), new Flatten());
        double[] w = new double[50];
        Arrays.fill(w, 25, 50, 1.0);
        Model model = new Model("overlap", new InputSpec(new long[] {1, 9, 9}, -1, 1), layers,
                new LinearHead(array(w, 2, 25), array(new double[] {0, -m}, 2)), List.of(), Map.of());
        SampleResults r = ModelEvaluator.of(model, BOTH.withFgsUpper(1)).evaluate(new double[81], 1);
        assertEquals(0, r.predicted()[0]);
        assertTrue(r.fgsSuccess()[0]);
        // FGS moves every pixel by ε (all gradient signs are +1): the sum of outputs grows by 625ε, so ε = m/625, ‖η‖ = 9ε
        assertEquals(9 * m / 625, r.etaNorm()[0], 1e-5);
        SampleResults.ModeBounds paper = r.of(BoundMode.PAPER);
        SampleResults.ModeBounds sound = r.of(BoundMode.SOUND);
        assertEquals(m / 25, paper.bound()[0], 1e-12); // δ = m/5 at the head, / ‖W‖_F = 5 (Theorem 5.1)
        assertTrue(paper.violation()[0], "paper bound " + paper.bound()[0] + " vs ‖η‖ " + r.etaNorm()[0]);
        // conv L = 25 (Schur); the rounding analysis takes less than 1e-8 of it in double, and never adds
        assertEquals(m / 125, sound.bound()[0], 1e-8 * m / 125);
        assertTrue(sound.bound()[0] <= m / 125);
        assertFalse(sound.violation()[0]);
    }

    /** BN with identity statistics on x = (10, 0), head margin 1 along the second axis (BOUNDS.md §3). */
    @Test
    void batchNormBreaksThePaperBoundNotTheSoundOne() {
        List<Layer> layers = List.of(new BatchNorm(array(new double[] {1, 1}, 2), array(new double[] {0, 0}, 2),
                array(new double[] {0, 0}, 2), array(new double[] {1, 1}, 2), 0));
        Model model = new Model("bn", new InputSpec(new long[] {2}, -20, 20), layers,
                new LinearHead(array(new double[] {0, 0, 0, 1}, 2, 2), array(new double[] {0, -1}, 2)), List.of(), Map.of());
        SampleResults r = ModelEvaluator.of(model, BOTH.withFgsUpper(2)).evaluate(new double[] {10, 0}, 1);
        assertTrue(r.fgsSuccess()[0]);
        assertEquals(1.0, r.etaNorm()[0], 1e-5); // the sign vector is (0, 1)
        SampleResults.ModeBounds paper = r.of(BoundMode.PAPER);
        assertEquals(3.24, paper.bound()[0], 0.01);
        assertTrue(paper.violation()[0]);
        SampleResults.ModeBounds sound = r.of(BoundMode.SOUND);
        assertEquals(1, sound.bound()[0], 1e-8); // BN is 1-Lipschitz here: δ = 1, less the rounding analysis' share
        assertTrue(sound.bound()[0] < 1);
        assertFalse(sound.violation()[0]);
    }

    /** One ReLU unit h = relu(10x − 1e−6), head margin 0.5 at x = 0: a real flip at x = 0.0500002 (BOUNDS.md §3). */
    @Test
    void reluKinkBreaksThePaperBoundNotTheSoundOne() {
        Model model = new Model("kink", new InputSpec(new long[] {1}, -1, 1),
                List.of(new DenseLayer(array(new double[] {10}, 1, 1), array(new double[] {-1e-6}, 1), Activation.RELU)),
                new LinearHead(array(new double[] {0, 1}, 2, 1), array(new double[] {0, -0.5}, 2)), List.of(), Map.of());
        ModelEvaluator ev = ModelEvaluator.of(model, BOTH);
        SampleResults r = ev.evaluate(new double[] {0}, 1);
        assertEquals(0, r.predicted()[0]);
        assertEquals(1, ev.predict(new double[] {0.0500002}, 1)[0]); // a real adversarial perturbation of norm 0.0500002
        assertEquals(0.100, r.of(BoundMode.PAPER).bound()[0], 1e-3);
        double sound = r.of(BoundMode.SOUND).bound()[0];
        assertTrue(sound <= 0.0500002, "sound bound " + sound);
        assertEquals(0.05, sound, 1e-5); // δ = 0.5 over Lip(h) = 10
    }

    @Test
    void randomMlpsHaveNoSoundViolations() {
        for (Activation g : new Activation[] {Activation.TANH, Activation.RELU, Activation.SIGMOID}) {
            RandomMlp spec = RandomMlp.of(10, 2, 8, g, 4, -1, 1, -1, 1);
            for (int k = 0; k < 5; k++) {
                Model model = spec.model(3, k);
                double[] x = spec.samples(3, k, 0, 200);
                SampleResults r = ModelEvaluator.of(model, BOTH.withFgsUpper(2)).evaluate(x, 200);
                assertEquals(0, r.of(BoundMode.SOUND).violations(), g + " model " + k);
                for (int i = 0; i < 200; i++) {
                    double s = r.of(BoundMode.SOUND).bound()[i];
                    assertTrue(s > 0 || r.delta()[i] == 0, "sound bound must be positive where δ > 0");
                    // both are lower bounds on the same distance: neither may exceed the perturbation FGS found
                    assertTrue(!r.fgsSuccess()[i] || s <= r.etaNorm()[i], g + " sample " + i);
                }
            }
        }
    }

    private static final List<String> ALL_ATTACKS = List.of("fgs", "deepfool", "l2-search");

    @Test
    void strongerAttacksExposeTheReluKinkAndNeverBeatTheSoundBound() {
        Model model = new Model("kink", new InputSpec(new long[] {1}, -1, 1),
                List.of(new DenseLayer(array(new double[] {10}, 1, 1), array(new double[] {-1e-6}, 1), Activation.RELU)),
                new LinearHead(array(new double[] {0, 1}, 2, 1), array(new double[] {0, -0.5}, 2)), List.of(), Map.of());
        SampleResults r = ModelEvaluator.of(model, BOTH.withAttacks(ALL_ATTACKS)).evaluate(new double[] {0}, 1);
        assertFalse(r.fgsSuccess()[0]); // the gradient is 0 at x: FGS cannot move
        assertEquals("l2-search", r.attack()[0]);
        assertTrue(r.attackNorm()[0] < 0.0504, "best attack " + r.attackNorm()[0]);
        assertTrue(r.of(BoundMode.PAPER).violation()[0]);
        assertFalse(r.of(BoundMode.SOUND).violation()[0]);
    }

    @Test
    void soundModeHasNoViolationsAgainstTheBestAttackOnRandomNetworks() {
        int paperViolations = 0;
        for (Activation g : new Activation[] {Activation.TANH, Activation.RELU}) {
            RandomMlp spec = RandomMlp.of(6, 2, 8, g, 3, -1, 1, -1, 1);
            for (int k = 0; k < 3; k++) {
                SampleResults r = ModelEvaluator.of(spec.model(5, k), BOTH.withFgsUpper(2).withAttacks(ALL_ATTACKS))
                        .evaluate(spec.samples(5, k, 0, 100), 100);
                assertEquals(0, r.of(BoundMode.SOUND).violations(), g + " model " + k);
                paperViolations += r.of(BoundMode.PAPER).violations();
                for (int i = 0; i < 100; i++) {
                    assertTrue(!r.fgsSuccess()[i] || r.attackNorm()[i] <= r.etaNorm()[i], "the best is never worse than FGS");
                }
            }
        }
        // a tiny CNN with overlapping convolution and pooling, every trunk kind's sound constant in play
        Model cnn = CnnEvaluatorTest.tinyCnn(9);
        SampleResults c = ModelEvaluator.of(cnn, BOTH.withAttacks(ALL_ATTACKS)).evaluate(CnnEvaluatorTest.samples(10, 80, 36), 80);
        assertEquals(0, c.of(BoundMode.SOUND).violations());
        System.out.println("paper-mode violations against the best attack on random MLPs: " + paperViolations + " of 600");
    }
}

package io.robustbounds.certified;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.attack.Adversarial;
import io.robustbounds.attack.BestOf;
import io.robustbounds.attack.DeepFool;
import io.robustbounds.attack.Differentiable;
import io.robustbounds.attack.L2Search;
import io.robustbounds.bounds.BoundMode;
import io.robustbounds.eval.CnnEvaluator;
import io.robustbounds.eval.EvalSettings;
import io.robustbounds.eval.Networks;
import io.robustbounds.model.Model;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The certified radii of a convolutional model's samples (the default search) checked against the project's attacks
 * and the sound mode: every radius is finite, ≥ 0 and at most the norm of every verified adversarial perturbation
 * (DeepFool, then the L2 search; each flip re-verified by the evaluator's own double forward pass).
 */
final class AttackCheck {
    private static final EvalSettings DOUBLE = EvalSettings.defaults().withDataType(DataType.DOUBLE);

    /**
     * @param medianTightness the median of radius ÷ best attack norm (NaN when nothing was attacked)
     * @param attacked        samples with a verified perturbation
     * @param aboveSound      samples whose radius is at least the sound mode's bound (to 10⁻¹² relative)
     */
    record Summary(CertifiedRadius.Result result, double medianTightness, int attacked, int aboveSound) {
        double meanSteps() {
            return Arrays.stream(result.steps()).average().orElse(0);
        }
    }

    private AttackCheck() {
    }

    static Summary belowEveryAttack(Model model, LinearBoundNetwork net, double[] x, int n) {
        int d = net.inputSize();
        CnnEvaluator evaluator = new CnnEvaluator(model, DOUBLE.withModes(List.of(BoundMode.SOUND)));
        assertArrayEquals(evaluator.predict(x, n), net.predict(x, n), "the certified network's forward pass is the model's");
        double[] sound = evaluator.evaluate(x, n).of(BoundMode.SOUND).bound();
        CertifiedRadius.Result result = CertifiedRadius.search(net, x, n, null, null, CertifiedRadius.Settings.defaults());

        Adversarial best = bestAttack(Networks.of(model, DOUBLE), x, n, result.radius(), 2.0);
        double[] t = tightnessBelow(result, best, x, d, moved -> evaluator.predict(moved, 1)[0]);
        int aboveSound = 0;
        for (int i = 0; i < n; i++) {
            if (result.radius()[i] >= sound[i] * (1 - 1e-12)) {
                aboveSound++;
            }
        }
        return new Summary(result, t.length == 0 ? Double.NaN : t[t.length / 2], t.length, aboveSound);
    }

    /** DeepFool, then the L2 search from it (where nothing was found: from max(floor, 4 × the radius)); the best of both. */
    static Adversarial bestAttack(Differentiable attacked, double[] x, int n, double[] radius, double floor) {
        Adversarial deepFool = DeepFool.run(attacked, x, n, DeepFool.Settings.defaults());
        double[] fallback = new double[n];
        for (int i = 0; i < n; i++) {
            fallback[i] = Math.max(floor, 4 * radius[i]);
        }
        return BestOf.of(List.of(deepFool, L2Search.run(attacked, x, n, deepFool, fallback, L2Search.Settings.defaults())));
    }

    /**
     * Asserts every radius finite and ≥ 0, and at most the norm of each perturbation of {@code best} for a sample of the
     * same predicted class, after checking with {@code classOf} (one sample's class) that the perturbed point does flip
     * the class; returns those samples' radius ÷ norm, sorted.
     */
    static double[] tightnessBelow(CertifiedRadius.Result result, Adversarial best, double[] x, int d, java.util.function.ToIntFunction<double[]> classOf) {
        List<Double> tightness = new ArrayList<>();
        for (int i = 0; i < result.radius().length; i++) {
            double radius = result.radius()[i];
            assertTrue(radius >= 0 && Double.isFinite(radius), "sample " + i + ": radius " + radius);
            if (best.found(i) && best.predicted()[i] == result.predicted()[i]) {
                double[] moved = Arrays.copyOfRange(x, i * d, (i + 1) * d);
                double[] p = best.perturbation(i);
                for (int j = 0; j < d; j++) {
                    moved[j] += p[j];
                }
                assertTrue(classOf.applyAsInt(moved) != result.predicted()[i], "sample " + i + ": the attack's point does not flip the class");
                assertTrue(radius <= best.norm()[i], "sample " + i + ": certified radius " + radius + " above the adversarial norm " + best.norm()[i]);
                tightness.add(radius / best.norm()[i]);
            }
        }
        return tightness.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    }
}

package io.robustbounds.certified;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.attack.Adversarial;
import io.robustbounds.attack.BestOf;
import io.robustbounds.attack.DeepFool;
import io.robustbounds.attack.L2Search;
import io.robustbounds.bounds.BoundMode;
import io.robustbounds.eval.DenseStack;
import io.robustbounds.eval.EvalSettings;
import io.robustbounds.eval.MlpEvaluator;
import io.robustbounds.eval.MlpNetwork;
import io.robustbounds.model.Activation;
import io.robustbounds.model.Model;
import io.robustbounds.random.RandomMlp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Random ReLU and tanh MLPs with 2–3 hidden layers (thesis §4.3's generator): on every sample the certified radius is
 * at most the smallest adversarial perturbation the project's attacks find (DeepFool, then the L2 search; each flip
 * re-verified by an independent double forward pass), and at least the sound mode's bound on most samples. Prints the
 * median tightness (radius ÷ best attack norm).
 */
class CertifiedRandomMlpTest {

    @ParameterizedTest(name = "{0}, {1} hidden layers of {2}")
    @CsvSource({"RELU, 2, 20", "RELU, 3, 16", "TANH, 2, 20", "TANH, 3, 16", "SIGMOID, 2, 16", "SOFTPLUS, 2, 16"})
    void belowEveryAttackAboveSoundMode(Activation activation, int layers, int units) {
        int d = 10;
        int n = 60;
        RandomMlp spec = RandomMlp.of(d, layers, units, activation, 4, -1, 1, -1, 1);
        Model model = spec.model(1616, 0);
        double[] x = spec.samples(1616, 0, 0, n);
        LinearBoundNetwork net = Certified.of(model);

        double[] sound = new MlpEvaluator(EvalSettings.defaults().withDataType(DataType.DOUBLE).withModes(List.of(BoundMode.SOUND)))
                .evaluate(DenseStack.of(model, DataType.DOUBLE), x, n).bound();
        double[] upper = new double[n];
        Arrays.fill(upper, Double.NaN);
        CertifiedRadius.Result result = CertifiedRadius.search(net, x, n, null, upper, CertifiedRadius.Settings.defaults().withBatchMemory(4L << 20));

        // the attacks run after the search and never see its radii except as a random-start radius where DeepFool
        // found nothing (a dead ReLU at x: zero gradient)
        MlpNetwork attacked = MlpNetwork.of(model, DataType.DOUBLE);
        Adversarial deepFool = DeepFool.run(attacked, x, n, DeepFool.Settings.defaults());
        double[] fallback = new double[n];
        for (int i = 0; i < n; i++) {
            fallback[i] = Math.max(1.0, 4 * result.radius()[i]);
        }
        Adversarial search = L2Search.run(attacked, x, n, deepFool, fallback, L2Search.Settings.defaults());
        Adversarial best = BestOf.of(List.of(deepFool, search));

        int[] predicted = result.predicted();
        List<Double> tightness = new ArrayList<>();
        int aboveSound = 0;
        int compared = 0;
        for (int i = 0; i < n; i++) {
            double radius = result.radius()[i];
            assertTrue(radius >= 0 && Double.isFinite(radius), "sample " + i + ": radius " + radius);
            if (predicted[i] != best.predicted()[i]) {
                continue;                            // a tie the two forward passes break differently: nothing to compare
            }
            compared++;
            if (best.found(i)) {
                double[] r = best.perturbation(i);
                double[] moved = new double[d];
                for (int j = 0; j < d; j++) {
                    moved[j] = x[i * d + j] + r[j];
                }
                assertTrue(net.predict(moved, 1)[0] != predicted[i], "sample " + i + ": the attack's point does not flip the class");
                assertTrue(radius <= best.norm()[i], "sample " + i + ": certified radius " + radius + " above the adversarial norm " + best.norm()[i]);
                tightness.add(radius / best.norm()[i]);
            }
            if (radius >= sound[i] * (1 - 1e-12)) {
                aboveSound++;
            }
        }
        double median = median(tightness);
        System.out.printf("certified %s %d×%d: median tightness %.3f over %d attacked samples, ≥ sound on %d of %d, mean steps %.1f%n",
                activation.id(), layers, units, median, tightness.size(), aboveSound, compared,
                Arrays.stream(result.steps()).average().orElse(0));
        assertTrue(tightness.size() >= n * 3 / 4, "the attacks found perturbations for most samples: " + tightness.size());
        assertTrue(aboveSound >= compared * 9 / 10, "certified ≥ sound on most samples: " + aboveSound + " of " + compared);
        assertTrue(median > 0.3, "median tightness " + median);
    }

    private static double median(List<Double> v) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length == 0 ? Double.NaN : a.length % 2 == 1 ? a[a.length / 2] : 0.5 * (a[a.length / 2 - 1] + a[a.length / 2]);
    }
}

package io.robustbounds.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.model.Activation;
import io.robustbounds.model.Model;
import io.robustbounds.random.RandomMlp;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The thesis' randomized test of the MLP bound (§4.3, Table 4.2): random tanh MLPs with 3 hidden layers of 10
 * units, 5 classes, weights and samples uniform in [−1, 1], U = 1. Over 10,000 samples per input size FGS must
 * never find a perturbation smaller than the bound of Theorem 4.2 (no violation), and it must succeed on most
 * samples (the "Rate" column). FLOAT, the default data type; 100 models stacked into one DenseStack.
 */
class RandomizedViolationTest {
    private static final int MODELS = 100;
    private static final int SAMPLES = 100;

    private static void run(int inputSize, long seed) {
        RandomMlp spec = RandomMlp.of(inputSize, 3, 10, Activation.TANH, 5, -1, 1, -1, 1);
        List<Model> models = new ArrayList<>();
        double[] x = new double[MODELS * SAMPLES * inputSize];
        for (int k = 0; k < MODELS; k++) {
            models.add(spec.model(seed, k));
            System.arraycopy(spec.samples(seed, k, 0, SAMPLES), 0, x, k * SAMPLES * inputSize, SAMPLES * inputSize);
        }
        EvalSettings settings = EvalSettings.defaults();
        assertEquals(DataType.FLOAT, settings.dataType());
        assertEquals(1.0, settings.fgsUpper());
        SampleResults res = new MlpEvaluator(settings).evaluate(DenseStack.of(models, DataType.FLOAT), x, SAMPLES);
        assertEquals(MODELS * SAMPLES, res.size());
        int successes = 0;
        double smallestGap = Double.POSITIVE_INFINITY;
        for (int i = 0; i < res.size(); i++) {
            assertTrue(res.bound()[i] > 0 && Double.isFinite(res.bound()[i]), "d = " + inputSize + " sample " + i + ": bound " + res.bound()[i]);
            if (res.fgsSuccess()[i]) {
                successes++;
                smallestGap = Math.min(smallestGap, res.etaNorm()[i] / res.bound()[i]);
            }
        }
        double rate = successes / (double) res.size();
        assertEquals(0, res.violations(), "d = " + inputSize + ": violations; smallest ‖η‖/bound " + smallestGap);
        assertEquals(0, res.lanczosUnconverged(), "d = " + inputSize);
        assertTrue(rate > 0.5, "d = " + inputSize + ": success rate " + rate);
        assertTrue(smallestGap >= 1, "d = " + inputSize + ": ‖η‖/bound " + smallestGap);
    }

    @Test
    void tableFourTwoInputSizeTwenty() {
        run(20, 42);
    }

    @Test
    void tableFourTwoInputSizeTwo() {
        run(2, 43);
    }
}

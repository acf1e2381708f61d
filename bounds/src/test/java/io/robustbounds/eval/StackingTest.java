package io.robustbounds.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.robustbounds.linalg.Arrays2;
import io.robustbounds.model.Activation;
import io.robustbounds.model.Model;
import io.robustbounds.random.RandomMlp;
import io.robustbounds.testing.ReferenceMlp;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Stacking (DenseStack's [m, N, d] tensors): three different models of one architecture evaluated as a stack of
 * 3 give, model by model, the results of each model compiled alone — δ (Theorem 3.6), M (Algorithm 4.1), ‖J‖,
 * the bound (Theorem 4.2) and the FGS search (Algorithm 2.1). DOUBLE, 1e-12 relative.
 */
class StackingTest {
    private static final int SAMPLES = 30;

    /**
     * The net with every hidden weight and bias and the head's weight (not its bias) multiplied by
     * {@code factor}: a different classifier, with other magnitudes.
     */
    private static Model scaled(Model m, double factor) {
        ReferenceMlp ref = ReferenceMlp.of(m);
        int depth = ref.depth();
        double[][][] w = new double[depth][][];
        double[][] b = new double[depth][];
        Activation[] g = new Activation[depth];
        for (int i = 0; i < depth; i++) {
            w[i] = ref.weight(i);
            for (double[] row : w[i]) {
                for (int k = 0; k < row.length; k++) {
                    row[k] *= factor;
                }
            }
            b[i] = Arrays2.toDoubles(m.denseLayers().get(i).bias());
            for (int k = 0; k < b[i].length; k++) {
                b[i][k] *= factor;
            }
            g[i] = ref.activation(i);
        }
        double[][] head = ref.headWeight();
        for (double[] row : head) {
            for (int k = 0; k < row.length; k++) {
                row[k] *= factor;
            }
        }
        return ReferenceMlp.mlpModel(m.name() + "-x" + factor, w, b, g, head, ref.headBias());
    }

    private static void assertClose(double expected, double actual, String what) {
        if (Double.isNaN(expected)) {
            assertEquals(expected, actual, what);
            return;
        }
        assertEquals(expected, actual, 1e-12 * Math.abs(expected), what);
    }

    private static void check(RandomMlp spec) {
        Model first = spec.model(31, 0);
        List<Model> models = List.of(first, spec.model(32, 5), scaled(first, 2.5));
        int d = spec.inputSize();
        double[] all = new double[models.size() * SAMPLES * d];
        List<double[]> perModel = new ArrayList<>();
        for (int k = 0; k < models.size(); k++) {
            double[] x = spec.samples(33, k, 0, SAMPLES);
            perModel.add(x);
            System.arraycopy(x, 0, all, k * SAMPLES * d, SAMPLES * d);
        }
        MlpEvaluator evaluator = new MlpEvaluator(EvalSettings.defaults().withDataType(DataType.DOUBLE));
        SampleResults stacked = evaluator.evaluate(DenseStack.of(models, DataType.DOUBLE), all, SAMPLES);
        for (int k = 0; k < models.size(); k++) {
            SampleResults alone = evaluator.evaluate(DenseStack.of(models.get(k), DataType.DOUBLE), perModel.get(k), SAMPLES);
            for (int i = 0; i < SAMPLES; i++) {
                int j = k * SAMPLES + i;
                String what = spec + " model " + k + " sample " + i;
                assertEquals(alone.predicted()[i], stacked.predicted()[j], what + ": class");
                assertEquals(alone.runnerUp()[i], stacked.runnerUp()[j], what + ": runner-up");
                assertClose(alone.delta()[i], stacked.delta()[j], what + ": δ");
                assertClose(alone.secondDerivativeBound()[i], stacked.secondDerivativeBound()[j], what + ": M");
                assertClose(alone.jacobianNorm()[i], stacked.jacobianNorm()[j], what + ": ‖J‖");
                assertClose(alone.bound()[i], stacked.bound()[j], what + ": bound");
                assertEquals(alone.fgsSuccess()[i], stacked.fgsSuccess()[j], what + ": FGS success");
                assertClose(alone.fgsEpsilon()[i], stacked.fgsEpsilon()[j], what + ": FGS ε");
                assertClose(alone.etaNorm()[i], stacked.etaNorm()[j], what + ": ‖η‖");
                assertEquals(alone.adversarialClass()[i], stacked.adversarialClass()[j], what + ": adversarial class");
            }
        }
    }

    @Test
    void tanhStackOfThree() {
        check(RandomMlp.of(20, 3, 10, Activation.TANH, 5, -1, 1, -1, 1));
    }

    @Test
    void softplusWideStackOfThree() {
        check(new RandomMlp(40, new int[] {30, 24}, Activation.SOFTPLUS, 4, -1, 1, -1, 1));
    }

    @Test
    void linearStackOfThree() {
        check(new RandomMlp(6, new int[0], Activation.TANH, 3, -1, 1, -1, 1));
    }
}

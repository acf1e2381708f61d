package io.robustbounds.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.bounds.BoundMode;
import io.robustbounds.bounds.PaperBounds;
import io.robustbounds.model.Activation;
import io.robustbounds.model.Model;
import io.robustbounds.random.RandomMlp;
import io.robustbounds.testing.ReferenceMlp;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The MLP bound of Theorem 4.2 as {@link MlpEvaluator} reports it, recomputed from its ingredients with the
 * textbook formula (√(‖J‖² + 2M√n·δ) − ‖J‖) / (M√n), and the ingredients themselves checked independently:
 * δ of Theorem 3.6 at h_L(x) from the reference logits, M of Algorithm 4.1, the predicted class. DOUBLE.
 */
class MlpBoundFormulaTest {
    /** DOUBLE, τ = 1e-4; FGS is not under test here, so its search is cut to two halvings. */
    private static final EvalSettings SETTINGS = new EvalSettings(DataType.DOUBLE, BoundMode.PAPER, 1e-4, 64, 1.0, 0.25);

    /** δ of Theorem 3.6 from the reference: min over c' ≠ c of |L_c' − L_c| / ‖w_c' − w_c‖ at h_L(x). */
    private static double referenceDelta(ReferenceMlp ref, double[] x, int c) {
        double[] logits = ref.logits(x);
        double[][] w = ref.headWeight();
        double best = Double.POSITIVE_INFINITY;
        for (int e = 0; e < logits.length; e++) {
            if (e == c) {
                continue;
            }
            double d2 = 0;
            for (int j = 0; j < w[0].length; j++) {
                d2 += (w[e][j] - w[c][j]) * (w[e][j] - w[c][j]);
            }
            best = Math.min(best, Math.abs(logits[e] - logits[c]) / Math.sqrt(d2));
        }
        return best;
    }

    @Test
    void boundIsTheorem42OfItsIngredients() {
        int[][] shapes = {{7, 5, 6}, {20, 10, 10, 10}, {2, 10, 10, 10}, {12, 8}, {40, 30, 24}};
        int checked = 0;
        for (Activation g : new Activation[] {Activation.TANH, Activation.SIGMOID, Activation.SOFTPLUS, Activation.RELU}) {
            for (int[] shape : shapes) {
                RandomMlp spec = new RandomMlp(shape[0], Arrays.copyOfRange(shape, 1, shape.length), g, 5, -1, 1, -1, 1);
                Model model = spec.model(6, 0);
                ReferenceMlp ref = ReferenceMlp.of(model);
                int count = 40;
                double[] samples = spec.samples(6, 0, 0, count);
                SampleResults res = new MlpEvaluator(SETTINGS).evaluate(DenseStack.of(model, DataType.DOUBLE), samples, count);
                double m = PaperBounds.secondDerivativeBound(model.denseLayers());
                int n = shape[shape.length - 1];
                String what = g + " " + Arrays.toString(shape);
                assertEquals(2, res.kappaCount());
                for (int i = 0; i < count; i++) {
                    double[] x = Arrays.copyOfRange(samples, i * shape[0], (i + 1) * shape[0]);
                    int c = ref.predict(x);
                    assertEquals(c, res.predicted()[i], what + " sample " + i + ": class");
                    double delta = referenceDelta(ref, x, c);
                    assertEquals(delta, res.delta()[i], 1e-12 * delta + 1e-15, what + " sample " + i + ": δ");
                    assertEquals(m, res.secondDerivativeBound()[i], 0, what + ": M");

                    double j = res.jacobianNorm()[i];
                    double k = res.secondDerivativeBound()[i] * Math.sqrt(n);
                    double textbook = (Math.sqrt(j * j + 2 * k * res.delta()[i]) - j) / k;
                    // the textbook form cancels when 2kδ ≪ ‖J‖²: its own rounding is about 2⁻⁵²·‖J‖²/(kδ)
                    double slack = 1e-9 + 4e-16 * j * j / (k * res.delta()[i]);
                    assertEquals(textbook, res.bound()[i], slack * textbook, what + " sample " + i + ": Theorem 4.2");
                    assertArrayEquals2(new double[] {res.bound()[i], res.delta()[i]}, res.kappasOf(i), what + " sample " + i);
                    assertTrue(res.bound()[i] > 0 && res.bound()[i] <= res.delta()[i] / j * (1 + 1e-15),
                            what + " sample " + i + ": the curvature term only lowers the bound below δ/‖J‖");
                    checked++;
                }
            }
        }
        assertEquals(4 * 5 * 40, checked);
    }

    private static void assertArrayEquals2(double[] expected, double[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 0, what + ": κ[" + i + "]");
        }
    }
}

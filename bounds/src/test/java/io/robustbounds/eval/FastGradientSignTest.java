package io.robustbounds.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.attack.FastGradientSign;
import io.robustbounds.model.Activation;
import io.robustbounds.model.Model;
import io.robustbounds.random.RandomMlp;
import io.robustbounds.testing.ReferenceMlp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Algorithm 2.1 end to end (BOUNDS.md §2), recomputed in plain Java double: s = sign(∇ₓ CE(softmax(logits(x)), c))
 * by back-propagation ({@link ReferenceMlp#crossEntropyGradient}, checked against differences of the loss in
 * ReferenceMlpTest); for a successful sample f(x + ε s) ≠ c and equals the reported class, ‖η‖ = ε·√#{s_i ≠ 0},
 * ε ≤ U; success ⇔ f(x + U s) ≠ c; and the lower end of the final interval, ε − U·2^−steps, is still class c
 * (the search's invariant — not monotonicity: f(x + (ε − tol·U) s) is not asserted). DOUBLE.
 */
class FastGradientSignTest {

    private record Case(String name, RandomMlp spec, double upper) {
    }

    @Test
    void flipsAtTheReturnedEpsilon() {
        List<Case> cases = List.of(
                new Case("tanh 20-10-10-10", RandomMlp.of(20, 3, 10, Activation.TANH, 5, -1, 1, -1, 1), 1.0),
                new Case("sigmoid 7-5-6", new RandomMlp(7, new int[] {5, 6}, Activation.SIGMOID, 3, -1, 1, -1, 1), 1.0),
                new Case("softplus 12-8", new RandomMlp(12, new int[] {8}, Activation.SOFTPLUS, 4, -1, 1, -1, 1), 1.0),
                new Case("relu 12-8-8", new RandomMlp(12, new int[] {8, 8}, Activation.RELU, 4, -1, 1, -1, 1), 1.0),
                new Case("linear d=6", new RandomMlp(6, new int[0], Activation.TANH, 4, -1, 1, -1, 1), 1.0),
                new Case("tanh 2-10-10-10, U = 0.3", RandomMlp.of(2, 3, 10, Activation.TANH, 5, -1, 1, -1, 1), 0.3));
        int successes = 0;
        int failures = 0;
        int skipped = 0;
        int total = 0;
        for (Case k : cases) {
            EvalSettings settings = EvalSettings.defaults().withDataType(DataType.DOUBLE).withFgsUpper(k.upper());
            double u = settings.fgsUpper();
            int steps = FastGradientSign.steps(settings.fgsTolerance());
            int models = 2;
            int perModel = 50;
            int d = k.spec().inputSize();
            List<Model> stack = new ArrayList<>();
            double[] samples = new double[models * perModel * d];
            for (int m = 0; m < models; m++) {
                stack.add(k.spec().model(17, m));
                System.arraycopy(k.spec().samples(17, m, 0, perModel), 0, samples, m * perModel * d, perModel * d);
            }
            SampleResults res = new MlpEvaluator(settings).evaluate(DenseStack.of(stack, DataType.DOUBLE), samples, perModel);
            for (int i = 0; i < models * perModel; i++) {
                total++;
                String what = k.name() + " sample " + i;
                ReferenceMlp ref = ReferenceMlp.of(stack.get(i / perModel));
                double[] x = Arrays.copyOfRange(samples, i * d, (i + 1) * d);
                int c = ref.predict(x);
                assertEquals(c, res.predicted()[i], what);
                double[] grad = ref.crossEntropyGradient(x, c);
                double scale = Arrays.stream(grad).map(Math::abs).max().orElse(0);
                double[] s = new double[d];
                int nonZero = 0;
                boolean ambiguous = false;
                for (int j = 0; j < d; j++) {
                    s[j] = Math.signum(grad[j]);
                    nonZero += s[j] != 0 ? 1 : 0;
                    ambiguous |= grad[j] != 0 && Math.abs(grad[j]) <= 1e-9 * scale;
                }
                if (ambiguous) {
                    skipped++;   // a component so small that the two computations may round it to different signs
                    continue;
                }
                boolean flipsAtU = ref.predictAlong(x, u, s) != c;
                assertEquals(flipsAtU, res.fgsSuccess()[i], what + ": success ⇔ f(x + U s) ≠ c");
                double eps = res.fgsEpsilon()[i];
                if (!res.fgsSuccess()[i]) {
                    failures++;
                    assertTrue(Double.isNaN(eps), what);
                    assertEquals(-1, res.adversarialClass()[i], what);
                    assertTrue(!res.violation()[i], what);
                    continue;
                }
                successes++;
                assertTrue(eps > 0 && eps <= u, what + ": ε = " + eps);
                int flipped = ref.predictAlong(x, eps, s);
                assertNotEquals(c, flipped, what + ": f(x + ε s) must differ from c");
                assertEquals(flipped, res.adversarialClass()[i], what + ": reported class");
                assertEquals(eps * Math.sqrt(nonZero), res.etaNorm()[i], 1e-15 * res.etaNorm()[i], what + ": ‖η‖ = ε·√#{s ≠ 0}");
                double lower = eps - u * Math.pow(2, -steps);
                assertEquals(c, ref.predictAlong(x, lower, s), what + ": lower end of the final interval, ε − U·2^−" + steps);
                assertEquals(res.etaNorm()[i] - res.bound()[i], res.deviation()[i], 0, what);
                assertEquals(res.bound()[i] > res.etaNorm()[i], res.violation()[i], what);
            }
        }
        assertTrue(skipped <= total / 100, "too many ambiguous gradient signs: " + skipped);
        assertTrue(successes > total / 2, "successes " + successes + " of " + total);
        assertTrue(failures > 0, "the U = 0.3 case must exercise unsuccessful searches");
    }
}

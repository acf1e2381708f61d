package io.robustbounds.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.robustbounds.model.Activation;
import io.robustbounds.random.RandomMlp;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * {@code DenseStack.of(RandomMlp.Stacked)} (the sweep's path, no Model objects) compiles the same stack as
 * {@code DenseStack.of(chunk.models())}: same samples, same results bit for bit, for MLPs and linear classifiers.
 */
class StackedRandomTest {

    @Test
    void stackedValuesGiveTheChunksResults() {
        for (RandomMlp spec : new RandomMlp[] {RandomMlp.of(20, 3, 10, Activation.TANH, 5, -1, 1, -1, 1),
                RandomMlp.of(2, 0, 1, Activation.TANH, 5, -10, 10, -1, 1), RandomMlp.of(3, 2, 7, Activation.RELU, 4, -1, 1, -2, 2)}) {
            MlpEvaluator ev = new MlpEvaluator(EvalSettings.defaults().withModes(io.robustbounds.bounds.BoundMode.parseList("both")));
            RandomMlp.Chunk chunk = spec.chunk(11, 5, 4, 12);
            RandomMlp.Stacked stacked = spec.stacked(11, 5, 4, 12);
            assertArrayEquals(chunk.samples(), stacked.samples());
            SampleResults a = ev.evaluate(DenseStack.of(chunk.models(), DataType.FLOAT), chunk.samples(), 12);
            SampleResults b = ev.evaluate(DenseStack.of(stacked, DataType.FLOAT), stacked.samples(), 12);
            assertArrayEquals(a.fgsEpsilon(), b.fgsEpsilon(), spec.toString());
            assertArrayEquals(a.jacobianNorm(), b.jacobianNorm(), spec.toString());
            assertArrayEquals(a.secondDerivativeBound(), b.secondDerivativeBound(), spec.toString());
            for (int m = 0; m < 2; m++) {
                assertArrayEquals(a.modes().get(m).bound(), b.modes().get(m).bound(), spec.toString());
                assertArrayEquals(a.modes().get(m).deviation(), b.modes().get(m).deviation(), spec.toString());
            }
        }
    }

    /**
     * The attacks after FGS on a stack of models ({@code WithAttacks.onModels}, the sweep's and random-mlp's path) give
     * each sample what the per-model evaluator gives it: the same attack and class, its norm and every mode's
     * deviations up to the forward passes' rounding (a stack's and one model's may differ in the last digits), the same
     * violations.
     */
    @Test
    void attacksOnAStackGiveEachModelsResults() {
        EvalSettings s = EvalSettings.defaults().withModes(io.robustbounds.bounds.BoundMode.parseList("both"))
                .withAttacks(java.util.List.of("fgs", "deepfool", "l2-search"));
        RandomMlp spec = RandomMlp.of(3, 2, 7, Activation.RELU, 4, -1, 1, -2, 2);
        RandomMlp.Chunk chunk = spec.chunk(13, 0, 3, 10);
        SampleResults stacked = ModelEvaluator.WithAttacks.onModels(new MlpEvaluator(s).evaluate(DenseStack.of(chunk.models(), s.dataType()),
                chunk.samples(), 10), chunk.models(), chunk.samples(), s);
        int found = 0;
        for (int k = 0; k < 3; k++) {
            SampleResults one = ModelEvaluator.of(chunk.models().get(k), s).evaluate(java.util.Arrays.copyOfRange(chunk.samples(), k * 30, (k + 1) * 30), 10);
            for (int i = 0; i < 10; i++) {
                int at = k * 10 + i;
                // a stack's and one model's forward passes round FGS's norm differently (~1e-11), which moves the L2 search within its tolerance
                org.junit.jupiter.api.Assertions.assertEquals(one.attackNorm()[i], stacked.attackNorm()[at], Double.isNaN(one.attackNorm()[i]) ? 0 : 1e-4 * one.attackNorm()[i], "model " + k + " sample " + i);
                org.junit.jupiter.api.Assertions.assertEquals(one.attack()[i], stacked.attack()[at]);
                org.junit.jupiter.api.Assertions.assertEquals(one.attackClass()[i], stacked.attackClass()[at]);
                for (int m = 0; m < 2; m++) {
                    org.junit.jupiter.api.Assertions.assertEquals(one.modes().get(m).deviation()[i], stacked.modes().get(m).deviation()[at],
                            Double.isNaN(one.attackNorm()[i]) ? 0 : 1e-4 * one.attackNorm()[i]);
                    org.junit.jupiter.api.Assertions.assertEquals(one.modes().get(m).violation()[i], stacked.modes().get(m).violation()[at]);
                }
                found += "fgs".equals(stacked.attack()[at]) ? 0 : 1;
            }
        }
        org.junit.jupiter.api.Assertions.assertTrue(found >= 10, "DeepFool or the L2 search beat FGS on " + found + " of 30");
    }
}

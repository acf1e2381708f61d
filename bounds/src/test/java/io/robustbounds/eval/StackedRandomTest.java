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
}

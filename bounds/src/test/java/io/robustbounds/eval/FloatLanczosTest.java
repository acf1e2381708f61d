package io.robustbounds.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.linalg.Arrays2;
import io.robustbounds.linalg.Workspaces;
import io.robustbounds.model.Activation;
import io.robustbounds.random.RandomMlp;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;

/**
 * ‖J‖ by Lanczos in Java float loops ({@link FloatLanczos}) against JacobianNorm's ND4J ops on the same FLOAT stacks
 * (every activation, with and without the V₁V₁ᵀ shortcut, 1–3 hidden layers, n_L up to 16 so that both exhaust the
 * Krylov space), and against the DOUBLE stack's ‖J‖: within 2·10⁻⁵ relative (float rounding in a different order
 * through n_L steps).
 */
class FloatLanczosTest {
    private static final double TOLERANCE = 2e-5;

    private static final RandomMlp[] SPECS = {
        RandomMlp.of(20, 3, 10, Activation.TANH, 5, -1, 1, -1, 1),                  // the sweep workload's shape: V₁V₁ᵀ
        new RandomMlp(4, new int[] {6, 9}, Activation.SOFTPLUS, 3, -1, 1, -1, 1),    // n₁ ≥ d: V₁ᵀ then V₁
        new RandomMlp(9, new int[] {8}, Activation.SIGMOID, 4, -1, 1, -1, 1),
        new RandomMlp(6, new int[] {7, 5, 4}, Activation.RELU, 3, -1, 1, -1, 1),
        new RandomMlp(5, new int[] {3, 3}, Activation.IDENTITY, 2, -1, 1, -1, 1),
        new RandomMlp(30, new int[] {40, JacobianNorm.EXACT_DIMENSION}, Activation.TANH, 10, -0.3, 0.3, -1, 1),
    };

    @Test
    void normsMatchNd4jAndDouble() {
        for (RandomMlp spec : SPECS) {
            int models = 3;
            int perModel = 37;
            RandomMlp.Chunk chunk = spec.chunk(29, 0, models, perModel);
            DenseStack single = DenseStack.of(chunk.models(), DataType.FLOAT);
            DenseStack precise = DenseStack.of(chunk.models(), DataType.DOUBLE);
            int dim = single.featureSize();
            assertTrue(FloatLanczos.applies(single) || !FloatRay.applies(single), spec.toString());
            try (MemoryWorkspace ignored = Workspaces.batch()) {
                DenseStack.Forward f = single.forward(Arrays2.fromDoubles(chunk.samples(), DataType.FLOAT, models, perModel, spec.inputSize()));
                DenseStack.Forward fd = precise.forward(Arrays2.fromDoubles(chunk.samples(), DataType.DOUBLE, models, perModel, spec.inputSize()));
                JacobianNorm.Result loops = FloatLanczos.compute(single, f);
                JacobianNorm.Result nd4j = JacobianNorm.withNd4j(single, f, 1e-4, dim);
                JacobianNorm.Result exact = JacobianNorm.withNd4j(precise, fd, 1e-12, dim);
                assertEquals(0, loops.unconverged());
                for (int i = 0; i < models * perModel; i++) {
                    String where = spec + " sample " + i;
                    assertEquals(nd4j.upper()[i], loops.upper()[i], TOLERANCE * nd4j.upper()[i], where + " against ND4J");
                    assertEquals(exact.upper()[i], loops.upper()[i], TOLERANCE * exact.upper()[i], where + " against DOUBLE");
                    assertEquals(loops.upper()[i], loops.estimate()[i], 0.0, where);
                }
            }
        }
    }
}

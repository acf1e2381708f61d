package io.robustbounds.attack;

import io.robustbounds.model.BatchNorm;
import io.robustbounds.model.Conv2d;
import io.robustbounds.model.Flatten;
import io.robustbounds.model.Pool2d;
import io.robustbounds.linalg.Arrays2;
import io.robustbounds.model.Activation;
import io.robustbounds.model.DenseLayer;
import io.robustbounds.model.InputSpec;
import io.robustbounds.model.Layer;
import io.robustbounds.model.LinearHead;
import io.robustbounds.model.Model;
import io.robustbounds.testing.ReferenceMlp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Models for the attack tests, and plain-Java double forward passes independent of ND4J and of the adapters:
 * {@link ReferenceMlp} for MLPs, and direct loops for the tiny CNN's convolution and max pooling.
 */
final class AttackFixtures {
    private AttackFixtures() {
    }

    static INDArray array(double[] v, long... shape) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return Arrays2.fromDoubles(v, DataType.DOUBLE, shape);
        }
    }

    static double[] uniform(SplittableRandom r, int n, double lo, double hi) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextDouble(lo, hi);
        }
        return v;
    }

    // ------------------------------------------------------------------ tiny CNN and its reference

    /** input [1, 6, 6] → conv 2×1×3×3 + ReLU → max pool 2/2 → flatten [8] → dense 6 (activation) → head 3. */
    static Model tinyCnn(long seed, Activation activation) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Layer> layers = List.of(
                new Conv2d(array(uniform(r, 18, -1, 1), 2, 1, 3, 3), array(uniform(r, 2, -0.1, 0.1), 2), 1, 0, true),
                Pool2d.max(2, 2), new Flatten(),
                new DenseLayer(array(uniform(r, 48, -1, 1), 6, 8), array(uniform(r, 6, -0.1, 0.1), 6), activation));
        return new Model("tiny-cnn", new InputSpec(new long[] {1, 6, 6}, 0, 1), layers,
                new LinearHead(array(uniform(r, 18, -1, 1), 3, 6), array(uniform(r, 3, -0.1, 0.1), 3)), List.of(), Map.of());
    }

    /** The tiny CNN's class at one sample, by loops: valid convolution + ReLU, 2×2 max pooling, then ReferenceMlp. */
    static int tinyCnnClass(Model m, double[] x) {
        Conv2d conv = (Conv2d) m.layers().get(0);
        double[] w = Arrays2.toDoubles(conv.weight());
        double[] b = Arrays2.toDoubles(conv.bias());
        int k = conv.outChannels();
        double[][] y = new double[k][16];
        for (int o = 0; o < k; o++) {
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 4; j++) {
                    double s = b[o];
                    for (int p = 0; p < 3; p++) {
                        for (int q = 0; q < 3; q++) {
                            s += w[o * 9 + p * 3 + q] * x[(i + p) * 6 + j + q];
                        }
                    }
                    y[o][i * 4 + j] = Math.max(0, s);
                }
            }
        }
        double[] features = new double[k * 4];
        for (int o = 0; o < k; o++) {
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < 2; j++) {
                    double mx = Double.NEGATIVE_INFINITY;
                    for (int p = 0; p < 2; p++) {
                        for (int q = 0; q < 2; q++) {
                            mx = Math.max(mx, y[o][(2 * i + p) * 4 + 2 * j + q]);
                        }
                    }
                    features[o * 4 + i * 2 + j] = mx;
                }
            }
        }
        Model mlp = new Model("mlp", new InputSpec(new long[] {features.length}, -1, 1),
                new ArrayList<>(m.layers().subList(3, m.layers().size())), m.head(), List.of(), Map.of());
        return ReferenceMlp.of(mlp).predict(features);
    }

    // ------------------------------------------------------------------ BOUNDS.md §3's constructed networks

    /**
     * (a) input [1, 12, 12] → conv 1×1×5×5 all ones, stride 1, no ReLU → flatten [64] → head z₀ = 0, z₁ = Σy/8 − 101.
     * Affine: the minimal perturbation is |f| / ‖Wᵀ⋆(w₁ − w₀)‖ = |f|/20 (each axis' window counts 1,2,3,4,5,5,5,5,4,3,2,1
     * have squares summing to 160, so the adjoint of the uniform head has norm 160/8), the paper bound |f|/(1·5).
     */
    static Model overlappingConv() {
        double[] ones = new double[25];
        java.util.Arrays.fill(ones, 1);
        double[] head = new double[128];
        java.util.Arrays.fill(head, 64, 128, 1.0 / 8);
        return new Model("conv-counterexample", new InputSpec(new long[] {1, 12, 12}, 0, 1),
                List.of(new Conv2d(array(ones, 1, 1, 5, 5), array(new double[] {0}, 1), 1, 0, false), new Flatten()),
                new LinearHead(array(head, 2, 64), array(new double[] {0, -101}, 2)), List.of(), Map.of());
    }

    /** (b) 2-D batch norm with identity statistics, head z₀ = 0, z₁ = y₂ − 1 (margin 1 along the second axis at x = (10, 0)). */
    static Model batchNormNet() {
        BatchNorm bn = new BatchNorm(array(new double[] {1, 1}, 2), array(new double[] {0, 0}, 2), array(new double[] {0, 0}, 2),
                array(new double[] {1, 1}, 2), 0);
        return new Model("bn-counterexample", new InputSpec(new long[] {2}, -20, 20), List.of(bn),
                new LinearHead(array(new double[] {0, 0, 0, 1}, 2, 2), array(new double[] {0, -1}, 2)), List.of(), Map.of());
    }

    /** (c) one ReLU unit h = relu(10x − 10⁻⁶), head z₀ = 0, z₁ = h − 0.5 (margin 0.5 at x = 0). */
    static Model reluKink() {
        return ReferenceMlp.mlpModel("relu-kink", new double[][][] {{{10}}}, new double[][] {{-1e-6}}, new Activation[] {Activation.RELU},
                new double[][] {{0}, {1}}, new double[] {0, -0.5});
    }
}

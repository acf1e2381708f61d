package io.robustbounds.certified;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.model.BatchNorm;
import io.robustbounds.model.Conv2d;
import io.robustbounds.model.Flatten;
import io.robustbounds.model.Lrn;
import io.robustbounds.model.Pool2d;
import io.robustbounds.linalg.Arrays2;
import io.robustbounds.model.Activation;
import io.robustbounds.model.DenseLayer;
import io.robustbounds.model.InputSpec;
import io.robustbounds.model.Layer;
import io.robustbounds.model.LinearHead;
import io.robustbounds.model.Model;
import io.robustbounds.testing.RandomArrays;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Certified radii of convolutional networks (every layer kind): below every adversarial perturbation the project's
 * attacks find (each flip re-verified by the evaluator's own double forward pass), at least the sound mode's bound on
 * most samples, exact on a CNN that is a linear classifier, independent of the memory budget.
 */
class CertifiedCnnTest {


    static INDArray positive(SplittableRandom r, double from, double to, long n) {
        double[] v = new double[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextDouble(from, to);
        }
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return Arrays2.fromDoubles(v, DataType.DOUBLE, n);
        }
    }

    /**
     * Kind 0: conv (padding 1) + ReLU, batch norm, MAX pool 2/2, conv + ReLU, average pool, flatten, dense ReLU, dense tanh.
     * Kind 1: conv (stride 2, padding 1) + ReLU, overlapping MAX pool 3/2, flatten, dense ReLU.
     * Kind 2: conv + ReLU, LRN (the labelled fallback), average pool, flatten, dense tanh.
     * Kind 3: conv without ReLU, BN, average pool 2/1, MAX pool 2/1 (overlapping), flatten, dense sigmoid.
     */
    static Model cnn(int kind, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Layer> layers = new ArrayList<>();
        long[] input;
        int features;
        switch (kind) {
            case 0 -> {
                input = new long[] {2, 8, 8};
                layers.add(new Conv2d(RandomArrays.uniform(r, 0.5, 3, 2, 3, 3), RandomArrays.uniform(r, 0.1, 3), 1, 1, true));
                layers.add(new BatchNorm(RandomArrays.uniform(r, 1, 3), RandomArrays.uniform(r, 0.5, 3), RandomArrays.uniform(r, 0.3, 3), positive(r, 0.5, 2, 3), 1e-5));
                layers.add(Pool2d.max(2, 2));
                layers.add(new Conv2d(RandomArrays.uniform(r, 0.5, 4, 3, 3, 3), RandomArrays.uniform(r, 0.1, 4), 1, 0, true));
                layers.add(Pool2d.average(2, 1));
                layers.add(new Flatten());
                layers.add(new DenseLayer(RandomArrays.uniform(r, 2, 8, 4), RandomArrays.uniform(r, 0.5, 8), Activation.RELU));
                layers.add(new DenseLayer(RandomArrays.uniform(r, 1, 6, 8), RandomArrays.uniform(r, 0.5, 6), Activation.TANH));
                features = 6;
            }
            case 1 -> {
                input = new long[] {1, 9, 9};
                layers.add(new Conv2d(RandomArrays.uniform(r, 0.7, 4, 1, 3, 3), RandomArrays.uniform(r, 0.1, 4), 2, 1, true));
                layers.add(Pool2d.max(3, 2));
                layers.add(new Flatten());
                layers.add(new DenseLayer(RandomArrays.uniform(r, 1, 10, 16), RandomArrays.uniform(r, 0.1, 10), Activation.RELU));
                features = 10;
            }
            case 2 -> {
                input = new long[] {1, 7, 7};
                layers.add(new Conv2d(RandomArrays.uniform(r, 0.7, 3, 1, 3, 3), RandomArrays.uniform(r, 0.1, 3), 1, 0, true));
                layers.add(new Lrn(2, 3, 0.5, 0.75, true));
                layers.add(Pool2d.average(2, 2));
                layers.add(new Flatten());
                layers.add(new DenseLayer(RandomArrays.uniform(r, 1, 6, 12), RandomArrays.uniform(r, 0.1, 6), Activation.TANH));
                features = 6;
            }
            default -> {
                input = new long[] {2, 6, 6};
                layers.add(new Conv2d(RandomArrays.uniform(r, 0.7, 3, 2, 3, 3), RandomArrays.uniform(r, 0.1, 3), 1, 0, false));
                layers.add(new BatchNorm(RandomArrays.uniform(r, 1, 3), RandomArrays.uniform(r, 0.5, 3), RandomArrays.uniform(r, 0.3, 3), positive(r, 0.5, 2, 3), 1e-3));
                layers.add(Pool2d.average(2, 1));
                layers.add(Pool2d.max(2, 1));
                layers.add(new Flatten());
                layers.add(new DenseLayer(RandomArrays.uniform(r, 1, 8, 12), RandomArrays.uniform(r, 0.1, 8), Activation.SIGMOID));
                features = 8;
            }
        }
        return new Model("cnn" + kind, new InputSpec(input, 0, 1), layers,
                new LinearHead(RandomArrays.uniform(r, 1, 4, features), RandomArrays.uniform(r, 0.1, 4)), List.of(), Map.of());
    }

    static double[] samples(long seed, int n, int d) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] x = new double[n * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextDouble();
        }
        return x;
    }

    @ParameterizedTest(name = "kind {0}")
    @ValueSource(ints = {0, 1, 2, 3})
    void belowEveryAttackAboveSoundMode(int kind) {
        Model model = cnn(kind, 160 + kind);
        LinearBoundNetwork net = Certified.of(model);
        assertEquals(kind == 2 ? "crown+lipschitz(layers 0-1, cut at lrn)" : "crown", net.description());
        int n = 40;
        AttackCheck.Summary check = AttackCheck.belowEveryAttack(model, net, samples(16 + kind, n, net.inputSize()), n);
        System.out.printf("certified cnn kind %d (%s): median tightness %.3f over %d attacked, ≥ sound on %d of %d, mean steps %.1f%n",
                kind, net.description(), check.medianTightness(), check.attacked(), check.aboveSound(), n, check.meanSteps());
        assertTrue(check.attacked() >= n / 2, "the attacks found perturbations for most samples: " + check.attacked());
        assertTrue(check.aboveSound() >= n * 9 / 10, "certified ≥ sound on most samples: " + check.aboveSound() + " of " + n);
    }

    /**
     * conv (no ReLU, padding 1, stride 2) + flatten + head is a linear classifier w·x + b: the radius is
     * δ = min_j (z_c − z_j)/‖w_c − w_j‖ (the effective weights read off by the forward pass on basis vectors).
     */
    @Test
    void linearCnnRadiusIsDelta() {
        SplittableRandom r = new SplittableRandom(5);
        Model model = new Model("linear-cnn", new InputSpec(new long[] {2, 6, 6}, 0, 1),
                List.of(new Conv2d(RandomArrays.uniform(r, 0.7, 3, 2, 3, 3), RandomArrays.uniform(r, 0.1, 3), 2, 1, false), new Flatten()),
                new LinearHead(RandomArrays.uniform(r, 1, 4, 27), RandomArrays.uniform(r, 0.1, 4)), List.of(), Map.of());
        CrownNetwork net = CrownNetwork.of(model);
        int d = 72;
        int classes = 4;
        double[] basis = new double[(d + 1) * d];
        for (int i = 0; i < d; i++) {
            basis[(i + 1) * d + i] = 1;
        }
        double[] z = net.logits(basis, d + 1);          // row 0: b; row i + 1: w[:, i] + b
        int n = 50;
        double[] x = samples(9, n, d);
        CertifiedRadius.Result result = CertifiedRadius.search(net, x, n, null, null,
                CertifiedRadius.Settings.defaults().withRelativeTolerance(1e-9));
        double[] logits = net.logits(x, n);
        for (int s = 0; s < n; s++) {
            int c = result.predicted()[s];
            double delta = Double.POSITIVE_INFINITY;
            for (int j = 0; j < classes; j++) {
                if (j == c) {
                    continue;
                }
                double norm2 = 0;
                for (int i = 0; i < d; i++) {
                    double w = (z[(i + 1) * classes + c] - z[c]) - (z[(i + 1) * classes + j] - z[j]);
                    norm2 += w * w;
                }
                delta = Math.min(delta, (logits[s * classes + c] - logits[s * classes + j]) / Math.sqrt(norm2));
            }
            assertEquals(delta, result.radius()[s], 1e-7 * delta, "sample " + s);
            assertTrue(result.radius()[s] <= delta * (1 + 1e-9), "sample " + s + ": radius above δ");
        }
    }

    /** Chunking and memory budget: the radii of a batch are those of each sample alone. */
    @Test
    void memoryBudgetDoesNotChangeRadii() {
        Model model = cnn(0, 3);
        LinearBoundNetwork net = Certified.of(model);
        int n = 12;
        double[] x = samples(4, n, net.inputSize());
        int[] cls = net.predict(x, n);
        double[] eps = new double[n];
        Arrays.fill(eps, 0.2);
        double[] all = net.certifiedWithin(x, n, cls, eps, 256L << 20);
        assertArrayEquals(all, net.certifiedWithin(x, n, cls, eps, 1L << 20));
        for (int i = 0; i < n; i += 5) {
            double[] one = net.certifiedWithin(Arrays.copyOfRange(x, i * net.inputSize(), (i + 1) * net.inputSize()), 1,
                    new int[] {cls[i]}, new double[] {0.2}, 1L << 20);
            assertEquals(all[i], one[0], 0.0, "sample " + i);
        }
    }
}

package io.robustbounds.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.model.BatchNorm;
import io.robustbounds.model.Conv2d;
import io.robustbounds.model.Flatten;
import io.robustbounds.model.TrunkLayer;
import io.robustbounds.model.Lrn;
import io.robustbounds.model.Pool2d;
import io.robustbounds.linalg.Arrays2;
import io.robustbounds.model.Activation;
import io.robustbounds.model.DenseLayer;
import io.robustbounds.model.InputSpec;
import io.robustbounds.model.Layer;
import io.robustbounds.model.LinearHead;
import io.robustbounds.model.Model;
import io.robustbounds.model.ModelException;
import io.robustbounds.testing.ReferenceMlp;
import io.robustbounds.testing.RandomArrays;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The CNN evaluator: Algorithm 5.1's κ chain against a hand-computed one, the FGS direction against central
 * differences of the cross-entropy through the whole network, results independent of batch split and chunk
 * size, and a flatten-only trunk equal to the MLP evaluator.
 */
class CnnEvaluatorTest {
    private static final EvalSettings DOUBLE = EvalSettings.defaults().withDataType(DataType.DOUBLE).withJacobianTolerance(1e-10);


    /** input [1, 6, 6] → conv 2×1×3×3 + ReLU → max pool 2/2 → flatten [8] → dense 4 tanh → head 3. */
    static Model tinyCnn(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Layer> layers = List.of(new Conv2d(RandomArrays.uniform(r, 1, 2, 1, 3, 3), RandomArrays.uniform(r, 0.1, 2), 1, 0, true), Pool2d.max(2, 2),
                new Flatten(), new DenseLayer(RandomArrays.uniform(r, 1, 4, 8), RandomArrays.uniform(r, 0.1, 4), Activation.TANH));
        return new Model("tiny-cnn", new InputSpec(new long[] {1, 6, 6}, 0, 1), layers,
                new LinearHead(RandomArrays.uniform(r, 1, 3, 4), RandomArrays.uniform(r, 0.1, 3)), List.of(), Map.of());
    }

    static double[] samples(long seed, int n, int d) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] x = new double[n * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextDouble();
        }
        return x;
    }

    /** The MLP part of a model whose trunk ends at index {@code split}, on the trunk's output. */
    static Model mlpPart(Model m, int split, int features) {
        return new Model("mlp", new InputSpec(new long[] {features}, -1, 1), new ArrayList<>(m.layers().subList(split, m.layers().size())),
                m.head(), List.of(), Map.of());
    }

    @Test
    void kappaChainIsAlgorithm51ByHand() {
        Model m = tinyCnn(1);
        Conv2d conv = (Conv2d) m.layers().get(0);
        int n = 5;
        double[] x = samples(2, n, 36);
        SampleResults r = new CnnEvaluator(m, DOUBLE).evaluate(x, n);
        assertEquals(5, r.kappaCount());

        ReferenceMlp head = ReferenceMlp.of(mlpPart(m, 3, 8));
        double frob = ReferenceMlp.norm(Arrays2.toDoubles(conv.weight()));
        DenseLayer dense = (DenseLayer) m.layers().get(3);
        double s = 0;
        double[] v = Arrays2.toDoubles(dense.weight());
        for (int j = 0; j < 4; j++) {
            double row = 0;
            for (int k = 0; k < 8; k++) {
                row += Math.abs(v[j * 8 + k]);
            }
            s = Math.max(s, row);
        }
        double bigM = Activation.TANH.paperSecondDerivativeBound() * s * s; // Algorithm 4.1, one layer
        for (int i = 0; i < n; i++) {
            double[] sample = java.util.Arrays.copyOfRange(x, i * 36, (i + 1) * 36);
            INDArray xi = Arrays2.fromDoubles(sample, DataType.DOUBLE, 1, 1, 6, 6);
            double[] feats = Arrays2.toDoubles(new Flatten().forward(Pool2d.max(2, 2).forward(conv.forward(xi))));
            double[] logits = head.logits(feats);
            int c = ReferenceMlp.argmax(logits);
            double[][] w = head.headWeight();
            double delta = Double.POSITIVE_INFINITY;
            for (int e = 0; e < 3; e++) {
                if (e != c) {
                    double dist = 0;
                    for (int j = 0; j < 4; j++) {
                        dist += (w[e][j] - w[c][j]) * (w[e][j] - w[c][j]);
                    }
                    delta = Math.min(delta, Math.abs(logits[e] - logits[c]) / Math.sqrt(dist));
                }
            }
            double jn = ReferenceMlp.spectralNorm(head.jacobian(feats));
            double k = bigM * Math.sqrt(4);
            double mlpBound = (Math.sqrt(jn * jn + 2 * k * delta) - jn) / k; // Theorem 4.2, textbook form
            double[] expected = {mlpBound / 2 / frob, mlpBound / 2, mlpBound, mlpBound, delta}; // Thm 5.1, Thm 5.3 (t = 2), flatten
            assertEquals(c, r.predicted()[i]);
            double[] got = r.kappasOf(i);
            for (int l = 0; l < 5; l++) {
                assertEquals(expected[l], got[l], 1e-9 * expected[l], "sample " + i + " kappa " + l);
            }
            assertEquals(expected[0], r.bound()[i], 1e-9 * expected[0]);
        }
    }

    /** Cross-entropy of the network at one sample, by the layer ops and the reference MLP (all double). */
    private static double crossEntropy(Model m, List<TrunkLayer> trunk, ReferenceMlp head, double[] sample, long[] shape, int c) {
        INDArray h = Arrays2.fromDoubles(sample, DataType.DOUBLE, shape);
        for (TrunkLayer op : trunk) {
            h = op.forward(h);
        }
        return head.crossEntropy(Arrays2.toDoubles(h), c);
    }

    @Test
    void fgsDirectionIsTheCrossEntropyGradientThroughEveryLayer() {
        SplittableRandom r = new SplittableRandom(7);
        // every trunk kind: conv (padding, stride 2, ReLU), BN, LRN (Caffe α), average and L2 pooling, flatten
        List<Layer> layers = List.of(new Conv2d(RandomArrays.uniform(r, 1, 3, 2, 3, 3), RandomArrays.uniform(r, 0.1, 3), 2, 1, true),
                new BatchNorm(RandomArrays.uniform(r, 1, 3), RandomArrays.uniform(r, 1, 3), RandomArrays.uniform(r, 0.5, 3), RandomArrays.uniform(r, 1, 3).add(1.5), 1e-5),
                new Lrn(2, 3, 0.5, 0.75, true), Pool2d.lp(2, 2, 1), Pool2d.average(2, 1), new Flatten(),
                new DenseLayer(RandomArrays.uniform(r, 1, 5, 12), RandomArrays.uniform(r, 0.1, 5), Activation.SIGMOID));
        Model m = new Model("kinds", new InputSpec(new long[] {2, 7, 7}, 0, 1), layers,
                new LinearHead(RandomArrays.uniform(r, 1, 4, 5), RandomArrays.uniform(r, 0.1, 4)), List.of(), Map.of());
        CnnEvaluator ev = new CnnEvaluator(m, DOUBLE);
        int d = 98;
        double[] x = samples(8, 3, d);
        double[] g = ev.crossEntropyDirection(x, 3);
        SampleResults res = ev.evaluate(x, 3);
        ReferenceMlp head = ReferenceMlp.of(mlpPart(m, 6, 12));
        List<TrunkLayer> trunk = ev.trunk();
        long[] shape = {1, 2, 7, 7};
        double step = 1e-6;
        for (int i = 0; i < 3; i++) {
            double[] sample = java.util.Arrays.copyOfRange(x, i * d, (i + 1) * d);
            int c = res.predicted()[i];
            double[] fd = new double[d];
            for (int j = 0; j < d; j++) {
                double[] p = sample.clone();
                double[] q = sample.clone();
                p[j] += step;
                q[j] -= step;
                fd[j] = (crossEntropy(m, trunk, head, p, shape, c) - crossEntropy(m, trunk, head, q, shape, c)) / (2 * step);
            }
            double[] gi = java.util.Arrays.copyOfRange(g, i * d, (i + 1) * d);
            double dot = 0;
            for (int j = 0; j < d; j++) {
                dot += gi[j] * fd[j];
            }
            double cos = dot / (ReferenceMlp.norm(gi) * ReferenceMlp.norm(fd));
            assertEquals(1.0, cos, 1e-7, "sample " + i + ": FGS direction against central differences");
        }
    }

    @Test
    void resultsDoNotDependOnBatchSplit() {
        Model m = tinyCnn(3);
        EvalSettings f = EvalSettings.defaults();
        int n = 150;
        double[] x = samples(4, n, 36);
        SampleResults whole = new CnnEvaluator(m, f).evaluate(x, n);
        CnnEvaluator small = new CnnEvaluator(m, f);
        for (int batch : new int[] {1, 7, 64, 150}) {
            for (int start = 0; start < n; start += batch) {
                int rows = Math.min(batch, n - start);
                SampleResults part = small.evaluate(java.util.Arrays.copyOfRange(x, start * 36, (start + rows) * 36), rows);
                for (int i = 0; i < rows; i++) {
                    int at = start + i;
                    assertEquals(whole.bound()[at], part.bound()[i], 0.0, "bound of sample " + at + ", batch " + batch);
                    assertEquals(whole.fgsEpsilon()[at], part.fgsEpsilon()[i], 0.0, "eps of sample " + at + ", batch " + batch);
                    assertArrayEquals(whole.kappasOf(at), part.kappasOf(i), 0.0);
                    assertEquals(whole.adversarialClass()[at], part.adversarialClass()[i]);
                }
            }
        }
    }

    @Test
    void flattenOnlyTrunkEqualsTheMlpEvaluator() {
        SplittableRandom r = new SplittableRandom(11);
        DenseLayer dense = new DenseLayer(RandomArrays.uniform(r, 1, 6, 12), RandomArrays.uniform(r, 0.1, 6), Activation.TANH);
        LinearHead head = new LinearHead(RandomArrays.uniform(r, 1, 3, 6), RandomArrays.uniform(r, 0.1, 3));
        Model cnn = new Model("image-mlp", new InputSpec(new long[] {3, 2, 2}, 0, 1), List.of(new Flatten(), dense), head, List.of(), Map.of());
        Model mlp = new Model("mlp", new InputSpec(new long[] {12}, 0, 1), List.of(dense), head, List.of(), Map.of());
        double[] x = samples(12, 80, 12);
        SampleResults a = ModelEvaluator.of(cnn, DOUBLE).evaluate(x, 80);
        SampleResults b = ModelEvaluator.of(mlp, DOUBLE).evaluate(x, 80);
        assertEquals(3, a.kappaCount());
        for (int i = 0; i < 80; i++) {
            assertEquals(b.bound()[i], a.bound()[i], 1e-12 * b.bound()[i]);
            assertEquals(b.fgsEpsilon()[i], a.fgsEpsilon()[i], 0.0);
            assertEquals(b.delta()[i], a.kappasOf(i)[2], 1e-12 * b.delta()[i]);
        }
    }

    @Test
    void denseLayersMustFollowTheTrunk() {
        SplittableRandom r = new SplittableRandom(5);
        List<Layer> layers = List.of(new DenseLayer(RandomArrays.uniform(r, 1, 4, 4), RandomArrays.uniform(r, 0.1, 4), Activation.TANH),
                new BatchNorm(RandomArrays.uniform(r, 1, 4), RandomArrays.uniform(r, 1, 4), RandomArrays.uniform(r, 1, 4), RandomArrays.uniform(r, 1, 4).add(2), 0));
        Model m = new Model("dense-bn", new InputSpec(new long[] {4}, 0, 1), layers,
                new LinearHead(RandomArrays.uniform(r, 1, 2, 4), RandomArrays.uniform(r, 0.1, 2)), List.of(), Map.of());
        ModelException e = assertThrows(ModelException.class, () -> ModelEvaluator.of(m, DOUBLE));
        assertTrue(e.getMessage().contains("layer 0 (dense) comes before layer 1 (batchnorm)"), e.getMessage());
    }
}

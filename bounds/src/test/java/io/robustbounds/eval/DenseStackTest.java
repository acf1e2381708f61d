package io.robustbounds.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.linalg.Arrays2;
import io.robustbounds.linalg.Workspaces;
import io.robustbounds.model.Activation;
import io.robustbounds.model.Model;
import io.robustbounds.random.RandomMlp;
import io.robustbounds.testing.ReferenceMlp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The batched ND4J building blocks of the evaluation against the plain-Java reference, in DOUBLE: the element-wise
 * activations and derivatives, the forward pass (logits), the products K q = J Jᵀ q used by Lanczos for ‖J‖
 * (Theorem 4.2), the cross-entropy input gradient of Algorithm 2.1 and the logits along the FGS ray x + ε s.
 */
class DenseStackTest {
    private static final Activation[] ALL = Activation.values();

    /** ND4J's activations and derivatives equal {@link Activation}'s (value, g') on [−30, 30]. */
    @Test
    void activationsMatchTheScalarDefinitions() {
        int n = 6001;
        double[] z = new double[n];
        for (int i = 0; i < n; i++) {
            z[i] = -30 + i * 0.01;
        }
        for (Activation g : ALL) {
            try (MemoryWorkspace ignored = Workspaces.batch()) {
                INDArray zz = Arrays2.fromDoubles(z, DataType.DOUBLE, n);
                INDArray a = DenseStack.activate(g, zz.dup());
                double[] value = Arrays2.toDoubles(a);
                double[] slope = Arrays2.toDoubles(DenseStack.derivative(g, zz, a));
                for (int i = 0; i < n; i++) {
                    if (g == Activation.RELU && z[i] == 0) {
                        continue;
                    }
                    assertEquals(g.value(z[i]), value[i], 1e-14 * Math.max(1, Math.abs(z[i])), g + " value at " + z[i]);
                    assertEquals(g.firstDerivative(z[i]), slope[i], 1e-14, g + " derivative at " + z[i]);
                }
            }
        }
    }

    private record Batch(List<Model> models, double[] samples, int perModel, int d) {
        double[] x(int j) {
            return Arrays.copyOfRange(samples, j * d, (j + 1) * d);
        }

        ReferenceMlp ref(int j) {
            return ReferenceMlp.of(models.get(j / perModel));
        }
    }

    private static Batch batch(RandomMlp spec, int models, int perModel) {
        List<Model> list = new ArrayList<>();
        int d = spec.inputSize();
        double[] x = new double[models * perModel * d];
        for (int k = 0; k < models; k++) {
            list.add(spec.model(71, k));
            System.arraycopy(spec.samples(71, k, 0, perModel), 0, x, k * perModel * d, perModel * d);
        }
        return new Batch(list, x, perModel, d);
    }

    private static final RandomMlp[] SPECS = {
        new RandomMlp(7, new int[] {5, 6}, Activation.TANH, 3, -1, 1, -1, 1),        // n₁ < d: Gram path
        new RandomMlp(4, new int[] {6, 9}, Activation.SOFTPLUS, 3, -1, 1, -1, 1),    // n₁ ≥ d
        new RandomMlp(9, new int[] {8}, Activation.SIGMOID, 4, -1, 1, -1, 1),
        new RandomMlp(6, new int[] {7, 5, 4}, Activation.RELU, 3, -1, 1, -1, 1),
        new RandomMlp(5, new int[0], Activation.TANH, 3, -1, 1, -1, 1),             // linear
    };

    /** Logits of the stacked forward pass equal the reference's W h_L(x) + b. */
    @Test
    void forwardPassMatchesReference() {
        for (RandomMlp spec : SPECS) {
            Batch b = batch(spec, 3, 8);
            DenseStack net = DenseStack.of(b.models(), DataType.DOUBLE);
            try (MemoryWorkspace ignored = Workspaces.batch()) {
                double[] logits = net.forward(Arrays2.fromDoubles(b.samples(), DataType.DOUBLE, 3, 8, b.d())).logits();
                int c = net.classes();
                for (int j = 0; j < 24; j++) {
                    double[] want = b.ref(j).logits(b.x(j));
                    for (int e = 0; e < c; e++) {
                        assertEquals(want[e], logits[j * c + e], 1e-13 * Math.max(1, Math.abs(want[e])), spec + " sample " + j);
                    }
                }
            }
        }
    }

    /** jacobianGram(q) = J Jᵀ q with J the chain-rule Jacobian of h_L (the operator Lanczos works on). */
    @Test
    void jacobianGramIsJJtTimesQ() {
        SplittableRandom r = new SplittableRandom(72);
        for (RandomMlp spec : SPECS) {
            if (spec.hidden().length == 0) {
                continue;
            }
            Batch b = batch(spec, 2, 5);
            DenseStack net = DenseStack.of(b.models(), DataType.DOUBLE);
            int n = net.featureSize();
            double[] q = new double[10 * n];
            for (int i = 0; i < q.length; i++) {
                q[i] = r.nextDouble(-1, 1);
            }
            try (MemoryWorkspace ignored = Workspaces.batch()) {
                DenseStack.Forward f = net.forward(Arrays2.fromDoubles(b.samples(), DataType.DOUBLE, 2, 5, b.d()));
                double[] kq = Arrays2.toDoubles(net.jacobianGram(f.slope, Arrays2.fromDoubles(q, DataType.DOUBLE, 2, 5, n)));
                for (int j = 0; j < 10; j++) {
                    double[][] jac = b.ref(j).jacobian(b.x(j));
                    double[] jtq = ReferenceMlp.transposeTimes(jac, Arrays.copyOfRange(q, j * n, (j + 1) * n));
                    double[] want = ReferenceMlp.affine(jac, new double[n], jtq);
                    double scale = Math.max(1e-300, Arrays.stream(want).map(Math::abs).max().orElse(0));
                    for (int e = 0; e < n; e++) {
                        assertEquals(want[e], kq[j * n + e], 1e-12 * scale, spec + " sample " + j);
                    }
                }
            }
        }
    }

    /** inputGradient(p − e_c) is ∇ₓ CE(softmax(logits), c), the gradient whose sign Algorithm 2.1 follows. */
    @Test
    void inputGradientIsTheCrossEntropyGradient() {
        for (RandomMlp spec : SPECS) {
            Batch b = batch(spec, 2, 6);
            DenseStack net = DenseStack.of(b.models(), DataType.DOUBLE);
            int c = net.classes();
            int d = b.d();
            double[] r = new double[12 * c];
            int[] cls = new int[12];
            for (int j = 0; j < 12; j++) {
                double[] l = b.ref(j).logits(b.x(j));
                cls[j] = ReferenceMlp.argmax(l);
                double max = Arrays.stream(l).max().orElseThrow();
                double sum = Arrays.stream(l).map(v -> Math.exp(v - max)).sum();
                for (int e = 0; e < c; e++) {
                    r[j * c + e] = Math.exp(l[e] - max) / sum - (e == cls[j] ? 1 : 0);
                }
            }
            try (MemoryWorkspace ignored = Workspaces.batch()) {
                DenseStack.Forward f = net.forward(Arrays2.fromDoubles(b.samples(), DataType.DOUBLE, 2, 6, d));
                double[] g = Arrays2.toDoubles(net.inputGradient(f, r));
                for (int j = 0; j < 12; j++) {
                    double[] want = b.ref(j).crossEntropyGradient(b.x(j), cls[j]);
                    double scale = Math.max(1e-300, Arrays.stream(want).map(Math::abs).max().orElse(0));
                    for (int k = 0; k < d; k++) {
                        assertEquals(want[k], g[j * d + k], 1e-12 * scale, spec + " sample " + j);
                    }
                }
            }
            // the rescaled direction the evaluator uses has the same sign pattern (a positive multiple)
            double[] scaled = CrossEntropy.direction(logitsOf(b, c), cls, c);
            for (int j = 0; j < 12; j++) {
                double ratio = scaled[j * c + cls[j]] / r[j * c + cls[j]];
                for (int e = 0; e < c; e++) {
                    assertEquals(ratio, scaled[j * c + e] / r[j * c + e], 1e-12 * ratio, spec + " sample " + j + ": a positive multiple of p − e_c");
                }
                assertTrue(ratio > 0, spec + " sample " + j);
            }
        }
    }

    private static double[] logitsOf(Batch b, int c) {
        double[] out = new double[b.samples().length / b.d() * c];
        for (int j = 0; j < out.length / c; j++) {
            System.arraycopy(b.ref(j).logits(b.x(j)), 0, out, j * c, c);
        }
        return out;
    }

    /** The FGS ray: logitsAt(ε) equals the reference logits at x + ε s, for a different ε per sample. */
    @Test
    void rayLogitsMatchReference() {
        SplittableRandom rnd = new SplittableRandom(73);
        for (RandomMlp spec : SPECS) {
            Batch b = batch(spec, 2, 4);
            DenseStack net = DenseStack.of(b.models(), DataType.DOUBLE);
            int d = b.d();
            int c = net.classes();
            double[] s = new double[8 * d];
            for (int i = 0; i < s.length; i++) {
                s[i] = rnd.nextInt(3) - 1;
            }
            double[] eps = new double[8];
            for (int j = 0; j < 8; j++) {
                eps[j] = rnd.nextDouble(0, 2);
            }
            try (MemoryWorkspace ignored = Workspaces.batch()) {
                DenseStack.Forward f = net.forward(Arrays2.fromDoubles(b.samples(), DataType.DOUBLE, 2, 4, d));
                double[] got = net.new Ray(f, Arrays2.fromDoubles(s, DataType.DOUBLE, 2, 4, d)).logitsAt(eps);
                for (int j = 0; j < 8; j++) {
                    double[] y = b.x(j);
                    for (int k = 0; k < d; k++) {
                        y[k] += eps[j] * s[j * d + k];
                    }
                    double[] want = b.ref(j).logits(y);
                    for (int e = 0; e < c; e++) {
                        assertEquals(want[e], got[j * c + e], 1e-13 * Math.max(1, Math.abs(want[e])), spec + " sample " + j);
                    }
                }
            }
        }
    }
}

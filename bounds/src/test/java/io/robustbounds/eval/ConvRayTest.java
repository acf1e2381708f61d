package io.robustbounds.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.attack.FastGradientSign;
import io.robustbounds.attack.Ray;
import io.robustbounds.linalg.Arrays2;
import io.robustbounds.linalg.Workspaces;
import io.robustbounds.model.Activation;
import io.robustbounds.model.Conv2d;
import io.robustbounds.model.DenseLayer;
import io.robustbounds.model.Flatten;
import io.robustbounds.model.InputSpec;
import io.robustbounds.model.Layer;
import io.robustbounds.model.LinearHead;
import io.robustbounds.model.Model;
import io.robustbounds.model.Pool2d;
import io.robustbounds.testing.RandomArrays;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@link ConvRay}: the second convolution interpolated between a bisection's ends gives the logits of a direct forward
 * pass at every step (double: to 1e-9), on LeNet-like trunks with and without ReLU and pool, stride and padding; the
 * sparse path is really taken; and the FGS search finds the same ε as with direct passes.
 */
class ConvRayTest {
    /** input [1, 12, 12] → conv 4×1×3×3 (ReLU or not) → MAX pool (2/2, or none) → conv 6×4×3×3 (stride, padding) + ReLU → flatten → dense 8 ReLU → head 3. */
    static Model lenetLike(long seed, boolean firstRelu, boolean pool, int stride, int padding) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Layer> layers = new ArrayList<>();
        layers.add(new Conv2d(RandomArrays.uniform(r, 1, 4, 1, 3, 3), RandomArrays.uniform(r, 0.2, 4), 1, 0, firstRelu));
        long side = 10;
        if (pool) {
            layers.add(Pool2d.max(2, 2));
            side = 5;
        }
        layers.add(new Conv2d(RandomArrays.uniform(r, 0.5, 6, 4, 3, 3), RandomArrays.uniform(r, 0.2, 6), stride, padding, true));
        long out = (side + 2L * padding - 3) / stride + 1;
        int features = (int) (6 * out * out);
        layers.add(new Flatten());
        layers.add(new DenseLayer(RandomArrays.uniform(r, 0.5, 8, features), RandomArrays.uniform(r, 0.1, 8), Activation.RELU));
        return new Model("lenet-like", new InputSpec(new long[] {1, 12, 12}, 0, 1), layers,
                new LinearHead(RandomArrays.uniform(r, 1, 3, 8), RandomArrays.uniform(r, 0.1, 3)), List.of(), Map.of());
    }

    /** The network along the rays by a direct forward pass at each point. */
    private static Ray direct(CnnEvaluator ev, double[] x, double[] s, int n, DataType type) {
        return eps -> {
            double[] pts = x.clone();
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < 144; j++) {
                    pts[i * 144 + j] += eps[i] * s[i * 144 + j];
                }
            }
            INDArray[] acts = ev.trunkForward(Arrays2.fromDoubles(pts, type, n, 1, 12, 12));
            INDArray out = acts[acts.length - 1];
            return ev.mlp().forward(out.reshape('c', 1, n, out.length() / n)).logits();
        };
    }

    private static double[] signs(long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] s = new double[n * 144];
        for (int i = 0; i < s.length; i++) {
            s[i] = r.nextBoolean() ? 1 : -1;
        }
        return s;
    }

    @Test
    void interpolatedLogitsEqualDirectOnesAlongABisection() {
        int n = 64;
        for (boolean firstRelu : new boolean[] {true, false}) {
            for (boolean pool : new boolean[] {true, false}) {
                for (int[] sp : new int[][] {{1, 0}, {2, 1}}) {
                    Model m = lenetLike(3, firstRelu, pool, sp[0], sp[1]);
                    CnnEvaluator ev = new CnnEvaluator(m, EvalSettings.defaults().withDataType(DataType.DOUBLE));
                    double[] x = CnnEvaluatorTest.samples(5, n, 144);
                    double[] s = signs(7, n);
                    try (MemoryWorkspace ignored = Workspaces.batch()) {
                        ConvRay ray = new ConvRay(ev.trunk(), ev.mlp(), Arrays2.fromDoubles(x, DataType.DOUBLE, n, 1, 12, 12),
                                Arrays2.fromDoubles(s, DataType.DOUBLE, n, 1, 12, 12));
                        Ray reference = direct(ev, x, s, n, DataType.DOUBLE);
                        int[] start = io.robustbounds.attack.Classes.argmax(reference.logitsAt(new double[n]), 3);
                        double[] lo = new double[n];
                        double[] hi = new double[n];
                        java.util.Arrays.fill(hi, 2.0);
                        double[] e = hi.clone();
                        for (int step = 0; step < 16; step++) {
                            double[] got = ray.logitsAt(e);
                            double[] want = reference.logitsAt(e);
                            for (int j = 0; j < got.length; j++) {
                                assertEquals(want[j], got[j], 1e-9 * (1 + Math.abs(want[j])),
                                        "relu " + firstRelu + " pool " + pool + " stride " + sp[0] + " step " + step + " logit " + j);
                            }
                            int[] cls = io.robustbounds.attack.Classes.argmax(want, 3);
                            for (int i = 0; i < n; i++) {
                                if (step > 0 && cls[i] != start[i]) {
                                    hi[i] = e[i];
                                } else if (step > 0) {
                                    lo[i] = e[i];
                                }
                                e[i] = 0.5 * (lo[i] + hi[i]);
                            }
                        }
                        long[] steps = ray.steps();
                        assertTrue(steps[0] > n, "the interpolated path must be taken: " + steps[0] + " sparse, " + steps[1] + " dense");
                    }
                }
            }
        }
    }

    @Test
    void fgsFindsTheSameEpsilonAsDirectPasses() {
        int n = 96;
        Model m = lenetLike(11, false, true, 1, 0);
        CnnEvaluator ev = new CnnEvaluator(m, EvalSettings.defaults());
        double[] x = CnnEvaluatorTest.samples(13, n, 144);
        double[] s = signs(17, n);
        try (MemoryWorkspace ignored = Workspaces.batch()) {
            Ray reference = direct(ev, x, s, n, DataType.FLOAT);
            int[] predicted = io.robustbounds.attack.Classes.argmax(reference.logitsAt(new double[n]), 3);
            ConvRay ray = new ConvRay(ev.trunk(), ev.mlp(), Arrays2.fromDoubles(x, DataType.FLOAT, n, 1, 12, 12),
                    Arrays2.fromDoubles(s, DataType.FLOAT, n, 1, 12, 12));
            FastGradientSign.Result got = FastGradientSign.minimalEpsilon(ray, predicted, 3, 4.0, 1e-6);
            FastGradientSign.Result want = FastGradientSign.minimalEpsilon(reference, predicted, 3, 4.0, 1e-6);
            int differ = 0;
            for (int i = 0; i < n; i++) {
                assertEquals(want.success()[i], got.success()[i], "sample " + i);
                if (want.success()[i] && Math.abs(want.epsilon()[i] - got.epsilon()[i]) > 1e-4) {
                    differ++;
                }
            }
            assertTrue(differ <= 1, differ + " of " + n + " ε differ (float: only a flip within rounding of a boundary may)");
        }
    }
}

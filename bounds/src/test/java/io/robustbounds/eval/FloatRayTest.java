package io.robustbounds.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.attack.Classes;
import io.robustbounds.linalg.Arrays2;
import io.robustbounds.linalg.Workspaces;
import io.robustbounds.model.Activation;
import io.robustbounds.random.RandomMlp;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The FGS ray in Java float loops ({@link FloatRay}) against the ND4J ray ({@link DenseStack.Ray}) of the same FLOAT
 * stack: random stacks of every activation, 1–3 hidden layers, widths up to FloatRay.MAX_WIDTH, per-sample ε; logits
 * within 2·10⁻⁶·max(1, |logit|) (3.9·10⁻⁷ seen; float rounding in different orders, FastTanh's ≤ 6 ulps and the ND4J ray's
 * 2σ(2z) − 1), and the same class except where the top two logits are that close.
 */
class FloatRayTest {
    private static final double TOLERANCE = 2e-6;

    private static final RandomMlp[] SPECS = {
        RandomMlp.of(20, 3, 10, Activation.TANH, 5, -1, 1, -1, 1),                  // the sweep workload's shape
        new RandomMlp(7, new int[] {5, 6}, Activation.TANH, 3, -1, 1, -1, 1),
        new RandomMlp(4, new int[] {6, 9}, Activation.SOFTPLUS, 3, -1, 1, -1, 1),
        new RandomMlp(9, new int[] {8}, Activation.SIGMOID, 4, -1, 1, -1, 1),
        new RandomMlp(6, new int[] {7, 5, 4}, Activation.RELU, 3, -1, 1, -1, 1),
        new RandomMlp(5, new int[] {3, 3}, Activation.IDENTITY, 2, -1, 1, -1, 1),
        new RandomMlp(30, new int[] {FloatRay.MAX_WIDTH, 17}, Activation.TANH, 10, -0.3, 0.3, -1, 1),
        new RandomMlp(12, new int[] {FloatRay.MAX_WIDTH}, Activation.RELU, 6, -0.3, 0.3, -1, 1),
    };

    @Test
    void logitsAndClassesMatchTheNd4jRay() {
        SplittableRandom rnd = new SplittableRandom(19);
        int compared = 0;
        int nearTies = 0;
        for (RandomMlp spec : SPECS) {
            int models = 3;
            int perModel = 37; // not a multiple of any vector length: the loops' scalar tails run too
            RandomMlp.Chunk chunk = spec.chunk(23, 0, models, perModel);
            DenseStack net = DenseStack.of(chunk.models(), DataType.FLOAT);
            int d = spec.inputSize();
            int c = net.classes();
            double[] s = new double[models * perModel * d];
            for (int i = 0; i < s.length; i++) {
                s[i] = rnd.nextInt(3) - 1;
            }
            try (MemoryWorkspace ignored = Workspaces.batch()) {
                DenseStack.Forward f = net.forward(Arrays2.fromDoubles(chunk.samples(), DataType.FLOAT, models, perModel, d));
                INDArray signs = Arrays2.fromDoubles(s, DataType.FLOAT, models, perModel, d);
                io.robustbounds.attack.Ray nd4j = net.new Ray(f, signs);
                io.robustbounds.attack.Ray loops = new FloatRay(net, f, signs);
                for (int pass = 0; pass < 5; pass++) {
                    double[] eps = new double[models * perModel];
                    for (int j = 0; j < eps.length; j++) {
                        eps[j] = pass == 0 ? 0 : rnd.nextDouble(0, 2 * pass);
                    }
                    double[] want;
                    double[] got;
                    try (MemoryWorkspace step = Workspaces.step(1)) {
                        want = nd4j.logitsAt(eps);
                        got = loops.logitsAt(eps);
                    }
                    assertEquals(want.length, got.length);
                    for (int i = 0; i < want.length; i++) {
                        assertEquals(want[i], got[i], TOLERANCE * Math.max(1, Math.abs(want[i])),
                                spec + " sample " + i / c + " class " + i % c + " at ε = " + eps[i / c]);
                    }
                    int[] wantClass = Classes.argmax(want, c);
                    int[] gotClass = Classes.argmax(got, c);
                    for (int j = 0; j < wantClass.length; j++) {
                        compared++;
                        if (wantClass[j] != gotClass[j]) {
                            double gap = Math.abs(want[j * c + wantClass[j]] - want[j * c + gotClass[j]]);
                            assertTrue(gap <= 2 * TOLERANCE * Math.max(1, Math.abs(want[j * c + wantClass[j]])),
                                    spec + " sample " + j + ": classes " + wantClass[j] + " and " + gotClass[j] + " differ by " + gap);
                            nearTies++;
                        }
                    }
                }
            }
        }
        assertTrue(nearTies <= compared / 1000, nearTies + " class differences at near-ties in " + compared);
    }

    /** Stacks FloatRay takes: FLOAT with every width up to MAX_WIDTH (DOUBLE, linear and wider stacks keep ND4J's ray). */
    @Test
    void appliesToSmallFloatStacksOnly() {
        org.junit.jupiter.api.Assumptions.assumeTrue(FloatRay.applies(DenseStack.of(SPECS[0].chunk(1, 0, 1, 1).models(), DataType.FLOAT)),
                "C2 is off in this JVM (or -Drobustbounds.floatRay=false)");
        assertTrue(FloatRay.applies(DenseStack.of(SPECS[6].chunk(1, 0, 1, 1).models(), DataType.FLOAT)));
        assertTrue(!FloatRay.applies(DenseStack.of(SPECS[0].chunk(1, 0, 1, 1).models(), DataType.DOUBLE)));
        RandomMlp wide = new RandomMlp(5, new int[] {4, FloatRay.MAX_WIDTH + 1}, Activation.RELU, 3, -1, 1, -1, 1);
        assertTrue(!FloatRay.applies(DenseStack.of(wide.chunk(1, 0, 1, 1).models(), DataType.FLOAT)));
        RandomMlp linear = new RandomMlp(5, new int[0], Activation.TANH, 3, -1, 1, -1, 1);
        assertTrue(!FloatRay.applies(DenseStack.of(linear.chunk(1, 0, 1, 1).models(), DataType.FLOAT)));
    }
}

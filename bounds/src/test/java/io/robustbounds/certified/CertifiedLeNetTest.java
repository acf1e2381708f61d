package io.robustbounds.certified;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.model.Activation;
import io.robustbounds.model.Conv2d;
import io.robustbounds.model.DenseLayer;
import io.robustbounds.model.Flatten;
import io.robustbounds.model.InputSpec;
import io.robustbounds.model.LinearHead;
import io.robustbounds.model.Model;
import io.robustbounds.model.Pool2d;
import io.robustbounds.testing.RandomArrays;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A tiny LeNet-like network built here (convolutions without ReLU, MAX pools, a ReLU dense layer, as the thesis'
 * LeNet-5): certified radii with CROWN bounds at every MAX pool's and ReLU's input, reused across the search, stay
 * below every adversarial perturbation; the MAX pool's lines hold on random boxes and touch where they should.
 */
class CertifiedLeNetTest {

    /** [1, 14, 14] → conv 4×3×3 → MAX 2/2 → conv 8×5×5 (100 terms: the GEMM path) → MAX 2/2 → dense 10 ReLU → 4 classes. */
    static Model tinyLeNet(long seed) {
        return lenetLike(new SplittableRandom(seed), 14, 1, 0, 8, 5, 8, false);
    }

    /**
     * [1, side, side] → conv 4×3×3 (stride, padding; ReLU if {@code relu}) → MAX 2/2 → conv k2×q2×q2 → MAX 2/2 → dense 10
     * ReLU (on {@code features} inputs) → 4 classes; without the ReLU, as the thesis' LeNet-5.
     */
    static Model lenetLike(SplittableRandom r, int side, int stride, int padding, int k2, int q2, int features, boolean relu) {
        return new Model("tiny-lenet", new InputSpec(new long[] {1, side, side}, 0, 1),
                List.of(new Conv2d(RandomArrays.uniform(r, 0.6, 4, 1, 3, 3), RandomArrays.uniform(r, 0.1, 4), stride, padding, relu),
                        Pool2d.max(2, 2),
                        new Conv2d(RandomArrays.uniform(r, 0.3, k2, 4, q2, q2), RandomArrays.uniform(r, 0.1, k2), 1, 0, false),
                        Pool2d.max(2, 2),
                        new Flatten(),
                        new DenseLayer(RandomArrays.uniform(r, 0.8, 10, features), RandomArrays.uniform(r, 0.2, 10), Activation.RELU)),
                new LinearHead(RandomArrays.uniform(r, 1, 4, 10), RandomArrays.uniform(r, 0.1, 4)), List.of(), Map.of());
    }

    @Test
    void belowEveryAttackAboveSoundMode() {
        Model model = tinyLeNet(51);
        LinearBoundNetwork net = Certified.of(model);
        int n = 30;
        AttackCheck.Summary check = AttackCheck.belowEveryAttack(model, net, CertifiedCnnTest.samples(52, n, net.inputSize()), n);
        System.out.printf("certified tiny LeNet: median tightness %.3f over %d attacked, ≥ sound on %d of %d, mean steps %.1f%n",
                check.medianTightness(), check.attacked(), check.aboveSound(), n, check.meanSteps());
        assertTrue(check.attacked() >= n / 2, "the attacks found perturbations for most samples: " + check.attacked());
        assertTrue(check.aboveSound() >= n * 9 / 10, "certified ≥ sound on most samples: " + check.aboveSound() + " of " + n);
    }

    /**
     * The norm lines of pool1 ({@link PoolNorm}) where padding clips the first convolution's border windows, with a
     * stride-2 convolution, and with a ReLU between the convolution and the pool: radii below every attack, and larger
     * than without the norm lines on most samples.
     */
    @Test
    void normLinesBelowEveryAttackWithPaddingAndStride() {
        for (int variant = 0; variant < 3; variant++) {
            int stride = variant == 1 ? 2 : 1;
            boolean relu = variant == 2;
            // 14 → 14 (stride 1) or 27 → 14 (stride 2), MAX → 7, conv 6×3×3 → 5, MAX → 2: 24 features
            Model model = lenetLike(new SplittableRandom(90 + variant), stride == 1 ? 14 : 27, stride, 1, 6, 3, 24, relu);
            CrownNetwork net = CrownNetwork.of(model);
            assertTrue(net.poolNorm != null, "conv → MAX pool at the input: norm lines on");
            int n = 16;
            double[] x = CertifiedCnnTest.samples(93, n, net.inputSize());
            AttackCheck.Summary check = AttackCheck.belowEveryAttack(model, net, x, n);
            double[] without = CertifiedRadius.search(net.withPoolNorm(false), x, n, null, null, CertifiedRadius.Settings.defaults()).radius();
            int larger = 0;
            for (int i = 0; i < n; i++) {
                larger += check.result().radius()[i] > without[i] ? 1 : 0;
            }
            System.out.printf("padded LeNet, conv stride %d%s: median tightness %.3f over %d attacked; norm lines larger on %d of %d%n",
                    stride, relu ? " + ReLU" : "", check.medianTightness(), check.attacked(), larger, n);
            assertTrue(check.attacked() >= n / 2, "the attacks found perturbations for most samples: " + check.attacked());
            assertTrue(larger >= n / 2, "the norm lines give larger radii on most samples: " + larger + " of " + n);
        }
    }

    /**
     * The search's radii and steps do not depend on the memory budget (session groups, chunks); reusing bound rows
     * across the search (the default) costs little against recomputing them at every ε.
     */
    @Test
    void memoryBudgetDoesNotChangeRadii() {
        CrownNetwork net = CrownNetwork.of(tinyLeNet(61));
        int n = 10;
        double[] x = CertifiedCnnTest.samples(62, n, net.inputSize());
        CertifiedRadius.Settings large = CertifiedRadius.Settings.defaults();
        CertifiedRadius.Result all = CertifiedRadius.search(net, x, n, null, null, large);
        CertifiedRadius.Result small = CertifiedRadius.search(net, x, n, null, null, large.withBatchMemory(1L << 20));
        assertArrayEquals(all.radius(), small.radius());
        assertArrayEquals(all.steps(), small.steps());
        CertifiedRadius.Result fresh = CertifiedRadius.search(net.withReuse(1), x, n, null, null, large);
        for (int i = 0; i < n; i++) {
            assertTrue(fresh.radius()[i] > 0 && all.radius()[i] > 0, "sample " + i + ": something is certified");
            assertTrue(all.radius()[i] >= 0.5 * fresh.radius()[i], "sample " + i + ": reuse loses at most a little: "
                    + all.radius()[i] + " vs " + fresh.radius()[i]);
        }
    }

    /**
     * Every intermediate bound of a propagation holds at the values projected gradient ascent and descent find inside
     * the ball ({@link BoundGap}: real points, computed forward), at every relaxed stage's input, at twice the sample's
     * certified radius (most MAX windows open, ReLUs unstable). PGD must also find some spread (not a vacuous check).
     */
    @Test
    void intermediateBoundsHoldWherePgdGoes() {
        CrownNetwork net = CrownNetwork.of(tinyLeNet(71)).withAlphaSteps(0, 0);
        int n = 3;
        double[] x = CertifiedCnnTest.samples(72, n, net.inputSize());
        double[] radius = CertifiedRadius.search(net, x, n, null, null, CertifiedRadius.Settings.defaults()).radius();
        int[] cls = net.predict(x, n);
        int d = net.inputSize();
        for (int k = 0; k < n; k++) {
            double[] x0 = Arrays.copyOfRange(x, k * d, (k + 1) * d);
            double eps = 2 * radius[k];
            Propagation crown = new Propagation(net, x0, 1, new int[] {cls[k]}, new double[] {eps}, null);
            crown.radii();
            for (int s = 1; s < net.stages.size(); s++) {
                if (net.stages.get(s) instanceof LinearStage) {
                    continue;
                }
                int size = net.stages.get(s).in;
                double[][] range = BoundGap.ranges(net, x0, cls[k], eps, s, size, 6);
                double spread = 0;
                for (int u = 0; u < size; u++) {
                    String at = "sample " + k + " ε " + eps + " value " + s + " unit " + u + ": PGD [" + range[0][u] + ", " + range[1][u]
                            + "], bounds [" + crown.lower[s][u] + ", " + crown.upper[s][u] + "]";
                    assertTrue(crown.lower[s][u] <= range[0][u] && range[1][u] <= crown.upper[s][u], at);
                    spread += range[1][u] - range[0][u];
                }
                assertTrue(spread > 0, "sample " + k + " value " + s + ": PGD moved the values");
            }
        }
    }

    /**
     * y = max(v) over random boxes (narrow, wide, one dominating input, ties): at the box's corners and random points
     * (exact decimal arithmetic) v_{i*} ≤ y ≤ a v_j + b, y = v_j where exact; the upper line meets max(v_j, U') at
     * v_j = u_j (y = u_j) to rounding.
     */
    @Test
    void maxPoolLinesHoldAndTouch() {
        SplittableRandom r = new SplittableRandom(71);
        double[] out = new double[MaxPoolStage.POOL_LINE];
        int exactSeen = 0;
        for (int box = 0; box < 2000; box++) {
            int k = 1 + r.nextInt(9);
            double[] l = new double[k];
            double[] u = new double[k];
            double scale = Math.pow(10, r.nextInt(-3, 4));
            for (int i = 0; i < k; i++) {
                double c = r.nextDouble(-1, 1) * scale;
                double w = box % 7 == 0 ? 0 : r.nextDouble() * scale * (box % 3 == 0 ? 0.01 : 1);
                l[i] = c - w;
                u[i] = c + w;
            }
            if (box % 5 == 0) {
                l[0] = Arrays.stream(u).max().orElseThrow() + r.nextDouble() * scale;    // input 0 dominates
                u[0] = l[0] + r.nextDouble() * scale;
            }
            MaxPoolStage.poolLine(l, u, k, out, 0);
            int iStar = (int) out[0];
            int j = (int) out[1];
            BigDecimal a = new BigDecimal(out[2]);
            BigDecimal b = new BigDecimal(out[3]);
            boolean exact = out[4] == 1;
            exactSeen += exact ? 1 : 0;
            assertTrue(out[2] >= 0 && out[2] <= 1, "slope " + out[2]);
            for (int point = 0; point < 40; point++) {
                BigDecimal[] v = new BigDecimal[k];
                BigDecimal y = null;
                for (int i = 0; i < k; i++) {
                    double t = point < 2 ? point : point < 2 + k ? (i == point - 2 ? 1 : 0) : r.nextDouble();
                    v[i] = new BigDecimal(l[i]).add(new BigDecimal(u[i]).subtract(new BigDecimal(l[i])).multiply(new BigDecimal(t)));
                    y = y == null || v[i].compareTo(y) > 0 ? v[i] : y;
                }
                assertTrue(v[iStar].compareTo(y) <= 0, "box " + box + ": lower line above the max");
                assertTrue(a.multiply(v[j]).add(b).compareTo(y) >= 0, "box " + box + ": upper line below the max at point " + point);
                if (exact) {
                    assertEquals(0, v[j].compareTo(y), "box " + box + ": exact case is not the max");
                }
            }
            if (!exact && out[2] > 0) {
                double atTop = out[2] * u[j] + out[3];
                assertEquals(u[j], atTop, 1e-12 * Math.max(1, Math.abs(u[j])) + 4 * Math.ulp(Math.abs(out[3])), "box " + box + ": chord through (u_j, u_j)");
            }
        }
        assertTrue(exactSeen >= 300, "exact windows: " + exactSeen);
    }

    /**
     * The rows skipped at a MAX pool's input cannot matter: for random windows (1–9 inputs of a 3×3 pool), tightening
     * the bounds of every input {@link MaxPoolStage#undominated} calls dominated to a random sub-interval leaves the
     * lines ({@link MaxPoolStage#poolLine}: i*, j, a, b, exact) and the interval bounds of the output unchanged.
     */
    @Test
    void dominatedPoolInputsDoNotChangeTheLines() {
        SplittableRandom r = new SplittableRandom(73);
        MaxPoolStage pool = new MaxPoolStage(new PoolWindow(new long[] {1, 3, 3}, 3, 3));
        int dominatedSeen = 0;
        for (int box = 0; box < 3000; box++) {
            double[] l = new double[9];
            double[] u = new double[9];
            double scale = Math.pow(10, r.nextInt(-2, 3));
            for (int i = 0; i < 9; i++) {
                double c = r.nextDouble(-1, 1) * scale;
                double w = r.nextDouble() * scale * (box % 3 == 0 ? 0.05 : 0.5);
                l[i] = c - w;
                u[i] = c + w;
            }
            boolean[] open = pool.undominated(l, u, 1);
            double[] tl = l.clone();
            double[] tu = u.clone();
            for (int i = 0; i < 9; i++) {
                if (!open[i]) {
                    dominatedSeen++;
                    double a = l[i] + r.nextDouble() * (u[i] - l[i]);
                    double b = l[i] + r.nextDouble() * (u[i] - l[i]);
                    tl[i] = Math.min(a, b);
                    tu[i] = Math.max(a, b);
                }
            }
            assertArrayEquals(pool.lines(l, u, 1, null, null), pool.lines(tl, tu, 1, null, null), "box " + box + ": lines");
            double[][] before = new double[2][1];
            double[][] after = new double[2][1];
            pool.intervalBounds(l, u, 1, null, before[0], before[1]);
            pool.intervalBounds(tl, tu, 1, null, after[0], after[1]);
            assertArrayEquals(before[0], after[0], "box " + box + ": output lower bound");
            assertArrayEquals(before[1], after[1], "box " + box + ": output upper bound");
        }
        assertTrue(dominatedSeen >= 3000, "dominated inputs: " + dominatedSeen);
    }
}

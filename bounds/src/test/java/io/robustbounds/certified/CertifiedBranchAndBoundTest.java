package io.robustbounds.certified;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.attack.Adversarial;
import io.robustbounds.eval.MlpNetwork;
import io.robustbounds.model.Activation;
import io.robustbounds.model.DenseLayer;
import io.robustbounds.model.Layer;
import io.robustbounds.model.Model;
import io.robustbounds.random.RandomMlp;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Branch and bound on unstable ReLUs ({@link BranchAndBound}, {@code CrownNetwork.withBranching}): a closed form where
 * one split makes the bound exact, no radius above a verified attack on random ReLU MLPs, never a smaller radius than
 * plain CROWN at the same ε, the linear classifier's δ unchanged, and radii independent of the memory budget.
 */
class CertifiedBranchAndBoundTest {
    private static final CertifiedRadius.Settings FINE = CertifiedRadius.Settings.defaults().withRelativeTolerance(1e-9);

    private static CrownNetwork branching(Model m, int subdomains) {
        return ((CrownNetwork) Certified.of(m)).withBranching(subdomains);
    }

    /**
     * Margin 1 − relu(x₁) − x₂ at x₀ = 0 (hidden units relu(x₁) and relu(x₂ + 10), the second stable on every ball
     * here; logits (11 − h₁ − h₂, 0)). The exact distance to the boundary is 1/√2 (the half-plane x₁ + x₂ ≥ 1 where
     * x₁ ≥ 0; x₂ ≥ 1 where x₁ ≤ 0). relu(x₁) is unstable on every ball: CROWN's upper line (x₁ + ε)/2 gives
     * 1 − ε/2 − ε‖(1/2, 1)‖, radius 2/(1 + √5) ≈ 0.618. Split on it: the active subdomain's margin is linear,
     * 1 − x₁ − x₂ (radius 1/√2), the inactive one's 1 − x₂ (radius 1): exact.
     */
    @Test
    void oneSplitMakesOneUnstableReluExact() {
        Model m = CertifiedExactTest.model(2, List.of(new DenseLayer(CertifiedExactTest.array(new double[] {1, 0, 0, 1}, 2, 2),
                CertifiedExactTest.array(new double[] {0, 10}, 2), Activation.RELU)), new double[] {-1, -1, 0, 0}, new double[] {11, 0});
        double[] x = {0, 0};
        double exact = Math.sqrt(0.5);
        CertifiedRadius.Result plain = CertifiedRadius.search(branching(m, 0), x, 1, null, null, FINE);
        assertEquals(2 / (1 + Math.sqrt(5)), plain.radius()[0], 1e-7, "plain CROWN");
        CertifiedRadius.Result split = CertifiedRadius.search(branching(m, 2), x, 1, null, null, FINE);
        assertArrayEquals(new int[] {0}, split.predicted());
        assertTrue(split.radius()[0] <= exact, "radius " + split.radius()[0] + " above the exact " + exact);
        assertEquals(exact, split.radius()[0], 1e-8);
        assertTrue(CertifiedRadius.certify(branching(m, 2), x, 1, 0.707, 1L << 20)[0], "the ball of 0.707 is certified");
        assertTrue(!CertifiedRadius.certify(branching(m, 2), x, 1, 0.708, 1L << 20)[0], "the ball of 0.708 holds a flip");
    }

    /**
     * Random ReLU MLPs with 2 and 3 hidden layers: the search with branching (no upper end given, so a violation would
     * be real) never passes the norm of a perturbation the attacks found and re-verified; prints the median tightness.
     */
    @ParameterizedTest(name = "ReLU, {0} hidden layers of {1}")
    @CsvSource({"2, 20", "3, 16"})
    void belowEveryAttack(int layers, int units) {
        int d = 10;
        int n = 8;
        RandomMlp spec = RandomMlp.of(d, layers, units, Activation.RELU, 4, -1, 1, -1, 1);
        Model model = spec.model(1616, 0);
        double[] x = spec.samples(1616, 0, 0, n);
        CrownNetwork net = branching(model, 8);
        CertifiedRadius.Result result = CertifiedRadius.search(net, x, n, null, null, CertifiedRadius.Settings.defaults());

        Adversarial best = AttackCheck.bestAttack(MlpNetwork.of(model, DataType.DOUBLE), x, n, result.radius(), 1.0);
        double[] t = AttackCheck.tightnessBelow(result, best, x, d, moved -> net.predict(moved, 1)[0]);
        int attackedCount = t.length;
        System.out.printf("branch and bound (8) ReLU %d×%d: median tightness %.3f over %d attacked samples%n", layers, units,
                t[t.length / 2], t.length);
        assertTrue(attackedCount >= n * 3 / 4, "the attacks found perturbations for most samples: " + attackedCount);
    }

    /**
     * At a fixed ε per sample (a little beyond plain CROWN's radius) branching returns at least plain CROWN's r(ε) on
     * every sample (its root is plain CROWN's propagation), and more on most; its radii are the same whatever the memory
     * budget (subdomains are chunked like samples; a subdomain's result depends only on its own splits).
     */
    /** The evaluator's {@code Certified.of(model, branching)}: branch and bound only where there is a ReLU to split. */
    @Test
    void branchingOnlyForReluMlps() {
        for (Activation a : Activation.values()) {
            Model m = RandomMlp.of(6, 2, 8, a, 3, -1, 1, -1, 1).model(1, 0);
            CrownNetwork net = (CrownNetwork) Certified.of(m, 16);
            assertEquals(a == Activation.RELU ? 16 : 0, net.settings().branching(), a.toString());
            assertEquals(0, ((CrownNetwork) Certified.of(m, 0)).settings().branching(), a.toString());
        }
    }

    @Test
    void neverBelowPlainAndIndependentOfTheMemoryBudget() {
        int d = 10;
        int n = 10;
        RandomMlp spec = RandomMlp.of(d, 3, 16, Activation.RELU, 4, -1, 1, -1, 1);
        Model model = spec.model(1616, 0);
        double[] x = spec.samples(1616, 0, 0, n);
        CrownNetwork plain = branching(model, 0);
        CrownNetwork bab = branching(model, 8);
        int[] cls = plain.predict(x, n);
        double[] first = CertifiedRadius.search(plain, x, n, null, null, CertifiedRadius.Settings.defaults()).radius();
        double[] eps = new double[n];
        for (int i = 0; i < n; i++) {
            eps[i] = 1.3 * first[i];
        }
        double[] without = plain.certifiedWithin(x, n, cls, eps, 256L << 20);
        double[] with = bab.certifiedWithin(x, n, cls, eps, 256L << 20);
        int higher = 0;
        for (int i = 0; i < n; i++) {
            assertTrue(with[i] >= without[i], "sample " + i + ": " + with[i] + " with branching, " + without[i] + " without");
            higher += with[i] > without[i] ? 1 : 0;
        }
        assertTrue(higher >= n / 2, "branching raised the radius of " + higher + " of " + n + " samples");
        // a budget of three subdomains: the 10 samples' subdomains go in many chunks
        assertArrayEquals(with, bab.certifiedWithin(x, n, cls, eps, 3 * bab.bytesPerSample()));
        double[] four = Arrays.copyOf(x, 4 * d);
        assertArrayEquals(CertifiedRadius.search(bab, four, 4, null, null, CertifiedRadius.Settings.defaults()).radius(),
                CertifiedRadius.search(bab, four, 4, null, null, CertifiedRadius.Settings.defaults().withBatchMemory(1L << 20)).radius());
    }

    /**
     * A linear classifier (no ReLU to split): with branching on, the radius is still δ = min_j (z_c − z_j)/‖w_c − w_j‖
     * (to 10⁻⁹ relative, never above; δ in double here, CertifiedExactTest has the exact one) and the same as without.
     */
    @Test
    void linearClassifierRadiusIsStillDelta() {
        int d = 6;
        int classes = 5;
        int n = 20;
        SplittableRandom random = new SplittableRandom(5);
        double[] w = random.doubles(classes * d, -1, 1).toArray();
        double[] b = random.doubles(classes, -1, 1).toArray();
        double[] x = random.doubles(n * d, -2, 2).toArray();
        Model m = CertifiedExactTest.model(d, List.<Layer>of(), w, b);
        double[] with = CertifiedRadius.search(branching(m, 64), x, n, null, null, FINE).radius();
        assertArrayEquals(CertifiedRadius.search(branching(m, 0), x, n, null, null, FINE).radius(), with);
        int[] cls = branching(m, 64).predict(x, n);
        for (int i = 0; i < n; i++) {
            double delta = Double.POSITIVE_INFINITY;
            for (int j = 0; j < classes; j++) {
                if (j == cls[i]) {
                    continue;
                }
                double margin = b[cls[i]] - b[j];
                double norm2 = 0;
                for (int k = 0; k < d; k++) {
                    double diff = w[cls[i] * d + k] - w[j * d + k];
                    margin += diff * x[i * d + k];
                    norm2 += diff * diff;
                }
                delta = Math.min(delta, margin / Math.sqrt(norm2));
            }
            assertTrue(with[i] <= delta * (1 + 1e-12), "sample " + i + ": " + with[i] + " above δ " + delta);
            assertEquals(delta, with[i], 1e-9 * delta, "sample " + i);
        }
    }
}

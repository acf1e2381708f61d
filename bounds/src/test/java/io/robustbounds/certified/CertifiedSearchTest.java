package io.robustbounds.certified;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The search on ε ({@link CertifiedRadius}) against propagations with a known estimate curve, shaped as LeNet-5's
 * (docs/certified-mode.md, "The search"): est(ε) far above ε for small balls, then falling steeply through ε at the
 * root r*. The search must end within its tolerance below r* with fewer propagations than a bisection, and a
 * reusing propagation that falls short must not stop it short of r*.
 */
class CertifiedSearchTest {
    /** est(ε) = r* + 300(1 − (ε/r*)⁴): est(r*) = r*, ~1200/r* steep there, negative past ~1.4 r*. */
    static double estimate(double root, double eps) {
        return root + 300 * (1 - Math.pow(eps / root, 4));
    }

    /**
     * A network of one input whose sample k's propagations prove min(ε, est(ε)) (≥ 0) with the given roots; with
     * {@code reuseFails}, a sample's first propagation below a failed one is reported as reused and falls short;
     * without {@code estimates}, the default session (+∞ beyond a certified ball).
     */
    static final class Curve implements LinearBoundNetwork {
        final double[] roots;
        final boolean reuseFails;
        final boolean estimates;
        final List<String> log = new ArrayList<>();

        Curve(double[] roots, boolean reuseFails, boolean estimates) {
            this.roots = roots;
            this.reuseFails = reuseFails;
            this.estimates = estimates;
        }

        @Override
        public int inputSize() {
            return 1;
        }

        @Override
        public int classes() {
            return 2;
        }

        @Override
        public int[] predict(double[] x, int n) {
            return new int[n];
        }

        @Override
        public double[] certifiedWithin(double[] x, int n, int[] cls, double[] eps, long batchMemory) {
            double[] r = new double[n];
            for (int k = 0; k < n; k++) {
                r[k] = Math.max(0, Math.min(eps[k], estimate(roots[(int) x[k]], eps[k])));
            }
            return r;
        }

        @Override
        public Session session(double[] x, int n, int[] cls, long batchMemory) {
            if (!estimates) {
                return LinearBoundNetwork.super.session(x, n, cls, batchMemory);
            }
            double[] failedAt = new double[n];
            boolean[] reusedOnce = new boolean[n];
            return (samples, eps) -> {
                int m = samples.length;
                double[] radius = new double[m];
                double[] est = new double[m];
                boolean[] reused = new boolean[m];
                for (int k = 0; k < m; k++) {
                    int i = samples[k];
                    double root = roots[(int) x[i]];
                    if (reuseFails && !reusedOnce[i] && failedAt[i] > 0 && eps[k] < failedAt[i]) {
                        reusedOnce[i] = true;
                        reused[k] = true;
                        est[k] = -1;           // the rows of the failed ball: nothing proven
                    } else {
                        est[k] = estimate(root, eps[k]);
                        radius[k] = Math.max(0, Math.min(eps[k], est[k]));
                        if (radius[k] < eps[k] && failedAt[i] == 0) {
                            failedAt[i] = eps[k];
                        }
                    }
                    log.add(i + " " + eps[k] + " " + reused[k]);
                }
                return new Step(radius, est, reused);
            };
        }
    }

    @Test
    void endsWithinTheToleranceBelowTheRootInFewPropagations() {
        double[] roots = {0.5, 3, 12.2, 17.9, 40};
        for (boolean reuseFails : new boolean[] {false, true}) {
            Curve net = new Curve(roots, reuseFails, true);
            double[] x = {0, 1, 2, 3, 4};
            double[] sound = new double[roots.length];
            double[] attack = new double[roots.length];
            for (int k = 0; k < roots.length; k++) {
                sound[k] = roots[k] / 20;             // LeNet-5: sound ≈ 0.05 × certified, attack ≈ 25 ×
                attack[k] = roots[k] * 25;
            }
            CertifiedRadius.Result r = CertifiedRadius.search(net, x, roots.length, sound, attack, CertifiedRadius.Settings.defaults());
            for (int k = 0; k < roots.length; k++) {
                String at = "root " + roots[k] + (reuseFails ? " (a reused propagation falls short)" : "") + ": radius " + r.radius()[k]
                        + " after " + r.steps()[k] + " propagations " + net.log;
                assertTrue(r.radius()[k] <= roots[k] && r.radius()[k] >= 0.99 * roots[k], at);
                // a geometric bisection of [sound, attack] (a ratio of 500) to 1 % takes ~10 propagations
                assertTrue(r.steps()[k] <= (reuseFails ? 9 : 8), at);
            }
        }
    }

    @Test
    void withoutEstimatesTheSearchStillBisectsToTheTolerance() {
        // the default session: +∞ where certified, the radius where short (no curve to follow beyond a ball)
        double[] roots = {0.5, 12.2};
        Curve plain = new Curve(roots, false, false);
        CertifiedRadius.Result r = CertifiedRadius.search(plain, new double[] {0, 1}, 2, null, null, CertifiedRadius.Settings.defaults());
        for (int k = 0; k < roots.length; k++) {
            assertTrue(r.radius()[k] <= roots[k] && r.radius()[k] >= 0.99 * roots[k], "root " + roots[k] + ": " + r.radius()[k]);
        }
        assertEquals(roots.length, r.steps().length);
    }

    /** The progress callback hears of every sample once, as its search ends: the total is n, in more than one step. */
    @Test
    void progressHearsOfEachSampleAsItsSearchEnds() {
        double[] roots = {0.5, 3, 12.2, 17.9, 40};
        Curve net = new Curve(roots, false, true);
        java.util.List<Integer> calls = new java.util.ArrayList<>();
        CertifiedRadius.Result r = CertifiedRadius.search(net, new double[] {0, 1, 2, 3, 4}, roots.length, null, null,
                CertifiedRadius.Settings.defaults(), calls::add);
        assertEquals(roots.length, calls.stream().mapToInt(Integer::intValue).sum(), calls.toString());
        int most = java.util.Arrays.stream(r.steps()).max().orElseThrow();
        int least = java.util.Arrays.stream(r.steps()).min().orElseThrow();
        assertTrue(least == most || calls.size() >= 2, "samples ending at different steps are told apart: " + calls);
        // out of steps: told at the end
        java.util.List<Integer> capped = new java.util.ArrayList<>();
        CertifiedRadius.search(net, new double[] {0, 1, 2, 3, 4}, roots.length, null, null,
                new CertifiedRadius.Settings(1e-2, 1, 1.0, 256L << 20), capped::add);
        assertEquals(roots.length, capped.stream().mapToInt(Integer::intValue).sum(), capped.toString());
    }
}

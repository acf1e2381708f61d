package io.robustbounds.attack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleFunction;
import org.junit.jupiter.api.Test;

/**
 * The binary search of Algorithm 2.1 on hand-made rays whose class along ε is known exactly: it returns the
 * upper end of the final interval (a point observed to flip), the interval is U·2^−steps wide with the
 * class unchanged at its lower end, success means f(x + U s) ≠ c, and on non-monotone rays it finds a flip,
 * not necessarily the first one.
 */
class FastGradientSignSearchTest {
    private static final int CLASSES = 3;

    /** A ray per sample, given as the class at each ε (one-hot logits). */
    private static Ray ray(List<DoubleFunction<Integer>> classAt) {
        return eps -> {
            double[] logits = new double[eps.length * CLASSES];
            for (int i = 0; i < eps.length; i++) {
                logits[i * CLASSES + classAt.get(i).apply(eps[i])] = 1;
            }
            return logits;
        };
    }

    @Test
    void stepsHalveTheIntervalBelowTolerance() {
        assertEquals(20, FastGradientSign.steps(1e-6));
        assertEquals(1, FastGradientSign.steps(0.5));
        assertEquals(2, FastGradientSign.steps(0.25));
        assertEquals(4, FastGradientSign.steps(0.1));
        for (double tol : new double[] {1e-6, 1e-3, 0.3, 0.5, 0.01}) {
            int s = FastGradientSign.steps(tol);
            assertTrue(Math.pow(2, -s) <= tol && Math.pow(2, -(s - 1)) > tol, "tolerance " + tol);
        }
        assertThrows(IllegalArgumentException.class, () -> FastGradientSign.steps(0));
        assertThrows(IllegalArgumentException.class, () -> FastGradientSign.steps(1));
    }

    /** Monotone rays: the class changes at ε* (strictly above it); ε ∈ (ε*, ε* + U·2^−20]. */
    @Test
    void monotoneRayBracketsTheFlip() {
        double[] stars = {0.3, 1e-7, 0.999999, 0.5};
        for (double u : new double[] {1.0, 100.0, 2.0}) {
            List<DoubleFunction<Integer>> rays = new ArrayList<>();
            for (double s : stars) {
                double star = s * u;
                rays.add(e -> e > star ? 2 : 0);
            }
            FastGradientSign.Result r = FastGradientSign.minimalEpsilon(ray(rays), new int[stars.length], CLASSES, u, 1e-6);
            assertEquals(20, r.steps());
            for (int i = 0; i < stars.length; i++) {
                double star = stars[i] * u;
                assertTrue(r.success()[i]);
                assertEquals(2, r.adversarialClass()[i]);
                double eps = r.epsilon()[i];
                assertTrue(eps > star && eps <= star + u * Math.pow(2, -20), "U = " + u + ", ε* = " + star + ", ε = " + eps);
            }
        }
    }

    /**
     * Non-monotone: flipped only on (0.2, 0.25] and (0.9, U]. The first midpoint 0.5 is unflipped, so the
     * search converges to 0.9 and misses the smaller window — allowed: the class along the ray is not monotone.
     * The returned ε is still a flip, and the lower end of the final interval is not.
     */
    @Test
    void nonMonotoneRayReturnsAnObservedFlip() {
        DoubleFunction<Integer> windows = e -> (e > 0.2 && e <= 0.25) || e > 0.9 ? 1 : 0;
        FastGradientSign.Result r = FastGradientSign.minimalEpsilon(ray(List.of(windows)), new int[] {0}, CLASSES, 1.0, 1e-6);
        assertTrue(r.success()[0]);
        double eps = r.epsilon()[0];
        assertTrue(eps > 0.9 && eps <= 0.9 + Math.pow(2, -20), "ε = " + eps);
        assertEquals(1, windows.apply(eps));
        assertEquals(0, windows.apply(eps - Math.pow(2, -20)));
    }

    /** Success is f(x + U s) ≠ c only: a ray that flips in the middle but not at U is a failure (ε NaN, class −1). */
    @Test
    void successIsDecidedAtTheUpperEnd() {
        FastGradientSign.Result r = FastGradientSign.minimalEpsilon(
                ray(List.of(e -> 0, e -> e > 0.3 && e < 0.7 ? 1 : 0, e -> e > 0.5 ? 2 : 1)),
                new int[] {0, 0, 1}, CLASSES, 1.0, 1e-6);
        for (int i = 0; i < 2; i++) {
            assertFalse(r.success()[i]);
            assertTrue(Double.isNaN(r.epsilon()[i]));
            assertEquals(-1, r.adversarialClass()[i]);
        }
        // sample 2 is predicted 1 and flips to 2 above 0.5
        assertTrue(r.success()[2]);
        assertEquals(2, r.adversarialClass()[2]);
        assertTrue(r.epsilon()[2] > 0.5 && r.epsilon()[2] <= 0.5 + Math.pow(2, -20));
    }

    /** The reported class is the one observed at the returned ε, not the one at U. */
    @Test
    void adversarialClassIsTheClassAtEpsilon() {
        DoubleFunction<Integer> twoStage = e -> e > 0.7 ? 1 : e > 0.3 ? 2 : 0;
        FastGradientSign.Result r = FastGradientSign.minimalEpsilon(ray(List.of(twoStage)), new int[] {0}, CLASSES, 1.0, 1e-3);
        assertEquals(10, r.steps());
        assertTrue(r.success()[0]);
        assertEquals(2, r.adversarialClass()[0]);
        assertEquals(twoStage.apply(r.epsilon()[0]), r.adversarialClass()[0]);
        assertTrue(r.epsilon()[0] > 0.3 && r.epsilon()[0] <= 0.3 + Math.pow(2, -10));
    }
}

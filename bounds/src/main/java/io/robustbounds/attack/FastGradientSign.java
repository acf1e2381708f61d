package io.robustbounds.attack;

import io.robustbounds.linalg.Workspaces;
import org.nd4j.linalg.api.memory.MemoryWorkspace;

/**
 * The smallest fast-gradient-sign step that changes the class: Algorithm 2.1 of the thesis, batched.
 *
 * <p>The caller supplies the ray x + ε·s with s = sign(∇ₓ CE(softmax(logits(x)), c)) (Goodfellow et al.,
 * eq. 2.8). The class along the ray is not monotone in ε, so the search keeps the invariant that the upper
 * end {@code hi} was <em>observed</em> to flip the class: success means f(x + U s) ≠ c, and the returned ε
 * is an end at which a flip was seen. The search stops when {@code hi − lo ≤ tolerance · U}.
 */
public final class FastGradientSign {
    private FastGradientSign() {
    }

    /** Per sample: ε (NaN without success), whether f(x + U s) ≠ c, and the class at x + ε s (−1 without success). */
    public record Result(double[] epsilon, boolean[] success, int[] adversarialClass, int steps) {
    }

    /** Number of halvings that bring an interval of width U below tolerance · U. */
    public static int steps(double tolerance) {
        if (!(tolerance > 0 && tolerance < 1)) {
            throw new IllegalArgumentException("fgs tolerance must be in (0, 1), got " + tolerance);
        }
        return (int) Math.ceil(Math.log(1.0 / tolerance) / Math.log(2.0) - 1e-9);
    }

    public static Result minimalEpsilon(Ray ray, int[] predicted, int classes, double upper, double tolerance) {
        if (!(upper > 0 && Double.isFinite(upper))) {
            throw new IllegalArgumentException("fgs upper end U must be positive and finite, got " + upper);
        }
        int n = predicted.length;
        int steps = steps(tolerance);
        double[] lo = new double[n];
        double[] hi = new double[n];
        java.util.Arrays.fill(hi, upper);
        boolean[] success = new boolean[n];
        int[] adversarial = new int[n];
        int[] atUpper = classesAt(ray, hi, classes);
        for (int i = 0; i < n; i++) {
            success[i] = atUpper[i] != predicted[i];
            adversarial[i] = success[i] ? atUpper[i] : -1;
        }
        double[] mid = new double[n];
        for (int s = 0; s < steps; s++) {
            for (int i = 0; i < n; i++) {
                mid[i] = 0.5 * (lo[i] + hi[i]);
            }
            int[] cls = classesAt(ray, mid, classes);
            for (int i = 0; i < n; i++) {
                if (cls[i] != predicted[i]) {
                    hi[i] = mid[i];
                    if (success[i]) {
                        adversarial[i] = cls[i];
                    }
                } else {
                    lo[i] = mid[i];
                }
            }
        }
        double[] eps = new double[n];
        for (int i = 0; i < n; i++) {
            eps[i] = success[i] ? hi[i] : Double.NaN;
        }
        return new Result(eps, success, adversarial, steps);
    }

    private static int[] classesAt(Ray ray, double[] eps, int classes) {
        try (MemoryWorkspace ignored = Workspaces.step(1)) {
            return Classes.argmax(ray.logitsAt(eps), classes);
        }
    }
}

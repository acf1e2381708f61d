package io.robustbounds.attack;

import io.robustbounds.linalg.Arrays2;
import io.robustbounds.linalg.Workspaces;
import java.util.Arrays;
import org.nd4j.linalg.api.memory.MemoryWorkspace;

/**
 * DeepFool, L2, multi-class (Moosavi-Dezfooli, Fawzi, Frossard, CVPR 2016, Algorithm 2), batched.
 *
 * <p>With c = f(x₀), f_k = L_k − L_c and w_k = ∇f_k at the iterate x_t = x₀ + R_t, the closest boundary of the
 * linearized classifier is l = argmin_{k≠c} |f_k| / ‖w_k‖ and the step onto it r_t = |f_l| / ‖w_l‖² · w_l
 * (eq. 10–11); R_{t+1} = R_t + r_t. The candidate is r = (1 + η)·R_t (the paper's overshoot, η = 0.02): a sample
 * stops at the first t whose candidate changes the class, checked by a forward pass of exactly x₀ + r, so every
 * reported r is a verified flip; samples that flipped drop out of the batch. (x₀ + R_t itself is not accepted:
 * on a piecewise-linear network it lies on the boundary up to rounding, a flip no other evaluation would confirm.) On an affine classifier the first step lands on the nearest boundary, so
 * the result is (1 + η)·δ(x) with δ of Theorem 3.6.
 *
 * <p>Per iteration and batch: one forward pass at x₀ + (1 + η)R_t (the check), one at x₀ + R_t, classes − 1
 * backward passes for the norms ‖w_k‖ and one for r_t (the backward pass is linear in its output weights, so
 * weights |f_l|/‖w_l‖²·(e_l − e_c) give r_t directly). A sample whose w_k all vanish (dead ReLUs) stops without
 * a result.
 */
public final class DeepFool {
    private DeepFool() {
    }

    /** @param overshoot η ≥ 0; @param maxIterations linearization steps, ≥ 1 */
    public record Settings(double overshoot, int maxIterations) {
        public Settings {
            if (!(overshoot >= 0 && overshoot < 1)) {
                throw new IllegalArgumentException("overshoot must be in [0, 1), got " + overshoot);
            }
            if (maxIterations < 1) {
                throw new IllegalArgumentException("maxIterations must be >= 1, got " + maxIterations);
            }
        }

        /** η = 0.02 (the paper's value), at most 50 iterations. */
        public static Settings defaults() {
            return new Settings(0.02, 50);
        }
    }

    /** DeepFool on n samples x (row-major [n · d]). */
    public static Adversarial run(Differentiable net, double[] x, int n, Settings settings) {
        Rows.checkBatch(net, x, n);
        int d = net.inputSize();
        int k = net.classes();
        double scale = 1 + settings.overshoot();
        double[] total = new double[n * d];            // R_t
        double[] point = new double[n * d];
        int[] predicted = new int[n];
        double[] norm = new double[n];
        Arrays.fill(norm, Double.NaN);
        int[] adversarial = new int[n];
        Arrays.fill(adversarial, -1);
        double[] perturbation = new double[n * d];
        String[] source = new String[n];
        int[] iterations = new int[n];
        boolean[] done = new boolean[n];
        for (int t = 0; ; t++) {
            final int iteration = t;
            if (t > 0) {                                // the check at x₀ + (1 + η) R_t
                int[] active = Rows.pending(done);
                for (int i : active) {
                    for (int j = i * d; j < (i + 1) * d; j++) {
                        point[j] = x[j] + scale * total[j];
                    }
                }
                Rows.forEach(net, active, point, (rows, pass) -> {
                    int[] cls = Classes.argmax(pass.logits(), k);
                    for (int r = 0; r < rows.length; r++) {
                        int i = rows[r];
                        if (cls[r] != predicted[i]) {
                            for (int j = i * d; j < (i + 1) * d; j++) {
                                perturbation[j] = scale * total[j];
                            }
                            norm[i] = Rows.norm(perturbation, i * d, d);
                            adversarial[i] = cls[r];
                            source[i] = "deepfool";
                            done[i] = true;
                        }
                    }
                });
            }
            if (t == settings.maxIterations()) {
                break;
            }
            int[] active = Rows.pending(done);
            if (active.length == 0) {
                break;
            }
            for (int i : active) {
                for (int j = i * d; j < (i + 1) * d; j++) {
                    point[j] = x[j] + total[j];
                }
            }
            Rows.forEach(net, active, point, (rows, pass) -> {
                double[] logits = pass.logits();
                int padded = logits.length / k;
                int[] classAt = Classes.argmax(logits, k);
                boolean[] live = new boolean[padded];
                for (int r = 0; r < rows.length; r++) {
                    int i = rows[r];
                    int cls = classAt[r];
                    if (iteration == 0) {
                        predicted[i] = cls;
                    }
                    live[r] = true;
                }
                // eq. 10: l = argmin_{k≠c} |f_k| / ‖w_k‖, one backward pass per rank m of k among the classes ≠ c
                double[] ratio = new double[padded];
                Arrays.fill(ratio, Double.POSITIVE_INFINITY);
                double[] stepScale = new double[padded];
                int[] closest = new int[padded];
                Arrays.fill(closest, -1);
                double[] w = new double[padded * k];
                for (int m = 1; m < k; m++) {
                    Arrays.fill(w, 0);
                    for (int r = 0; r < rows.length; r++) {
                        if (live[r]) {
                            int c = predicted[rows[r]];
                            w[r * k + (c + m) % k] = 1;
                            w[r * k + c] = -1;
                        }
                    }
                    double[] wNorm;
                    try (MemoryWorkspace ignored = Workspaces.step(Rows.INNER_WORKSPACE)) {
                        wNorm = Arrays2.toDoubles(pass.backward(w).norm2(1));
                    }
                    for (int r = 0; r < rows.length; r++) {
                        if (!live[r]) {
                            continue;
                        }
                        int c = predicted[rows[r]];
                        int e = (c + m) % k;
                        double f = Math.abs(logits[r * k + e] - logits[r * k + c]);
                        double g = wNorm[r];
                        if (g > 0 && f / g < ratio[r]) {
                            ratio[r] = f / g;
                            closest[r] = e;
                            stepScale[r] = f / (g * g);
                        }
                    }
                }
                // eq. 11: r_t = |f_l| / ‖w_l‖² · w_l = backward(|f_l| / ‖w_l‖² · (e_l − e_c))
                Arrays.fill(w, 0);
                for (int r = 0; r < rows.length; r++) {
                    if (!live[r]) {
                        continue;
                    }
                    if (closest[r] < 0) {
                        done[rows[r]] = true;           // every w_k = 0: no direction to follow
                        live[r] = false;
                        continue;
                    }
                    int c = predicted[rows[r]];
                    w[r * k + closest[r]] = stepScale[r];
                    w[r * k + c] = -stepScale[r];
                }
                double[] step = Arrays2.toDoubles(pass.backward(w));
                for (int r = 0; r < rows.length; r++) {
                    if (live[r]) {
                        int i = rows[r];
                        for (int j = 0; j < d; j++) {
                            total[i * d + j] += step[r * d + j];
                        }
                        iterations[i] = iteration + 1;
                    }
                }
            });
        }
        return new Adversarial("deepfool", d, predicted, norm, adversarial, perturbation, source, iterations);
    }
}

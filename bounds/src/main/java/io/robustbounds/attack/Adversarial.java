package io.robustbounds.attack;

import java.util.Arrays;

/**
 * Per sample of a batch: the class predicted at x, and the smallest adversarial perturbation an attack found,
 * r with f(x + r) ≠ f(x), every one verified by a forward pass of exactly x + r (in the network's type).
 *
 * @param attack           the attack's name ("fgs", "deepfool", "l2-search", or "best" for {@link BestOf})
 * @param inputSize        d
 * @param predicted        f(x)
 * @param norm             ‖r‖₂, NaN where none was found
 * @param adversarialClass f(x + r), −1 where none was found
 * @param perturbation     r row-major [n · d], zero rows where none was found or the vector is unknown; null when
 *                         the attack keeps no vectors (FGS from norms only)
 * @param source           per sample the attack that found r (null where none); for one attack, its name
 * @param iterations       per sample the attack's iterations (DeepFool steps, L2-search PGD steps), 0 if n/a
 */
public record Adversarial(String attack, int inputSize, int[] predicted, double[] norm, int[] adversarialClass,
                          double[] perturbation, String[] source, int[] iterations) {

    public Adversarial {
        int n = predicted.length;
        if (norm.length != n || adversarialClass.length != n || source.length != n || iterations.length != n
                || (perturbation != null && perturbation.length != (long) n * inputSize)) {
            throw new IllegalArgumentException("inconsistent lengths for " + n + " samples of " + inputSize + " values");
        }
    }

    public int size() {
        return predicted.length;
    }

    public boolean found(int i) {
        return !Double.isNaN(norm[i]);
    }

    /** The number of samples with a perturbation. */
    public int foundCount() {
        int c = 0;
        for (double v : norm) {
            c += Double.isNaN(v) ? 0 : 1;
        }
        return c;
    }

    /** Sample i's perturbation (a copy), or null when none was found or the vector is unknown. */
    public double[] perturbation(int i) {
        if (perturbation == null || !found(i)) {
            return null;
        }
        double[] r = Arrays.copyOfRange(perturbation, i * inputSize, (i + 1) * inputSize);
        for (double v : r) {
            if (v != 0) {
                return r;
            }
        }
        return null;
    }

    /**
     * FGS (Algorithm 2.1) as an attack result: ‖η‖ = ε·sqrt(#{s_i ≠ 0}) where it succeeded. {@code signs} (the
     * sign vectors s, [n · d]) may be null; with them the perturbations ε·s are kept.
     */
    public static Adversarial fromFgs(FastGradientSign.Result fgs, double[] nonZero, int[] predicted, int inputSize, double[] signs) {
        int n = predicted.length;
        double[] norm = new double[n];
        int[] cls = new int[n];
        String[] source = new String[n];
        double[] pert = signs == null ? null : new double[n * inputSize];
        for (int i = 0; i < n; i++) {
            boolean ok = fgs.success()[i];
            norm[i] = ok ? fgs.epsilon()[i] * Math.sqrt(nonZero[i]) : Double.NaN;
            cls[i] = ok ? fgs.adversarialClass()[i] : -1;
            source[i] = ok ? "fgs" : null;
            if (ok && pert != null) {
                for (int j = i * inputSize; j < (i + 1) * inputSize; j++) {
                    pert[j] = fgs.epsilon()[i] * signs[j];
                }
            }
        }
        return new Adversarial("fgs", inputSize, predicted.clone(), norm, cls, pert, source, new int[n]);
    }
}

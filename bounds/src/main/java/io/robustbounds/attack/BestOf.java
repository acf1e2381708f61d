package io.robustbounds.attack;

import java.util.Arrays;
import java.util.List;

/** Per sample the smallest verified adversarial perturbation across attacks, with the attack that found it. */
public final class BestOf {
    private BestOf() {
    }

    /**
     * The attack "best": per sample the smallest norm over {@code results} (ties to the earlier result), its class,
     * its vector where that result kept one (zero rows otherwise) and its source. All results must be for the
     * same samples and predicted classes.
     */
    public static Adversarial of(List<Adversarial> results) {
        if (results.isEmpty()) {
            throw new IllegalArgumentException("no attack results");
        }
        Adversarial first = results.get(0);
        int n = first.size();
        int d = first.inputSize();
        for (Adversarial a : results) {
            if (a.inputSize() != d || !Arrays.equals(a.predicted(), first.predicted())) {
                throw new IllegalArgumentException("attack '" + a.attack() + "' ran on other samples or another network than '"
                        + first.attack() + "'");
            }
        }
        double[] norm = new double[n];
        Arrays.fill(norm, Double.NaN);
        int[] cls = new int[n];
        Arrays.fill(cls, -1);
        double[] perturbation = new double[n * d];
        String[] source = new String[n];
        int[] iterations = new int[n];
        for (int i = 0; i < n; i++) {
            for (Adversarial a : results) {
                if (a.found(i) && (Double.isNaN(norm[i]) || a.norm()[i] < norm[i])) {
                    norm[i] = a.norm()[i];
                    cls[i] = a.adversarialClass()[i];
                    source[i] = a.source()[i];
                    iterations[i] = a.iterations()[i];
                    if (a.perturbation() != null) {
                        System.arraycopy(a.perturbation(), i * d, perturbation, i * d, d);
                    } else {
                        Arrays.fill(perturbation, i * d, (i + 1) * d, 0);
                    }
                }
            }
        }
        return new Adversarial("best", d, first.predicted().clone(), norm, cls, perturbation, source, iterations);
    }
}

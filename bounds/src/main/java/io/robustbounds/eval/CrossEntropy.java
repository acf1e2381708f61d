package io.robustbounds.eval;

/** The FGS direction's source: the cross-entropy's gradient at the predicted class, as output weights for back-propagation. */
final class CrossEntropy {
    private CrossEntropy() {
    }

    /**
     * softmax(L) − e_c times the positive factor Σ_j e^{L_j} / e^{L_r} (r the largest logit other than c):
     * entries e^{L_j − L_r} for j ≠ c and minus their sum at c. The factor leaves the gradient's sign
     * unchanged, and unlike the plain form it neither rounds p_c − 1 to 0 nor underflows every entry when
     * the margin is large.
     */
    static double[] direction(double[] logits, int[] predicted, int classes) {
        double[] r = new double[logits.length];
        for (int i = 0; i < predicted.length; i++) {
            int base = i * classes;
            int c = predicted[i];
            double runner = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < classes; j++) {
                if (j != c) {
                    runner = Math.max(runner, logits[base + j]);
                }
            }
            double sum = 0;
            for (int j = 0; j < classes; j++) {
                if (j != c) {
                    r[base + j] = Math.exp(logits[base + j] - runner);
                    sum += r[base + j];
                }
            }
            r[base + c] = -sum;
        }
        return r;
    }
}

package io.robustbounds.attack;

/** A batch of classifiers evaluated along rays x_i + ε_i s_i, one ray per sample. */
public interface Ray {
    /** Logits at x_i + ε_i s_i for every sample i, row-major [samples × classes]. */
    double[] logitsAt(double[] eps);
}

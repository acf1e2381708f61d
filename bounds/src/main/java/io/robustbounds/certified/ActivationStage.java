package io.robustbounds.certified;

import io.robustbounds.model.Activation;

/** An elementwise activation (a dense layer's, or ReLU after a convolution), relaxed by {@link Relaxation}'s lines. */
final class ActivationStage extends Stage {
    final Activation g;

    ActivationStage(Activation g, int size) {
        super(size, size);
        this.g = g;
    }

    /** Whether s is a ReLU (the stage kind with a choice of lower slope, and exact lines where stable). */
    static boolean isRelu(Stage s) {
        return s instanceof ActivationStage a && a.g == Activation.RELU;
    }
}

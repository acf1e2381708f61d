package io.robustbounds.certified;

/**
 * A stage {@link CrownNetwork} propagates through, on flat per-sample vectors in row-major (C, H, W) order
 * (docs/certified-mode.md, "Convolutional networks"): {@link LinearStage}s map a row block Λ over their output to Λ·M
 * over their input; the nonlinear ones ({@link ActivationStage}, {@link MaxPoolStage}) are relaxed by lines.
 */
abstract sealed class Stage permits LinearStage, ActivationStage, MaxPoolStage {
    /** Elements per sample of the stage's input and output. */
    final int in;
    final int out;

    Stage(int in, int out) {
        this.in = in;
        this.out = out;
    }
}

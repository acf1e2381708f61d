package io.robustbounds.eval;

import io.robustbounds.bounds.BoundMode;

/**
 * Per-sample results of one batch, column by column (index i is the i-th sample of the batch, models
 * first: sample i belongs to model i / samplesPerModel).
 *
 * <p>{@code kappas} holds the κ chain from the input to the output, {@code kappaCount} values per sample:
 * for an MLP [bound on the input, δ at the head]. {@code deviation} = ‖η‖ − bound; a {@code violation} is a
 * successful sample whose bound exceeds ‖η‖ (BOUNDS.md §2).
 */
public record SampleResults(
        BoundMode mode,
        int samplesPerModel,
        int[] predicted,
        int[] runnerUp,
        double[] delta,
        double[] jacobianNorm,
        double[] secondDerivativeBound,
        double[] bound,
        int kappaCount,
        double[] kappas,
        double[] fgsEpsilon,
        boolean[] fgsSuccess,
        double[] etaNorm,
        int[] adversarialClass,
        double[] deviation,
        boolean[] violation,
        int lanczosSteps,
        int lanczosUnconverged) {

    public int size() {
        return predicted.length;
    }

    public int violations() {
        int v = 0;
        for (boolean b : violation) {
            v += b ? 1 : 0;
        }
        return v;
    }

    public double[] kappasOf(int sample) {
        double[] k = new double[kappaCount];
        System.arraycopy(kappas, sample * kappaCount, k, 0, kappaCount);
        return k;
    }
}

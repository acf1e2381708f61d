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

    /** The first {@code n} samples of every model (drops padding rows). */
    public SampleResults keepFirst(int n) {
        int models = size() / samplesPerModel;
        int[] idx = new int[models * n];
        for (int k = 0; k < models; k++) {
            for (int i = 0; i < n; i++) {
                idx[k * n + i] = k * samplesPerModel + i;
            }
        }
        double[] kap = new double[idx.length * kappaCount];
        for (int j = 0; j < idx.length; j++) {
            System.arraycopy(kappas, idx[j] * kappaCount, kap, j * kappaCount, kappaCount);
        }
        return new SampleResults(mode, n, pick(predicted, idx), pick(runnerUp, idx), pick(delta, idx), pick(jacobianNorm, idx),
                pick(secondDerivativeBound, idx), pick(bound, idx), kappaCount, kap, pick(fgsEpsilon, idx), pick(fgsSuccess, idx),
                pick(etaNorm, idx), pick(adversarialClass, idx), pick(deviation, idx), pick(violation, idx), lanczosSteps, lanczosUnconverged);
    }

    private static double[] pick(double[] a, int[] idx) {
        double[] o = new double[idx.length];
        for (int j = 0; j < idx.length; j++) {
            o[j] = a[idx[j]];
        }
        return o;
    }

    private static int[] pick(int[] a, int[] idx) {
        int[] o = new int[idx.length];
        for (int j = 0; j < idx.length; j++) {
            o[j] = a[idx[j]];
        }
        return o;
    }

    private static boolean[] pick(boolean[] a, int[] idx) {
        boolean[] o = new boolean[idx.length];
        for (int j = 0; j < idx.length; j++) {
            o[j] = a[idx[j]];
        }
        return o;
    }

    public double[] kappasOf(int sample) {
        double[] k = new double[kappaCount];
        System.arraycopy(kappas, sample * kappaCount, k, 0, kappaCount);
        return k;
    }
}

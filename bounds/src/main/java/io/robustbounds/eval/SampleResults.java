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

    /** The results of consecutive chunks of one model's batch, as one (single-model results only). */
    public static SampleResults concat(java.util.List<SampleResults> parts) {
        if (parts.size() == 1) {
            return parts.get(0);
        }
        SampleResults first = parts.get(0);
        int n = parts.stream().mapToInt(SampleResults::size).sum();
        int k = first.kappaCount;
        int[] predicted = new int[n], runnerUp = new int[n], adversarial = new int[n];
        double[] delta = new double[n], jac = new double[n], m = new double[n], bound = new double[n], eps = new double[n],
                eta = new double[n], dev = new double[n], kap = new double[n * k];
        boolean[] success = new boolean[n], violation = new boolean[n];
        int at = 0;
        int steps = 0;
        int unconverged = 0;
        for (SampleResults r : parts) {
            if (r.kappaCount != k || r.mode != first.mode || r.samplesPerModel != r.size()) {
                throw new IllegalArgumentException("chunks differ in kappa count or mode, or hold several models");
            }
            int len = r.size();
            System.arraycopy(r.predicted, 0, predicted, at, len);
            System.arraycopy(r.runnerUp, 0, runnerUp, at, len);
            System.arraycopy(r.adversarialClass, 0, adversarial, at, len);
            System.arraycopy(r.delta, 0, delta, at, len);
            System.arraycopy(r.jacobianNorm, 0, jac, at, len);
            System.arraycopy(r.secondDerivativeBound, 0, m, at, len);
            System.arraycopy(r.bound, 0, bound, at, len);
            System.arraycopy(r.fgsEpsilon, 0, eps, at, len);
            System.arraycopy(r.etaNorm, 0, eta, at, len);
            System.arraycopy(r.deviation, 0, dev, at, len);
            System.arraycopy(r.fgsSuccess, 0, success, at, len);
            System.arraycopy(r.violation, 0, violation, at, len);
            System.arraycopy(r.kappas, 0, kap, at * k, len * k);
            steps = Math.max(steps, r.lanczosSteps);
            unconverged += r.lanczosUnconverged;
            at += len;
        }
        return new SampleResults(first.mode, n, predicted, runnerUp, delta, jac, m, bound, k, kap, eps, success, eta, adversarial,
                dev, violation, steps, unconverged);
    }

    public double[] kappasOf(int sample) {
        double[] k = new double[kappaCount];
        System.arraycopy(kappas, sample * kappaCount, k, 0, kappaCount);
        return k;
    }
}

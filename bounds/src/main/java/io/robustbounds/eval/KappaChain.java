package io.robustbounds.eval;

import io.robustbounds.bounds.BoundMode;

/**
 * One mode's κ chain for a batch, {@code kappaCount} values per sample from the network's input to the head (sample
 * after sample): [κ at the input (the bound), κ at the input of trunk layer 1, …, κ at the MLP's input, δ at the head].
 */
record KappaChain(BoundMode mode, int kappaCount, double[] kappas) {

    /** The chain from κ by position: {@code kappa[l][i]} is sample i's κ at position l. */
    static KappaChain of(BoundMode mode, double[][] kappa) {
        int k = kappa.length;
        int n = kappa[0].length;
        double[] kappas = new double[n * k];
        for (int i = 0; i < n; i++) {
            for (int l = 0; l < k; l++) {
                kappas[i * k + l] = kappa[l][i];
            }
        }
        return new KappaChain(mode, k, kappas);
    }

    /** The first κ of every sample: the bound on the input perturbation. */
    double[] inputBound() {
        double[] b = new double[kappas.length / kappaCount];
        for (int i = 0; i < b.length; i++) {
            b[i] = kappas[i * kappaCount];
        }
        return b;
    }
}

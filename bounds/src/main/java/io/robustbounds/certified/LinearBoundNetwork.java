package io.robustbounds.certified;

/**
 * A classifier that linear-relaxation bound propagation can certify around a batch of samples (the certified bound
 * mode's strategy; {@link Certified#of} builds one for a model). {@link CertifiedRadius} searches ε over it.
 */
public interface LinearBoundNetwork {

    /** Elements of one sample (d). */
    int inputSize();

    int classes();

    /** The predicted classes of n samples x (row-major [n · d]) by a double forward pass. */
    int[] predict(double[] x, int n);

    /**
     * One bound propagation per sample over the L2 ball of radius {@code eps[i]} around sample i: a radius
     * rᵢ ≤ εᵢ such that every x' with ‖x' − xᵢ‖₂ < rᵢ is proven to have class {@code classes[i]} as the unique
     * largest logit of the exact network (0 where nothing is proven). rᵢ = εᵢ means the whole ball is certified.
     *
     * @param batchMemory bytes of working memory the propagation may use; larger batches run in chunks
     */
    double[] certifiedWithin(double[] x, int n, int[] classes, double[] eps, long batchMemory);

    /**
     * How the radius is proven: {@code crown} (linear relaxation throughout), or a label naming the layers where a
     * fallback replaced the relaxation (e.g. {@code crown+lipschitz(layer 2: lrn)}), to be recorded with the result.
     */
    default String description() {
        return "crown";
    }

    /**
     * The ε search's propagations over fixed samples x (n of them, classes given), which may reuse work between calls
     * ({@link CrownNetwork} reuses intermediate bound rows). By default every call is one {@link #certifiedWithin}.
     */
    default Session session(double[] x, int n, int[] classes, long batchMemory) {
        int d = inputSize();
        return (samples, eps) -> {
            double[] r = certifiedWithin(rowsOf(x, d, samples), samples.length, io.robustbounds.linalg.Arrays2.pick(classes, samples), eps, batchMemory);
            double[] estimate = new double[r.length];
            for (int k = 0; k < r.length; k++) {
                estimate[k] = r[k] >= eps[k] ? Double.POSITIVE_INFINITY : r[k];     // unknown beyond a certified ball
            }
            return new Step(r, estimate);
        };
    }

    /** Rows {@code samples} of x (rows of d values), in that order: a session's samples of its batch. */
    static double[] rowsOf(double[] x, int d, int[] samples) {
        double[] out = new double[samples.length * d];
        for (int k = 0; k < samples.length; k++) {
            System.arraycopy(x, samples[k] * d, out, k * d, d);
        }
        return out;
    }

    /** Bytes a {@link #session} keeps per sample between calls (0: nothing). */
    default long sessionBytesPerSample() {
        return 0;
    }

    /** Propagations over a session's samples. */
    interface Session {
        /** One propagation for the given samples (indices into the session's samples), each at its radius eps[k]. */
        Step propagate(int[] samples, double[] eps);
    }

    /**
     * Per sample: the proven radius (as {@link #certifiedWithin}: ≤ ε) and an estimate ≥ it of where this
     * propagation's margin bounds reach (min_j A_j/B_j; proven only up to ε; below the radius, even negative, where the
     * ball is not certified: how far the bounds fall short) — the search's guess for its next ε.
     */
    record Step(double[] radius, double[] estimate, boolean[] reused) {
        Step(double[] radius, double[] estimate) {
            this(radius, estimate, null);
        }

        /**
         * Whether sample k's propagation reused bounds of a larger ball: then falling short says nothing about a fresh
         * propagation at that ε, and the search tries it again (the session then propagates it afresh).
         */
        boolean reused(int k) {
            return reused != null && reused[k];
        }
    }
}

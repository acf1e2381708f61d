package io.robustbounds.certified;

/**
 * A classifier that linear-relaxation bound propagation can certify around a batch of samples (the certified bound
 * mode's strategy; {@link CrownMlp} for MLPs and linear classifiers). {@link CertifiedRadius} searches ε over it.
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
}

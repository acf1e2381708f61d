package io.robustbounds.cnn;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The batched computations of one convolutional-network layer (thesis ch. 5), on a batch whose first
 * dimension is the sample: [N, C, H, W] for image-shaped layers, [N, d] after flatten.
 *
 * <p>Each implementation is a record holding the layer's parameters. Network-level chaining (Algorithm 5.1:
 * κ from the output backwards, every κ_l kept), the model format and the evaluator join these in the CNN
 * issue; until then the ops are used and tested on their own.
 */
public interface LayerOp {

    /** Output shape of one sample for one sample's input shape; throws IllegalArgumentException naming both. */
    long[] outputShape(long[] inputShape);

    /** The layer applied to a batch x. */
    INDArray forward(INDArray x);

    /**
     * The gradient of a scalar loss with respect to the layer's input, given x (the forward input) and
     * gradOut = ∂loss/∂output for every sample (backpropagation; FGS needs it).
     */
    INDArray inputGradient(INDArray x, INDArray gradOut);

    /**
     * Paper-mode bound (BOUNDS.md §1): per sample, the κ of this layer's input given {@code nextKappa}, the κ
     * of its output (any perturbation of the output that changes the class has norm ≥ κ). x is the forward
     * input and y = forward(x). Several of these are not valid in general (BOUNDS.md §3).
     */
    double[] paperKappa(INDArray x, INDArray y, double[] nextKappa);
}

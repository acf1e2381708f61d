package io.robustbounds.model;

import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A convolutional-network layer kind (thesis ch. 5), on a batch whose first dimension is the sample: [N, C, H, W]
 * for image-shaped layers, [N, d] after flatten. Beyond a {@link Layer} it carries what Algorithm 5.1 chains
 * backwards from the MLP's input, one layer at a time: its paper-mode κ (the thesis' theorem for its kind) and, for
 * the sound mode, its own rounding. The bound modes apply them through {@code bounds.Derivation}.
 */
public sealed interface TrunkLayer extends Layer permits Conv2d, Pool2d, BatchNorm, Lrn, Flatten {

    /** Output shape of one sample for one sample's input shape; throws IllegalArgumentException naming both. */
    long[] outputShape(long[] inputShape);

    /** {@link #outputShape(long[])} with errors as a ModelException naming the layer (model validation). */
    @Override
    default long[] outputShape(long[] inputShape, int index) {
        try {
            return outputShape(inputShape);
        } catch (IllegalArgumentException e) {
            throw new ModelException("layer " + index + " (" + kind() + "): " + e.getMessage(), e);
        }
    }

    /**
     * {@link #inputGradient(INDArray, INDArray)} when the forward output y = forward(x) is at hand: kinds that would
     * recompute it (a convolution's ReLU mask) use it instead.
     */
    default INDArray inputGradient(INDArray x, INDArray y, INDArray gradOut) {
        return inputGradient(x, gradOut);
    }

    /** This layer with its tensors in the given type (the evaluator's compute type); parameter-free kinds return this. */
    @Override
    default TrunkLayer withDataType(DataType type) {
        return this;
    }

    @Override
    default Map<String, INDArray> tensors() {
        return Map.of();
    }

    /**
     * Paper-mode bound (BOUNDS.md §1): per sample, the κ of this layer's input given {@code nextKappa}, the κ
     * of its output (any perturbation of the output that changes the class has norm ≥ κ). x is the forward
     * input and y = forward(x). Several of these are not valid in general (BOUNDS.md §3).
     */
    double[] paperKappa(INDArray x, INDArray y, double[] nextKappa);

    /**
     * Sound mode: this layer's own rounding for one sample of the given shape computed with unit roundoff u, as
     * ρ ≤ a‖x̂‖ + b‖ŷ‖ + c (docs/sound-mode.md, "Rounding"); with its {@link #lipschitz()} it bounds how far the
     * computed activations can lie from the exact network's.
     */
    io.robustbounds.bounds.Rounding.Layer rounding(long[] inputShape, double u);
}

package io.robustbounds.cnn;

import io.robustbounds.model.Layer;
import io.robustbounds.model.ModelException;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The batched computations of one convolutional-network layer (thesis ch. 5), on a batch whose first
 * dimension is the sample: [N, C, H, W] for image-shaped layers, [N, d] after flatten.
 *
 * <p>Each implementation is a record holding the layer's parameters, and is the model's {@link Layer} of that
 * kind. The evaluator ({@code eval.CnnEvaluator}) runs them forwards, back-propagates the FGS gradient
 * through them and chains their κ backwards from the MLP head (Algorithm 5.1).
 */
public interface LayerOp extends Layer {

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

    /** This layer with its tensors in the given type (the evaluator's compute type); parameter-free kinds return this. */
    default LayerOp withDataType(DataType type) {
        return this;
    }

    @Override
    default Map<String, INDArray> tensors() {
        return Map.of();
    }

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

    /**
     * Sound mode: a proven upper bound on the layer's Lipschitz constant in the Euclidean norm, for every input
     * (docs/sound-mode.md); the κ of its input is then κ / L.
     */
    double lipschitz();

    /**
     * Sound mode: this layer's own rounding for one sample of the given shape computed with unit roundoff u, as
     * ρ ≤ a‖x̂‖ + b‖ŷ‖ + c (docs/sound-mode.md, "Rounding"); with its {@link #lipschitz()} it bounds how far the
     * computed activations can lie from the exact network's.
     */
    io.robustbounds.bounds.Rounding.Layer rounding(long[] inputShape, double u);
}

package io.robustbounds.model;

import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One layer of a classifier's trunk, a record per {@link LayerKind} that owns its parameters, its forward pass on a
 * batch (first dimension the sample), its input gradient and its constants. {@link DenseLayer}s form the MLP part,
 * bounded as one block with the head (Theorem 4.2; batched for stacks of models by {@code eval.DenseStack});
 * the convolutional-network kinds are {@link TrunkLayer}s, which also carry their per-layer bound (Algorithm 5.1).
 */
public sealed interface Layer permits DenseLayer, TrunkLayer {

    LayerKind kind();

    /** Shape of one sample's output, given one sample's input shape; throws naming the layer if they do not fit. */
    long[] outputShape(long[] inputShape, int index);

    /** Weight tensors by role ("weight", "bias", …), as written to .npy files; empty for parameter-free kinds. */
    Map<String, INDArray> tensors();

    /** This layer with its tensors in the given type (the evaluator's compute type); parameter-free kinds return this. */
    Layer withDataType(DataType type);

    /** The layer applied to a batch x. */
    INDArray forward(INDArray x);

    /**
     * The gradient of a scalar loss with respect to the layer's input, given x (the forward input) and
     * gradOut = ∂loss/∂output for every sample (backpropagation; FGS needs it).
     */
    INDArray inputGradient(INDArray x, INDArray gradOut);

    /**
     * Sound mode: a proven upper bound on the layer's Lipschitz constant in the Euclidean norm, for every input
     * (docs/sound-mode.md); the κ of its input is then κ / L.
     */
    double lipschitz();
}

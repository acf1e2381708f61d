package io.robustbounds.model;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One layer kind of a classifier's trunk. A closed set: each kind is a record that knows its shapes and
 * weights; the evaluation engines know its forward pass, input gradient and bound (BOUNDS.md §1).
 * Convolution, pooling, batch-norm, LRN and flatten join as further permitted records.
 */
public sealed interface Layer permits DenseLayer {

    /** The name used in model.json ("dense", …). */
    String kind();

    /** Shape of one sample's output, given one sample's input shape; throws naming the layer if they do not fit. */
    long[] outputShape(long[] inputShape, int index);

    /** Weight tensors by role ("weight", "bias"), as written to .npy files. */
    Map<String, INDArray> tensors();
}

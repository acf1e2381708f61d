package io.robustbounds.model;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One layer kind of a classifier's trunk, a record that knows its shapes and weights: {@link DenseLayer}
 * (whose batched math lives in the MLP engine, {@code eval.DenseStack}) and the convolutional-network kinds
 * of {@code io.robustbounds.cnn} (convolution, pooling, batch norm, LRN, flatten), which carry their own
 * forward pass, input gradient and paper bound ({@code cnn.LayerOp}). The model format knows every kind.
 */
public interface Layer {

    /** The name used in model.json ("dense", "conv", "pool", "batchnorm", "lrn", "flatten"). */
    String kind();

    /** Shape of one sample's output, given one sample's input shape; throws naming the layer if they do not fit. */
    long[] outputShape(long[] inputShape, int index);

    /** Weight tensors by role ("weight", "bias", …), as written to .npy files; empty for parameter-free kinds. */
    Map<String, INDArray> tensors();
}

package io.robustbounds.model;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Checks shared by the layer records; messages name the layer and the field. */
final class Tensors {
    private Tensors() {
    }

    /** A [rows, cols] weight and a [rows] bias of one affine layer. */
    static void requireAffine(INDArray weight, INDArray bias, String layer) {
        requireRank(weight, 2, layer, "weight");
        requireRank(bias, 1, layer, "bias");
        if (bias.length() != weight.size(0)) {
            throw new ModelException(layer + ": bias has " + bias.length() + " values, expected " + weight.size(0)
                    + " (rows of weight " + Arrays.toString(weight.shape()) + ")");
        }
    }

    static void requireRank(INDArray a, int rank, String layer, String field) {
        if (a == null) {
            throw new ModelException(layer + ": " + field + " is missing");
        }
        if (a.rank() != rank) {
            throw new ModelException(layer + ": " + field + " must have rank " + rank + ", got shape "
                    + Arrays.toString(a.shape()));
        }
        if (!a.dataType().isFPType()) {
            throw new ModelException(layer + ": " + field + " must be floating point, got " + a.dataType());
        }
    }
}

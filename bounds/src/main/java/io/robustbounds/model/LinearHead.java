package io.robustbounds.model;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The linear output layer read through softmax: logits {@code W h + b}, class {@code argmax} (thesis §3.2).
 * W has shape [classes, features], b shape [classes].
 */
public record LinearHead(INDArray weight, INDArray bias) {

    public LinearHead {
        Tensors.requireAffine(weight, bias, "output");
        if (weight.size(0) < 2) {
            throw new ModelException("output: a classifier needs at least 2 classes, weight has shape "
                    + Arrays.toString(weight.shape()));
        }
    }

    public int classes() {
        return (int) weight.size(0);
    }

    public int inputSize() {
        return (int) weight.size(1);
    }

    public Map<String, INDArray> tensors() {
        Map<String, INDArray> t = new LinkedHashMap<>();
        t.put("weight", weight);
        t.put("bias", bias);
        return t;
    }
}

package io.robustbounds.model;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Fully connected layer {@code h = g(V x + c)} (thesis §4.1): weight V of shape [out, in], bias c of
 * shape [out], activation g.
 */
public record DenseLayer(INDArray weight, INDArray bias, Activation activation) implements Layer {

    public DenseLayer {
        Tensors.requireAffine(weight, bias, "dense");
        if (activation == null) {
            throw new ModelException("dense: activation is missing");
        }
    }

    public int inputSize() {
        return (int) weight.size(1);
    }

    public int outputSize() {
        return (int) weight.size(0);
    }

    @Override
    public String kind() {
        return "dense";
    }

    @Override
    public long[] outputShape(long[] inputShape, int index) {
        if (inputShape.length != 1 || inputShape[0] != inputSize()) {
            throw new ModelException("layer " + index + " (dense): expected input " + Arrays.toString(new long[] {inputSize()})
                    + ", got " + Arrays.toString(inputShape));
        }
        return new long[] {outputSize()};
    }

    @Override
    public Map<String, INDArray> tensors() {
        Map<String, INDArray> t = new LinkedHashMap<>();
        t.put("weight", weight);
        t.put("bias", bias);
        return t;
    }
}

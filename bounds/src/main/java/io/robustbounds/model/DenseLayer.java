package io.robustbounds.model;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Fully connected layer {@code h = g(V x + c)} (thesis §4.1): weight V of shape [out, in], bias c of
 * shape [out], activation g. Its forward pass and input gradient here work on one model's batch [N, in]; the
 * evaluators run the same math on stacks of models at once ({@code eval.DenseStack}), and bound the dense layers
 * as one block with the head (Theorem 4.2 in paper mode, Π A_i‖V_i‖₂ or the certified ‖J‖ in sound mode), not
 * layer by layer.
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
    public LayerKind kind() {
        return LayerKind.DENSE;
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

    @Override
    public DenseLayer withDataType(DataType type) {
        return weight.dataType() == type && bias.dataType() == type ? this
                : new DenseLayer(weight.castTo(type), bias.castTo(type), activation);
    }

    /** g(x Vᵀ + c) for a batch x [N, in]. */
    @Override
    public INDArray forward(INDArray x) {
        return activation.apply(preActivation(x));
    }

    /** (gradOut ⊙ g'(z)) V for a batch x [N, in], z = x Vᵀ + c. */
    @Override
    public INDArray inputGradient(INDArray x, INDArray gradOut) {
        INDArray z = preActivation(x);
        return Nd4j.matmul(gradOut.mul(activation.slope(z, activation.apply(z.dup()))), weight);
    }

    private INDArray preActivation(INDArray x) {
        if (x.rank() != 2 || x.size(1) != inputSize()) {
            throw new IllegalArgumentException("dense: expected a batch [N, " + inputSize() + "], got " + Arrays.toString(x.shape()));
        }
        return Nd4j.matmul(x, weight, false, true, false).addiRowVector(bias);
    }

    /** Sound mode: A·‖V‖₂ (A = sup|g'|, the spectral norm certified in double, SoundBounds.spectralNorm). */
    @Override
    public double lipschitz() {
        return activation.firstDerivativeBound()
                * io.robustbounds.bounds.SoundBounds.spectralNorm(io.robustbounds.linalg.Arrays2.toDoubles(weight), outputSize(), inputSize());
    }
}

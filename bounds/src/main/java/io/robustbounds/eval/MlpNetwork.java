package io.robustbounds.eval;

import io.robustbounds.attack.Differentiable;
import io.robustbounds.model.Model;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** One MLP or linear classifier ({@link DenseStack} of one model) for the attacks: batches [N, d] run as [1, N, d]. */
public final class MlpNetwork implements Differentiable {
    private final DenseStack net;

    public MlpNetwork(DenseStack net) {
        if (net.models != 1) {
            throw new IllegalArgumentException("the attacks take one model, got a stack of " + net.models);
        }
        this.net = net;
    }

    public static MlpNetwork of(Model model, DataType type) {
        return new MlpNetwork(DenseStack.of(model, type));
    }

    @Override
    public int inputSize() {
        return net.inputSize;
    }

    @Override
    public int classes() {
        return net.classes;
    }

    @Override
    public DataType dataType() {
        return net.dataType;
    }

    @Override
    public int minRows() {
        return Padding.MLP_ATTACK_ROWS;
    }

    /** Batches of exactly {@link Padding#MLP_ATTACK_ROWS} rows: every product has one shape. */
    @Override
    public int maxRows() {
        return Padding.MLP_ATTACK_ROWS;
    }

    @Override
    public Pass forward(INDArray x) {
        long rows = x.size(0);
        DenseStack.Forward f = net.forward(x.reshape('c', 1, rows, net.inputSize));
        return new Pass() {
            @Override
            public double[] logits() {
                return f.logits();
            }

            @Override
            public INDArray backward(double[] outputWeights) {
                return net.inputGradient(f, outputWeights).reshape('c', rows, net.inputSize);
            }
        };
    }
}

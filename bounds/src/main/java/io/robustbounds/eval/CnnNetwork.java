package io.robustbounds.eval;

import io.robustbounds.attack.Differentiable;
import io.robustbounds.model.TrunkLayer;
import io.robustbounds.model.Model;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A convolutional network ({@link CnnEvaluator}'s trunk of {@link TrunkLayer}s, then its MLP) for the attacks:
 * forward through the trunk and the MLP; backward through the MLP's input gradient, then every trunk layer's.
 * Batches have exactly {@link Padding#BLOCK_ROWS} rows, as the evaluator's chunks (padded or split), so every product
 * has one shape and a sample's result does not depend on the others in its batch.
 *
 * <p>Backward passes hand every trunk layer its forward output ({@link TrunkLayer#inputGradient(INDArray, INDArray,
 * INDArray)}): a convolution followed by ReLU takes its mask from it (output &gt; 0, the same mask as z &gt; 0) instead
 * of convolving again on every backward pass, and DeepFool makes one per class.
 */
public final class CnnNetwork implements Differentiable {
    private final List<TrunkLayer> trunk;
    private final DenseStack mlp;
    private final long[] inputShape;
    private final int inputSize;

    public CnnNetwork(CnnEvaluator evaluator) {
        this.trunk = evaluator.trunk();
        this.mlp = evaluator.mlp();
        this.inputShape = evaluator.inputShape();
        this.inputSize = evaluator.inputSize();
    }

    public static CnnNetwork of(Model model, EvalSettings settings) {
        return new CnnNetwork(new CnnEvaluator(model, settings));
    }

    @Override
    public int inputSize() {
        return inputSize;
    }

    @Override
    public int classes() {
        return mlp.classes;
    }

    @Override
    public DataType dataType() {
        return mlp.dataType;
    }

    @Override
    public int minRows() {
        return Padding.BLOCK_ROWS;
    }

    @Override
    public int maxRows() {
        return Padding.BLOCK_ROWS;
    }

    @Override
    public Pass forward(INDArray x) {
        long rows = x.size(0);
        long[] shape = new long[inputShape.length + 1];
        shape[0] = rows;
        System.arraycopy(inputShape, 0, shape, 1, inputShape.length);
        INDArray[] acts = new INDArray[trunk.size() + 1];
        acts[0] = x.reshape('c', shape);
        for (int l = 0; l < trunk.size(); l++) {
            acts[l + 1] = trunk.get(l).forward(acts[l]);
        }
        INDArray out = acts[trunk.size()];
        DenseStack.Forward f = mlp.forward(out.reshape('c', 1, rows, out.length() / rows));
        return new Pass() {
            @Override
            public double[] logits() {
                return f.logits();
            }

            @Override
            public INDArray backward(double[] outputWeights) {
                INDArray g = mlp.inputGradient(f, outputWeights).reshape('c', out.shape());
                for (int l = trunk.size() - 1; l >= 0; l--) {
                    g = trunk.get(l).inputGradient(acts[l], acts[l + 1], g);
                }
                return g.reshape('c', rows, inputSize);
            }
        };
    }
}

package io.robustbounds.eval;

import io.robustbounds.attack.Differentiable;
import io.robustbounds.model.Conv2d;
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
 * <p>A convolution followed by ReLU is back-propagated as its ReLU mask (output &gt; 0, taken from the forward
 * pass, the same mask as z &gt; 0) then the convolution's linear part: {@link Conv2d#inputGradient} would
 * recompute the convolution for the mask on every backward pass, and DeepFool makes one per class.
 */
public final class CnnNetwork implements Differentiable {
    private final List<TrunkLayer> trunk;
    private final DenseStack mlp;
    private final long[] inputShape;
    private final int inputSize;
    /** Per trunk layer: the convolution without its ReLU where the layer is a convolution + ReLU, else null. */
    private final Conv2d[] linearConv;

    public CnnNetwork(CnnEvaluator evaluator) {
        this.trunk = evaluator.trunk();
        this.mlp = evaluator.mlp();
        this.inputShape = evaluator.inputShape();
        this.inputSize = evaluator.inputSize();
        this.linearConv = new Conv2d[trunk.size()];
        for (int l = 0; l < trunk.size(); l++) {
            if (trunk.get(l) instanceof Conv2d c && c.relu()) {
                linearConv[l] = new Conv2d(c.weight(), c.bias(), c.stride(), c.padding(), false);
            }
        }
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
        INDArray[] masks = new INDArray[trunk.size()];  // in the pass's workspace: backward passes may run in inner ones
        for (int l = 0; l < trunk.size(); l++) {
            if (linearConv[l] != null) {
                masks[l] = acts[l + 1].gt(0).castTo(acts[l + 1].dataType());
            }
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
                    g = linearConv[l] != null ? linearConv[l].inputGradient(acts[l], g.mul(masks[l]))
                            : trunk.get(l).inputGradient(acts[l], g);
                }
                return g.reshape('c', rows, inputSize);
            }
        };
    }
}

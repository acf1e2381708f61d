package io.robustbounds.model;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Flatten (thesis §5.2.5): [N, C, H, W] → [N, C·H·W] in row-major (C) order, the order the project's
 * features are stored in. A reshape is an isometry, so κ passes through unchanged.
 */
public record Flatten() implements TrunkLayer {

    @Override
    public LayerKind kind() {
        return LayerKind.FLATTEN;
    }

    @Override
    public long[] outputShape(long[] in) {
        if (in.length == 0) {
            throw new IllegalArgumentException("flatten: expected an input shape of rank ≥ 1, got " + Arrays.toString(in));
        }
        long d = 1;
        for (long s : in) {
            d *= s;
        }
        return new long[] {d};
    }

    @Override
    public INDArray forward(INDArray x) {
        if (x.rank() < 2) {
            throw new IllegalArgumentException("flatten: expected a batch [N, ...], got " + Arrays.toString(x.shape()));
        }
        return x.reshape('c', x.size(0), x.length() / x.size(0));
    }

    @Override
    public INDArray inputGradient(INDArray x, INDArray gradOut) {
        long[] expected = {x.size(0), x.length() / x.size(0)};
        if (!Arrays.equals(gradOut.shape(), expected)) {
            throw new IllegalArgumentException("flatten: gradOut must have the output's shape " + Arrays.toString(expected)
                    + " (input " + Arrays.toString(x.shape()) + "), got " + Arrays.toString(gradOut.shape()));
        }
        return gradOut.reshape('c', x.shape());
    }

    /** §5.2.5: κ unchanged (flatten only reorders coordinates). */
    @Override
    public double[] paperKappa(INDArray x, INDArray y, double[] nextKappa) {
        return nextKappa.clone();
    }

    /** Sound mode: a reshape is an isometry. */
    @Override
    public io.robustbounds.bounds.Rounding.Layer rounding(long[] inputShape, double u) {
        return io.robustbounds.bounds.Rounding.Layer.EXACT; // a reshape
    }

    @Override
    public double lipschitz() {
        return 1;
    }
}

package io.robustbounds.model;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Shape checks shared by the channel-wise layers (BatchNorm, Lrn). */
final class Batches {
    private Batches() {
    }

    /** Elements per channel of one sample of a batch [N, C, ...] (H·W, or 1 for [N, d]); {@code layer} names it in errors. */
    static int elementsPerChannel(INDArray x, String layer) {
        long[] s = x.shape();
        if (s.length < 2 || s[1] < 1) {
            throw new IllegalArgumentException(layer + " needs a batch [N, C, ...] with C >= 1, got shape " + Arrays.toString(s));
        }
        long in = 1;
        for (int i = 2; i < s.length; i++) {
            in *= s[i];
        }
        return Math.toIntExact(in);
    }

    /** gradOut of a shape-preserving layer must have the input's shape. */
    static void requireInputShape(INDArray x, INDArray gradOut) {
        if (!Arrays.equals(x.shape(), gradOut.shape())) {
            throw new IllegalArgumentException("gradOut shape " + Arrays.toString(gradOut.shape()) + " differs from input shape "
                    + Arrays.toString(x.shape()));
        }
    }
}

package io.robustbounds.attack;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A classifier the gradient attacks can run on: one model, logits and input gradients of a batch of flat
 * samples [N, d] (each row a sample in C order, C×H×W for images). Adapters: {@code eval.MlpNetwork},
 * {@code eval.CnnNetwork}.
 *
 * <p>The attacks evaluate any subset of their samples together (they drop samples that are done), so a row's
 * results must not depend on the other rows of its batch: batches are padded to at least {@link #minRows()}
 * rows (OpenBLAS rounds small products differently) and split to at most {@link #maxRows()}.
 * Everything runs inside a workspace opened by the attack; results leave as Java arrays.
 */
public interface Differentiable {

    /** Elements of one sample (d). */
    int inputSize();

    int classes();

    /** The type batches are built in. */
    DataType dataType();

    /** Fewest rows of a batch: smaller batches are padded with zero rows whose results are ignored. */
    int minRows();

    /** Most rows evaluated at once (bounds working memory). */
    int maxRows();

    /** The forward pass of a batch [N, d] in {@link #dataType()}. */
    Pass forward(INDArray x);

    /** One forward pass, kept for any number of backward passes at the same points. */
    interface Pass {
        /** Logits, row-major [N · classes]. */
        double[] logits();

        /**
         * Per row i: Σ_j w[i·classes + j] ∂L_j/∂x_i, as an array [N, d] (a vector–Jacobian product; linear in w).
         */
        INDArray backward(double[] outputWeights);
    }
}

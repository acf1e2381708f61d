package io.robustbounds.eval;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What a bound strategy sees of one batch's forward pass: the trunk's activations [x, h_1, …, h_T] (just [x] for an
 * MLP), the MLP part on the trunk's output with its forward pass, and the head's paper quantities (δ, ‖J‖, M, the
 * Theorem 4.2 bound).
 */
record ForwardPass(INDArray[] trunkActivations, DenseStack mlp, DenseStack.Forward mlpForward, MlpHead head) {

    /** Trunk layers T (0 for an MLP). */
    int trunkDepth() {
        return trunkActivations.length - 1;
    }
}

package io.robustbounds.bounds;

import io.robustbounds.model.TrunkLayer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One bound mode's step through one trunk layer (Algorithm 5.1, run from the MLP's input back to the network's): per
 * sample, the κ of the layer's input from the κ of its output ({@code nextKappa}: every class-changing perturbation of
 * the output has norm ≥ κ). x is the layer's forward input and y its output, both as computed. One instance per layer
 * of a compiled trunk, built by {@link #paper} or {@link #sound}; a network-level strategy ({@code eval.BoundStrategy})
 * chains them.
 */
@FunctionalInterface
public interface Derivation {

    double[] inputKappa(INDArray x, INDArray y, double[] nextKappa);

    /** Paper mode (BOUNDS.md §1): the thesis' theorem for the layer's kind ({@link TrunkLayer#paperKappa}); not valid in general (§3). */
    static Derivation paper(TrunkLayer layer) {
        return layer::paperKappa;
    }

    /** Sound mode (docs/sound-mode.md): κ / L, L the layer's proven Lipschitz constant ({@link TrunkLayer#lipschitz}). */
    static Derivation sound(double lipschitz) {
        return (x, y, nextKappa) -> {
            double[] out = new double[nextKappa.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = nextKappa[i] / lipschitz;
            }
            return out;
        };
    }
}

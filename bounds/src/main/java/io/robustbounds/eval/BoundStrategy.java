package io.robustbounds.eval;

import io.robustbounds.bounds.BoundMode;
import io.robustbounds.bounds.Derivation;
import io.robustbounds.model.TrunkLayer;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One bound mode at the network level: from a batch's forward pass, every sample's κ chain (Algorithm 5.1). The
 * evaluators run one strategy per requested mode on the same pass and know no mode; a mode that is not a chain of
 * per-layer steps (a whole-network relaxation) is another implementation of this interface.
 */
interface BoundStrategy {

    BoundMode mode();

    /**
     * κ by position, then sample: {@code [0]} the bound at the input, {@code [l]} κ at the input of trunk layer l + 1
     * … {@code [T]} κ at the MLP's input, {@code [T + 1]} δ at the head.
     */
    double[][] kappaChain(ForwardPass pass);

    /** The strategy of a mode for an MLP evaluated on the samples themselves (no trunk). */
    static BoundStrategy forMlp(BoundMode mode) {
        return switch (mode) {
            case PAPER -> new LayerChain(mode, List.of(), null);
            case SOUND -> new LayerChain(mode, List.of(), SoundTrunk.none());
            case CERTIFIED -> throw notLayerwise();
        };
    }

    /**
     * The strategy of a mode for a trunk followed by an MLP. {@code modelTrunk} holds the layers as stored (their own
     * rounding is analysed for them), {@code computeTrunk} the same layers in the compute type (the forward pass).
     */
    static BoundStrategy forTrunk(BoundMode mode, List<TrunkLayer> modelTrunk, List<TrunkLayer> computeTrunk, long[] inputShape,
                                  DataType dataType) {
        return switch (mode) {
            case PAPER -> new LayerChain(mode, computeTrunk.stream().map(Derivation::paper).toList(), null);
            case SOUND -> {
                SoundTrunk sound = SoundTrunk.of(modelTrunk, computeTrunk, inputShape, dataType);
                yield new LayerChain(mode, sound.derivations(), sound);
            }
            case CERTIFIED -> throw notLayerwise();
        };
    }

    /** The certified mode searches a radius over the whole network after the attacks ({@link Certification}). */
    private static IllegalArgumentException notLayerwise() {
        return new IllegalArgumentException("the certified mode is not a layer-wise strategy: see Certification");
    }

    /**
     * The paper and sound modes: κ at the MLP's input from the head (paper: Theorem 4.2; sound: {@link SoundHead} with
     * the trunk's rounding error), then one {@link Derivation} per trunk layer from the last to the first.
     */
    record LayerChain(BoundMode mode, List<Derivation> derivations, SoundTrunk sound) implements BoundStrategy {

        @Override
        public double[][] kappaChain(ForwardPass pass) {
            int depth = derivations.size();
            double[][] kappa = new double[depth + 2][];
            MlpHead h = pass.head();
            kappa[depth + 1] = h.delta();
            kappa[depth] = sound == null ? h.bound()
                    : SoundHead.inputKappa(pass.mlp(), pass.mlpForward(), h, sound.error(pass.trunkActivations()));
            INDArray[] acts = pass.trunkActivations();
            for (int l = depth - 1; l >= 0; l--) {
                kappa[l] = derivations.get(l).inputKappa(acts[l], acts[l + 1], kappa[l + 1]);
            }
            return kappa;
        }
    }
}

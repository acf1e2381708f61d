package io.robustbounds.eval;

import io.robustbounds.bounds.Derivation;
import io.robustbounds.bounds.Rounding;
import io.robustbounds.linalg.Arrays2;
import io.robustbounds.model.TrunkLayer;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The sound mode's view of a trunk (docs/sound-mode.md): each layer's proven Lipschitz constant L_l and own rounding
 * ρ_l, computed once, and from them how far a forward pass's computed trunk output can lie from the exact network's.
 * {@link #none()} stands for no trunk stage at all (an MLP on the samples, whose input rounding {@link
 * DenseStack#forwardError} bounds itself).
 */
final class SoundTrunk {
    private final double[] lipschitz;
    private final Rounding.Layer[] rounding;
    private final DataType dataType;

    private SoundTrunk(double[] lipschitz, Rounding.Layer[] rounding, DataType dataType) {
        this.lipschitz = lipschitz;
        this.rounding = rounding;
        this.dataType = dataType;
    }

    static SoundTrunk none() {
        return new SoundTrunk(null, null, null);
    }

    /** Rounding from the stored layers (one sample's shape at each), Lipschitz constants from the compute-type ones. */
    static SoundTrunk of(List<TrunkLayer> modelTrunk, List<TrunkLayer> computeTrunk, long[] inputShape, DataType dataType) {
        double u = Rounding.unitRoundoff(dataType);
        Rounding.Layer[] rounding = new Rounding.Layer[modelTrunk.size()];
        long[] shape = inputShape;
        for (int l = 0; l < rounding.length; l++) {
            rounding[l] = modelTrunk.get(l).rounding(shape, u);
            shape = modelTrunk.get(l).outputShape(shape);
        }
        return new SoundTrunk(computeTrunk.stream().mapToDouble(TrunkLayer::lipschitz).toArray(), rounding, dataType);
    }

    /** κ / L_l per layer, in trunk order. */
    List<Derivation> derivations() {
        return Arrays.stream(lipschitz).mapToObj(Derivation::sound).toList();
    }

    /**
     * Per sample, a bound on ‖ĥ_T − h_T‖ between the computed trunk output and the exact network's: E_0 the input's
     * rounding into the compute type (u‖x̂‖/(1 − u) in float), then E_{l+1} = L_l·E_l + ρ_l (each layer's Lipschitz
     * constant and own rounding, docs/sound-mode.md "Rounding"). Null for {@link #none()}.
     */
    double[] error(INDArray[] acts) {
        if (lipschitz == null) {
            return null;
        }
        int n = (int) acts[0].size(0);
        double u = Rounding.unitRoundoff(dataType);
        double[] inNorm = sampleNorms(acts[0], u);
        double[] e = new double[n];
        if (dataType != DataType.DOUBLE) {
            for (int i = 0; i < n; i++) {
                e[i] = u / (1 - u) * inNorm[i];
            }
        }
        for (int l = 0; l < lipschitz.length; l++) {
            double[] outNorm = sampleNorms(acts[l + 1], u);
            for (int i = 0; i < n; i++) {
                e[i] = lipschitz[l] * e[i] + rounding[l].error(inNorm[i], outNorm[i]);
            }
            inNorm = outNorm;
        }
        return e;
    }

    /** ‖sample‖₂ of every sample of a batch [N, ...], raised by the norm's own rounding. */
    private static double[] sampleNorms(INDArray a, double u) {
        long per = a.length() / a.size(0);
        double[] v = Arrays2.toDoubles(a.reshape('c', a.size(0), per).norm2(1));
        double up = 1 + 2 * Rounding.gamma(per + 2, u);
        for (int i = 0; i < v.length; i++) {
            v[i] *= up;
        }
        return v;
    }
}

package io.robustbounds.certified;

import io.robustbounds.model.TrunkLayer;
import io.robustbounds.model.Lrn;
import io.robustbounds.model.Pool2d;
import io.robustbounds.linalg.Arrays2;
import io.robustbounds.model.Layer;
import io.robustbounds.model.Model;
import io.robustbounds.model.ModelException;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The certified mode's network for any model (docs/certified-mode.md): {@link CrownNetwork} where every layer has a
 * relaxation; where a layer has none (LRN, L_p pooling) the chain is cut after the last such layer, explicitly
 * labelled: the layers up to the cut are a Lipschitz prefix P (their sound-mode constants, L = Π Lₗ), and CROWN
 * certifies an L2 ball of radius r' around the computed P(x₀) for the rest. With E ≥ ‖P̂(x₀) − P(x₀)‖ (the sound
 * mode's rounding chain), ‖x − x₀‖ &lt; (r' − E)/L gives ‖P(x) − P̂(x₀)‖ &lt; r', so the class is kept.
 */
public final class Certified {
    private Certified() {
    }

    /**
     * {@link #of(Model)} with branch and bound on the unstable ReLUs of a ReLU MLP at up to {@code branching} subdomains
     * per sample and ε (0: plain CROWN); MLPs without a ReLU (nothing to split), networks with a convolution and those
     * with a Lipschitz prefix keep their default (none).
     */
    public static LinearBoundNetwork of(Model model, int branching) {
        LinearBoundNetwork net = of(model);
        return model.isMlp() && net instanceof CrownNetwork c && c.hasRelu() ? c.withBranching(branching) : net;
    }

    /**
     * {@link #of(Model, int)} whose radii hold also for the model as the evaluator and the attacks compute it, in
     * {@code evaluation} (FLOAT or DOUBLE): docs/certified-mode.md, "The evaluator's rounding".
     */
    public static LinearBoundNetwork of(Model model, int branching, DataType evaluation) {
        double u = io.robustbounds.bounds.Rounding.unitRoundoff(evaluation);
        LinearBoundNetwork net = of(model, branching);
        if (net instanceof CrownNetwork c) {
            return c.withEvaluationRoundoff(u);
        }
        return ((LipschitzPrefix) net).withEvaluationRoundoff(u);
    }

    public static LinearBoundNetwork of(Model model) {
        List<Layer> layers = model.layers();
        int cut = -1;
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i) instanceof Lrn || layers.get(i) instanceof Pool2d p && p.method() == Pool2d.Method.LP) {
                cut = i;
            }
        }
        if (cut < 0) {
            return CrownNetwork.of(model);
        }
        long[] shape = model.input().shape();
        for (int i = 0; i <= cut; i++) {
            if (!(layers.get(i) instanceof TrunkLayer op)) {
                throw new ModelException("certified mode: model '" + model.name() + "' layer " + i + " (" + layers.get(i).kind()
                        + ") comes before layer " + cut + " (" + layers.get(cut).kind() + ") and is not a convolutional-network layer");
            }
            shape = op.outputShape(shape, i);
        }
        List<TrunkLayer> prefix = layers.subList(0, cut + 1).stream().map(TrunkLayer.class::cast).toList();
        CrownNetwork rest = CrownNetwork.of(model.name(), shape, layers.subList(cut + 1, layers.size()), model);
        return new LipschitzPrefix(prefix, model.input().shape(), rest,
                "crown+lipschitz(layers 0-" + cut + ", cut at " + layers.get(cut).kind() + ")", 0);
    }

    /** A Lipschitz prefix then CROWN (the explicitly labelled fallback). */
    static final class LipschitzPrefix implements LinearBoundNetwork {
        private final List<TrunkLayer> prefix;
        private final long[] inputShape;
        private final int inputSize;
        private final CrownNetwork rest;
        private final String description;
        private final double lipschitz;
        private final io.robustbounds.bounds.Rounding.Layer[] rounding;
        private final double[] layerLipschitz;
        /** The evaluator's unit roundoff (0: the exact network only) and its rounding of each prefix layer. */
        private final double evaluationRoundoff;
        private final io.robustbounds.bounds.Rounding.Layer[] evaluationRounding;

        LipschitzPrefix(List<TrunkLayer> prefix, long[] inputShape, CrownNetwork rest, String description, double evaluationRoundoff) {
            this.evaluationRoundoff = evaluationRoundoff;
            this.prefix = prefix;
            this.inputShape = inputShape;
            this.rest = rest;
            this.description = description;
            int size = 1;
            for (long s : inputShape) {
                size *= (int) s;
            }
            this.inputSize = size;
            layerLipschitz = new double[prefix.size()];
            rounding = new io.robustbounds.bounds.Rounding.Layer[prefix.size()];
            evaluationRounding = new io.robustbounds.bounds.Rounding.Layer[prefix.size()];
            double l = 1;
            long[] shape = inputShape;
            for (int i = 0; i < prefix.size(); i++) {
                // computed to nearest (e.g. |γ|/sqrt(Var + ε)): raised by the sound mode's margin for such constants
                layerLipschitz[i] = Rounding.up(prefix.get(i).lipschitz() * (1 + io.robustbounds.bounds.Rounding.CONSTANTS_MARGIN));
                rounding[i] = prefix.get(i).rounding(shape, 0x1p-53);
                evaluationRounding[i] = evaluationRoundoff > 0 ? prefix.get(i).rounding(shape, evaluationRoundoff) : null;
                shape = prefix.get(i).outputShape(shape);
                l = Rounding.up(l * layerLipschitz[i]);
            }
            lipschitz = l;
        }

        LipschitzPrefix withEvaluationRoundoff(double u) {
            return new LipschitzPrefix(prefix, inputShape, rest.withEvaluationRoundoff(u), description, u);
        }

        @Override
        public int inputSize() {
            return inputSize;
        }

        @Override
        public int classes() {
            return rest.classes();
        }

        @Override
        public String description() {
            return description;
        }

        /**
         * P̂(x) in double, per sample E ≥ ‖P̂(x) − P(x)‖: E₀ = 0, Eₗ₊₁ = Lₗ Eₗ + ρₗ(‖x̂ₗ‖, ‖x̂ₗ₊₁‖), and with an evaluator's
         * roundoff u, per sample F ≥ ‖P̃(x') − P(x')‖ for every x' with ‖x' − x‖ ≤ ε (P̃ the evaluator's prefix): the
         * same chain in u from the input's rounding u‖x'‖, each layer's norms bounded over the ball by ‖x̂ₗ‖ + Eₗ +
         * (L₀⋯Lₗ₋₁)ε plus the chain's own F (ρ = a‖x̃‖ + b‖ỹ‖ + c with ‖ỹ‖ ≤ ‖y‖ + Lₗ Fₗ + ρ, so ρ ≤ (…)/(1 − b)).
         */
        private double[][] prefix(double[] x, int n, double[] eps) {
            double[] error = new double[n];
            double[] floatError = new double[n];
            double[] reach = new double[n];                       // (L₀⋯Lₗ₋₁)·ε, the layer input's reach over the ball
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                long[] shape = new long[inputShape.length + 1];
                shape[0] = n;
                System.arraycopy(inputShape, 0, shape, 1, inputShape.length);
                INDArray a = Arrays2.fromDoubles(x, DataType.DOUBLE, shape);
                double[] inNorm = norms(Arrays2.toDoubles(a), n);
                double u = evaluationRoundoff;
                for (int s = 0; s < n && u > 0; s++) {
                    reach[s] = eps[s];
                    floatError[s] = Rounding.inflate(u / (1 - u) * Rounding.up(inNorm[s] + eps[s]));
                }
                for (int i = 0; i < prefix.size(); i++) {
                    INDArray b = prefix.get(i).withDataType(DataType.DOUBLE).forward(a);
                    double[] outNorm = norms(Arrays2.toDoubles(b), n);
                    for (int s = 0; s < n; s++) {
                        double before = error[s];
                        error[s] = Rounding.inflate(layerLipschitz[i] * error[s] + rounding[i].error(inNorm[s], outNorm[s]));
                        if (u > 0) {
                            io.robustbounds.bounds.Rounding.Layer r = evaluationRounding[i];
                            double outReach = Rounding.up(layerLipschitz[i] * reach[s]);
                            double xn = Rounding.up(inNorm[s] + before + reach[s] + floatError[s]);
                            double yn = Rounding.up(outNorm[s] + error[s] + outReach + layerLipschitz[i] * floatError[s]);
                            double own = r.outputGain() < 0.5 ? Rounding.inflate(r.error(xn, yn) / (1 - r.outputGain())) : Double.POSITIVE_INFINITY;
                            floatError[s] = Rounding.inflate(layerLipschitz[i] * floatError[s] + own);
                            reach[s] = outReach;
                        }
                    }
                    a = b;
                    inNorm = outNorm;
                }
                return new double[][] {Arrays2.toDoubles(a), error, floatError};
            }
        }

        private static double[] norms(double[] v, int n) {
            int per = v.length / Math.max(1, n);
            double[] out = new double[n];
            for (int s = 0; s < n; s++) {
                double q = 0;
                for (int i = 0; i < per; i++) {
                    q += v[s * per + i] * v[s * per + i];
                }
                out[s] = Rounding.normUp(q, per);
            }
            return out;
        }

        @Override
        public int[] predict(double[] x, int n) {
            return rest.predict(prefix(x, n, new double[n])[0], n);
        }

        @Override
        public double[] certifiedWithin(double[] x, int n, int[] classes, double[] eps, long batchMemory) {
            double[][] p = prefix(x, n, eps);
            double[] inner = new double[n];
            for (int s = 0; s < n; s++) {
                // the evaluator's P̃(x') lies within Lε + E + F of P̂(x₀); the rest's own rounding is the rest's
                inner[s] = Rounding.up(Rounding.up(Rounding.up(lipschitz * eps[s]) + p[1][s]) + p[2][s]);
            }
            double[] r = rest.certifiedWithin(p[0], n, classes, inner, batchMemory);
            double[] out = new double[n];
            for (int s = 0; s < n; s++) {
                double v = Rounding.down(Rounding.down(Rounding.down(r[s] - p[1][s]) - p[2][s]) / lipschitz);
                out[s] = Math.min(eps[s], Math.max(0, v));
            }
            return out;
        }
    }
}

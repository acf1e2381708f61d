package io.robustbounds.eval;

import io.robustbounds.bounds.PaperBounds;

/**
 * The sound mode's κ at the MLP's input (docs/sound-mode.md), for the exact network whatever the compute type: the
 * rounding of the forward pass bounded by {@link DenseStack#forwardError}, the exact margin, and a certified ‖J‖.
 */
final class SoundHead {
    private SoundHead() {
    }

    /**
     * Sound mode at the MLP's input (docs/sound-mode.md), for the exact network whatever the compute type: δ_exact
     * from the computed logits less their rounding error ({@link #exactMargin}), then δ / Lip(h_L) with Lip(h_L) =
     * Π A_i ‖V_i‖₂ certified (valid for every activation, ReLU included); when every activation is twice
     * differentiable and n_L ≤ 16, also Theorem 4.2 with a certified upper bound on the exact ‖J(x)‖
     * ({@link #jacobianUpper}), whichever is larger. A linear classifier's bound is δ (Theorem 3.6). {@code inputError}
     * bounds the error of the MLP's computed input (a trunk's), null for an MLP on the samples themselves.
     */
    static double[] inputKappa(DenseStack net, DenseStack.Forward f, MlpHead h, double[] inputError) {
        int perModel = f.samplesPerModel;
        int count = h.delta().length;
        double[] out = new double[count];
        DenseStack.ForwardError error = net.forwardError(f, inputError);
        boolean local = net.depth() > 0 && net.smooth() && net.featureSize() <= JacobianNorm.EXACT_DIMENSION;
        double[] jUpper = local ? jacobianUpper(net, f, h, error) : null;
        double[] lip = net.soundLipschitz();
        for (int i = 0; i < count; i++) {
            double d = exactMargin(net, h.logits(), i, h.predicted()[i], error);
            double b = net.depth() == 0 ? d : d / lip[i / perModel];
            if (local && d > 0) {
                b = Math.max(b, PaperBounds.mlp(d, jUpper[i], net.paperM[i / perModel], net.featureSize()));
            }
            out[i] = b * (1 - io.robustbounds.bounds.Rounding.CONSTANTS_MARGIN);
        }
        return out;
    }

    /**
     * A lower bound on δ(h_L(x)) of the exact network (Theorem 3.6), from the computed logits ẑ: for each class
     * j ≠ c, the exact margin z_c − z_j differs from ẑ_c − ẑ_j by at most ‖w_c − w_j‖·E_h (the head's input error)
     * plus the head's own rounding γ_{n+1}((‖w_c‖ + ‖w_j‖)‖ĥ_L‖ + |b_c| + |b_j|). So δ ≥ min_j (ẑ_c − ẑ_j − ρ_cj) /
     * ‖w_c − w_j‖ − E_h. Where some computed margin does not exceed its rounding error, the exact class is not known
     * to be c (the computed prediction may be wrong), and the bound is 0.
     */
    static double exactMargin(DenseStack net, double[] logits, int sample, int predicted, DenseStack.ForwardError error) {
        int classes = net.classes;
        int model = sample / (logits.length / classes / net.models);
        DenseStack.RoundingConstants rc = net.roundingConstants();
        double g = io.robustbounds.bounds.Rounding.gamma(net.featureSize() + 1, error.unitRoundoff());
        double hn = error.featureNorm()[sample];
        double[] distances = net.headRowDistances[model];
        double zc = logits[sample * classes + predicted];
        double best = Double.POSITIVE_INFINITY;
        for (int j = 0; j < classes; j++) {
            if (j == predicted) {
                continue;
            }
            double margin = (zc - logits[sample * classes + j]) * (1 - 0x1p-52);
            double rho = g * ((rc.headRowNorm()[model][predicted] + rc.headRowNorm()[model][j]) * hn
                    + rc.headBiasAbs()[model][predicted] + rc.headBiasAbs()[model][j]);
            double distance = distances[predicted * classes + j];
            if (Double.isNaN(margin - rho)) {
                return Double.NaN; // a forward pass that overflowed: reported as non-finite, never as a bound
            }
            if (!(margin - rho > 0)) {
                return 0; // the exact class may differ from the computed one
            }
            if (distance > 0) {
                best = Math.min(best, (margin - rho) / (distance * (1 + 0x1p-40)));
            }
        }
        return Math.max(0, best - error.features()[sample]);
    }

    /**
     * A certified upper bound on ‖J(x)‖ of the exact network at the exact point. exactByGram certifies λ_max of the
     * computed K̂ ≈ Ĵ Ĵᵀ (Ĵ with the computed slopes D̂); K̂ is a chain of products whose rounding is at most
     * γ_N·Π‖|D̂_i||V_i|‖₂² per column (N all inner dimensions), so ‖K̂ − ĴĴᵀ‖₂ ≤ √n_L γ_N P², P = Π (A_i + 32u)‖|V_i|‖₂.
     * The exact slopes differ from D̂ by at most B_i·E_s,i + 32u (B_i = sup|g''|, E_s,i the pre-activation's error;
     * 32u the slope's own computation), and ‖Π(X_i + Δ_i) − Π X_i‖ ≤ Π(‖X_i‖ + ‖Δ_i‖) − Π‖X_i‖.
     */
    static double[] jacobianUpper(DenseStack net, DenseStack.Forward f, MlpHead h, DenseStack.ForwardError error) {
        int perModel = f.samplesPerModel;
        int count = h.delta().length;
        double u = error.unitRoundoff();
        DenseStack.RoundingConstants rc = net.roundingConstants();
        double[] computed = JacobianNorm.exactByGram(net, f, h.jacobian());
        long inner = net.inputSize;
        for (int w : net.widths) {
            inner += w;
        }
        double gammaN = io.robustbounds.bounds.Rounding.gamma(2 * inner + 4L * net.depth(), u);
        double[] out = new double[count];
        for (int i = 0; i < count; i++) {
            int k = i / perModel;
            double pAbs = 1;
            double exact = 1;
            double computedProduct = 1;
            for (int l = 0; l < net.depth(); l++) {
                double a = net.activations[l].firstDerivativeBound() + 32 * u;
                pAbs *= a * rc.absSpectral()[l][k];
                computedProduct *= a * rc.spectral()[l][k];
                exact *= (a + 32 * u + net.activations[l].exactSecondDerivativeBound() * error.preActivation()[l][i]) * rc.spectral()[l][k];
            }
            double kError = Math.sqrt(net.featureSize()) * gammaN * pAbs * pAbs;
            out[i] = (Math.sqrt(computed[i] * computed[i] + kError) + (exact - computedProduct)) * (1 + 1e-12);
        }
        return out;
    }
}

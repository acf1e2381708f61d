package io.robustbounds.eval;

import io.robustbounds.attack.Classes;
import io.robustbounds.attack.FastGradientSign;
import io.robustbounds.bounds.BoundMode;
import io.robustbounds.bounds.PaperBounds;
import io.robustbounds.bounds.SoundBounds;
import java.util.ArrayList;
import java.util.List;
import io.robustbounds.linalg.Arrays2;
import io.robustbounds.linalg.Workspaces;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Bound and FGS estimate for every sample of a batch of linear classifiers or MLPs (thesis ch. 3–4):
 * one forward pass, δ at the head (Theorem 3.6), ‖J‖ by Lanczos, the bound of Theorem 4.2, the
 * cross-entropy gradient's sign, and the binary search of Algorithm 2.1 along x + ε·sign(∇).
 * Every step works on the whole [m, N, d] block; per-sample work is plain Java on a few numbers.
 */
public final class MlpEvaluator {
    private final EvalSettings settings;

    public MlpEvaluator(EvalSettings settings) {
        this.settings = settings;
    }

    public EvalSettings settings() {
        return settings;
    }

    /**
     * Fewest rows a single model's batch is evaluated with; smaller batches are padded with zero rows whose
     * results are dropped. OpenBLAS rounds a row of a product differently when the product is small (its
     * small-matrix and GEMV paths: [N,40]·[40,30] differs for N ≤ 32, [N,784]·[784,256] for N = 1, and
     * agrees for every N ≥ 48 tried up to 8192), so without this a sample's result would depend on how many
     * others share its batch, i.e. on partitioning. Stacks of several models keep their samples per model,
     * which a sweep fixes, so they are not padded.
     */
    static final int MIN_ROWS = 64;

    /** Samples as a Java array [m·N·d] in C order (model-major). */
    public SampleResults evaluate(DenseStack net, double[] samples, int samplesPerModel) {
        return padded(net, samples, samplesPerModel, (x, padded) -> {
            SampleResults r = evaluateInWorkspace(net, x);
            return padded == samplesPerModel ? r : r.keepFirst(samplesPerModel);
        });
    }

    /** The predicted classes [m·N] of samples given as in {@link #evaluate}. */
    public int[] predict(DenseStack net, double[] samples, int samplesPerModel) {
        return padded(net, samples, samplesPerModel, (x, padded) -> {
            int[] all = Classes.argmax(net.forward(x).logits(), net.classes);
            int[] out = new int[net.models * samplesPerModel];
            for (int k = 0; k < net.models; k++) {
                System.arraycopy(all, k * padded, out, k * samplesPerModel, samplesPerModel);
            }
            return out;
        });
    }

    /** Runs work on the samples as an [m, N', d] array in a batch workspace, N' ≥ MIN_ROWS for a single model. */
    private static <T> T padded(DenseStack net, double[] samples, int samplesPerModel, java.util.function.BiFunction<INDArray, Integer, T> work) {
        int padded = net.models == 1 ? Math.max(samplesPerModel, MIN_ROWS) : samplesPerModel;
        double[] x0 = samples;
        if (padded != samplesPerModel) {
            x0 = new double[net.models * padded * net.inputSize];
            for (int k = 0; k < net.models; k++) {
                System.arraycopy(samples, k * samplesPerModel * net.inputSize, x0, k * padded * net.inputSize, samplesPerModel * net.inputSize);
            }
        }
        try (MemoryWorkspace ignored = Workspaces.batch()) {
            return work.apply(Arrays2.fromDoubles(x0, net.dataType, net.models, padded, net.inputSize), padded);
        }
    }

    private SampleResults evaluateInWorkspace(DenseStack net, INDArray samples) {
        if (net.dataType != settings.dataType()) {
            throw new IllegalArgumentException("network compiled for " + net.dataType + ", settings ask for " + settings.dataType());
        }
        DenseStack.Forward f = net.forward(samples);
        int perModel = f.samplesPerModel;
        int count = net.models * perModel;
        Head h = head(net, f, settings);
        List<Chain> chains = new ArrayList<>();
        for (BoundMode mode : settings.modes()) {
            double[] top = mode == BoundMode.PAPER ? h.bound : soundHead(net, f, h, null);
            double[] kappas = new double[2 * count];
            for (int i = 0; i < count; i++) {
                kappas[2 * i] = top[i];
                kappas[2 * i + 1] = h.delta[i];
            }
            chains.add(new Chain(mode, 2, kappas));
        }

        // Algorithm 2.1: s = sign(∇ₓ CE(softmax(logits), c)), then the binary search on ε
        INDArray signs = Transforms.sign(net.inputGradient(f, crossEntropyDirection(h.logits, h.predicted, net.classes)), false);
        double[] nonZero = Arrays2.toDoubles(Transforms.abs(signs, true).sum(2));
        FastGradientSign.Result fgs = FastGradientSign.minimalEpsilon(net.new Ray(f, signs), h.predicted, net.classes,
                settings.fgsUpper(), settings.fgsTolerance());
        return results(perModel, h, chains, fgs, nonZero);
    }

    /** One mode's κ chain, kappaCount values per sample from the input to the head. */
    record Chain(BoundMode mode, int kappaCount, double[] kappas) {
    }

    /**
     * ‖η‖ = ε·sqrt(#nonzero signs), and per mode the deviation ‖η‖ − bound and violations (BOUNDS.md §2); the bound
     * is each sample's first κ (the κ chain runs from the input to the head).
     */
    static SampleResults results(int perModel, Head h, List<Chain> chains, FastGradientSign.Result fgs, double[] nonZero) {
        int count = h.delta.length;
        double[] eta = new double[count];
        for (int i = 0; i < count; i++) {
            eta[i] = fgs.epsilon()[i] * Math.sqrt(nonZero[i]);
        }
        List<SampleResults.ModeBounds> modes = new ArrayList<>();
        for (Chain c : chains) {
            double[] bound = inputBound(c.kappaCount(), c.kappas());
            double[] deviation = new double[count];
            boolean[] violation = new boolean[count];
            for (int i = 0; i < count; i++) {
                deviation[i] = eta[i] - bound[i];
                violation[i] = fgs.success()[i] && bound[i] > eta[i];
            }
            modes.add(new SampleResults.ModeBounds(c.mode(), bound, c.kappaCount(), c.kappas(), deviation, violation));
        }
        double[] best = new double[count];
        String[] attack = new String[count];
        for (int i = 0; i < count; i++) {
            best[i] = fgs.success()[i] ? eta[i] : Double.NaN;
            attack[i] = fgs.success()[i] ? "fgs" : null;
        }
        return new SampleResults(perModel, h.predicted, h.runnerUp, h.delta, h.jacobian, h.m, fgs.epsilon(), fgs.success(), eta,
                fgs.adversarialClass(), best, attack, fgs.adversarialClass().clone(), modes, h.lanczosSteps, h.unconverged);
    }

    /**
     * Sound mode at the MLP's input (docs/sound-mode.md), for the exact network whatever the compute type: δ_exact
     * from the computed logits less their rounding error ({@link #exactMargin}), then δ / Lip(h_L) with Lip(h_L) =
     * Π A_i ‖V_i‖₂ certified (valid for every activation, ReLU included); when every activation is twice
     * differentiable and n_L ≤ 16, also Theorem 4.2 with a certified upper bound on the exact ‖J(x)‖
     * ({@link #jacobianUpper}), whichever is larger. A linear classifier's bound is δ (Theorem 3.6). {@code inputError}
     * bounds the error of the MLP's computed input (a trunk's), null for an MLP on the samples themselves.
     */
    static double[] soundHead(DenseStack net, DenseStack.Forward f, Head h, double[] inputError) {
        int perModel = f.samplesPerModel;
        int count = h.delta.length;
        double[] out = new double[count];
        DenseStack.ForwardError error = net.forwardError(f, inputError);
        boolean local = net.depth() > 0 && net.smooth() && net.featureSize() <= JacobianNorm.EXACT_DIMENSION;
        double[] jUpper = local ? jacobianUpper(net, f, h, error) : null;
        double[] lip = net.soundLipschitz();
        for (int i = 0; i < count; i++) {
            double d = exactMargin(net, h.logits, i, h.predicted[i], error);
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
            if (!(margin - rho > 0)) {
                return 0; // the exact class may differ from the computed one (or NaN)
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
    static double[] jacobianUpper(DenseStack net, DenseStack.Forward f, Head h, DenseStack.ForwardError error) {
        int perModel = f.samplesPerModel;
        int count = h.delta.length;
        double u = error.unitRoundoff();
        DenseStack.RoundingConstants rc = net.roundingConstants();
        double[] computed = JacobianNorm.exactByGram(net, f, h.jacobian);
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

    /** The first κ of every sample: the bound on the input perturbation. */
    private static double[] inputBound(int kappaCount, double[] kappas) {
        double[] b = new double[kappas.length / kappaCount];
        for (int i = 0; i < b.length; i++) {
            b[i] = kappas[i * kappaCount];
        }
        return b;
    }

    /** The paper bound at the input of a batch of MLPs, with its parts (per sample; see {@link SampleResults}). */
    record Head(double[] logits, int[] predicted, int[] runnerUp, double[] delta, double[] jacobian, double[] m, double[] bound,
                int lanczosSteps, int unconverged) {
    }

    /** δ at h_L(x) (Theorem 3.6), ‖J‖ by Lanczos, M (Algorithm 4.1) and the bound of Theorem 4.2. */
    static Head head(DenseStack net, DenseStack.Forward f, EvalSettings settings) {
        int perModel = f.samplesPerModel;
        int count = net.models * perModel;
        int classes = net.classes;
        double[] logits = f.logits();
        int[] predicted = Classes.argmax(logits, classes);

        // Theorem 3.6 at h_L(x)
        double[] delta = new double[count];
        int[] runnerUp = new int[count];
        double[] pair = new double[2];
        for (int i = 0; i < count; i++) {
            PaperBounds.margin(logits, i * classes, classes, predicted[i], net.headRowDistances[i / perModel], pair);
            delta[i] = pair[0];
            runnerUp[i] = (int) pair[1];
        }

        // Theorem 4.2 (L = 0: J = I and M = 0, and the formula reduces to δ)
        double[] jacobian = new double[count];
        int lanczosSteps = 0;
        int unconverged = 0;
        if (net.depth() > 0) {
            JacobianNorm.Result jn = JacobianNorm.compute(net, f, settings.jacobianTolerance(), settings.maxLanczosSteps());
            jacobian = jn.upper();
            lanczosSteps = jn.steps();
            unconverged = jn.unconverged();
        } else {
            java.util.Arrays.fill(jacobian, 1.0);
        }
        double[] m = new double[count];
        double[] bound = new double[count];
        int n = net.featureSize();
        for (int i = 0; i < count; i++) {
            m[i] = net.depth() > 0 ? net.paperM[i / perModel] : 0.0;
            bound[i] = PaperBounds.mlp(delta[i], jacobian[i], m[i], n);
        }
        return new Head(logits, predicted, runnerUp, delta, jacobian, m, bound, lanczosSteps, unconverged);
    }

    /**
     * softmax(L) − e_c times the positive factor Σ_j e^{L_j} / e^{L_r} (r the largest logit other than c):
     * entries e^{L_j − L_r} for j ≠ c and minus their sum at c. The factor leaves the gradient's sign
     * unchanged, and unlike the plain form it neither rounds p_c − 1 to 0 nor underflows every entry when
     * the margin is large.
     */
    static double[] crossEntropyDirection(double[] logits, int[] predicted, int classes) {
        double[] r = new double[logits.length];
        for (int i = 0; i < predicted.length; i++) {
            int base = i * classes;
            int c = predicted[i];
            double runner = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < classes; j++) {
                if (j != c) {
                    runner = Math.max(runner, logits[base + j]);
                }
            }
            double sum = 0;
            for (int j = 0; j < classes; j++) {
                if (j != c) {
                    r[base + j] = Math.exp(logits[base + j] - runner);
                    sum += r[base + j];
                }
            }
            r[base + c] = -sum;
        }
        return r;
    }
}

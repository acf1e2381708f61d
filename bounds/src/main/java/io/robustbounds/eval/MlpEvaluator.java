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
            double[] top = mode == BoundMode.PAPER ? h.bound : soundHead(net, f, h);
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
     * Sound mode at the MLP's input (docs/sound-mode.md): δ / Lip(h_L) with Lip(h_L) = Π A_i ‖V_i‖₂ certified
     * (valid for every activation, ReLU included); when every activation is twice differentiable and n_L ≤ 16,
     * also Theorem 4.2 with a certified upper bound on ‖J(x)‖ (J Jᵀ formed explicitly; see JacobianNorm.exactByGram),
     * whichever is larger; then the rounding margin. A linear classifier's δ is exact (Theorem 3.6).
     */
    static double[] soundHead(DenseStack net, DenseStack.Forward f, Head h) {
        int perModel = f.samplesPerModel;
        int count = h.delta.length;
        double[] out = new double[count];
        boolean local = net.depth() > 0 && net.smooth() && net.featureSize() <= JacobianNorm.EXACT_DIMENSION;
        double[] exactJ = local ? JacobianNorm.exactByGram(net, f, h.jacobian) : null;
        double[] lip = net.depth() > 0 ? net.soundLipschitz() : null;
        double jSlack = net.dataType == org.nd4j.linalg.api.buffer.DataType.FLOAT ? 1e-5 : 1e-12;
        for (int i = 0; i < count; i++) {
            double d = h.delta[i];
            double b = net.depth() == 0 ? d : d / lip[i / perModel];
            if (local) {
                b = Math.max(b, PaperBounds.mlp(d, exactJ[i] * (1 + jSlack), net.paperM[i / perModel], net.featureSize()));
            }
            out[i] = b * (1 - SoundBounds.ROUNDING_MARGIN);
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

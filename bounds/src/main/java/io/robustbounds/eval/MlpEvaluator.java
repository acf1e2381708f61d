package io.robustbounds.eval;

import io.robustbounds.attack.Classes;
import io.robustbounds.attack.FastGradientSign;
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
    private final List<BoundStrategy> strategies;

    public MlpEvaluator(EvalSettings settings) {
        this.settings = settings;
        this.strategies = settings.layerwiseModes().stream().map(BoundStrategy::forMlp).toList();
    }

    public EvalSettings settings() {
        return settings;
    }

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

    /** Runs work on the samples as an [m, N', d] array in a batch workspace, N' ≥ Padding.MIN_ROWS for a single model. */
    private static <T> T padded(DenseStack net, double[] samples, int samplesPerModel, java.util.function.BiFunction<INDArray, Integer, T> work) {
        int padded = net.models == 1 ? Math.max(samplesPerModel, Padding.MIN_ROWS) : samplesPerModel;
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
        MlpHead h = MlpHead.of(net, f, settings);
        ForwardPass pass = new ForwardPass(new INDArray[] {f.input}, net, f, h);
        List<KappaChain> chains = new ArrayList<>();
        for (BoundStrategy strategy : strategies) {
            chains.add(KappaChain.of(strategy.mode(), strategy.kappaChain(pass)));
        }

        // Algorithm 2.1: s = sign(∇ₓ CE(softmax(logits), c)), then the binary search on ε
        INDArray signs = Transforms.sign(net.inputGradient(f, CrossEntropy.direction(h.logits(), h.predicted(), net.classes)), false);
        double[] nonZero = Arrays2.toDoubles(Transforms.abs(signs, true).sum(2));
        FastGradientSign.Result fgs = FastGradientSign.minimalEpsilon(net.ray(f, signs), h.predicted(), net.classes,
                settings.fgsUpper(), settings.fgsTolerance());
        return SampleResults.of(perModel, h, chains, fgs, nonZero);
    }
}

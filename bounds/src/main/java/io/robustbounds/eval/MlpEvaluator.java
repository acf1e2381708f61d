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

    /**
     * A stack's samples as a Java array [m·N·d] in C order (model-major), as the sweeps give them: computed as they
     * come, one [m, N, d] tensor. A sweep fixes N, so every model's products have the same shape whatever the number of
     * models per stack, and so do its results. One model's batches of any size go through {@link #evaluateSingle}.
     */
    public SampleResults evaluate(DenseStack net, double[] samples, int samplesPerModel) {
        return inWorkspace(net, samples, samplesPerModel, x -> evaluateInWorkspace(net, x));
    }

    /** The predicted classes [m·N] of samples given as in {@link #evaluate}. */
    public int[] predict(DenseStack net, double[] samples, int samplesPerModel) {
        return inWorkspace(net, samples, samplesPerModel, x -> Classes.argmax(net.forward(x).logits(), net.classes));
    }

    /**
     * One model's n samples [n·d], in blocks of exactly {@link Padding#mlpBlockRows} rows (the last padded with zero
     * rows whose results are dropped), so that a sample's result does not depend on its batch.
     */
    public SampleResults evaluateSingle(DenseStack net, double[] samples, int n) {
        List<SampleResults> parts = new ArrayList<>();
        int blockRows = Padding.mlpBlockRows(net);
        forEachBlock(net, samples, n, blockRows, (block, rows) -> {
            SampleResults r = evaluate(net, block, blockRows);
            parts.add(rows == blockRows ? r : r.keepFirst(rows));
        });
        return parts.size() == 1 ? parts.get(0) : SampleResults.concat(parts);
    }

    /** The predicted classes of one model's samples, blocked as in {@link #evaluateSingle}. */
    public int[] predictSingle(DenseStack net, double[] samples, int n) {
        int[] out = new int[n];
        int[] at = {0};
        int blockRows = Padding.mlpBlockRows(net);
        forEachBlock(net, samples, n, blockRows, (block, rows) -> {
            System.arraycopy(predict(net, block, blockRows), 0, out, at[0], rows);
            at[0] += rows;
        });
        return out;
    }

    /** One model's samples in consecutive blocks of blockRows rows, the last padded with zeros: work(block, rows). */
    private static void forEachBlock(DenseStack net, double[] samples, int n, int blockRows, java.util.function.ObjIntConsumer<double[]> work) {
        if (net.models != 1) {
            throw new IllegalArgumentException("one model's samples expected, the stack has " + net.models);
        }
        if (samples.length != (long) n * net.inputSize) {
            throw new IllegalArgumentException("expected " + n + " samples of " + net.inputSize + " values, got " + samples.length + " values");
        }
        for (int start = 0; start < n; start += blockRows) {
            int rows = Math.min(blockRows, n - start);
            double[] block = new double[blockRows * net.inputSize];
            System.arraycopy(samples, start * net.inputSize, block, 0, rows * net.inputSize);
            work.accept(block, rows);
        }
    }

    /** Runs work on the samples as an [m, N, d] array in a batch workspace. */
    private static <T> T inWorkspace(DenseStack net, double[] samples, int samplesPerModel, java.util.function.Function<INDArray, T> work) {
        try (MemoryWorkspace ignored = Workspaces.batch()) {
            return work.apply(Arrays2.fromDoubles(samples, net.dataType, net.models, samplesPerModel, net.inputSize));
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

package io.robustbounds.random;

import io.robustbounds.model.Activation;
import io.robustbounds.model.DenseLayer;
import io.robustbounds.model.InputSpec;
import io.robustbounds.model.Layer;
import io.robustbounds.model.LinearHead;
import io.robustbounds.model.Model;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The thesis' randomized tests (§3.3, §4.3): MLPs whose weights and biases are uniform in a parameter
 * interval, and samples uniform in a sample interval. Model k of a seed and sample (k, i) are determined
 * by (seed, k) and (seed, k, i) alone. With no hidden layers the model is a linear classifier.
 *
 * @param inputSize   d
 * @param hidden      units per hidden layer (empty: linear classifier)
 * @param activation  activation of every hidden layer
 * @param classes     number of classes
 * @param paramLow    parameter interval
 * @param paramHigh   parameter interval
 * @param sampleLow   sample interval
 * @param sampleHigh  sample interval
 */
public record RandomMlp(int inputSize, int[] hidden, Activation activation, int classes,
                        double paramLow, double paramHigh, double sampleLow, double sampleHigh) {

    public RandomMlp {
        if (inputSize < 1) {
            throw new IllegalArgumentException("inputSize must be >= 1, got " + inputSize);
        }
        hidden = hidden.clone();
        for (int h : hidden) {
            if (h < 1) {
                throw new IllegalArgumentException("hidden units must be >= 1, got " + Arrays.toString(hidden));
            }
        }
        if (classes < 2) {
            throw new IllegalArgumentException("classes must be >= 2, got " + classes);
        }
        if (!(paramLow < paramHigh)) {
            throw new IllegalArgumentException("parameter interval must have low < high, got [" + paramLow + ", " + paramHigh + "]");
        }
        if (!(sampleLow < sampleHigh)) {
            throw new IllegalArgumentException("sample interval must have low < high, got [" + sampleLow + ", " + sampleHigh + "]");
        }
    }

    /** L hidden layers of the same width. */
    public static RandomMlp of(int inputSize, int layers, int units, Activation activation, int classes,
                               double paramLow, double paramHigh, double sampleLow, double sampleHigh) {
        int[] hidden = new int[layers];
        Arrays.fill(hidden, units);
        return new RandomMlp(inputSize, hidden, activation, classes, paramLow, paramHigh, sampleLow, sampleHigh);
    }

    @Override
    public int[] hidden() {
        return hidden.clone();
    }

    /** Model {@code index} of {@code seed}: per layer, the weight row by row, then the bias. */
    public Model model(long seed, long index) {
        SplittableRandom r = Seeds.generator(seed, Seeds.MODEL_STREAM, index);
        List<Layer> layers = new ArrayList<>();
        int in = inputSize;
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            for (int units : hidden) {
                layers.add(new DenseLayer(matrix(r, units, in), matrix(r, units), activation));
                in = units;
            }
            LinearHead head = new LinearHead(matrix(r, classes, in), matrix(r, classes));
            Map<String, Object> provenance = new LinkedHashMap<>();
            provenance.put("generator", "RandomMlp");
            provenance.put("seed", seed);
            provenance.put("index", index);
            provenance.put("spec", toString());
            return new Model("random-" + seed + "-" + index, new InputSpec(new long[] {inputSize}, sampleLow, sampleHigh),
                    layers, head, List.of(), provenance);
        }
    }

    /** Samples {@code first … first+count−1} of model {@code index}, row-major [count × d]. */
    public double[] samples(long seed, long index, long first, int count) {
        double[] out = new double[count * inputSize];
        for (int i = 0; i < count; i++) {
            SplittableRandom r = Seeds.generator(seed, Seeds.SAMPLE_STREAM, index, first + i);
            for (int j = 0; j < inputSize; j++) {
                out[i * inputSize + j] = Seeds.uniform(r, sampleLow, sampleHigh);
            }
        }
        return out;
    }

    /** Models {@code first … first+count−1} of a seed with their first {@code perModel} samples, model-major [count·perModel × d]. */
    public record Chunk(List<Model> models, double[] samples) {
    }

    public Chunk chunk(long seed, long first, int count, int perModel) {
        List<Model> models = new ArrayList<>(count);
        double[] x = new double[count * perModel * inputSize];
        for (int k = 0; k < count; k++) {
            models.add(model(seed, first + k));
            double[] s = samples(seed, first + k, 0, perModel);
            System.arraycopy(s, 0, x, k * s.length, s.length);
        }
        return new Chunk(models, x);
    }

    /**
     * The same models as {@link #chunk} without building {@link Model}s: per hidden layer the stacked weights
     * [count × units × in] and biases [count × units], then the head's, model-major, with the samples as in
     * {@link Chunk}. The values are those of {@link #model} drawn in the same order, so a stack compiled from this
     * ({@code DenseStack.of(Stacked, type)}) equals one compiled from the chunk's models; it skips the per-model
     * ND4J arrays and checks, which cost more than evaluating a model's 100 samples.
     */
    public record Stacked(RandomMlp spec, int count, double[][] weights, double[][] biases, double[] headWeight, double[] headBias,
                          double[] samples) {
    }

    public Stacked stacked(long seed, long first, int count, int perModel) {
        int depth = hidden.length;
        double[][] w = new double[depth][];
        double[][] b = new double[depth][];
        int in = inputSize;
        for (int i = 0; i < depth; i++) {
            w[i] = new double[count * hidden[i] * in];
            b[i] = new double[count * hidden[i]];
            in = hidden[i];
        }
        double[] hw = new double[count * classes * in];
        double[] hb = new double[count * classes];
        double[] x = new double[count * perModel * inputSize];
        for (int k = 0; k < count; k++) {
            SplittableRandom r = Seeds.generator(seed, Seeds.MODEL_STREAM, first + k);
            int cols = inputSize;
            for (int i = 0; i < depth; i++) {
                fill(r, w[i], k * hidden[i] * cols, hidden[i] * cols);
                fill(r, b[i], k * hidden[i], hidden[i]);
                cols = hidden[i];
            }
            fill(r, hw, k * classes * cols, classes * cols);
            fill(r, hb, k * classes, classes);
            double[] s = samples(seed, first + k, 0, perModel);
            System.arraycopy(s, 0, x, k * s.length, s.length);
        }
        return new Stacked(this, count, w, b, hw, hb, x);
    }

    private void fill(SplittableRandom r, double[] into, int offset, int n) {
        for (int i = 0; i < n; i++) {
            into[offset + i] = Seeds.uniform(r, paramLow, paramHigh);
        }
    }

    private org.nd4j.linalg.api.ndarray.INDArray matrix(SplittableRandom r, long... shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        double[] v = new double[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = Seeds.uniform(r, paramLow, paramHigh);
        }
        return Nd4j.createFromArray(v).reshape('c', shape).castTo(DataType.DOUBLE);
    }

    @Override
    public String toString() {
        return "RandomMlp[d=" + inputSize + ", hidden=" + Arrays.toString(hidden) + ", activation=" + activation.id()
                + ", classes=" + classes + ", parameters in [" + paramLow + ", " + paramHigh + "], samples in ["
                + sampleLow + ", " + sampleHigh + "]]";
    }
}

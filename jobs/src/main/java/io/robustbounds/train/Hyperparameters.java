package io.robustbounds.train;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * How a model is trained. Validated here, whatever builds it (the {@code train} configuration, tests); messages
 * use the configuration's key names, which the loader prefixes with {@code train.}.
 *
 * @param optimizer    "adam" (Kingma and Ba 2014, as the thesis' LeNet-LRN networks, §5.4.1) or "sgd"
 * @param learningRate step size α
 * @param beta1        Adam's first-moment decay
 * @param beta2        Adam's second-moment decay
 * @param epsilon      Adam's ε
 * @param batchSize    samples per iteration (the whole set when larger)
 * @param iterations   number of updates; 0 means {@code epochs} decides
 * @param epochs       passes over the training set (⌈epochs·n / batch⌉ updates); used when iterations is 0
 * @param seed         weights and batch order depend on this only
 * @param weightInit   initial weights
 * @param marginWeight ℓ of the output-margin regularizer L − ℓ·δ(h_L(x)) (thesis §4.4); 0 turns it off
 * @param inputScale   s > 0: the network computes on s·x; folded into the first weighted layer on export
 * @param precision    FLOAT or DOUBLE for the graph and the exported weights
 */
public record Hyperparameters(String optimizer, double learningRate, double beta1, double beta2, double epsilon, int batchSize,
                              long iterations, double epochs, long seed, WeightInit weightInit, double marginWeight, double inputScale,
                              DataType precision) {

    public Hyperparameters {
        if (!"adam".equals(optimizer) && !"sgd".equals(optimizer)) {
            throw new IllegalArgumentException("optimizer must be adam or sgd, got " + optimizer);
        }
        positive("learning-rate", learningRate);
        if (!(beta1 >= 0 && beta1 < 1)) {
            throw new IllegalArgumentException("beta1 must be in [0, 1), got " + beta1);
        }
        if (!(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("beta2 must be in [0, 1), got " + beta2);
        }
        positive("epsilon", epsilon);
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch-size must be >= 1, got " + batchSize);
        }
        if (iterations < 0 || !(epochs >= 0 && Double.isFinite(epochs)) || (iterations == 0) == (epochs == 0)) {
            throw new IllegalArgumentException("exactly one of iterations and epochs must be > 0, got iterations = " + iterations
                    + ", epochs = " + epochs);
        }
        if (weightInit == null) {
            throw new IllegalArgumentException("weight-init is missing");
        }
        if (!Double.isFinite(marginWeight)) {
            throw new IllegalArgumentException("margin-weight must be finite, got " + marginWeight);
        }
        positive("input-scale", inputScale);
        if (precision != DataType.FLOAT && precision != DataType.DOUBLE) {
            throw new IllegalArgumentException("precision must be float or double, got " + precision);
        }
    }

    private static void positive(String key, double v) {
        if (!(v > 0 && Double.isFinite(v))) {
            throw new IllegalArgumentException(key + " must be positive and finite, got " + v);
        }
    }

    /** Adam with Caffe's LeNet solver settings (lr 0.001, β 0.9/0.999, ε 1e-8), batch 64, 10,000 iterations, Xavier. */
    public static Hyperparameters defaults() {
        return new Hyperparameters("adam", 1e-3, 0.9, 0.999, 1e-8, 64, 10_000, 0, 1, WeightInit.XAVIER, 0, 1, DataType.FLOAT);
    }

    /** The number of updates on a training set of n samples. */
    public long updates(int n) {
        if (iterations > 0) {
            return iterations;
        }
        return (long) Math.ceil(epochs * n / Math.min(batchSize, n));
    }

    public Hyperparameters withSeed(long s) {
        return new Hyperparameters(optimizer, learningRate, beta1, beta2, epsilon, batchSize, iterations, epochs, s, weightInit,
                marginWeight, inputScale, precision);
    }

    public Hyperparameters withMarginWeight(double l) {
        return new Hyperparameters(optimizer, learningRate, beta1, beta2, epsilon, batchSize, iterations, epochs, seed, weightInit,
                l, inputScale, precision);
    }

    public Hyperparameters withIterations(long n) {
        return new Hyperparameters(optimizer, learningRate, beta1, beta2, epsilon, batchSize, n, 0, seed, weightInit,
                marginWeight, inputScale, precision);
    }

    public Hyperparameters withPrecision(DataType t) {
        return new Hyperparameters(optimizer, learningRate, beta1, beta2, epsilon, batchSize, iterations, epochs, seed, weightInit,
                marginWeight, inputScale, t);
    }

    public Hyperparameters withBatchSize(int b) {
        return new Hyperparameters(optimizer, learningRate, beta1, beta2, epsilon, b, iterations, epochs, seed,
                weightInit, marginWeight, inputScale, precision);
    }

    public Hyperparameters withLearningRate(double lr) {
        return new Hyperparameters(optimizer, lr, beta1, beta2, epsilon, batchSize, iterations, epochs, seed, weightInit,
                marginWeight, inputScale, precision);
    }

    /** For provenance, under the configuration's key names. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("optimizer", optimizer);
        m.put("learning-rate", learningRate);
        if ("adam".equals(optimizer)) {
            m.put("beta1", beta1);
            m.put("beta2", beta2);
            m.put("epsilon", epsilon);
        }
        m.put("batch-size", batchSize);
        m.put("iterations", iterations);
        m.put("epochs", epochs);
        m.put("seed", seed);
        m.put("weight-init", weightInit.id());
        m.put("margin-weight", marginWeight);
        m.put("input-scale", inputScale);
        m.put("precision", precision == DataType.FLOAT ? "float" : "double");
        return m;
    }
}

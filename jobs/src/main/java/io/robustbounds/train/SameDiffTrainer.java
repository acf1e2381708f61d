package io.robustbounds.train;

import io.robustbounds.model.Conv2d;
import io.robustbounds.model.Flatten;
import io.robustbounds.model.Pool2d;
import io.robustbounds.model.DenseLayer;
import io.robustbounds.model.InputSpec;
import io.robustbounds.model.Layer;
import io.robustbounds.model.LinearHead;
import io.robustbounds.model.Model;
import io.robustbounds.random.Seeds;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Loss;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.loss.LossReduce;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.TrainingConfig;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.MultiDataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * Over 400 lines: the SameDiff graph of every trainable layer kind beside its export to our layer records, so the
 * two (which must compute the same function) are read and changed together.
 *
 * Trains a classifier of the project's layer kinds with ND4J's SameDiff and exports it as a {@link Model}.
 *
 * <p>The graph computes exactly what the exported layers compute ({@code cnn.Conv2d}: cross-correlation NCHW,
 * weights [k, c, q, q]; {@code cnn.Pool2d}: no padding, floor; {@code cnn.Lrn}: b_i = a_i (k + α' Σ a_l²)^{−β};
 * {@code model.DenseLayer}: [out, in] weights; {@code model.LinearHead}), so the exported model classifies like the
 * graph; {@link Network#export} is followed by a check of that in the callers. Loss: softmax cross-entropy, minus
 * ℓ·δ(h_L(x)) when the output-margin regularizer is on (thesis §4.4).
 *
 * <p>Deterministic by seed: the initial weights come from counter-based generators ({@link Seeds}) keyed by the
 * seed and the layer, the batch order from one keyed by the seed and the epoch; no other randomness is used.
 */
public final class SameDiffTrainer {
    /** Stream tags of the generators: initial weights, batch order. */
    static final long INIT_STREAM = 0x494e4954L;
    static final long ORDER_STREAM = 0x4f52444552L;
    /** Loss variable names. */
    static final String CROSS_ENTROPY = "cross_entropy";
    static final String MARGIN_TERM = "margin_term";
    static final String LOGITS = "logits";
    static final String INPUT = "input";
    static final String LABEL = "label";
    /** Rows per forward call when classifying whole sets. */
    private static final int OUTPUT_BATCH = 1000;
    /**
     * Updates between two garbage collections. SameDiff (1.0.0-M2.1) allocates each update's activations and
     * gradients off-heap (~30 MB for LeNet-5 at batch 64), freed only when the Java objects holding them are
     * collected; their small heap footprint lets the heap go for thousands of updates without a collection, and
     * LeNet training reached 14 GB of RSS. A collection every 100 updates keeps it to a few GB for ~1 % of the time.
     */
    private static final int GC_EVERY = 100;

    private final List<LayerSpec> layers;
    private final Hyperparameters hyper;

    public SameDiffTrainer(List<LayerSpec> layers, Hyperparameters hyper) {
        this.layers = List.copyOf(layers);
        this.hyper = hyper;
    }

    public Hyperparameters hyperparameters() {
        return hyper;
    }

    /** Called after every update with the 1-based update count, the total, and the loss terms of this batch. */
    public interface Progress {
        void update(long iteration, long total, double crossEntropy, double marginTerm);
    }

    /** The graph for samples of the given shape and class count, with freshly initialized weights. */
    public Network build(long[] inputShape, int classes) {
        return new Network(inputShape, classes);
    }

    /** A SameDiff graph of the architecture, its variables named "layer{i}.weight", "layer{i}.bias", "output.weight", … */
    public final class Network {
        private final SameDiff sd = SameDiff.create();
        private final long[] inputShape;
        private final int classes;
        private final DataType type = hyper.precision();
        private long updates;
        /** The loss variables, whose sum is minimized. */
        private final List<String> losses = new ArrayList<>();
        /** Input shape of every layer. */
        private final List<long[]> shapes = new ArrayList<>();

        Network(long[] inputShape, int classes) {
            if (classes < 2) {
                throw new IllegalArgumentException("a classifier needs at least 2 classes, got " + classes);
            }
            this.inputShape = inputShape.clone();
            this.classes = classes;
            long[] phShape = new long[inputShape.length + 1];
            phShape[0] = -1;
            System.arraycopy(inputShape, 0, phShape, 1, inputShape.length);
            SDVariable x = sd.placeHolder(INPUT, type, phShape);
            SDVariable y = sd.placeHolder(LABEL, type, -1, classes);
            // the input scale s multiplies the data as batches are made (a graph op would make SameDiff back-propagate
            // into the first layer's input, work no update needs)
            SDVariable h = x;
            long[] shape = inputShape.clone();
            for (int i = 0; i < layers.size(); i++) {
                LayerSpec spec = layers.get(i);
                shapes.add(shape);
                long[] out = spec.outputShape(shape, i);
                h = layer(i, spec, h, shape, out);
                shape = out;
            }
            if (shape.length != 1) {
                throw new IllegalArgumentException("the output layer needs a vector input, got shape " + Arrays.toString(shape)
                        + (layers.isEmpty() ? " (the input)" : " from layer " + (layers.size() - 1) + " (" + layers.get(layers.size() - 1).kind() + ")")
                        + "; end the trunk with flatten");
            }
            SDVariable w = sd.var("output.weight", init(layers.size(), classes, shape[0], shape[0], classes));
            SDVariable b = sd.var("output.bias", Nd4j.zeros(type, classes));
            SDVariable logits = sd.mmul(h, w, false, true, false).add(LOGITS, b);
            sd.loss.softmaxCrossEntropy(CROSS_ENTROPY, y, logits, null, LossReduce.MEAN_BY_NONZERO_WEIGHT_COUNT, 0.0);
            losses.add(CROSS_ENTROPY);
            if (hyper.marginWeight() != 0) {
                outputMargin(logits, w, y).mean().mul(MARGIN_TERM, -hyper.marginWeight());
                losses.add(MARGIN_TERM);
            }
            IUpdater updater = "adam".equals(hyper.optimizer())
                    ? new Adam(hyper.learningRate(), hyper.beta1(), hyper.beta2(), hyper.epsilon())
                    : new Sgd(hyper.learningRate());
            // the sum of the loss variables is minimized: cross-entropy − ℓ·mean δ
            sd.setLossVariables(losses.toArray(String[]::new));
            sd.setTrainingConfig(TrainingConfig.builder().updater(updater).dataSetFeatureMapping(INPUT).dataSetLabelMapping(LABEL)
                    .minimize(losses.toArray(String[]::new)).build());
        }

        private SDVariable layer(int i, LayerSpec spec, SDVariable h, long[] in, long[] out) {
            String p = "layer" + i + ".";
            if (spec instanceof LayerSpec.Dense d) {
                SDVariable w = sd.var(p + "weight", init(i, d.units(), in[0], in[0], d.units()));
                SDVariable b = sd.var(p + "bias", Nd4j.zeros(type, d.units()));
                SDVariable z = sd.mmul(h, w, false, true, false).add(b);
                return switch (d.activation()) {
                    case TANH -> sd.nn.tanh(z);
                    case SIGMOID -> sd.nn.sigmoid(z);
                    case SOFTPLUS -> sd.nn.softplus(z);
                    case RELU -> sd.nn.relu(z, 0.0);
                    case IDENTITY -> z;
                };
            }
            if (spec instanceof LayerSpec.Conv c) {
                // z = W ⋆ h + b as im2col + one GEMM: cols [N, C, q, q, t, t'] viewed as [N, P, Q] (P = C·q·q, Q = t·t'),
                // then W [K, P] · cols as [P, N·Q]. libnd4j's conv2d_bp took 4–8× the CPU time of this on LeNet's shapes
                // (batch 64, 2 cores), and in 1.0.0-M2.1 it ignores a weight format other than [q, q, C, K]. The weight is
                // held as [K, C·q·q] and exported reshaped to the model's [K, C, q, q] (row-major, the same order).
                long patch = in[0] * c.size() * c.size();
                long positions = out[1] * out[2];
                SDVariable w = sd.var(p + "weight", init(i, c.filters(), patch, patch, (long) c.filters() * c.size() * c.size()));
                SDVariable b = sd.var(p + "bias", Nd4j.zeros(type, c.filters()));
                SDVariable cols = sd.cnn.im2Col(h, Conv2DConfig.builder().kH(c.size()).kW(c.size()).sH(c.stride()).sW(c.stride())
                        .pH(c.padding()).pW(c.padding()).dH(1).dW(1).paddingMode(PaddingMode.VALID).dataFormat("NCHW").build());
                SDVariable byPatch = sd.reshape(sd.permute(sd.reshape(cols, -1, patch, positions), 1, 0, 2), patch, -1);  // [P, N·Q]
                SDVariable z = sd.permute(sd.reshape(sd.mmul(w, byPatch), c.filters(), -1, positions), 1, 0, 2);      // [N, K, Q]
                z = sd.reshape(z, -1, c.filters(), out[1], out[2]).add(sd.reshape(b, 1, c.filters(), 1, 1));
                return c.relu() ? sd.nn.relu(z, 0.0) : z;
            }
            if (spec instanceof LayerSpec.Pool pool) {
                Pooling2DConfig config = Pooling2DConfig.builder().kH(pool.size()).kW(pool.size()).sH(pool.stride()).sW(pool.stride())
                        .pH(0).pW(0).dH(1).dW(1).paddingMode(PaddingMode.VALID).isNHWC(false).build();
                return pool.max() ? sd.cnn.maxPooling2d(h, config) : sd.cnn.avgPooling2d(h, config);
            }
            if (spec instanceof LayerSpec.Lrn lrn) {
                // S = k + α' Σ_{|l−i| ≤ n/2} a_l²: the channel-window sums as one product of a² (channels last) with a fixed
                // band matrix B[l, i] = 1 when |l − i| ≤ n/2 (libnd4j's own lrn op takes a depth radius and NHWC; this
                // keeps the project's window and α' exactly)
                int c = Math.toIntExact(in[0]);
                INDArray band = Nd4j.zeros(type, c, c);
                for (int o = 0; o < c; o++) {
                    for (int l = Math.max(0, o - lrn.n() / 2); l <= Math.min(c - 1, o + lrn.n() / 2); l++) {
                        band.putScalar(new long[] {l, o}, 1.0);
                    }
                }
                SDVariable window = sd.constant(p + "band", band);
                SDVariable squares = sd.reshape(sd.permute(h.mul(h), 0, 2, 3, 1), -1, c);          // [N·H·W, C]
                SDVariable sums = sd.permute(sd.reshape(sd.mmul(squares, window), -1, in[1], in[2], c), 0, 3, 1, 2);
                return h.mul(sd.math.pow(sums.mul(lrn.layer().effectiveAlpha()).add(lrn.k()), -lrn.beta()));
            }
            if (spec instanceof LayerSpec.Flatten) {
                return sd.reshape(h, -1, out[0]);
            }
            throw new IllegalStateException("unknown layer kind " + spec);
        }

        /**
         * δ(h_L(x)) of Theorem 3.6 with c the true class y: min_{c' ≠ y} |z_c' − z_y| / ‖w_c' − w_y‖, z = W h + b the
         * logits (so z_c' − z_y = (w_c' − w_y)·h + b_c' − b_y). For correctly classified samples this is the thesis'
         * δ, whose c is f(x). ‖w_c' − w_y‖ = √(‖w_c'‖² + ‖w_y‖² − 2 w_c'·w_y) from the Gram matrix; the class y itself
         * is excluded by adding a huge constant before the min. Returns δ per sample [N].
         */
        private SDVariable outputMargin(SDVariable logits, SDVariable w, SDVariable y) {
            SDVariable zy = logits.mul(y).sum(true, 1);                       // [N, 1]
            SDVariable gaps = sd.math.abs(logits.sub(zy));                    // [N, C]
            SDVariable gram = sd.mmul(w, w, false, true, false);             // [C, C]
            SDVariable sq = w.mul(w).sum(true, 1);                            // [C, 1]
            SDVariable dist2 = gram.mul(-2.0).add(sq).add(sd.reshape(sq, 1, classes));
            SDVariable dist = sd.math.sqrt(sd.math.max(dist2, sd.constant(Nd4j.scalar(type, 1e-12))));
            SDVariable distToY = sd.mmul(y, dist);                            // [N, C]: ‖w_c' − w_y‖ (dist is symmetric)
            SDVariable ratios = gaps.div(distToY).add(y.mul(1e20));
            return sd.min("margin", ratios, 1);
        }

        /** Initial weights of layer i, shape [rows, cols], from the generator keyed by (seed, layer). */
        private INDArray init(int layer, long rows, long cols, long fanIn, long fanOut) {
            SplittableRandom r = Seeds.generator(hyper.seed(), INIT_STREAM, layer);
            double[] v = new double[Math.toIntExact(rows * cols)];
            for (int k = 0; k < v.length; k++) {
                v[k] = hyper.weightInit().sample(r, fanIn, fanOut);
            }
            return Nd4j.createFromArray(v).castTo(type).reshape('c', rows, cols);
        }

        public SameDiff sameDiff() {
            return sd;
        }

        /** Updates done so far. */
        public long updates() {
            return updates;
        }

        /** Trains on {@code data} for {@link Hyperparameters#updates(int)} updates. */
        public void fit(LabeledSet data, Progress progress) {
            requireShape(data);
            if (data.maxLabelPlusOne() > classes) {
                throw new IllegalArgumentException("training set has label " + (data.maxLabelPlusOne() - 1) + ", the model has "
                        + classes + " classes");
            }
            long total = hyper.updates(data.size());
            Batches batches = new Batches(data, Math.min(hyper.batchSize(), data.size()), total);
            double[] terms = new double[2];
            sd.fit(batches, 1, new BaseListener() {
                @Override
                public boolean isActive(Operation operation) {
                    return operation == Operation.TRAINING;
                }

                // The loss terms are computed here from the batch's logits: in 1.0.0-M2.1 training runs only the loss's
                // gradient op, never the loss itself, and the Loss handed to iterationDone holds zeros.
                @Override
                public void opExecution(SameDiff s, At at, MultiDataSet batch, SameDiffOp op, OpContext context, INDArray[] outputs) {
                    List<String> names = op.getOutputsOfOp();
                    int k = names == null ? -1 : names.indexOf(LOGITS);
                    if (k >= 0 && k < outputs.length && progress != null) {
                        INDArray logits = outputs[k].castTo(DataType.DOUBLE);
                        int[] labels = batch.getLabels(0).argMax(1).toIntVector();
                        terms[0] = Margins.meanCrossEntropy(logits, labels);
                        terms[1] = hyper.marginWeight() == 0 ? 0 : -hyper.marginWeight() * Margins.mean(Margins.trueClassMargins(logits,
                                s.getVariable("output.weight").getArr().castTo(DataType.DOUBLE), labels));
                    }
                }

                @Override
                public void iterationDone(SameDiff s, At at, MultiDataSet dataSet, Loss loss) {
                    updates++;
                    if (updates % GC_EVERY == 0) {
                        System.gc(); // frees the off-heap arrays of finished updates (see GC_EVERY)
                    }
                    if (progress != null) {
                        progress.update(updates, total, terms[0], terms[1]);
                    }
                }
            });
        }

        /** Logits [n, classes] of the graph for n samples (row-major features, as {@link LabeledSet}). */
        public INDArray logits(double[] features, int n) {
            int size = Math.toIntExact(Arrays.stream(inputShape).reduce(1, (a, b) -> a * b));
            if ((long) n * size > features.length) {
                throw new IllegalArgumentException(n + " samples of " + size + " values need " + (long) n * size + " values, got " + features.length);
            }
            List<INDArray> parts = new ArrayList<>();
            for (int start = 0; start < n; start += OUTPUT_BATCH) {
                int rows = Math.min(OUTPUT_BATCH, n - start);
                INDArray x = batch(features, start * size, rows, size);
                parts.add(sd.output(Map.of(INPUT, x), LOGITS).get(LOGITS).castTo(DataType.DOUBLE));
            }
            return parts.size() == 1 ? parts.get(0) : Nd4j.concat(0, parts.toArray(INDArray[]::new));
        }

        /** δ per sample as the regularizer computes it (true class), for checks. */
        public double[] margins(LabeledSet data) {
            requireShape(data);
            INDArray logits = logits(data.features(), data.size());
            INDArray w = sd.getVariable("output.weight").getArr().castTo(DataType.DOUBLE);
            return Margins.trueClassMargins(logits, w, data.labels());
        }

        /** δ per sample as the graph's regularizer computes it (only when ℓ ≠ 0, otherwise the graph has no margin). */
        public double[] graphMargins(LabeledSet data) {
            requireShape(data);
            if (!sd.hasVariable("margin")) {
                throw new IllegalStateException("the graph has no margin term (margin-weight is 0)");
            }
            int n = data.size();
            double[] y = new double[n * classes];
            for (int i = 0; i < n; i++) {
                y[i * classes + data.labels()[i]] = 1;
            }
            INDArray x = batch(data.features(), 0, n, data.sampleSize());
            INDArray labels = Nd4j.createFromArray(y).castTo(type).reshape('c', n, classes);
            return sd.output(Map.of(INPUT, x, LABEL, labels), "margin").get("margin").castTo(DataType.DOUBLE).toDoubleVector();
        }

        /** The class of each sample by the graph. */
        public int[] predict(double[] features, int n) {
            return logits(features, n).argMax(1).toIntVector();
        }

        private INDArray batch(double[] features, int offset, int rows, int size) {
            long[] shape = new long[inputShape.length + 1];
            shape[0] = rows;
            System.arraycopy(inputShape, 0, shape, 1, inputShape.length);
            double[] part = Arrays.copyOfRange(features, offset, offset + rows * size);
            scale(part);
            return Nd4j.createFromArray(part).castTo(type).reshape('c', shape);
        }

        /** x ← s·x, the network's input scale. */
        private void scale(double[] x) {
            double s = hyper.inputScale();
            if (s != 1.0) {
                for (int i = 0; i < x.length; i++) {
                    x[i] *= s;
                }
            }
        }

        private void requireShape(LabeledSet data) {
            if (!Arrays.equals(data.shape(), inputShape)) {
                throw new IllegalArgumentException("samples have shape " + Arrays.toString(data.shape()) + ", the network takes "
                        + Arrays.toString(inputShape));
            }
        }

        /**
         * The trained weights as a model of the project's layer kinds. The input scale s is folded into the first
         * weighted layer (its weight times s: W(s·x) = (sW)x), through any pooling or flatten before it (both
         * commute with s > 0); an LRN before the first weighted layer cannot take it and is refused.
         */
        public Model export(String name, InputSpec input, List<String> classNames, Map<String, Object> provenance) {
            if (!Arrays.equals(input.shape(), inputShape)) {
                throw new IllegalArgumentException("input spec " + input + " does not match the network's input shape "
                        + Arrays.toString(inputShape));
            }
            double scale = hyper.inputScale();
            List<Layer> out = new ArrayList<>();
            for (int i = 0; i < layers.size(); i++) {
                LayerSpec spec = layers.get(i);
                String p = "layer" + i + ".";
                if (spec instanceof LayerSpec.Dense d) {
                    out.add(new DenseLayer(weight(p + "weight", scale), weight(p + "bias", 1), d.activation()));
                    scale = 1;
                } else if (spec instanceof LayerSpec.Conv c) {
                    long[] inShape = shapes.get(i);
                    INDArray kernels = weight(p + "weight", scale).reshape('c', c.filters(), inShape[0], c.size(), c.size());
                    out.add(new Conv2d(kernels, weight(p + "bias", 1), c.stride(), c.padding(), c.relu()));
                    scale = 1;
                } else if (spec instanceof LayerSpec.Pool pool) {
                    out.add(pool.max() ? Pool2d.max(pool.size(), pool.stride()) : Pool2d.average(pool.size(), pool.stride()));
                } else if (spec instanceof LayerSpec.Lrn lrn) {
                    if (scale != 1) {
                        throw new IllegalArgumentException("layer " + i + " (lrn): an input scale cannot be folded through an LRN layer "
                                + "before the first weighted layer; use input-scale 1 (scale the data instead)");
                    }
                    out.add(lrn.layer());
                } else {
                    out.add(new Flatten());
                }
            }
            LinearHead head = new LinearHead(weight("output.weight", scale), weight("output.bias", 1));
            return new Model(name, input, out, head, classNames, provenance);
        }

        private INDArray weight(String variable, double scale) {
            INDArray a = sd.getVariable(variable).getArr().dup('c');
            return scale == 1 ? a : a.muli(scale);
        }

        /** The current value of a variable ("layer0.weight", "output.bias", …), a copy. */
        public INDArray variable(String name) {
            return sd.getVariable(name).getArr().dup('c');
        }

        /** Names of the trainable variables, in layer order. */
        public List<String> variableNames() {
            List<String> names = new ArrayList<>();
            for (int i = 0; i < layers.size(); i++) {
                if (layers.get(i) instanceof LayerSpec.Dense || layers.get(i) instanceof LayerSpec.Conv) {
                    names.add("layer" + i + ".weight");
                    names.add("layer" + i + ".bias");
                }
            }
            names.add("output.weight");
            names.add("output.bias");
            return names;
        }

        /**
         * The training batches: one stream of shuffled epochs (a fresh permutation from (seed, epoch) each pass),
         * cut into batches that continue across epoch ends, as Caffe's data layer does, for exactly {@code total}
         * batches. One SameDiff "epoch" is the whole run.
         */
        private final class Batches implements MultiDataSetIterator {
            private final LabeledSet data;
            private final int batchSize;
            private final long total;
            private final int sampleSize;
            private int[] order;
            private int cursor;
            private long epoch = -1;
            private long served;

            Batches(LabeledSet data, int batchSize, long total) {
                this.data = data;
                this.batchSize = batchSize;
                this.total = total;
                this.sampleSize = data.sampleSize();
            }

            @Override
            public boolean hasNext() {
                return served < total;
            }

            @Override
            public MultiDataSet next() {
                return next(batchSize);
            }

            @Override
            public MultiDataSet next(int rows) {
                double[] x = new double[rows * sampleSize];
                double[] y = new double[rows * classes];
                for (int r = 0; r < rows; r++) {
                    if (order == null || cursor == order.length) {
                        shuffle();
                    }
                    int i = order[cursor++];
                    System.arraycopy(data.features(), i * sampleSize, x, r * sampleSize, sampleSize);
                    y[r * classes + data.labels()[i]] = 1;
                }
                served++;
                scale(x);
                long[] shape = new long[inputShape.length + 1];
                shape[0] = rows;
                System.arraycopy(inputShape, 0, shape, 1, inputShape.length);
                return new org.nd4j.linalg.dataset.MultiDataSet(Nd4j.createFromArray(x).castTo(type).reshape('c', shape),
                        Nd4j.createFromArray(y).castTo(type).reshape('c', rows, classes));
            }

            /** Fisher–Yates with the generator of (seed, epoch). */
            private void shuffle() {
                epoch++;
                SplittableRandom r = Seeds.generator(hyper.seed(), ORDER_STREAM, epoch);
                order = new int[data.size()];
                for (int i = 0; i < order.length; i++) {
                    order[i] = i;
                }
                for (int i = order.length - 1; i > 0; i--) {
                    int j = r.nextInt(i + 1);
                    int t = order[i];
                    order[i] = order[j];
                    order[j] = t;
                }
                cursor = 0;
            }

            @Override
            public void setPreProcessor(MultiDataSetPreProcessor preProcessor) {
                throw new UnsupportedOperationException("no preprocessing: the graph takes the data as it is");
            }

            @Override
            public MultiDataSetPreProcessor getPreProcessor() {
                return null;
            }

            @Override
            public boolean resetSupported() {
                return false;
            }

            @Override
            public boolean asyncSupported() {
                return false;
            }

            @Override
            public void reset() {
                throw new UnsupportedOperationException("the batch stream is one pass");
            }
        }
    }
}

package io.robustbounds.train;

import io.robustbounds.model.Activation;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One layer of an architecture to train, before it has weights. Each kind exports to the model layer of the same
 * semantics: {@link Dense} to {@code model.DenseLayer}, {@link Conv} to {@code cnn.Conv2d}, {@link Pool} to
 * {@code cnn.Pool2d}, {@link Lrn} to {@code cnn.Lrn}, {@link Flatten} to {@code cnn.Flatten}. The linear head is
 * not a LayerSpec: every trained model ends in one, with as many outputs as the data has classes.
 */
public sealed interface LayerSpec {

    /** The model.json kind of the exported layer. */
    String kind();

    /** Shape of one sample's output for one sample's input shape; throws naming the layer when they do not fit. */
    long[] outputShape(long[] in, int index);

    /** Short text for progress lines, e.g. "conv 20×5²/1". */
    String describe();

    /** The parameters under the configuration's key names, for provenance. */
    Map<String, Object> toMap();

    private static Map<String, Object> map(Object... keysAndValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return m;
    }

    /** Fully connected layer g(V x + c) (thesis §4.1), V of shape [units, in]. */
    record Dense(int units, Activation activation) implements LayerSpec {
        public Dense {
            if (units < 1) {
                throw new IllegalArgumentException("dense: units must be >= 1, got " + units);
            }
            if (activation == null) {
                throw new IllegalArgumentException("dense: activation is missing");
            }
        }

        @Override
        public String kind() {
            return "dense";
        }

        @Override
        public String describe() {
            return "dense " + units + " " + activation.id();
        }

        @Override
        public Map<String, Object> toMap() {
            return map("kind", kind(), "units", units, "activation", activation.id());
        }

        @Override
        public long[] outputShape(long[] in, int index) {
            if (in.length != 1) {
                throw new IllegalArgumentException("layer " + index + " (dense): needs a vector input, got shape "
                        + Arrays.toString(in) + " (put a flatten layer before it)");
            }
            return new long[] {units};
        }
    }

    /**
     * 2-D convolution (cross-correlation, NCHW) with {@code filters} kernels of size×size, zero padding, optional
     * ReLU (thesis §5.2.1); weights [filters, in channels, size, size].
     */
    record Conv(int filters, int size, int stride, int padding, boolean relu) implements LayerSpec {
        public Conv {
            if (filters < 1 || size < 1 || stride < 1 || padding < 0) {
                throw new IllegalArgumentException("conv: filters, size and stride must be >= 1 and padding >= 0, got filters "
                        + filters + ", size " + size + ", stride " + stride + ", padding " + padding);
            }
        }

        @Override
        public String kind() {
            return "conv";
        }

        @Override
        public String describe() {
            return "conv " + filters + "×" + size + "²/" + stride + (padding > 0 ? " pad " + padding : "") + (relu ? " relu" : "");
        }

        @Override
        public Map<String, Object> toMap() {
            return map("kind", kind(), "filters", filters, "size", size, "stride", stride, "padding", padding, "relu", relu);
        }

        @Override
        public long[] outputShape(long[] in, int index) {
            if (in.length != 3 || in[1] + 2L * padding < size || in[2] + 2L * padding < size) {
                throw new IllegalArgumentException("layer " + index + " (conv): needs an input [C, H, W] with H, W + 2·padding >= "
                        + size + ", got " + Arrays.toString(in));
            }
            return new long[] {filters, (in[1] + 2L * padding - size) / stride + 1, (in[2] + 2L * padding - size) / stride + 1};
        }
    }

    /** MAX or average pooling over size×size windows, no padding, output side floor((H − size)/stride) + 1 (§5.2.2). */
    record Pool(boolean max, int size, int stride) implements LayerSpec {
        public Pool {
            if (size < 1 || stride < 1) {
                throw new IllegalArgumentException("pool: size and stride must be >= 1, got size " + size + ", stride " + stride);
            }
        }

        @Override
        public String kind() {
            return "pool";
        }

        @Override
        public String describe() {
            return (max ? "maxpool " : "avgpool ") + size + "/" + stride;
        }

        @Override
        public Map<String, Object> toMap() {
            return map("kind", kind(), "method", max ? "max" : "average", "size", size, "stride", stride);
        }

        @Override
        public long[] outputShape(long[] in, int index) {
            if (in.length != 3 || in[1] < size || in[2] < size) {
                throw new IllegalArgumentException("layer " + index + " (pool): needs an input [C, H, W] with H, W >= " + size
                        + ", got " + Arrays.toString(in));
            }
            return new long[] {in[0], (in[1] - size) / stride + 1, (in[2] - size) / stride + 1};
        }
    }

    /**
     * Local response normalization across channels (§5.2.4): b_i = a_i (k + α' Σ_l a_l²)^{−β}, l from i − n/2 to
     * i + n/2 (integer n/2, clipped), α' = α (thesis) or α/n (Caffe, {@code caffeAlpha}).
     */
    record Lrn(double k, int n, double alpha, double beta, boolean caffeAlpha) implements LayerSpec {
        public Lrn {
            if (n < 1) {
                throw new IllegalArgumentException("lrn: n must be >= 1, got " + n);
            }
            if (!(k > 0 && Double.isFinite(k)) || !(alpha > 0 && Double.isFinite(alpha)) || !(beta > 0 && Double.isFinite(beta))) {
                throw new IllegalArgumentException("lrn: k, alpha and beta must be positive and finite, got k " + k + ", alpha "
                        + alpha + ", beta " + beta);
            }
        }

        /** The exported layer: {@code cnn.Lrn} holds the window and α' convention the evaluator uses. */
        public io.robustbounds.model.Lrn layer() {
            return new io.robustbounds.model.Lrn(k, n, alpha, beta, caffeAlpha);
        }

        @Override
        public String kind() {
            return "lrn";
        }

        @Override
        public String describe() {
            return "lrn " + n;
        }

        @Override
        public Map<String, Object> toMap() {
            return map("kind", kind(), "n", n, "k", k, "alpha", alpha, "beta", beta, "alpha-convention", caffeAlpha ? "caffe" : "thesis");
        }

        @Override
        public long[] outputShape(long[] in, int index) {
            if (in.length != 3) {
                throw new IllegalArgumentException("layer " + index + " (lrn): needs an input [C, H, W], got " + Arrays.toString(in));
            }
            return in.clone();
        }
    }

    /** [C, H, W] → [C·H·W], row-major (§5.2.5). */
    record Flatten() implements LayerSpec {
        @Override
        public String kind() {
            return "flatten";
        }

        @Override
        public String describe() {
            return "flatten";
        }

        @Override
        public Map<String, Object> toMap() {
            return map("kind", kind());
        }

        @Override
        public long[] outputShape(long[] in, int index) {
            return new long[] {Arrays.stream(in).reduce(1, (a, b) -> a * b)};
        }
    }
}

package io.robustbounds.eval;

import io.robustbounds.linalg.Arrays2;
import io.robustbounds.linalg.FastTanh;
import io.robustbounds.model.Activation;
import java.lang.management.ManagementFactory;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The FGS ray x + ε s of a stack of small MLPs (every width ≤ {@link #MAX_WIDTH}) in plain Java float loops instead
 * of ND4J ops: per pass, a 10×10 ND4J product or activation costs more in call overhead and libnd4j's tanh than the
 * arithmetic (docs/benchmarks.md, issue 18). Activations are kept feature-major per model, [k][feature][sample], so
 * every innermost loop runs over the samples of one model with unit stride and C2 vectorizes it (SuperWord): the
 * products as rows of saxpy, tanh and the sigmoid as {@link FastTanh}'s rational function, ReLU as Math.max.
 * Softplus is evaluated element by element (Math.exp and Math.log1p, not vectorized).
 *
 * <p>As {@link DenseStack.Ray}, the first affine map is precomputed: z₁(ε) = (V₁x + c₁) + ε (V₁s). The logits differ
 * from the ND4J ray's by float rounding and FastTanh's few ulps: the attack's search only, never the forward pass the
 * bounds come from.
 */
final class FloatRay implements io.robustbounds.attack.Ray {
    /**
     * Widths up to which the Java loops beat ND4J's batched products (measured, docs/benchmarks.md, issue 18):
     * the loops cost ~n² per sample, ND4J's ops a fixed overhead that small widths cannot amortize.
     */
    static final int MAX_WIDTH = 64;

    /**
     * Whether C2 compiles this JVM's hot loops: C1 alone (-XX:TieredStopAtLevel=1, the launcher's choice for the
     * Spark jobs) does not vectorize them, and the ND4J ray is then faster. {@code -Drobustbounds.floatRay=true|false}
     * forces the choice.
     */
    private static final boolean ENABLED = enabled();

    private final DenseStack net;
    private final int samplesPerModel;
    private final float[] pre;
    private final float[] direction;
    private final float[] h;
    private final float[] next;
    private final float[] eps;

    /** f: the forward pass at x; signs: s as [m, N, d]. */
    FloatRay(DenseStack net, DenseStack.Forward f, INDArray signs) {
        if (net.dataType != DataType.FLOAT || net.depth() == 0) {
            throw new IllegalArgumentException("FloatRay needs a FLOAT stack with hidden layers, got " + net.dataType
                    + " with " + net.depth() + " hidden layers");
        }
        this.net = net;
        this.samplesPerModel = f.samplesPerModel;
        int width = net.widths[0];
        this.pre = featureMajor(Arrays2.toFloats(f.pre[0]), net.models, samplesPerModel, width);
        INDArray v1s = org.nd4j.linalg.factory.Nd4j.matmul(signs.castTo(DataType.FLOAT), net.weights[0], false, true, false);
        this.direction = featureMajor(Arrays2.toFloats(v1s), net.models, samplesPerModel, width);
        int widest = net.classes;
        for (int w : net.widths) {
            widest = Math.max(widest, w);
        }
        this.h = new float[widest * samplesPerModel];
        this.next = new float[widest * samplesPerModel];
        this.eps = new float[samplesPerModel];
    }

    /** Whether the stack qualifies: FLOAT, hidden layers all at most MAX_WIDTH wide, and C2 on (or forced). */
    static boolean applies(DenseStack net) {
        if (!ENABLED || net.dataType != DataType.FLOAT || net.depth() == 0) {
            return false;
        }
        for (int w : net.widths) {
            if (w > MAX_WIDTH) {
                return false;
            }
        }
        return true;
    }

    private static boolean enabled() {
        String forced = System.getProperty("robustbounds.floatRay");
        if (forced != null) {
            return Boolean.parseBoolean(forced);
        }
        try {
            com.sun.management.HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            boolean tiered = Boolean.parseBoolean(vm.getVMOption("TieredCompilation").getValue());
            return !tiered || Integer.parseInt(vm.getVMOption("TieredStopAtLevel").getValue()) >= 4;
        } catch (RuntimeException | LinkageError e) { // not HotSpot: assume a compiler that optimizes loops
            return true;
        }
    }

    /** [m, N, n] in C order to [m, n, N]. */
    static float[] featureMajor(float[] a, int models, int samples, int n) {
        float[] out = new float[a.length];
        for (int k = 0; k < models; k++) {
            int base = k * samples * n;
            for (int i = 0; i < samples; i++) {
                for (int j = 0; j < n; j++) {
                    out[base + j * samples + i] = a[base + i * n + j];
                }
            }
        }
        return out;
    }

    @Override
    public double[] logitsAt(double[] epsilon) {
        DenseStack.FloatParameters p = net.floatParameters();
        int models = net.models;
        int samples = samplesPerModel;
        int classes = net.classes;
        int depth = net.depth();
        if (epsilon.length != models * samples) {
            throw new IllegalArgumentException("expected " + models * samples + " step sizes, got " + epsilon.length);
        }
        double[] out = new double[models * samples * classes];
        float[] a = h;
        float[] b = next;
        for (int k = 0; k < models; k++) {
            for (int i = 0; i < samples; i++) {
                eps[i] = (float) epsilon[k * samples + i];
            }
            int width = net.widths[0];
            int base = k * width * samples;
            for (int j = 0; j < width; j++) {
                shift(a, j * samples, pre, direction, base + j * samples, eps, samples);
            }
            activate(net.activations[0], a, width * samples);
            for (int l = 1; l < depth; l++) {
                int rows = net.widths[l];
                affine(p.weights()[l], p.biases()[l], k, rows, width, a, b, samples);
                activate(net.activations[l], b, rows * samples);
                float[] t = a;
                a = b;
                b = t;
                width = rows;
            }
            affine(p.head(), p.headBias(), k, classes, width, a, b, samples);
            for (int c = 0; c < classes; c++) {
                for (int i = 0; i < samples; i++) {
                    out[(k * samples + i) * classes + c] = b[c * samples + i];
                }
            }
        }
        return out;
    }

    /** a[at + i] = z[from + i] + ε_i d[from + i]: one feature of layer 1 along the ray. */
    private static void shift(float[] a, int at, float[] z, float[] d, int from, float[] e, int samples) {
        for (int i = 0; i < samples; i++) {
            a[at + i] = z[from + i] + e[i] * d[from + i];
        }
    }

    /** out[r][·] = c_r + Σ_j W[k][r][j]·in[j][·] for r < rows, feature-major over samples; W is [m, rows, cols]. */
    private static void affine(float[] w, float[] bias, int k, int rows, int cols, float[] in, float[] out, int samples) {
        int wk = k * rows * cols;
        for (int r = 0; r < rows; r++) {
            int o = r * samples;
            java.util.Arrays.fill(out, o, o + samples, bias[k * rows + r]);
            for (int j = 0; j < cols; j++) {
                axpy(w[wk + r * cols + j], in, j * samples, out, o, samples);
            }
        }
    }

    private static void axpy(float alpha, float[] x, int from, float[] y, int at, int n) {
        for (int i = 0; i < n; i++) {
            y[at + i] += alpha * x[from + i];
        }
    }

    private static void activate(Activation g, float[] a, int n) {
        switch (g) {
            case TANH -> FastTanh.tanh(a, 0, n);
            case SIGMOID -> FastTanh.sigmoid(a, 0, n);
            case RELU -> relu(a, n);
            case SOFTPLUS -> {
                for (int i = 0; i < n; i++) {
                    a[i] = (float) Activation.SOFTPLUS.value(a[i]);
                }
            }
            case IDENTITY -> {
            }
        }
    }

    private static void relu(float[] a, int n) {
        for (int i = 0; i < n; i++) {
            a[i] = Math.max(a[i], 0.0f);
        }
    }
}

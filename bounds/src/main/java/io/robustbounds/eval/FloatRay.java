package io.robustbounds.eval;

import io.robustbounds.linalg.Arrays2;
import io.robustbounds.linalg.FastTanh;
import io.robustbounds.model.Activation;
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
     * Widths up to which the Java loops beat ND4J's batched products (docs/benchmarks.md, issue 18; thread CPU per
     * sample and pass, 100 samples per model, under load): 3 tanh layers of 10 → 101 ns against 340, of 32 → 532
     * against 855, of 64 → 1020 against 1663; 2 ReLU layers of 128 → 1270–2080 against 1870–2620, of 256 → 6170
     * against 4370 (ND4J's products amortize their overhead there).
     */
    static final int MAX_WIDTH = 128;

    /**
     * Whether the Java ray and Lanczos are on: always, unless {@code -Drobustbounds.floatRay=false} (a diagnostic switch:
     * the ND4J path rounds differently). The choice must not depend on the JVM's compilers: Java float arithmetic gives
     * the same bits under C1 and C2, so a local run (the launcher's C1) and a cluster's executors (C2) agree, where a
     * choice by compiler made their FGS ε differ (the loopback cluster test). Under C1 the loops are not vectorized
     * and slower than ND4J's (695 ns per sample and pass against 230–330 on the sweep's stack).
     */
    private static final boolean ENABLED = !"false".equals(System.getProperty("robustbounds.floatRay"));

    private final DenseStack net;
    private final int samplesPerModel;
    /** V₁x + c₁ and V₁s per model and feature: [k][j] → the model's samples. */
    private final float[][][] pre;
    private final float[][][] direction;
    private final float[][] h;
    private final float[][] next;
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
        this.h = new float[widest][samplesPerModel];
        this.next = new float[widest][samplesPerModel];
        this.eps = new float[samplesPerModel];
    }

    /** Whether the stack qualifies: a stack (not a model compiled alone), FLOAT, hidden layers all at most MAX_WIDTH wide (and the switch on). */
    static boolean applies(DenseStack net) {
        if (!ENABLED || !net.javaLoops || net.dataType != DataType.FLOAT || net.depth() == 0) {
            return false;
        }
        for (int w : net.widths) {
            if (w > MAX_WIDTH) {
                return false;
            }
        }
        return true;
    }

    /**
     * [m, N, n] in C order to one array per model and feature, [k][j][i]. Rows as separate arrays, not offsets into
     * one: C2's SuperWord (JDK 17) vectorizes y[i] += a·x[i] over two arrays, but not y[at + i] += a·x[from + i]
     * with different offsets, which could overlap if x and y were the same array (measured: 0.06 against 0.31 ns per
     * multiply-add, 32×32 products over 100 samples).
     */
    static float[][][] featureMajor(float[] a, int models, int samples, int n) {
        float[][][] out = new float[models][n][samples];
        for (int k = 0; k < models; k++) {
            int base = k * samples * n;
            for (int i = 0; i < samples; i++) {
                for (int j = 0; j < n; j++) {
                    out[k][j][i] = a[base + i * n + j];
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
        float[][] a = h;
        float[][] b = next;
        for (int k = 0; k < models; k++) {
            for (int i = 0; i < samples; i++) {
                eps[i] = (float) epsilon[k * samples + i];
            }
            int width = net.widths[0];
            for (int j = 0; j < width; j++) {
                shift(a[j], pre[k][j], direction[k][j], eps, samples);
            }
            activate(net.activations[0], a, width, samples);
            for (int l = 1; l < depth; l++) {
                int rows = net.widths[l];
                affine(p.weights()[l], p.biases()[l], k, rows, width, a, b, samples);
                activate(net.activations[l], b, rows, samples);
                float[][] t = a;
                a = b;
                b = t;
                width = rows;
            }
            affine(p.head(), p.headBias(), k, classes, width, a, b, samples);
            for (int c = 0; c < classes; c++) {
                float[] row = b[c];
                for (int i = 0; i < samples; i++) {
                    out[(k * samples + i) * classes + c] = row[i];
                }
            }
        }
        return out;
    }

    /** a[i] = z[i] + ε_i d[i]: one feature of layer 1 along the ray. */
    private static void shift(float[] a, float[] z, float[] d, float[] e, int samples) {
        for (int i = 0; i < samples; i++) {
            a[i] = z[i] + e[i] * d[i];
        }
    }

    /** out[r][·] = c_r + Σ_j W[k][r][j]·in[j][·] for r < rows, over the samples; W is [m, rows, cols] in C order; no c: 0. */
    static void affine(float[] w, float[] bias, int k, int rows, int cols, float[][] in, float[][] out, int samples) {
        for (int r = 0; r < rows; r++) {
            float[] y = out[r];
            java.util.Arrays.fill(y, 0, samples, bias == null ? 0.0f : bias[k * rows + r]);
            int at = (k * rows + r) * cols;
            int j = 0;
            for (; j + 4 <= cols; j += 4) { // four inputs per sweep over the row: a quarter of the row's loads and stores
                axpy4(w[at + j], w[at + j + 1], w[at + j + 2], w[at + j + 3], in[j], in[j + 1], in[j + 2], in[j + 3], y, samples);
            }
            for (; j < cols; j++) {
                axpy(w[at + j], in[j], y, samples);
            }
        }
    }

    /** out[c][·] = Σ_r W[k][r][c]·in[r][·] for c < cols (Wᵀ in), over the samples; W is [m, rows, cols] in C order. */
    static void affineTransposed(float[] w, int k, int rows, int cols, float[][] in, float[][] out, int samples) {
        int wk = k * rows * cols;
        for (int c = 0; c < cols; c++) {
            float[] y = out[c];
            java.util.Arrays.fill(y, 0, samples, 0.0f);
            int r = 0;
            for (; r + 4 <= rows; r += 4) {
                axpy4(w[wk + r * cols + c], w[wk + (r + 1) * cols + c], w[wk + (r + 2) * cols + c], w[wk + (r + 3) * cols + c],
                        in[r], in[r + 1], in[r + 2], in[r + 3], y, samples);
            }
            for (; r < rows; r++) {
                axpy(w[wk + r * cols + c], in[r], y, samples);
            }
        }
    }

    /** y[i] += a₀x₀[i] + a₁x₁[i] + a₂x₂[i] + a₃x₃[i]. */
    private static void axpy4(float a0, float a1, float a2, float a3, float[] x0, float[] x1, float[] x2, float[] x3, float[] y, int n) {
        for (int i = 0; i < n; i++) {
            y[i] += a0 * x0[i] + a1 * x1[i] + a2 * x2[i] + a3 * x3[i];
        }
    }

    private static void axpy(float alpha, float[] x, float[] y, int n) {
        for (int i = 0; i < n; i++) {
            y[i] += alpha * x[i];
        }
    }

    private static void activate(Activation g, float[][] a, int rows, int n) {
        for (int r = 0; r < rows; r++) {
            float[] row = a[r];
            switch (g) {
                case TANH -> FastTanh.tanh(row, 0, n);
                case SIGMOID -> FastTanh.sigmoid(row, 0, n);
                case RELU -> relu(row, n);
                case SOFTPLUS -> {
                    for (int i = 0; i < n; i++) {
                        row[i] = (float) Activation.SOFTPLUS.value(row[i]);
                    }
                }
                case IDENTITY -> {
                }
            }
        }
    }

    private static void relu(float[] a, int n) {
        for (int i = 0; i < n; i++) {
            a[i] = Math.max(a[i], 0.0f);
        }
    }
}

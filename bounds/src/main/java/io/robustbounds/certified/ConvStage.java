package io.robustbounds.certified;

import java.util.Arrays;

/**
 * 2-D convolution (cross-correlation) with zero padding; forward in Java loops, backward (transposed) by a gathered
 * GEMM or, for rows given as lists, a Java scatter.
 */
final class ConvStage extends LinearStage {
    final int k;
    final int c;
    final int q;
    final int q2;
    final int h;
    final int w;
    final int th;
    final int tw;
    final int stride;
    final int padding;
    final double[] kernel;
    final double[] channelBias;
    private final double[] absKernel;
    /**
     * Kernels of fewer terms take list rows (measured on LeNet-5: conv2's 500-term kernel is 2× faster by the
     * gathered GEMM than by the scatter, conv1's 25-term one by the scatter).
     */
    static final int SPARSE_TERMS = 64;
    /** The kernel as a [k × c·q·q'] matrix. */
    private final Gemm.Matrix matrix;

    ConvStage(double[] kernel, double[] bias, long[] kernelShape, long[] inShape, int stride, int padding) {
        this(kernel, bias, (int) kernelShape[0], (int) kernelShape[1], (int) kernelShape[2], (int) kernelShape[3], (int) inShape[1],
                (int) inShape[2], stride, padding);
    }

    private ConvStage(double[] kernel, double[] channelBias, int k, int c, int q, int q2, int h, int w, int stride, int padding) {
        super(c * h * w, k * side(h, q, stride, padding) * side(w, q2, stride, padding),
                perPosition(channelBias, side(h, q, stride, padding) * side(w, q2, stride, padding)),
                columnNorm(kernel, k, c, q * q2, h * w), (long) k * q * q2, (long) c * q * q2 + 1);
        this.k = k;
        this.c = c;
        this.q = q;
        this.q2 = q2;
        this.h = h;
        this.w = w;
        this.th = side(h, q, stride, padding);
        this.tw = side(w, q2, stride, padding);
        this.stride = stride;
        this.padding = padding;
        this.kernel = kernel;
        this.channelBias = channelBias;
        double[] abs = new double[kernel.length];
        for (int i = 0; i < abs.length; i++) {
            abs[i] = Math.abs(kernel[i]);
        }
        absKernel = abs;
        matrix = new Gemm.Matrix(kernel, k, c * q * q2);
    }

    /** Output positions along a side of the given input length and kernel length. */
    private static int side(int length, int kernelLength, int stride, int padding) {
        return (length + 2 * padding - kernelLength) / stride + 1;
    }

    /** b̂ per output element: the channel's bias at each of its positions. */
    private static double[] perPosition(double[] channelBias, int plane) {
        double[] b = new double[channelBias.length * plane];
        for (int o = 0; o < channelBias.length; o++) {
            Arrays.fill(b, o * plane, (o + 1) * plane, channelBias[o]);
        }
        return b;
    }

    /** Column (ci, y, x) of M holds each W[·, ci, dy, dx] at most once: ‖M[:, col]‖ ≤ ‖W[:, ci, :, :]‖_F. */
    private static double[] columnNorm(double[] kernel, int k, int c, int window, int plane) {
        double[] columnNorm = new double[c * plane];
        for (int ci = 0; ci < c; ci++) {
            double s = 0;
            for (int o = 0; o < k; o++) {
                for (int e = 0; e < window; e++) {
                    double v = kernel[(o * c + ci) * window + e];
                    s += v * v;
                }
            }
            double norm = Rounding.normUp(s, (long) k * window);
            Arrays.fill(columnNorm, ci * plane, (ci + 1) * plane, norm);
        }
        return columnNorm;
    }

    /** Upper ends of ‖M[r, :]‖₂ per output element: the kernel's entries that fall inside the input. */
    double[] rowNorm() {
        double[] out = new double[this.out];
        for (int o = 0; o < k; o++) {
            for (int y = 0; y < th; y++) {
                for (int x = 0; x < tw; x++) {
                    double s = 0;
                    for (int ci = 0; ci < c; ci++) {
                        for (int dy = 0; dy < q; dy++) {
                            int iy = y * stride - padding + dy;
                            if (iy < 0 || iy >= h) {
                                continue;
                            }
                            for (int dx = 0; dx < q2; dx++) {
                                int ix = x * stride - padding + dx;
                                if (ix >= 0 && ix < w) {
                                    double v = kernel[((o * c + ci) * q + dy) * q2 + dx];
                                    s += v * v;
                                }
                            }
                        }
                    }
                    out[(o * th + y) * tw + x] = Rounding.normUp(s, (long) c * q * q2);
                }
            }
        }
        return out;
    }

    @Override
    double[] forward(double[] v, int n) {
        return conv(v, n, kernel, channelBias);
    }

    @Override
    double[] absForward(double[] v, int n) {
        return conv(v, n, absKernel, null);
    }

    /**
     * The convolution in Java: each output is the bias (if any) plus at most c·q·q' products, summed in a fixed
     * order (no padding to a block of images, and a sample's result never depends on the others).
     */
    private double[] conv(double[] v, int n, double[] kw, double[] bias) {
        double[] o = new double[n * out];
        int plane = th * tw;
        int kernelSize = c * q * q2;
        for (int r = 0; r < n; r++) {
            int rowOut = r * out;
            int rowIn = r * in;
            for (int ko = 0; ko < k; ko++) {
                for (int ty = 0; ty < th; ty++) {
                    int y0 = ty * stride - padding;
                    for (int tx = 0; tx < tw; tx++) {
                        int x0 = tx * stride - padding;
                        int dxFrom = Math.max(0, -x0);
                        int dxTo = Math.min(q2, w - x0);
                        double sum = bias == null ? 0 : bias[ko];
                        for (int ci = 0; ci < c; ci++) {
                            int kBase = ko * kernelSize + ci * q * q2;
                            for (int dy = Math.max(0, -y0); dy < q && y0 + dy < h; dy++) {
                                int at = rowIn + (ci * h + y0 + dy) * w + x0;
                                int kr = kBase + dy * q2;
                                for (int dx = dxFrom; dx < dxTo; dx++) {
                                    sum += v[at + dx] * kw[kr + dx];
                                }
                            }
                        }
                        o[rowOut + ko * plane + ty * tw + tx] = sum;
                    }
                }
            }
        }
        return o;
    }

    /**
     * The transposed convolution, skipping zeros: a bound row of a unit is nonzero only on its receptive field
     * (CNN-Cert's locality). The output positions where a row has any nonzero coefficient are gathered into one
     * matrix [positions × k], multiplied by W [k × c·q·q'] in one GEMM ({@link Gemm}: ND4J for large kernels),
     * and each position's c·q·q' products are added into the input window it came from (col2im). Input entry
     * (cᵢ, y, x) thus sums λ(o, ty, tx)·W[o, cᵢ, dy, dx] over the windows covering it, each (o, dy, dx) at most
     * once: at most k·q·q' products, in whatever order (γ_{k·q·q'}).
     */
    @Override
    double[] backward(double[] lam, int rows) {
        int plane = th * tw;
        int kernelSize = c * q * q2;
        int[] at = new int[rows * plane];
        int count = 0;
        for (int r = 0; r < rows; r++) {
            for (int p = 0; p < plane; p++) {
                for (int ko = 0; ko < k; ko++) {
                    if (lam[r * out + ko * plane + p] != 0) {
                        at[count++] = r * plane + p;
                        break;
                    }
                }
            }
        }
        double[] gathered = new double[count * k];
        for (int j = 0; j < count; j++) {
            int r = at[j] / plane;
            int p = at[j] % plane;
            for (int ko = 0; ko < k; ko++) {
                gathered[j * k + ko] = lam[r * out + ko * plane + p];
            }
        }
        double[] products = Gemm.multiply(gathered, count, matrix);
        double[] o = new double[rows * in];
        for (int j = 0; j < count; j++) {
            int r = at[j] / plane;
            int p = at[j] % plane;
            int y0 = (p / tw) * stride - padding;
            int x0 = (p % tw) * stride - padding;
            int dxFrom = Math.max(0, -x0);
            int dxTo = Math.min(q2, w - x0);
            int rowIn = r * in;
            for (int ci = 0; ci < c; ci++) {
                for (int dy = Math.max(0, -y0); dy < q && y0 + dy < h; dy++) {
                    int dst = rowIn + (ci * h + y0 + dy) * w + x0;
                    int src = j * kernelSize + (ci * q + dy) * q2;
                    for (int dx = dxFrom; dx < dxTo; dx++) {
                        o[dst + dx] += products[src + dx];
                    }
                }
            }
        }
        return o;
    }

    /** Rows given as (index, value) lists are back-substituted by {@link #backwardSparse} (small kernels). */
    boolean sparseBackward() {
        return c * q * q2 < SPARSE_TERMS;
    }

    /**
     * Λ·M for rows given as lists: row r's entries are (index[e], value[e]) for e in start[r] … start[r+1] − 1, each
     * output element at most once (the dense row's nonzeros). Each entry adds its value times the kernel into its
     * window: an input entry sums at most k·q·q' products, in a fixed order (as {@link #backward}).
     */
    double[] backwardSparse(int rows, int[] start, int[] index, double[] value) {
        double[] o = new double[rows * in];
        int plane = th * tw;
        int kernelSize = c * q * q2;
        for (int r = 0; r < rows; r++) {
            int rowIn = r * in;
            for (int e = start[r]; e < start[r + 1]; e++) {
                double l = value[e];
                if (l == 0) {
                    continue;
                }
                int ko = index[e] / plane;
                int p = index[e] % plane;
                int y0 = (p / tw) * stride - padding;
                int x0 = (p % tw) * stride - padding;
                int dxFrom = Math.max(0, -x0);
                int dxTo = Math.min(q2, w - x0);
                for (int ci = 0; ci < c; ci++) {
                    int kBase = ko * kernelSize + ci * q * q2;
                    for (int dy = Math.max(0, -y0); dy < q && y0 + dy < h; dy++) {
                        int at = rowIn + (ci * h + y0 + dy) * w + x0;
                        int kr = kBase + dy * q2;
                        for (int dx = dxFrom; dx < dxTo; dx++) {
                            o[at + dx] += l * kernel[kr + dx];
                        }
                    }
                }
            }
        }
        return o;
    }
}

package io.robustbounds.certified;

import java.util.Arrays;

/**
 * 2-D convolution (cross-correlation) with zero padding; forward and backward (transposed) in Java loops, rows given
 * as lists by a scatter of the kernel.
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
     * Kernels of fewer terms take list rows (LeNet-5's conv1, 25 terms, after a MAX pool); larger ones dense rows,
     * whose products per output position are summed over the kernel row by row ({@link #backward}).
     */
    static final int SPARSE_TERMS = 64;
    /** Per kernel entry (ci, dy, dx) its offset in the input from the window's corner. */
    private final int[] windowOffset;
    /** Per output position its window's corner in the input, -1 where padding clips the window. */
    private final int[] windowOrigin;

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
        windowOffset = new int[c * q * q2];
        for (int ci = 0; ci < c; ci++) {
            for (int dy = 0; dy < q; dy++) {
                for (int dx = 0; dx < q2; dx++) {
                    windowOffset[(ci * q + dy) * q2 + dx] = (ci * h + dy) * w + dx;
                }
            }
        }
        windowOrigin = new int[th * tw];
        for (int p = 0; p < windowOrigin.length; p++) {
            int y0 = (p / tw) * stride - padding;
            int x0 = (p % tw) * stride - padding;
            windowOrigin[p] = y0 >= 0 && x0 >= 0 && y0 + q <= h && x0 + q2 <= w ? y0 * w + x0 : -1;
        }
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
     * (CNN-Cert's locality). Per row and output position with a nonzero coefficient, the products Σ_o λ(o, p)·W[o, :]
     * over the c·q·q' kernel entries are summed in a small buffer (the nonzero channels only: after a MAX pool most
     * are zero), then added into the input window of p (col2im). Input entry (cᵢ, y, x) thus sums λ(o, ty, tx)·W[o,
     * cᵢ, dy, dx] over the windows covering it, each (o, dy, dx) at most once: at most k·q·q' products (γ_{k·q·q'}).
     * Java loops only: a row's result never depends on the other rows.
     */
    @Override
    double[] backward(double[] lam, int rows) {
        int plane = th * tw;
        int kernelSize = c * q * q2;
        double[] o = new double[rows * in];
        double[] sum = new double[kernelSize];
        for (int r = 0; r < rows; r++) {
            int rowIn = r * in;
            for (int p = 0; p < plane; p++) {
                boolean any = false;
                for (int ko = 0; ko < k; ko++) {
                    double l = lam[r * out + ko * plane + p];
                    if (l == 0) {
                        continue;
                    }
                    if (!any) {
                        Arrays.fill(sum, 0);
                        any = true;
                    }
                    int kBase = ko * kernelSize;
                    for (int t = 0; t < kernelSize; t++) {
                        sum[t] += l * kernel[kBase + t];
                    }
                }
                if (any) {
                    addIntoWindow(o, rowIn, p, 1, sum, 0); // × 1 is exact: the same sums as before
                }
            }
        }
        return o;
    }

    /**
     * Adds scale · src[base …] (c·q·q' entries in (cᵢ, dy, dx) order, a kernel's layout) into the input window of output
     * position p of the row starting at rowIn (col2im): an interior window through the offset table, a border window
     * clipped to the input. Each input entry gets one addition.
     */
    private void addIntoWindow(double[] o, int rowIn, int p, double scale, double[] src, int base) {
        int origin = windowOrigin[p];
        if (origin >= 0) {
            int at = rowIn + origin;
            int kernelSize = c * q * q2;
            for (int t = 0; t < kernelSize; t++) {
                o[at + windowOffset[t]] += scale * src[base + t];
            }
            return;
        }
        int y0 = (p / tw) * stride - padding;
        int x0 = (p % tw) * stride - padding;
        int dxFrom = Math.max(0, -x0);
        int dxTo = Math.min(q2, w - x0);
        for (int ci = 0; ci < c; ci++) {
            for (int dy = Math.max(0, -y0); dy < q && y0 + dy < h; dy++) {
                int at = rowIn + (ci * h + y0 + dy) * w + x0;
                int from = base + (ci * q + dy) * q2;
                for (int dx = dxFrom; dx < dxTo; dx++) {
                    o[at + dx] += scale * src[from + dx];
                }
            }
        }
    }

    /** Σ W[ko, ·]·v over output position p's input window (clipped by padding), v's row starting at base. */
    double windowDot(double[] v, int base, int ko, int p) {
        int kBase = ko * c * q * q2;
        double s = 0;
        int origin = windowOrigin[p];
        if (origin >= 0) {
            int at = base + origin;
            int n = c * q * q2;
            double s1 = 0;
            int t = 0;
            for (; t + 1 < n; t += 2) {                   // two partial sums: any order is covered by γ_n
                s += v[at + windowOffset[t]] * kernel[kBase + t];
                s1 += v[at + windowOffset[t + 1]] * kernel[kBase + t + 1];
            }
            if (t < n) {
                s += v[at + windowOffset[t]] * kernel[kBase + t];
            }
            return s + s1;
        }
        int y0 = (p / tw) * stride - padding;
        int x0 = (p % tw) * stride - padding;
        for (int ci = 0; ci < c; ci++) {
            for (int dy = Math.max(0, -y0); dy < q && y0 + dy < h; dy++) {
                for (int dx = Math.max(0, -x0); dx < q2 && x0 + dx < w; dx++) {
                    s += v[base + (ci * h + y0 + dy) * w + x0 + dx] * kernel[kBase + (ci * q + dy) * q2 + dx];
                }
            }
        }
        return s;
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
                addIntoWindow(o, rowIn, p, l, kernel, ko * kernelSize);
            }
        }
        return o;
    }
}

package io.robustbounds.certified;

import io.robustbounds.model.Activation;

/**
 * The stages {@link CrownNetwork} propagates through, on flat per-sample vectors in row-major (C, H, W) order
 * (docs/certified-mode.md, "Convolutional networks"). Linear stages (convolution, dense, average pooling, batch norm)
 * map a row block Λ over their output to Λ·M over their input; nonlinear ones (an activation, MAX pooling) are relaxed.
 */
final class Stages {
    private Stages() {
    }

    abstract static class Stage {
        final int in;
        final int out;

        Stage(int in, int out) {
            this.in = in;
            this.out = out;
        }
    }

    /**
     * v ↦ M v + b. The exact map is the one with the stored doubles (BN: the exact scale γ/sqrt(Var + ε)); the stage
     * states how far its computed pieces are from it.
     */
    abstract static class Linear extends Stage {
        Linear(int in, int out) {
            super(in, out);
        }

        /** M̂ v + b̂ computed for n samples (the IBP center). */
        abstract double[] forward(double[] v, int n);

        /** |M̂| v for n non-negative samples (no bias). */
        abstract double[] absForward(double[] v, int n);

        /** Λ·M̂ for rows of Λ over the output. */
        abstract double[] backward(double[] lam, int rows);

        /** b̂ per output element. */
        abstract double[] bias();

        /** Upper ends of ‖M[:, c]‖₂ per input element c (for the rounding of Λ·M̂). */
        abstract double[] columnNorm();

        /** Terms per entry of Λ·M̂ (γ of the backward product). */
        abstract long backwardTerms();

        /** Terms per entry of M̂ v + b̂ (γ of the forward product, bias included). */
        abstract long forwardTerms();

        /**
         * Per output element, an upper end of |M v + b − (M̂ v + b̂)|'s coefficient error beyond the product's own
         * rounding: |M − M̂| ≤ entryError·|M̂| entrywise, |b − b̂| ≤ biasError. 0 for stages whose M̂, b̂ are exact.
         */
        double entryError() {
            return 0;
        }

        double[] biasError() {
            return null;
        }
    }

    /**
     * 2-D convolution (cross-correlation) with zero padding; forward in Java loops, backward (transposed) by a gathered
     * GEMM or, for rows given as lists, a Java scatter.
     */
    static final class Conv extends Linear {
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
        private final double[] columnNorm;

        Conv(double[] kernel, double[] bias, long[] kernelShape, long[] inShape, int stride, int padding) {
            super((int) (inShape[0] * inShape[1] * inShape[2]),
                    (int) (kernelShape[0] * ((inShape[1] + 2L * padding - kernelShape[2]) / stride + 1)
                            * ((inShape[2] + 2L * padding - kernelShape[3]) / stride + 1)));
            this.k = (int) kernelShape[0];
            this.c = (int) kernelShape[1];
            this.q = (int) kernelShape[2];
            this.q2 = (int) kernelShape[3];
            this.h = (int) inShape[1];
            this.w = (int) inShape[2];
            this.th = (h + 2 * padding - q) / stride + 1;
            this.tw = (w + 2 * padding - q2) / stride + 1;
            this.stride = stride;
            this.padding = padding;
            this.kernel = kernel;
            this.channelBias = bias;
            double[] abs = new double[kernel.length];
            for (int i = 0; i < abs.length; i++) {
                abs[i] = Math.abs(kernel[i]);
            }
            absKernel = abs;
            matrix = new Gemm.Matrix(kernel, k, c * q * q2);
            // column (ci, y, x) of M holds each W[·, ci, dy, dx] at most once: ‖M[:, col]‖ ≤ ‖W[:, ci, :, :]‖_F
            columnNorm = new double[in];
            for (int ci = 0; ci < c; ci++) {
                double s = 0;
                for (int o = 0; o < k; o++) {
                    for (int e = 0; e < q * q2; e++) {
                        double v = kernel[(o * c + ci) * q * q2 + e];
                        s += v * v;
                    }
                }
                double norm = Rounding.normUp(s, (long) k * q * q2);
                java.util.Arrays.fill(columnNorm, ci * h * w, (ci + 1) * h * w, norm);
            }
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

        @Override
        double[] bias() {
            double[] b = new double[out];
            for (int o = 0; o < k; o++) {
                java.util.Arrays.fill(b, o * th * tw, (o + 1) * th * tw, channelBias[o]);
            }
            return b;
        }

        @Override
        double[] columnNorm() {
            return columnNorm;
        }

        @Override
        long backwardTerms() {
            return (long) k * q * q2;
        }

        @Override
        long forwardTerms() {
            return (long) c * q * q2 + 1;
        }
    }

    /** A dense layer v ↦ W v + b (W [out × in]). */
    static final class Dense extends Linear {
        final Gemm.Matrix weight;
        final Gemm.Matrix weightT;
        final Gemm.Matrix absT;
        final double[] b;
        final double[] columnNorm;
        final double[] rowNorm;

        Dense(double[] wv, double[] b, int out, int in) {
            super(in, out);
            this.b = b;
            weight = new Gemm.Matrix(wv, out, in);
            double[] t = new double[wv.length];
            double[] a = new double[wv.length];
            columnNorm = new double[in];
            rowNorm = new double[out];
            for (int r = 0; r < out; r++) {
                for (int c = 0; c < in; c++) {
                    double v = wv[r * in + c];
                    t[c * out + r] = v;
                    a[c * out + r] = Math.abs(v);
                    columnNorm[c] += v * v;
                    rowNorm[r] += v * v;
                }
            }
            for (int c = 0; c < in; c++) {
                columnNorm[c] = Rounding.normUp(columnNorm[c], out);
            }
            for (int r = 0; r < out; r++) {
                rowNorm[r] = Rounding.normUp(rowNorm[r], in);
            }
            weightT = new Gemm.Matrix(t, in, out);
            absT = new Gemm.Matrix(a, in, out);
        }

        @Override
        double[] forward(double[] v, int n) {
            double[] z = Gemm.multiply(v, n, weightT);
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < out; j++) {
                    z[i * out + j] += b[j];
                }
            }
            return z;
        }

        @Override
        double[] absForward(double[] v, int n) {
            return Gemm.multiply(v, n, absT);
        }

        @Override
        double[] backward(double[] lam, int rows) {
            return Gemm.multiply(lam, rows, weight);
        }

        @Override
        double[] bias() {
            return b;
        }

        @Override
        double[] columnNorm() {
            return columnNorm;
        }

        @Override
        long backwardTerms() {
            return out;
        }

        @Override
        long forwardTerms() {
            return in + 1L;
        }
    }

    /**
     * Per-channel affine map v ↦ s v + t: batch norm (s = γ/sqrt(Var + ε), t = β − s·E) and average pooling's
     * relatives. The computed ŝ, t̂ carry |s − ŝ| ≤ γ₄|ŝ| (a sum, a sqrt, a division) and |t − t̂| ≤ γ₆(|β| + 2|ŝE|).
     */
    static final class Affine extends Linear {
        final double[] scale;
        final double[] shift;
        final double[] shiftError;
        final int inner;
        final double[] columnNorm;

        Affine(double[] gamma, double[] beta, double[] mean, double[] variance, double epsilon, int inner) {
            super(gamma.length * inner, gamma.length * inner);
            this.inner = inner;
            int ch = gamma.length;
            scale = new double[in];
            shift = new double[in];
            shiftError = new double[in];
            columnNorm = new double[in];
            for (int j = 0; j < ch; j++) {
                double s = gamma[j] / Math.sqrt(variance[j] + epsilon);
                double t = beta[j] - s * mean[j];
                double err = Rounding.inflate(Rounding.gamma(6) * (Math.abs(beta[j]) + 2 * Math.abs(s * mean[j])));
                for (int e = j * inner; e < (j + 1) * inner; e++) {
                    scale[e] = s;
                    shift[e] = t;
                    shiftError[e] = err;
                    columnNorm[e] = Rounding.up(Math.abs(s) * (1 + Rounding.gamma(5)));
                }
            }
        }

        @Override
        double[] forward(double[] v, int n) {
            double[] o = new double[v.length];
            for (int i = 0; i < v.length; i++) {
                int e = i % in;
                o[i] = scale[e] * v[i] + shift[e];
            }
            return o;
        }

        @Override
        double[] absForward(double[] v, int n) {
            double[] o = new double[v.length];
            for (int i = 0; i < v.length; i++) {
                o[i] = Math.abs(scale[i % in]) * v[i];
            }
            return o;
        }

        @Override
        double[] backward(double[] lam, int rows) {
            double[] o = new double[lam.length];
            for (int i = 0; i < lam.length; i++) {
                o[i] = lam[i] * scale[i % in];
            }
            return o;
        }

        @Override
        double[] bias() {
            return shift;
        }

        @Override
        double[] columnNorm() {
            return columnNorm;
        }

        @Override
        long backwardTerms() {
            return 1;
        }

        @Override
        long forwardTerms() {
            return 2;
        }

        @Override
        double entryError() {
            return Rounding.gamma(5);
        }

        @Override
        double[] biasError() {
            return shiftError;
        }
    }

    /** Average pooling over size×size windows, no padding: each output the mean of its window (M entries 1/size², rounded). */
    static final class AvgPool extends Linear {
        final int ch;
        final int h;
        final int w;
        final int size;
        final int stride;
        final int th;
        final int tw;
        final double weight;
        final double[] columnNorm;

        AvgPool(long[] inShape, int size, int stride) {
            super((int) (inShape[0] * inShape[1] * inShape[2]),
                    (int) (inShape[0] * ((inShape[1] - size) / stride + 1) * ((inShape[2] - size) / stride + 1)));
            ch = (int) inShape[0];
            h = (int) inShape[1];
            w = (int) inShape[2];
            this.size = size;
            this.stride = stride;
            th = (h - size) / stride + 1;
            tw = (w - size) / stride + 1;
            weight = 1.0 / (size * size);
            // a column holds weight once per window covering it, at most ⌈size/stride⌉² windows
            int cover = (size + stride - 1) / stride;
            columnNorm = new double[in];
            java.util.Arrays.fill(columnNorm, Rounding.up(weight * (1 + Rounding.U) * cover));
        }

        @Override
        double[] forward(double[] v, int n) {
            return pool(v, n);
        }

        @Override
        double[] absForward(double[] v, int n) {
            return pool(v, n);
        }

        private double[] pool(double[] v, int n) {
            double[] o = new double[n * out];
            for (int s = 0; s < n; s++) {
                for (int c = 0; c < ch; c++) {
                    for (int y = 0; y < th; y++) {
                        for (int x = 0; x < tw; x++) {
                            double sum = 0;
                            for (int dy = 0; dy < size; dy++) {
                                for (int dx = 0; dx < size; dx++) {
                                    sum += v[s * in + (c * h + y * stride + dy) * w + x * stride + dx];
                                }
                            }
                            o[s * out + (c * th + y) * tw + x] = weight * sum;
                        }
                    }
                }
            }
            return o;
        }

        @Override
        double[] backward(double[] lam, int rows) {
            double[] o = new double[rows * in];
            for (int s = 0; s < rows; s++) {
                for (int c = 0; c < ch; c++) {
                    for (int y = 0; y < th; y++) {
                        for (int x = 0; x < tw; x++) {
                            double g = lam[s * out + (c * th + y) * tw + x];
                            if (g == 0) {
                                continue;
                            }
                            double v = g * weight;
                            for (int dy = 0; dy < size; dy++) {
                                for (int dx = 0; dx < size; dx++) {
                                    o[s * in + (c * h + y * stride + dy) * w + x * stride + dx] += v;
                                }
                            }
                        }
                    }
                }
            }
            return o;
        }

        @Override
        double[] bias() {
            return new double[out];
        }

        @Override
        double[] columnNorm() {
            return columnNorm;
        }

        /** An input entry sums at most ⌈size/stride⌉² products. */
        @Override
        long backwardTerms() {
            long cover = (size + stride - 1) / stride;
            return cover * cover;
        }

        /** size² additions and one product. */
        @Override
        long forwardTerms() {
            return (long) size * size + 1;
        }

        /** 1/size² is rounded once. */
        @Override
        double entryError() {
            return Rounding.U;
        }
    }

    /** An elementwise activation (a dense layer's, or ReLU after a convolution). */
    static final class Act extends Stage {
        final Activation g;

        Act(Activation g, int size) {
            super(size, size);
            this.g = g;
        }
    }

    /** MAX pooling over size×size windows, no padding. */
    static final class MaxPool extends Stage {
        final int ch;
        final int h;
        final int w;
        final int size;
        final int stride;
        final int th;
        final int tw;

        MaxPool(long[] inShape, int size, int stride) {
            super((int) (inShape[0] * inShape[1] * inShape[2]),
                    (int) (inShape[0] * ((inShape[1] - size) / stride + 1) * ((inShape[2] - size) / stride + 1)));
            ch = (int) inShape[0];
            h = (int) inShape[1];
            w = (int) inShape[2];
            this.size = size;
            this.stride = stride;
            th = (h - size) / stride + 1;
            tw = (w - size) / stride + 1;
        }

        /** Input index of window element (dy, dx) of output o. */
        int input(int o, int dy, int dx) {
            int c = o / (th * tw);
            int y = (o / tw) % th;
            int x = o % tw;
            return (c * h + y * stride + dy) * w + x * stride + dx;
        }
    }
}

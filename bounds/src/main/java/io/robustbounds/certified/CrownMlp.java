package io.robustbounds.certified;

import io.robustbounds.linalg.Arrays2;
import io.robustbounds.model.Activation;
import io.robustbounds.model.DenseLayer;
import io.robustbounds.model.Model;
import io.robustbounds.model.ModelException;
import java.util.List;

/**
 * CROWN (Zhang et al., "Efficient Neural Network Robustness Certification with General Activation Functions",
 * NeurIPS 2018) for an MLP or linear classifier over L2 balls, sound in double arithmetic (docs/certified-mode.md).
 *
 * <p>Notation: a₀ = x, zₖ = Wₖ aₖ₋₁ + bₖ, aₖ = gₖ(zₖ) for k = 1…L, logits H a_L + h. For class c the objective rows
 * are the margins z_c − z_j = (H_c − H_j) a_L + (h_c − h_j), j ≠ c (the head folded into a last linear layer).
 * A row Λ·aₖ + β is bounded below by back-substitution: each aᵢ is replaced by its lower line where Λᵢ ≥ 0 and by
 * its upper line where Λᵢ &lt; 0 ({@link Relaxation}), then zₖ = Wₖ aₖ₋₁ + bₖ, down to the input, where
 * min_{‖x − x₀‖ ≤ ε} Λx = Λx₀ − ε‖Λ‖₂ (the dual norm of L2 is L2). The pre-activation bounds of every layer come
 * from the same procedure on the rows ±Wₖ. Rounding is carried as a slack s per row: the invariant is
 * objective(x) ≥ Λ̂·v(x) + β̂ − s for every x in the ball, Λ̂, β̂ the computed doubles.
 *
 * <p>Batched: every sample's rows are stacked, so each layer's back-substitution is one product [N·R, nₖ]·Wₖ over
 * the whole chunk ({@link Gemm}).
 */
public final class CrownMlp implements LinearBoundNetwork {
    private final int depth;
    /** width[0] = d, width[k] = nₖ; width[depth + 1] = classes. */
    private final int[] width;
    private final Activation[] activation;
    /** Wₖ [nₖ × nₖ₋₁] (back-substitution) and Wₖᵀ (forward), k = 1…L; index L + 1 is the head. */
    private final Gemm.Matrix[] weight;
    private final Gemm.Matrix[] weightT;
    private final double[][] bias;
    /** Upper ends of the column norms ‖Wₖ[:, c]‖₂ and row norms ‖Wₖ[r, :]‖₂. */
    private final double[][] columnNorm;
    private final double[][] rowNorm;

    private CrownMlp(List<DenseLayer> layers, double[] headWeight, double[] headBias, int inputSize, int classes) {
        depth = layers.size();
        width = new int[depth + 2];
        width[0] = inputSize;
        activation = new Activation[depth + 1];
        weight = new Gemm.Matrix[depth + 2];
        weightT = new Gemm.Matrix[depth + 2];
        bias = new double[depth + 2][];
        columnNorm = new double[depth + 2][];
        rowNorm = new double[depth + 2][];
        for (int k = 1; k <= depth + 1; k++) {
            double[] w = k <= depth ? Arrays2.toDoubles(layers.get(k - 1).weight()) : headWeight;
            bias[k] = k <= depth ? Arrays2.toDoubles(layers.get(k - 1).bias()) : headBias;
            width[k] = bias[k].length;
            if (k <= depth) {
                activation[k] = layers.get(k - 1).activation();
            }
            int rows = width[k];
            int cols = width[k - 1];
            weight[k] = new Gemm.Matrix(w, rows, cols);
            double[] t = new double[w.length];
            columnNorm[k] = new double[cols];
            rowNorm[k] = new double[rows];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    double v = w[r * cols + c];
                    t[c * rows + r] = v;
                    columnNorm[k][c] += v * v;
                    rowNorm[k][r] += v * v;
                }
            }
            weightT[k] = new Gemm.Matrix(t, cols, rows);
            for (int c = 0; c < cols; c++) {
                columnNorm[k][c] = Rounding.normUp(columnNorm[k][c], rows);
            }
            for (int r = 0; r < rows; r++) {
                rowNorm[k][r] = Rounding.normUp(rowNorm[k][r], cols);
            }
        }
        if (width[depth + 1] != classes) {
            throw new IllegalStateException("head has " + width[depth + 1] + " rows, expected " + classes);
        }
    }

    /** Compiles an MLP or linear classifier on vector input (its weights read once, in double). */
    public static CrownMlp of(Model model) {
        if (!model.isMlp() || model.input().shape().length != 1) {
            throw new ModelException("certified mode: model '" + model.name() + "' is not an MLP on vector input; input "
                    + java.util.Arrays.toString(model.input().shape()));
        }
        return new CrownMlp(model.denseLayers(), Arrays2.toDoubles(model.head().weight()), Arrays2.toDoubles(model.head().bias()),
                (int) model.input().shape()[0], model.classes());
    }

    @Override
    public int inputSize() {
        return width[0];
    }

    @Override
    public int classes() {
        return width[depth + 1];
    }

    public int depth() {
        return depth;
    }

    /** Logits of n samples by a double forward pass, row-major [n · classes]. */
    public double[] logits(double[] x, int n) {
        checkBatch(x, n);
        double[] h = x;
        for (int k = 1; k <= depth + 1; k++) {
            double[] z = Gemm.multiply(h, n, weightT[k]);
            int w = width[k];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < w; j++) {
                    double v = z[i * w + j] + bias[k][j];
                    z[i * w + j] = k <= depth ? activation[k].value(v) : v;
                }
            }
            h = z;
        }
        return h;
    }

    @Override
    public int[] predict(double[] x, int n) {
        double[] logits = logits(x, n);
        int classes = classes();
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            int best = 0;
            for (int j = 1; j < classes; j++) {
                if (logits[i * classes + j] > logits[i * classes + best]) {
                    best = j;
                }
            }
            out[i] = best;
        }
        return out;
    }

    private void checkBatch(double[] x, int n) {
        if (n < 0 || x.length != (long) n * width[0]) {
            throw new IllegalArgumentException("expected " + n + " samples of " + width[0] + " values, got " + x.length + " values");
        }
    }

    /** The most rows any back-substitution stacks per sample: 2nₖ for layer k's bounds, classes − 1 for the margins. */
    private int maxRows() {
        int r = classes() - 1;
        for (int k = 2; k <= depth; k++) {
            r = Math.max(r, 2 * width[k]);
        }
        return r;
    }

    /** Working bytes per sample of a chunk: Λ, its relaxed copy, the product and ND4J's two copies, plus per-unit state. */
    long bytesPerSample() {
        int wide = 0;
        long units = 0;
        for (int k = 0; k <= depth + 1; k++) {
            wide = Math.max(wide, width[k]);
            units += width[k];
        }
        return 8L * (5L * maxRows() * wide + 8 * units + 4L * maxRows());
    }

    @Override
    public double[] certifiedWithin(double[] x, int n, int[] classes, double[] eps, long batchMemory) {
        checkBatch(x, n);
        if (classes.length != n || eps.length != n) {
            throw new IllegalArgumentException("classes and eps need " + n + " values, got " + classes.length + " and " + eps.length);
        }
        for (int i = 0; i < n; i++) {
            if (classes[i] < 0 || classes[i] >= classes()) {
                throw new IllegalArgumentException("sample " + i + ": class " + classes[i] + " outside [0, " + classes() + ")");
            }
            if (!(eps[i] >= 0) || Double.isInfinite(eps[i])) {
                throw new IllegalArgumentException("sample " + i + ": radius must be finite and >= 0, got " + eps[i]);
            }
        }
        int chunk = (int) Math.max(1, Math.min(n, batchMemory / bytesPerSample()));
        double[] out = new double[n];
        int d = width[0];
        for (int from = 0; from < n; from += chunk) {
            int count = Math.min(chunk, n - from);
            double[] r = new Pass(java.util.Arrays.copyOfRange(x, from * d, (from + count) * d), count,
                    java.util.Arrays.copyOfRange(classes, from, from + count), java.util.Arrays.copyOfRange(eps, from, from + count)).radii();
            System.arraycopy(r, 0, out, from, count);
        }
        return out;
    }

    /** One propagation over a chunk of N samples, each at its own ε. */
    private final class Pass {
        final double[] x;
        final int samples;
        final int[] cls;
        final double[] eps;
        final double[] xNorm;
        /** Per layer k ≥ 1 and (sample, unit): lₖ, uₖ, the four line coefficients, max(|l|, |u|); mag: bound on |aₖ|. */
        final double[][] lower = new double[depth + 1][];
        final double[][] upper = new double[depth + 1][];
        final double[][] lines = new double[depth + 1][];
        final double[][] zeta = new double[depth + 1][];
        final double[][] magnitude = new double[depth + 1][];

        Pass(double[] x, int samples, int[] cls, double[] eps) {
            this.x = x;
            this.samples = samples;
            this.cls = cls;
            this.eps = eps;
            int d = width[0];
            xNorm = new double[samples];
            magnitude[0] = new double[samples * d];
            for (int n = 0; n < samples; n++) {
                double s = 0;
                for (int i = 0; i < d; i++) {
                    double v = x[n * d + i];
                    s += v * v;
                    magnitude[0][n * d + i] = Rounding.up(Math.abs(v) + eps[n]);   // |x_i| ≤ |x₀ᵢ| + ε in the ball
                }
                xNorm[n] = Rounding.normUp(s, d);
            }
        }

        double[] radii() {
            if (depth >= 1) {
                firstLayer();
            }
            for (int k = 2; k <= depth; k++) {
                hiddenLayer(k);
            }
            return margins();
        }

        /** z₁ = W₁x + b₁ exactly in the ball: W₁x₀ + b₁ ± ε‖W₁ᵣ‖, with the dot product's rounding γ_{d+1}(‖W₁ᵣ‖‖x₀‖ + |b₁ᵣ|). */
        private void firstLayer() {
            int d = width[0];
            int w = width[1];
            double[] center = Gemm.multiply(x, samples, weightT[1]);
            lower[1] = new double[samples * w];
            upper[1] = new double[samples * w];
            double g = Rounding.gamma(d + 1);
            for (int n = 0; n < samples; n++) {
                for (int r = 0; r < w; r++) {
                    int at = n * w + r;
                    double c = center[at] + bias[1][r];
                    double err = Rounding.inflate(g * (rowNorm[1][r] * xNorm[n] + Math.abs(bias[1][r])));
                    double spread = Rounding.up(eps[n] * rowNorm[1][r]);
                    lower[1][at] = Rounding.down(Rounding.down(c - err) - spread);
                    upper[1][at] = Rounding.up(Rounding.up(c + err) + spread);
                }
            }
            relax(1);
        }

        /** Layer k's bounds from the rows ±Wₖ back-substituted to the input. */
        private void hiddenLayer(int k) {
            int w = width[k];
            int in = width[k - 1];
            int rows = 2 * w;
            double[] lam = new double[samples * rows * in];
            double[] beta = new double[samples * rows];
            double[] wk = weight[k].values;
            for (int n = 0; n < samples; n++) {
                for (int r = 0; r < w; r++) {
                    int up = (n * rows + r) * in;
                    int down = (n * rows + w + r) * in;
                    for (int i = 0; i < in; i++) {
                        lam[up + i] = wk[r * in + i];
                        lam[down + i] = -wk[r * in + i];
                    }
                    beta[n * rows + r] = bias[k][r];
                    beta[n * rows + w + r] = -bias[k][r];
                }
            }
            double[][] ab = backSubstitute(k - 1, lam, rows, beta, new double[samples * rows]);
            lower[k] = new double[samples * w];
            upper[k] = new double[samples * w];
            for (int n = 0; n < samples; n++) {
                for (int r = 0; r < w; r++) {
                    lower[k][n * w + r] = atRadius(ab, n * rows + r, eps[n]);
                    upper[k][n * w + r] = -atRadius(ab, n * rows + w + r, eps[n]);
                }
            }
            relax(k);
        }

        /** A − εB rounded down: the row's proven lower bound on the ball of radius ε. */
        private double atRadius(double[][] ab, int row, double e) {
            return Rounding.down(ab[0][row] - Rounding.up(e * ab[1][row]));
        }

        /** The lines of layer k's units on [lₖ, uₖ], max(|l|, |u|) ≥ |zₖ|, and max(|g(l)|, |g(u)|) ≥ |aₖ| (g is monotone). */
        private void relax(int k) {
            int w = width[k];
            Activation g = activation[k];
            lines[k] = new double[4 * samples * w];
            zeta[k] = new double[samples * w];
            magnitude[k] = new double[samples * w];
            for (int at = 0; at < samples * w; at++) {
                double l = lower[k][at];
                double u = upper[k][at];
                if (!(Double.isFinite(l) && Double.isFinite(u) && l <= u)) {
                    java.util.Arrays.fill(lines[k], 4 * at, 4 * at + 4, Double.NaN);   // nothing is proven downstream
                    zeta[k][at] = magnitude[k][at] = Double.NaN;
                    continue;
                }
                Relaxation.lines(g, l, u, lines[k], 4 * at);
                zeta[k][at] = Math.max(Math.abs(l), Math.abs(u));
                magnitude[k][at] = Rounding.inflate(Math.max(Math.abs(Relaxation.valueDown(g, l)), Math.abs(Relaxation.valueUp(g, u))));
            }
        }

        /** Rows (H_c − H_j) a_L + (h_c − h_j), j ≠ c, back-substituted; the radius is min_j A_j / B_j, at most ε. */
        private double[] margins() {
            int classes = width[depth + 1];
            int in = width[depth];
            int rows = classes - 1;
            double[] lam = new double[samples * rows * in];
            double[] beta = new double[samples * rows];
            double[] slack = new double[samples * rows];
            double[] head = weight[depth + 1].values;
            for (int n = 0; n < samples; n++) {
                int c = cls[n];
                int r = 0;
                for (int j = 0; j < classes; j++) {
                    if (j == c) {
                        continue;
                    }
                    int row = n * rows + r;
                    double abs = 0;
                    for (int i = 0; i < in; i++) {
                        double v = head[c * in + i] - head[j * in + i];
                        lam[row * in + i] = v;
                        abs += Math.abs(v) * magnitude[depth][n * in + i];
                    }
                    beta[row] = bias[depth + 1][c] - bias[depth + 1][j];
                    // fl(H_c − H_j) errs by ≤ u|fl|(1 + u) per entry: ≤ u Σ|Λ̂ᵢ||aᵢ| on the objective
                    slack[row] = Rounding.inflate(Rounding.U * (abs + Math.abs(beta[row])));
                    r++;
                }
            }
            double[][] ab = backSubstitute(depth, lam, rows, beta, slack);
            double[] radius = new double[samples];
            for (int n = 0; n < samples; n++) {
                double best = eps[n];
                for (int r = 0; r < rows; r++) {
                    double a = ab[0][n * rows + r];
                    double b = ab[1][n * rows + r];
                    double candidate = !(a > 0) ? 0 : b > 0 ? Rounding.down(a / b) : Double.POSITIVE_INFINITY;
                    best = Math.min(best, Math.max(0, candidate));
                }
                radius[n] = best;
            }
            return radius;
        }

        /**
         * Lower bounds of the rows Λ·a_top + β (R rows per sample) over the ball, as A − εB for every ε up to the pass'
         * ε: {A, B} per row. {@code slack} holds the rounding so far and is updated in place, as is β.
         */
        private double[][] backSubstitute(int top, double[] lam, int rows, double[] beta, double[] slack) {
            for (int j = top; j >= 1; j--) {
                int nj = width[j];
                int np = width[j - 1];
                double[] relaxed = new double[samples * rows * nj];
                double[] relaxedNorm = new double[samples * rows];
                double[] lj = lines[j];
                double[] bj = bias[j];
                double[] zj = zeta[j];
                double g2 = Rounding.gamma(2L * nj + 1);
                for (int n = 0; n < samples; n++) {
                    for (int r = 0; r < rows; r++) {
                        int row = n * rows + r;
                        int base = row * nj;
                        double acc = 0;
                        double accAbs = 0;
                        double products = 0;
                        double squares = 0;
                        for (int i = 0; i < nj; i++) {
                            double lambda = lam[base + i];
                            if (lambda == 0) {
                                continue;
                            }
                            int unit = n * nj + i;
                            int q = 4 * unit + (lambda > 0 ? 0 : 2);   // lower line where λ ≥ 0, upper where λ < 0
                            double p = lambda * lj[q];
                            double t = lambda * lj[q + 1];
                            double s = p * bj[i];
                            relaxed[base + i] = p;
                            acc += t + s;
                            accAbs += Math.abs(t) + Math.abs(s);
                            products += Math.abs(p) * zj[unit];
                            squares += p * p;
                        }
                        // Σ λ(αz + β) = Σ p z + Σ λβ + e, |e| ≤ u Σ|p||z|; then p·z = p·(W a + b): the constants join β
                        slack[row] += Rounding.inflate(g2 * (accAbs + Math.abs(beta[row])) + Rounding.U * products);
                        beta[row] += acc;
                        relaxedNorm[row] = Rounding.normUp(squares, nj);
                    }
                }
                // Λ' = fl(p·Wⱼ): |E_rc| ≤ γ_nj ‖p‖ ‖Wⱼ[:, c]‖, so Σ_c |E_rc||a_c| ≤ γ_nj ‖p‖ Σ_c ‖Wⱼ[:, c]‖ mag_c
                lam = Gemm.multiply(relaxed, samples * rows, weight[j]);
                double g1 = Rounding.gamma(nj);
                double[] mag = magnitude[j - 1];
                double[] cn = columnNorm[j];
                for (int n = 0; n < samples; n++) {
                    double spread = 0;
                    for (int c = 0; c < np; c++) {
                        spread += cn[c] * mag[n * np + c];
                    }
                    spread = Rounding.inflate(spread);
                    for (int r = 0; r < rows; r++) {
                        int row = n * rows + r;
                        slack[row] += Rounding.inflate(g1 * relaxedNorm[row] * spread);
                    }
                }
            }
            int d = width[0];
            double gd = Rounding.gamma(d);
            double[] a = new double[samples * rows];
            double[] b = new double[samples * rows];
            for (int n = 0; n < samples; n++) {
                for (int r = 0; r < rows; r++) {
                    int row = n * rows + r;
                    double dot = 0;
                    double squares = 0;
                    for (int i = 0; i < d; i++) {
                        double v = lam[row * d + i];
                        dot += v * x[n * d + i];
                        squares += v * v;
                    }
                    double norm = Rounding.normUp(squares, d);
                    double s = Rounding.inflate(slack[row] + gd * norm * xNorm[n]);
                    double value = beta[row] + dot - s;
                    a[row] = Rounding.lowerOf(value, Math.abs(beta[row]) + Math.abs(dot) + s);
                    b[row] = norm;
                }
            }
            return new double[][] {a, b};
        }
    }
}

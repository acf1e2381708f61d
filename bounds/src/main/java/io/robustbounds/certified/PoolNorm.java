package io.robustbounds.certified;

/**
 * The norm line of a MAX pool whose inputs are a convolution of the network's input (docs/certified-mode.md, "MAX
 * pooling over the input's convolution"): each window input is vᵢ(x) = gᵢ·x + bᵢ exactly, so with δ = x − x₀
 *
 * <pre>  y = maxᵢ vᵢ(x) ≤ C + maxᵢ gᵢ·δ,   C ≥ maxᵢ vᵢ(x₀)</pre>
 *
 * and a row's windows S with coefficients λ_o &lt; 0 give Σ_{o∈S} λ_o y_o ≥ Σ λ_o C_o − Σ |λ_o| max_{i∈W_o} g_{o,i}·δ. For
 * every δ the last sum is (Σ_o |λ_o| g_{o,i_o})·δ for some choice i_o, at most ‖δ‖ √(Σ_{o,o'} |λ_o||λ_o'| Q_{oo'}) with
 * Q_{oo'} ≥ max_{i∈W_o, i'∈W_o'} gᵢ·g_i' (the sum's squared norm expanded; signed, as the weights are ≥ 0): the
 * windows' worst cases are no longer paid each on its own (the constant line max uᵢ costs ε‖g‖ per window) but through
 * the kernels' overlaps, zero for windows whose receptive fields are disjoint and negative where every pair of their
 * inputs points apart. Q depends on the two windows' channels and offset only
 * (translation), computed once per network from the kernel; windows that padding clips take ‖g_c‖‖g_c'‖.
 */
final class PoolNorm {
    /** The pool's stage (1, or 2 after a ReLU). */
    final int stage;
    /**
     * A ReLU between: y = max(0, maxᵢ vᵢ) ≤ C⁺ + max over W ∪ {0} of gᵢ·δ (C⁺ = max(C, 0), g₀ = 0), so every Q entry is
     * at least 0 (a window may pick g₀) and each window's cross term at least 0.
     */
    final boolean relu;
    /** Conv output channels (= the pool's channels). */
    final int k;
    /** The pool's output grid. */
    final int ph;
    final int pw;
    /** Window offsets with overlapping receptive fields: |dy| ≤ ry, |dx| ≤ rx. */
    final int ry;
    final int rx;
    /** Q[((c·(2ry+1) + dy+ry)·(2rx+1) + dx+rx)·k + c'], rounded up. */
    final double[] q;
    /** ‖g_c‖‖g_c'‖ rounded up, [c·k + c'] (windows clipped by padding). */
    final double[] nn;
    /** Per pool position (py·pw + px): whether padding clips a receptive field of its window. */
    final boolean[] clipped;
    /**
     * Upper ends of ‖g_{c,e} − g_{c,e'}‖ for window inputs e, e' (a·ps + b) of channel c, unclipped windows:
     * [(c·ps² + e)·ps² + e'] ({@link #differenceNorm}).
     */
    private final double[] differenceNorms;
    /** Terms of one row's sum per window in S (for the rounding of the sum). */
    final long termsPerWindow;
    private final ConvStage conv;
    private final int ps;
    /** Upper ends of ‖g_c‖ per channel. */
    private final double[] channelNorm;

    private PoolNorm(ConvStage conv, MaxPoolStage pool, int stage, boolean relu) {
        this.stage = stage;
        this.relu = relu;
        PoolWindow win = pool.window;
        this.conv = conv;
        this.ps = win.size;
        int cs = conv.stride;
        k = conv.k;
        ph = win.th;
        pw = win.tw;
        ry = (cs * (ps - 1) + conv.q - 1) / (cs * ps);
        rx = (cs * (ps - 1) + conv.q2 - 1) / (cs * ps);
        int dyN = 2 * ry + 1;
        int dxN = 2 * rx + 1;
        int terms = conv.c * conv.q * conv.q2;
        double g = Rounding.gamma(terms);
        double[] norm = new double[k];
        for (int c = 0; c < k; c++) {
            double s = 0;
            for (int t = 0; t < terms; t++) {
                double v = conv.kernel[c * terms + t];
                s += v * v;
            }
            norm[c] = Rounding.normUp(s, terms);
        }
        channelNorm = norm;
        nn = new double[k * k];
        for (int c = 0; c < k; c++) {
            for (int c2 = 0; c2 < k; c2++) {
                nn[c * k + c2] = Rounding.up(norm[c] * norm[c2]);
            }
        }
        q = new double[k * dyN * dxN * k];
        for (int c = 0; c < k; c++) {
            for (int dy = -ry; dy <= ry; dy++) {
                for (int dx = -rx; dx <= rx; dx++) {
                    for (int c2 = 0; c2 < k; c2++) {
                        double most = Double.NEGATIVE_INFINITY;
                        // inputs (a, b) of window (0, 0) and (a2, b2) of window (dy, dx): kernels shifted by cs·(…);
                        // signed: the weights μ ≥ 0, so each pair's product is at most μμ' times the largest one
                        for (int a = 0; a < ps; a++) {
                            for (int a2 = 0; a2 < ps; a2++) {
                                for (int b = 0; b < ps; b++) {
                                    for (int b2 = 0; b2 < ps; b2++) {
                                        int sy = cs * (ps * dy + a2 - a);
                                        int sx = cs * (ps * dx + b2 - b);
                                        most = Math.max(most, correlation(conv, c, c2, sy, sx));
                                    }
                                }
                            }
                        }
                        double nc = nn[c * k + c2];
                        // |fl − exact| ≤ γ_terms Σ|K||K'| ≤ γ_terms ‖g_c‖‖g_c'‖; Cauchy–Schwarz caps it by ‖g_c‖‖g_c'‖
                        // (|Q| ≤ ‖g_c‖‖g_c'‖ both ways, which the rounding of K's sum relies on)
                        double bound = Rounding.up(most + Rounding.up(g * nc));
                        q[((c * dyN + dy + ry) * dxN + dx + rx) * k + c2] = Math.max(relu ? 0 : Double.NEGATIVE_INFINITY, Math.min(bound, nc));
                    }
                }
            }
        }
        clipped = new boolean[ph * pw];
        for (int py = 0; py < ph; py++) {
            for (int px = 0; px < pw; px++) {
                int y0 = cs * ps * py - conv.padding;
                int x0 = cs * ps * px - conv.padding;
                int y1 = y0 + cs * (ps - 1) + conv.q;
                int x1 = x0 + cs * (ps - 1) + conv.q2;
                clipped[py * pw + px] = y0 < 0 || x0 < 0 || y1 > conv.h || x1 > conv.w;
            }
        }
        termsPerWindow = (long) dyN * dxN * k + 2;
        int area = ps * ps;
        differenceNorms = new double[k * area * area];
        for (int c = 0; c < k; c++) {
            for (int e = 0; e < area; e++) {
                for (int e2 = 0; e2 < area; e2++) {
                    differenceNorms[(c * area + e) * area + e2] = shiftedDifference(conv, c, cs * (e2 / ps - e / ps), cs * (e2 % ps - e % ps));
                }
            }
        }
    }

    /**
     * An upper end of ‖K_c − K_c shifted by (sy, sx)‖ over the union of their supports: d = fl(k − k') errs by at most
     * u|k − k'|, so the exact norm is at most the computed one's {@link Rounding#normUp} times 1/(1 − u) (inflated).
     */
    private static double shiftedDifference(ConvStage conv, int c, int sy, int sx) {
        int terms = conv.c * conv.q * conv.q2;
        double s = 0;
        long n = 0;
        for (int ci = 0; ci < conv.c; ci++) {
            for (int y = Math.min(0, sy); y < Math.max(conv.q, conv.q + sy); y++) {
                for (int x = Math.min(0, sx); x < Math.max(conv.q2, conv.q2 + sx); x++) {
                    boolean in1 = y >= 0 && y < conv.q && x >= 0 && x < conv.q2;
                    boolean in2 = y - sy >= 0 && y - sy < conv.q && x - sx >= 0 && x - sx < conv.q2;
                    double k1 = in1 ? conv.kernel[c * terms + (ci * conv.q + y) * conv.q2 + x] : 0;
                    double k2 = in2 ? conv.kernel[c * terms + (ci * conv.q + y - sy) * conv.q2 + x - sx] : 0;
                    double d = k1 - k2;
                    s += d * d;
                    n++;
                }
            }
        }
        return Rounding.inflate(Rounding.normUp(s, Math.max(1, n)));
    }

    /**
     * An upper end of ‖g_{o,e} − g_{o,e'}‖, the two inputs e, e' (a·ps + b) of window o's difference row over the input
     * (its inputs vᵢ = gᵢ·x + bᵢ exactly), or NaN where padding clips the window.
     */
    double differenceNorm(int o, int e, int e2) {
        int plane = ph * pw;
        if (clipped[o % plane]) {
            return Double.NaN;
        }
        int area = ps * ps;
        return differenceNorms[((o / plane) * area + e) * area + e2];
    }

    /** Σ K_c[ci, y, x] K_c2[ci, y − sy, x − sx] over the kernels' overlap (kernel c2 shifted by (sy, sx)). */
    private static double correlation(ConvStage conv, int c, int c2, int sy, int sx) {
        int terms = conv.c * conv.q * conv.q2;
        double s = 0;
        for (int ci = 0; ci < conv.c; ci++) {
            for (int y = Math.max(0, sy); y < Math.min(conv.q, conv.q + sy); y++) {
                for (int x = Math.max(0, sx); x < Math.min(conv.q2, conv.q2 + sx); x++) {
                    s += conv.kernel[c * terms + (ci * conv.q + y) * conv.q2 + x]
                            * conv.kernel[c2 * terms + (ci * conv.q + y - sy) * conv.q2 + x - sx];
                }
            }
        }
        return s;
    }

    /**
     * The norm lines of these stages' first MAX pool when it is non-overlapping and right over the input's convolution
     * (stage 0, M̂ and b̂ exact), with or without a ReLU between (stage 1 or 2); else null.
     */
    static PoolNorm of(java.util.List<Stage> stages) {
        if (stages.size() < 2 || !(stages.get(0) instanceof ConvStage conv)) {
            return null;
        }
        boolean relu = ActivationStage.isRelu(stages.get(1));
        int at = relu ? 2 : 1;
        if (stages.size() <= at || !(stages.get(at) instanceof MaxPoolStage pool)) {
            return null;
        }
        if (pool.window.stride != pool.window.size || conv.entryError() != 0 || conv.biasError() != null) {
            return null;
        }
        return new PoolNorm(conv, pool, at, relu);
    }

    /** Index into a row's weights (position-major) of pool output o. */
    int muIndex(int o) {
        int plane = ph * pw;
        return (o % plane) * k + o / plane;
    }

    /**
     * An upper end of max over choices i_o of ‖Λ' − Σ_o μ_o g_{o,i_o}‖ for the row Λ' over the input (from {@code base})
     * and its norm lines (windows[from … to−1], weights μ), given upper ends ‖Λ'‖ ≤ norm and the windows' K (the
     * pairs' term, {@link #norm}): the smaller of norm + K (triangle) and √(‖Λ'‖² + 2 Σ_o μ_o max_i(−Λ'·g_{o,i}) + K²)
     * (the square expanded; the middle term is where the row and the windows' worst directions disagree).
     */
    double bound(double[] lam, int base, double norm, double kTerm, int[] windows, double[] mu, int from, int to, boolean[] dominated,
            int offset) {
        double triangle = Rounding.up(norm + kTerm);
        int plane = ph * pw;
        double gt = Rounding.gamma(conv.c * conv.q * conv.q2);
        double cross = 0;
        double crossAbs = 0;
        for (int e = from; e < to; e++) {
            int o = windows[e];
            int c = o / plane;
            int py = (o % plane) / pw;
            int px = o % pw;
            double most = relu ? 0 : Double.NEGATIVE_INFINITY;             // g₀ = 0 after a ReLU
            for (int a = 0; a < ps; a++) {
                for (int b = 0; b < ps; b++) {
                    int p = (ps * py + a) * conv.tw + ps * px + b;
                    if (dominated == null || !dominated[offset + c * conv.th * conv.tw + p]) {
                        most = Math.max(most, -conv.windowDot(lam, base, c, p));   // y ≤ C + max over kept gᵢ·δ
                    }
                }
            }
            if (most == Double.NEGATIVE_INFINITY) {
                return triangle;                     // no input kept: cannot happen (t stays), but never a smaller B
            }
            // exact −Λ'·g ≤ −fl + γ Σ|Λ'||g| ≤ −fl + γ‖Λ'‖‖g_c‖
            double t = Rounding.up(most + Rounding.up(gt * Rounding.up(norm * channelNorm[c])));
            double p = mu[e] * t;
            cross += p;
            crossAbs += Math.abs(p);
        }
        double crossUp = Rounding.up(cross + Rounding.inflate(Rounding.gamma(to - from + 1) * crossAbs));
        double squares = Rounding.up(Rounding.up(Rounding.up(norm * norm) + 2 * crossUp) + Rounding.up(kTerm * kTerm));
        double joint = Rounding.up(Math.sqrt(Math.max(0, squares)));
        return Math.min(triangle, joint);
    }

    /**
     * An upper end of √(Σ_{o,o'} μ_o μ_o' Q_{oo'}) for the windows {@code touched[0 … count−1]} (pool output indices,
     * channel-major as the stage's) with weights μ ≥ 0 in {@code mu} (position-major: mu[(py·pw + px)·k + c], zero
     * elsewhere). {@code occupied} (one flag per position, all false) is scratch. Pairs at different positions are
     * counted once, twice over (Q_{oo'} and Q_{o'o} bound the same gᵢ·g_i').
     */
    double norm(int[] touched, int count, double[] mu, boolean[] occupied) {
        int plane = ph * pw;
        int dyN = 2 * ry + 1;
        int dxN = 2 * rx + 1;
        for (int t = 0; t < count; t++) {
            occupied[touched[t] % plane] = true;
        }
        double sum = 0;
        double separate = 0;
        for (int t = 0; t < count; t++) {
            int o = touched[t];
            int c = o / plane;
            int pos = o % plane;
            int py = pos / pw;
            int px = pos % pw;
            separate += mu[pos * k + c] * channelNorm[c];
            double same = 0;
            double other = 0;
            for (int dy = 0; dy <= Math.min(ry, ph - 1 - py); dy++) {
                for (int dx = dy == 0 ? 0 : Math.max(-rx, -px); dx <= Math.min(rx, pw - 1 - px); dx++) {
                    int pos2 = pos + dy * pw + dx;
                    if (!occupied[pos2]) {
                        continue;
                    }
                    int from = pos2 * k;
                    boolean cs = clipped[pos] || clipped[pos2];
                    int qb = cs ? c * k : ((c * dyN + dy + ry) * dxN + dx + rx) * k;
                    double[] table = cs ? nn : q;
                    // four partial sums (any order: the rounding term covers it), for the pipeline
                    double i0 = 0;
                    double i1 = 0;
                    double i2 = 0;
                    double i3 = 0;
                    int c2 = 0;
                    for (; c2 + 3 < k; c2 += 4) {
                        i0 += table[qb + c2] * mu[from + c2];
                        i1 += table[qb + c2 + 1] * mu[from + c2 + 1];
                        i2 += table[qb + c2 + 2] * mu[from + c2 + 2];
                        i3 += table[qb + c2 + 3] * mu[from + c2 + 3];
                    }
                    for (; c2 < k; c2++) {
                        i0 += table[qb + c2] * mu[from + c2];
                    }
                    double inner = (i0 + i1) + (i2 + i3);
                    if (dy == 0 && dx == 0) {
                        same += inner;
                    } else {
                        other += inner;
                    }
                }
            }
            sum += mu[pos * k + c] * (same + 2 * other);
        }
        for (int t = 0; t < count; t++) {
            occupied[touched[t] % plane] = false;
        }
        // the terms are signed: |fl(sum) − sum| ≤ γ_n Σ|terms| ≤ γ_n·2(Σ μ_o‖g_o‖)² (|Q| ≤ ‖g‖‖g'‖, pairs doubled)
        double sep = Rounding.inflate(separate);
        double err = Rounding.inflate(Rounding.gamma(count * termsPerWindow + 4) * 2 * Rounding.up(sep * sep));
        double squares = Rounding.up(sum + err);
        return squares <= 0 ? 0 : Rounding.up(Math.sqrt(squares));
    }
}

package io.robustbounds.certified;

import java.util.List;

/**
 * CROWN's back-substitution within one {@link Propagation} (docs/certified-mode.md, "Back-substitution"): rows
 * Λ·v_top + β, R per sample, are carried down to the input, each nonlinear stage replaced by its lower line where
 * λ ≥ 0 and its upper line where λ &lt; 0, each linear stage by Λ·M; at the input min_{‖x − x₀‖ ≤ ε} Λx = Λx₀ −
 * ε‖Λ‖₂. The rounding is the slack s per row (objective ≥ Λ̂·v + β̂ − s on the ball), updated in place with β.
 */
final class BackSubstitution {
    private final Propagation pass;
    private final List<Stage> stages;
    private final int samples;
    private final int inputSize;

    BackSubstitution(Propagation pass) {
        this.pass = pass;
        this.stages = pass.stages;
        this.samples = pass.samples;
        this.inputSize = pass.inputSize;
    }

    /**
     * Bounds of the rows Λ·v_top + β (R rows per sample) over the ball: {A, A⁺, B, Λ₀} per row with
     * A − εB ≤ row ≤ A⁺ + εB for every ε up to the pass' ε (A⁺ only meaningful when no stage below relaxes) and Λ₀
     * the rows over the input. {@code optimized[s]} (per row and unit of nonlinear stage s, NaN for none; null: none)
     * overrides the lower slope of unstable ReLUs, and {@code record[s]} (unless null) receives Λ over the output of
     * every nonlinear stage s.
     */
    double[][] run(int top, double[] lam, int rows, double[] beta, double[] slack, CrownNetwork.Slope slope, double[][] optimized,
            double[][] record) {
        int total = samples * rows;
        // per row, the norm lines' windows and weights (PoolNorm), for the bound at the input
        NormRows normRows = new NormRows(total);
        // rows a MAX pool leaves over a small-kernel convolution's output, as (index, value) lists per row: that
        // output is wide (LeNet's conv1: 11520 per row) and the rows are sparse on it
        MaxPoolStep sparseFrom = null;
        for (int s = top - 1; s >= 0; s--) {
            Stage st = stages.get(s);
            if (record != null && !(st instanceof LinearStage)) {
                record[s] = lam;
            }
            if (sparseFrom != null) {
                ConvStage conv = (ConvStage) st;
                double[] norm = new double[total];
                walk(new SparseLinearStep(conv, sparseFrom, norm), rows, beta, slack);
                lam = conv.backwardSparse(total, sparseFrom.start, sparseFrom.index, sparseFrom.value);
                sparseFrom = null;
                linearSlack(s, conv, norm, rows, slack);
            } else if (st instanceof LinearStage lin) {
                double[] norm = new double[total];
                walk(new LinearStep(lin, lam, norm), rows, beta, slack);
                lam = lin.backward(lam, total);
                linearSlack(s, lin, norm, rows, slack);
            } else if (st instanceof ActivationStage act) {
                ActivationStep step = new ActivationStep(s, act, lam, slope, optimized == null ? null : optimized[s], total);
                walk(step, rows, beta, slack);
                lam = step.relaxed;
            } else {
                MaxPoolStep step = new MaxPoolStep(s, (MaxPoolStage) st, lam, total, normRows);
                walk(step, rows, beta, slack);
                lam = step.relaxed;
                sparseFrom = step.sparse ? step : null;
            }
        }
        return atInput(lam, rows, beta, slack, normRows);
    }

    /**
     * One stage's step on one row: Λ over the stage's output to Λ over its input, and the constants Σλβ the lines or
     * the bias add to the row's β (their sum acc, the sum of their magnitudes abs).
     */
    private abstract static class RowStep {
        /** γ of the constants' sum (n_out + 1 terms with β). */
        final double gamma;
        double acc;
        double abs;

        RowStep(Stage stage) {
            gamma = Rounding.gamma(stage.out + 1L);
        }

        /** Walks row {@code row} (of sample n, entries from {@code row · out}), adding into acc and abs. */
        abstract void row(int n, int row);

        /** The row's rounding: {@code constants} (γ(abs + |β|)) plus this stage's own. */
        abstract double slack(double constants);
    }

    /** Every row through one stage: slack += γ(abs + |β|) + the stage's rounding, then β += the constants. */
    private void walk(RowStep step, int rows, double[] beta, double[] slack) {
        for (int n = 0; n < samples; n++) {
            for (int r = 0; r < rows; r++) {
                int row = n * rows + r;
                step.acc = 0;
                step.abs = 0;
                step.row(n, row);
                slack[row] += Rounding.inflate(step.slack(step.gamma * (step.abs + Math.abs(beta[row]))));
                beta[row] += step.acc;
            }
        }
    }

    /** Λ·(M v + b): the constants Λ·b, the rows' norms for {@link #linearSlack}, and |Λ|·|b − b̂|. */
    private static final class LinearStep extends RowStep {
        private final double[] lam;
        private final double[] b;
        private final double[] be;
        private final double[] norm;
        private final int nOut;
        private double err;

        LinearStep(LinearStage lin, double[] lam, double[] norm) {
            super(lin);
            this.lam = lam;
            this.b = lin.bias();
            this.be = lin.biasError();
            this.norm = norm;
            this.nOut = lin.out;
        }

        @Override
        void row(int n, int row) {
            err = 0;
            double squares = 0;
            int base = row * nOut;
            for (int i = 0; i < nOut; i++) {
                double l = lam[base + i];
                if (l == 0) {
                    continue;
                }
                double t = l * b[i];
                acc += t;
                abs += Math.abs(t);
                squares += l * l;
                if (be != null) {
                    err += Math.abs(l) * be[i];
                }
            }
            norm[row] = Rounding.normUp(squares, nOut);
        }

        @Override
        double slack(double constants) {
            return constants + err;
        }
    }

    /** As {@link LinearStep} for a convolution's rows given as (index, value) lists (its b̂ is exact). */
    private static final class SparseLinearStep extends RowStep {
        private final double[] b;
        private final MaxPoolStep lists;
        private final double[] norm;
        private final int nOut;

        SparseLinearStep(ConvStage conv, MaxPoolStep lists, double[] norm) {
            super(conv);
            this.b = conv.bias();
            this.lists = lists;
            this.norm = norm;
            this.nOut = conv.out;
        }

        @Override
        void row(int n, int row) {
            double squares = 0;
            for (int e = lists.start[row]; e < lists.start[row + 1]; e++) {
                double l = lists.value[e];
                double t = l * b[lists.index[e]];
                acc += t;
                abs += Math.abs(t);
                squares += l * l;
            }
            norm[row] = Rounding.normUp(squares, nOut);
        }

        @Override
        double slack(double constants) {
            return constants;
        }
    }

    /**
     * λ·g(z) ≥ λ(αz + β) with the lower line where λ > 0, the upper one elsewhere; an unstable ReLU's lower slope is
     * the optimized one when given, else the slope's. Σ λ(αz + β) = Σ p z + Σ λβ + e: |fl(λα) − λα| ≤ u|p|.
     */
    private final class ActivationStep extends RowStep {
        private final int s;
        private final double[] lam;
        private final double[] lines;
        private final double[] lower;
        private final double[] upper;
        private final boolean relu;
        private final CrownNetwork.Slope slope;
        private final double[] optimized;
        private final int nOut;
        final double[] relaxed;
        private double products;

        ActivationStep(int s, ActivationStage act, double[] lam, CrownNetwork.Slope slope, double[] optimized, int total) {
            super(act);
            this.s = s;
            this.lam = lam;
            this.lines = pass.lines[s];
            this.lower = pass.lower[s];
            this.upper = pass.upper[s];
            this.relu = ActivationStage.isRelu(act);
            this.slope = slope;
            this.optimized = optimized;
            this.nOut = act.out;
            this.relaxed = new double[total * act.in];
        }

        @Override
        void row(int n, int row) {
            products = 0;
            int base = row * nOut;
            for (int i = 0; i < nOut; i++) {
                double l = lam[base + i];
                int unit = n * nOut + i;
                if (relu && optimized != null && optimized[base + i] > 0 && (lower[unit] >= 0 || upper[unit] <= 0)) {
                    // β > 0 on a unit with z ≥ 0 (resp. z ≤ 0) on the pass' domain: λ·relu(z) ≥ (λ − β)z (resp. βz)
                    double p = lower[unit] >= 0 ? l - optimized[base + i] : optimized[base + i];
                    relaxed[base + i] = p;
                    products += Math.abs(p) * pass.magnitude(s, unit);     // fl(λ − β) errs by ≤ u|p|
                    continue;
                }
                if (l == 0) {
                    continue;
                }
                int q = 4 * unit + (l > 0 ? 0 : 2);
                double alpha = lines[q];
                if (l > 0 && relu && lower[unit] < 0 && upper[unit] > 0) {
                    double chosen = optimized == null ? Double.NaN : optimized[base + i];
                    if (chosen >= 0 && chosen <= 1) {
                        alpha = chosen;                                   // relu(z) ≥ αz for α ∈ [0, 1]
                    } else if (slope != CrownNetwork.Slope.ADAPTIVE) {
                        alpha = slope.alpha(lower[unit], upper[unit]);
                    }
                }
                double p = l * alpha;
                double t = l * lines[q + 1];
                relaxed[base + i] = p;
                acc += t;
                abs += Math.abs(t);
                products += Math.abs(p) * pass.magnitude(s, unit);
            }
        }

        @Override
        double slack(double constants) {
            return constants + Rounding.U * products;
        }
    }

    /** Per row (at most one pool with norm lines per network): its norm lines' windows, weights and term K. */
    private static final class NormRows {
        final double[] term;
        final int[] start;
        final int[] end;
        int[] window = new int[1024];
        double[] weight = new double[1024];
        int size;

        NormRows(int total) {
            term = new double[total];
            start = new int[total];
            end = new int[total];
        }

        void add(int row, double k, int[] touched, int count, double[] mu, PoolNorm norm) {
            if (size + count > window.length) {
                int grown = Math.max(size + count, 2 * window.length);
                window = java.util.Arrays.copyOf(window, grown);
                weight = java.util.Arrays.copyOf(weight, grown);
            }
            term[row] = k;
            start[row] = size;
            for (int t = 0; t < count; t++) {
                window[size] = touched[t];
                weight[size++] = mu[norm.muIndex(touched[t])];
            }
            end[row] = size;
        }

        /** B ≥ max over δ of the row's ‖Λ' − Σ μ_o g_{o,i_o}‖ ({@link PoolNorm#bound}). */
        double bound(int row, double[] lam, int base, double norm, PoolNorm poolNorm, boolean[] dominated, int offset) {
            return poolNorm.bound(lam, base, norm, term[row], window, weight, start[row], end[row], dominated, offset);
        }
    }

    /**
     * λy with y = max(window): λ onto v_{i*} where λ > 0 or the window is exact, else λ(a v_j + b); at a pool with a
     * {@link PoolNorm}, a row's open windows with λ &lt; 0 together take the norm lines instead of their chords where
     * that bounds the row higher at the pass' ε (both are valid: the choice only picks the better one). Without
     * overlap each input gets at most one entry per row, so after a convolution with a small kernel the rows are kept
     * as (index, value) lists (exactly the dense rows' nonzeros) for {@link ConvStage#backwardSparse}.
     */
    private final class MaxPoolStep extends RowStep {
        private final int s;
        private final double[] lam;
        private final double[] lines;
        private final boolean overlap;
        private final double gs;
        private final int nIn;
        private final int nOut;
        final boolean sparse;
        final double[] relaxed;
        final int[] start;
        final int[] index;
        final double[] value;
        private int entries;
        private double added;
        private double products;
        private final PoolNorm poolNorm;
        private final double[] centre;
        private final double[] mu;
        private final int[] touched;
        private final int[] chordAt;
        private final boolean[] occupied;
        private final double[] chord;
        private final NormRows normRows;

        MaxPoolStep(int s, MaxPoolStage m, double[] lam, int total, NormRows normRows) {
            super(m);
            this.poolNorm = pass.poolNorm() != null && pass.poolNorm().stage == s ? pass.poolNorm() : null;
            this.centre = poolNorm == null ? null : pass.poolCentre;
            this.mu = poolNorm == null ? null : new double[m.out];
            this.touched = poolNorm == null ? null : new int[m.out];
            this.chordAt = poolNorm == null ? null : new int[m.out];
            this.occupied = poolNorm == null ? null : new boolean[poolNorm.ph * poolNorm.pw];
            this.chord = poolNorm == null ? null : new double[m.out];
            this.normRows = normRows;
            this.s = s;
            this.lam = lam;
            this.lines = pass.lines[s];
            this.overlap = m.window.stride < m.window.size;
            this.gs = Rounding.gamma((long) m.window.size * m.window.size);
            this.nIn = m.in;
            this.nOut = m.out;
            this.sparse = !overlap && s > 0 && stages.get(s - 1) instanceof ConvStage below && below.sparseBackward();
            this.relaxed = sparse ? null : new double[total * nIn];
            this.start = sparse ? new int[total + 1] : null;
            // each nonzero λ_o gives one entry (v_{i*} or v_j)
            int nonzero = 0;
            for (int e = 0; sparse && e < total * nOut; e++) {
                if (lam[e] != 0) {
                    nonzero++;
                }
            }
            this.index = sparse ? new int[nonzero] : null;
            this.value = sparse ? new double[nonzero] : null;
        }

        private void add(int row, int i, double v) {
            if (sparse) {
                index[entries] = i;
                value[entries++] = v;
            } else {
                relaxed[row * nIn + i] += v;
            }
        }

        /** A chord's λa onto input j: fl(λa) errs by ≤ u|λa|, times |v_j|. */
        private void addChord(int row, int n, int j, double q) {
            add(row, j, q);
            double v = Math.abs(q) * pass.magnitude(s, n * nIn + j);
            added += v;
            products += v;
        }

        @Override
        void row(int n, int row) {
            added = 0;
            products = 0;
            int base = row * nOut;
            int flat = 0;
            double flatAcc = 0;
            double flatAbs = 0;
            double normAcc = 0;
            double normAbs = 0;
            double flatWorst = 0;
            for (int o = 0; o < nOut; o++) {
                double l = lam[base + o];
                if (l == 0) {
                    continue;
                }
                int at = MaxPoolStage.POOL_LINE * (n * nOut + o);
                if (l > 0 || lines[at + 4] == 1) {
                    int i = (int) lines[at];
                    add(row, i, l);
                    added += Math.abs(l) * pass.magnitude(s, n * nIn + i);
                } else if (poolNorm != null) {
                    // λy ≥ λ(a v_j + b) (the chord) or, with the row's other such windows, λC − |λ| max gᵢ·δ (PoolNorm)
                    double t = l * lines[at + 3];
                    flatAcc += t;
                    flatAbs += Math.abs(t);
                    double a = lines[at + 2];
                    double q = 0;
                    if (a != 0) {
                        int j = (int) lines[at + 1];
                        q = l * a;
                        int vj = n * nIn + j;
                        double lo = pass.lower[s][vj];
                        double hi = pass.upper[s][vj];
                        // the chord's part at the centre and its own worst case on the ball, for the choice only
                        flatWorst += q * 0.5 * (lo + hi) - Math.abs(q) * 0.5 * (hi - lo);
                        chordAt[flat] = j;
                    }
                    chord[flat] = q;
                    double c = l * centre[n * nOut + o];
                    normAcc += c;
                    normAbs += Math.abs(c);
                    mu[poolNorm.muIndex(o)] = -l;
                    touched[flat++] = o;
                } else {
                    // λy ≥ λ(a v_j + b): fl(λa) errs by ≤ u|λa|, times |v_j|
                    double t = l * lines[at + 3];
                    acc += t;
                    abs += Math.abs(t);
                    double a = lines[at + 2];
                    if (a != 0) {
                        addChord(row, n, (int) lines[at + 1], l * a);
                    }
                }
            }
            if (flat > 0) {
                double term = poolNorm.norm(touched, flat, mu, occupied);
                double eps = pass.eps[n];
                if (normAcc - eps * term > flatAcc + flatWorst) {
                    acc += normAcc;
                    abs += normAbs;
                    normRows.add(row, term, touched, flat, mu, poolNorm);
                } else {
                    acc += flatAcc;
                    abs += flatAbs;
                    for (int t = 0; t < flat; t++) {
                        if (chord[t] != 0) {
                            addChord(row, n, chordAt[t], chord[t]);
                        }
                    }
                }
                for (int t = 0; t < flat; t++) {
                    mu[poolNorm.muIndex(touched[t])] = 0;
                }
            }
            if (sparse) {
                start[row + 1] = entries;
            }
        }

        /** Overlapping windows add several λ into one input: ≤ γ_{size²} Σ|λ||v|. */
        @Override
        double slack(double constants) {
            return constants + (overlap ? gs * added : 0) + Rounding.U * products;
        }
    }

    /**
     * The rounding of Λ·M̂ at linear stage s: |fl(ΛM̂) − ΛM̂|_c ≤ γ ‖Λ‖‖M[:, c]‖ and |Λ(M − M̂)|_c ≤ e ‖Λ‖‖M[:, c]‖;
     * times |v_c| ≤ m_c, summed over c.
     */
    private void linearSlack(int s, LinearStage lin, double[] norm, int rows, double[] slack) {
        int nIn = lin.in;
        double g = Rounding.gamma(lin.backwardTerms()) + lin.entryError();
        double[] cn = lin.columnNorm();
        for (int n = 0; n < samples; n++) {
            double spread = 0;
            for (int c = 0; c < nIn; c++) {
                spread += cn[c] * pass.magnitude(s, n * nIn + c);
            }
            spread = Rounding.inflate(spread);
            for (int r = 0; r < rows; r++) {
                int row = n * rows + r;
                slack[row] += Rounding.inflate(g * norm[row] * spread);
            }
        }
    }

    /**
     * The rows Λ·x + β at the input: A = Λx₀ + β − s (rounded down), A⁺ likewise up, B ≥ ‖Λ‖₂ plus the row's norm
     * lines' term ({@link PoolNorm}: Σ λ_o y_o over them ≥ Σ λ_o C_o − ‖δ‖·term).
     */
    private double[][] atInput(double[] lam, int rows, double[] beta, double[] slack, NormRows normRows) {
        int total = samples * rows;
        int d = inputSize;
        double[] x = pass.x;
        double[] xNorm = pass.xNorm;
        double gd = Rounding.gamma(d);
        double[] a = new double[total];
        double[] aUp = new double[total];
        double[] b = new double[total];
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
                double magnitude = Math.abs(beta[row]) + Math.abs(dot) + s;
                double value = beta[row] + dot;
                a[row] = Rounding.lowerOf(value - s, magnitude);
                aUp[row] = -Rounding.lowerOf(-value - s, magnitude);
                b[row] = normRows.term[row] > 0 ? normRows.bound(row, lam, row * d, norm, pass.poolNorm(),
                        pass.dominated[pass.poolNorm().stage], n * stages.get(pass.poolNorm().stage).in) : norm;
            }
        }
        return new double[][] {a, aUp, b, lam};
    }
}

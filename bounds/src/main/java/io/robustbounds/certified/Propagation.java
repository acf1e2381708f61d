package io.robustbounds.certified;

import io.robustbounds.model.Activation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * One propagation of a {@link CrownNetwork} over N samples, each at its own ε (docs/certified-mode.md): per stage the
 * interval bounds of its output, at the input of every nonlinear stage CROWN's bounds ({@link BackSubstitution},
 * or rows reused from a larger ε) and the stage's lines, then the margins' bounds and the radius.
 */
final class Propagation {
    final List<Stage> stages;
    final int inputSize;
    private final CrownNetwork net;
    final double[] x;
    final int samples;
    final int[] cls;
    final double[] eps;
    final double[] xNorm;
    final int depth;
    /** Per value s = 0…S and (sample, unit): proven bounds on vₛ over the ball. */
    final double[][] lower;
    final double[][] upper;
    /** Per nonlinear stage s (its input vₛ): lines (4 per unit: αᴸ, βᴸ, αᵁ, βᵁ) or, for MAX pooling, per output
     * the lower input index i*, the upper line's input j, slope a and intercept b, and the exact flag (5 per output:
     * {@link MaxPoolStage#POOL_LINE}). */
    final double[][] lines;
    /** Per sample: bound rows to reuse (null: compute them, into {@link #recorded}). */
    final BoundRows[] cached;
    final BoundRows[] recorded;
    final BackSubstitution backSubstitution;
    private final AlphaCrown alphaCrown;
    /**
     * Per MAX pool stage s (null: none) and (sample, input): proven ≤ its window's largest input at x₀ on the ball by a
     * difference row ({@link #differences}), so left out of the window's lines.
     */
    final boolean[][] dominated;
    /**
     * Per MAX pool stage s with dominance (null: none) and (sample, input): an upper end of vᵢ − v_t on the ball, t
     * its window's largest input at x₀ (0 at t itself; NaN where no difference was bounded), for the t-line
     * y ≤ v_t + max(0, maxᵢ riseᵢ) ({@link MaxPoolStage#lines}).
     */
    final double[][] rise;
    /** Per sample and output of the {@link PoolNorm}'s MAX pool (when the network has one): C ≥ max of its window at x₀. */
    final double[] poolCentre;
    /** The first stage's computed values at x₀ when it is linear (its exact bounds' centre and the pool's C), else null. */
    private final double[] firstValue;
    /** Upper ends of those values' rounding ({@link #firstError}) when the network has a {@link PoolNorm}, else null. */
    private final double[] firstError;
    /** Branch and bound: the ReLU splits of each sample's subdomain, applied to the bounds after CROWN's (null: none). */
    BranchAndBound.Splits splits;
    /**
     * Diagnostics only ({@link BoundGap}'s oracle, never a certified run): called with s after the bounds of value s
     * are set, before its lines; it may replace them (null: nothing).
     */
    java.util.function.IntConsumer afterBounds;

    Propagation(CrownNetwork net, double[] x, int samples, int[] cls, double[] eps, BoundRows[] cached) {
        this.net = net;
        this.stages = net.stages;
        this.inputSize = net.inputSize();
        this.depth = stages.size();
        lower = new double[depth + 1][];
        upper = new double[depth + 1][];
        lines = new double[depth][];
        dominated = new boolean[depth][];
        rise = new double[depth][];
        this.cached = cached;
        this.recorded = cached != null ? null : new BoundRows[samples];
        if (recorded != null) {
            for (int n = 0; n < samples; n++) {
                recorded[n] = new BoundRows(eps[n], depth);
            }
        }
        this.x = x;
        this.samples = samples;
        this.cls = cls;
        this.eps = eps;
        xNorm = new double[samples];
        lower[0] = new double[samples * inputSize];
        upper[0] = new double[samples * inputSize];
        for (int n = 0; n < samples; n++) {
            double s = 0;
            for (int i = 0; i < inputSize; i++) {
                double v = x[n * inputSize + i];
                s += v * v;
                lower[0][n * inputSize + i] = Rounding.down(v - eps[n]);   // |x_i − x₀ᵢ| ≤ ‖x − x₀‖ ≤ ε
                upper[0][n * inputSize + i] = Rounding.up(v + eps[n]);
            }
            xNorm[n] = Rounding.normUp(s, inputSize);
        }
        firstValue = net.firstRowNorm == null ? null : ((LinearStage) stages.get(0)).forward(x, samples);
        firstError = net.poolNorm == null ? null : firstError((ConvStage) stages.get(0));
        poolCentre = net.poolNorm == null ? null
                : poolCentre((MaxPoolStage) stages.get(net.poolNorm.stage), net.poolNorm.relu);
        backSubstitution = new BackSubstitution(this);
        alphaCrown = new AlphaCrown(this, backSubstitution, net.slopes);
    }

    /**
     * Per sample {radius, estimate}: the proven radius (≤ ε) and min_j A_j/B_j, where the margins' bounds reach
     * (negative when some A_j &lt; 0: how far the bounds fall short, for the search's choice of ε).
     */
    double[][] radii() {
        double u = net.settings.evaluationRoundoff();
        double[] error = null;
        if (u > 0) {
            error = new double[samples * inputSize];
            for (int i = 0; i < error.length; i++) {
                error[i] = Rounding.inflate(u * magnitude(0, i));      // x into the evaluator's type: |fl(x) − x| ≤ u|x|
            }
        }
        for (int s = 0; s < depth; s++) {
            Stage st = stages.get(s);
            if (!(st instanceof LinearStage)) {
                tighten(s);
                if (splits != null) {
                    splits.apply(this, s);
                }
                if (afterBounds != null) {
                    afterBounds.accept(s);
                }
                relax(s);
            }
            forwardBounds(s);
            if (error != null) {
                error = evaluationError(s, error, u);
            }
        }
        evaluationError = error;
        return margins();
    }

    /**
     * Per (sample, unit) of the head's input, an upper end over the ball of |the evaluator's computed value − the exact
     * one| ({@link CrownNetwork.Settings#evaluationRoundoff}; null: not asked for).
     */
    private double[] evaluationError;

    /**
     * docs/certified-mode.md, "The evaluator's rounding": from e ≥ |ṽ − v| at stage s's input (ṽ the evaluator's
     * value at any x of the ball, v the exact one, |v| ≤ this pass's bounds) the same at its output. A product M v + b
     * computed in unit roundoff u from weights rounded to it (|M̃ − M| ≤ u|M|), in any order, errs by at most
     * |M|e + (γₙ(1 + u) + u)(|M|(|v| + e) + |b|) (Higham §3.5); an elementwise g by its Lipschitz constant times e plus
     * {@link io.robustbounds.bounds.Rounding#ELEMENTWISE_ULPS}·u of its value plus 2u (ReLU and identity: e); a MAX
     * pool by the window's largest e.
     */
    private double[] evaluationError(int s, double[] e, double u) {
        Stage st = stages.get(s);
        if (st instanceof LinearStage lin) {
            return productError(lin, s, e, u);
        }
        if (st instanceof ActivationStage a) {
            if (a.g == Activation.RELU || a.g == Activation.IDENTITY) {
                return e.clone();                                   // max(0, ·) and the identity add no rounding
            }
            double lip = a.g.firstDerivativeBound();
            double ulps = io.robustbounds.bounds.Rounding.ELEMENTWISE_ULPS * u;
            double[] next = new double[e.length];
            for (int i = 0; i < e.length; i++) {
                double moved = lip * e[i];
                next[i] = Rounding.inflate((moved + ulps * (magnitude(s + 1, i) + moved) + 2 * u) * (1 + 2 * ulps));
            }
            return next;
        }
        return ((MaxPoolStage) st).forward(e, samples);             // |max ṽ − max v| ≤ max |ṽᵢ − vᵢ|
    }

    /**
     * The product M v + b of {@code lin}, whose input is value {@code s}, as the evaluator computes it: from e at its input,
     * |M|e + (γₙ(1 + u) + u)(|M|(|v| + e) + |b|) at its output ({@link #evaluationError}).
     */
    private double[] productError(LinearStage lin, int s, double[] e, double u) {
        double[] m = new double[e.length];
        for (int i = 0; i < e.length; i++) {
            m[i] = Rounding.up(magnitude(s, i) + e[i]);
        }
        double[] t = lin.absForward(e, samples);
        double[] w = lin.absForward(m, samples);
        long terms = lin instanceof AffineStage ? 8 : lin.forwardTerms();   // batch norm: (x − E)·γ/sqrt(Var + ε) + β
        double g = Rounding.up(io.robustbounds.bounds.Rounding.gamma(terms, u) * (1 + u) + u);
        double sums = Rounding.up(1 + 2 * Rounding.gamma(lin.forwardTerms() + 2));  // absForward's own rounding
        double[] b = lin instanceof AffineStage a ? a.evaluationMagnitude() : lin.bias();
        double[] be = lin.biasError();
        double ee = Rounding.up(1 + lin.entryError());                             // |M| ≤ (1 + e)|M̂|
        int out = lin.out;
        double[] next = new double[samples * out];
        for (int n = 0; n < samples; n++) {
            for (int j = 0; j < out; j++) {
                int at = n * out + j;
                double bias = Math.abs(b[j]) + (be == null ? 0 : be[j]);
                next[at] = Rounding.inflate(sums * (ee * (t[at] + g * w[at]) + g * bias));
            }
        }
        return next;
    }

    /** Per (sample, class), an upper end over the ball of |the evaluator's logit − the exact one| (the head's product), or null. */
    private double[] logitError() {
        return evaluationError == null ? null : productError(net.head, depth, evaluationError, net.settings.evaluationRoundoff());
    }

    /**
     * Upper ends of the exact maxima at x₀ of the pool's windows: the convolution's computed values plus
     * γ_{K+1}(|W||x₀| + |b|) (its rounding, {@link #firstError}), the largest of each window.
     */
    private double[] poolCentre(MaxPoolStage pool, boolean relu) {
        double[] v = firstValue.clone();
        for (int at = 0; at < v.length; at++) {
            v[at] = Rounding.up(v[at] + firstError[at]);
            if (relu) {
                v[at] = Math.max(0, v[at]);                     // C⁺ = max(C, 0)
            }
        }
        return pool.forward(v, samples);
    }

    /** Per (sample, unit) of the first stage, an upper end of |computed − exact| at x₀: γ_{K+1}(|W||x₀| + |b|). */
    private double[] firstError(ConvStage conv) {
        double[] ax = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            ax[i] = Math.abs(x[i]);
        }
        double[] mag = conv.absForward(ax, samples);
        double[] b = conv.bias();
        double g = Rounding.gamma(conv.forwardTerms() + 1);
        double[] err = new double[samples * conv.out];
        for (int n = 0; n < samples; n++) {
            for (int i = 0; i < conv.out; i++) {
                int at = n * conv.out + i;
                err[at] = Rounding.inflate(g * Rounding.inflate(mag[at] + Math.abs(b[i])));
            }
        }
        return err;
    }

    /**
     * Dominance at the {@link PoolNorm}'s pool, whose inputs are exact affine vᵢ = gᵢ·x + bᵢ (or their ReLU, which keeps
     * the order): v_t − vᵢ = (v_t − vᵢ)(x₀) + (g_t − gᵢ)·δ ≥ fl(v_t − vᵢ at x₀) − both values' rounding − ε‖g_t − gᵢ‖,
     * t the window's largest at x₀; where that is ≥ 0, vᵢ leaves the window's lines (as {@link #differences}, without
     * a bound row).
     */
    private boolean[] exactDifferences(PoolNorm norm, int stage) {
        MaxPoolStage pool = (MaxPoolStage) stages.get(stage);
        int size = pool.in;
        int side = pool.window.size;
        int area = side * side;
        double[] err = firstError;
        boolean[] dom = new boolean[samples * size];
        double[] up = new double[samples * size];
        Arrays.fill(up, Double.NaN);
        rise[stage] = up;
        for (int n = 0; n < samples; n++) {
            for (int o = 0; o < pool.out; o++) {
                int te = 0;
                for (int e = 1; e < area; e++) {
                    if (firstValue[n * size + pool.input(o, e / side, e % side)] > firstValue[n * size + pool.input(o, te / side, te % side)]) {
                        te = e;
                    }
                }
                int t = n * size + pool.input(o, te / side, te % side);
                up[t] = 0;
                for (int e = 0; e < area; e++) {
                    double d = norm.differenceNorm(o, te, e);
                    if (e == te || Double.isNaN(d) && !norm.relu) {
                        continue;
                    }
                    int i = n * size + pool.input(o, e / side, e % side);
                    double centre = Rounding.down(Rounding.down(firstValue[t] - firstValue[i]) - Rounding.up(err[t] + err[i]));
                    // after a ReLU, an input whose upper bound is ≤ 0 is 0 ≤ relu(v_t) everywhere
                    double least = Rounding.down(centre - Rounding.up(eps[n] * d));
                    dom[i] = least >= 0 || norm.relu && upper[stage][i] <= 0;
                    up[i] = -least;                                 // NaN where d is (clipped)
                }
            }
        }
        return dom;
    }

    /** The network's norm lines of its MAX pool over the input's convolution, or null. */
    PoolNorm poolNorm() {
        return net.poolNorm;
    }

    /** max(|l|, |u|) of value s at (sample, unit) index {@code at}. */
    double magnitude(int value, int at) {
        return Math.max(Math.abs(lower[value][at]), Math.abs(upper[value][at]));
    }

    /** IBP: bounds of vₛ₊₁ from those of vₛ (intersected with exact first-layer bounds where they exist). */
    private void forwardBounds(int s) {
        Stage st = stages.get(s);
        double[] lo = lower[s];
        double[] hi = upper[s];
        int out = st.out;
        double[] nl = new double[samples * out];
        double[] nh = new double[samples * out];
        if (st instanceof LinearStage lin) {
            double[] c = new double[lo.length];
            double[] r = new double[lo.length];
            double[] cr = new double[lo.length];
            for (int i = 0; i < lo.length; i++) {
                c[i] = 0.5 * (lo[i] + hi[i]);
                r[i] = Rounding.up(Math.max(Rounding.up(hi[i] - c[i]), Rounding.up(c[i] - lo[i])));
                cr[i] = Rounding.up(Math.abs(c[i]) + r[i]);
            }
            double[] center = lin.forward(c, samples);
            double[] spread = lin.absForward(r, samples);
            double[] total = lin.absForward(cr, samples);
            double[] b = lin.bias();
            double[] be = lin.biasError();
            // exact: |M(v − c)| ≤ |M|r, center rounding ≤ γ(|M||c| + |b|), |M − M̂| ≤ e|M̂|; nonneg sums inflated by 2γ
            double g = Rounding.gamma(lin.forwardTerms() + 2);
            double e = lin.entryError();
            for (int n = 0; n < samples; n++) {
                for (int j = 0; j < out; j++) {
                    int at = n * out + j;
                    double w = Rounding.inflate(spread[at] + (2 * g + 2 * e) * (total[at] + Math.abs(b[j]))
                            + (be == null ? 0 : be[j]));
                    nl[at] = Rounding.down(center[at] - w);
                    nh[at] = Rounding.up(center[at] + w);
                }
            }
            if (s == 0 && net.firstRowNorm != null) {
                exactFirst(lin, nl, nh);
            }
        } else if (st instanceof ActivationStage a) {
            for (int i = 0; i < nl.length; i++) {
                nl[i] = Relaxation.valueDown(a.g, lo[i]);
                nh[i] = Relaxation.valueUp(a.g, hi[i]);
                if (a.g == Activation.RELU) {
                    nl[i] = Math.max(0, lo[i]);
                    nh[i] = Math.max(0, hi[i]);
                }
            }
        } else {
            ((MaxPoolStage) st).intervalBounds(lo, hi, samples, dominated[s], nl, nh);
        }
        lower[s + 1] = nl;
        upper[s + 1] = nh;
    }

    /** First stage W x + b: W x₀ + b ± (ε‖Wᵣ‖ + γ_{K+1}(‖Wᵣ‖‖x₀‖ + |bᵣ|)) (Cauchy–Schwarz), intersected into nl, nh. */
    private void exactFirst(LinearStage lin, double[] nl, double[] nh) {
        double[] center = firstValue;
        double[] b = lin.bias();
        double g = Rounding.gamma(lin.forwardTerms());
        int out = lin.out;
        for (int n = 0; n < samples; n++) {
            for (int j = 0; j < out; j++) {
                int at = n * out + j;
                double err = Rounding.inflate(g * (net.firstRowNorm[j] * xNorm[n] + Math.abs(b[j])));
                double spread = Rounding.up(Rounding.up(eps[n] * net.firstRowNorm[j]) + err);
                nl[at] = Math.max(nl[at], Rounding.down(center[at] - spread));
                nh[at] = Math.min(nh[at], Rounding.up(center[at] + spread));
            }
        }
    }

    /**
     * CROWN bounds of vₛ (the input of nonlinear stage s), intersected with the IBP ones, for the units whose bounds
     * can change the stage's lines (docs/certified-mode.md, "which bound rows"): per ReLU unit the row that may prove
     * it stable first (lower where it is positive at x₀, else upper), the other only where that one did not; a MAX
     * pool's lower row of each window's largest value at x₀
     * first, then both rows of the units no window proves dominated.
     */
    private void tighten(int s) {
        if (s == 0) {
            return;                          // the input's own box
        }
        boolean exactPool = net.poolNorm != null && s == net.poolNorm.stage;
        if (exactPool && net.settings.poolDifferences()) {
            dominated[s] = exactDifferences(net.poolNorm, s);
        }
        if (s == 1 && net.firstRowNorm != null) {
            return;                          // exact already
        }
        int size = stages.get(s).in;
        if (cached != null) {
            reuse(s, size);
            return;
        }
        for (int n = 0; n < samples; n++) {
            recorded[n].allocate(s, size);
        }
        boolean linearBelow = true;
        for (int j = 0; j < s; j++) {
            linearBelow &= stages.get(j) instanceof LinearStage;
        }
        Stage st = stages.get(s);
        if ((long) (linearBelow ? 1 : 2) * size > net.settings.crownRowLimit()) {
            return;                          // interval bounds only (the network's row limit)
        }
        boolean[] want = new boolean[samples * size];
        if (ActivationStage.isRelu(st)) {
            // a ReLU unit stable in a sample keeps its interval bounds there (its lines are exact whatever the bounds)
            for (int at = 0; at < want.length; at++) {
                want[at] = lower[s][at] < 0 && upper[s][at] > 0;
            }
        } else {
            Arrays.fill(want, true);
        }
        if (linearBelow) {
            boundRows(s, size, want, Side.BOTH);
        } else if (ActivationStage.isRelu(st)) {
            // a unit positive at x₀ can only end active (l ≥ 0: the lines are z whatever u is, no upper row needed),
            // one ≤ 0 only inactive (u ≤ 0: the lines are 0 whatever l is): the row that may prove it first
            double[] centre = net.valueAt(x, samples, s);
            boolean[] lowFirst = new boolean[want.length];
            for (int at = 0; at < want.length; at++) {
                lowFirst[at] = want[at] && centre[at] > 0;
            }
            boundRows(s, size, lowFirst, Side.LOWER);
            boolean[] up = new boolean[want.length];
            for (int at = 0; at < want.length; at++) {
                up[at] = want[at] && !(lowFirst[at] && lower[s][at] >= 0);
            }
            boundRows(s, size, up, Side.UPPER);
            for (int at = 0; at < want.length; at++) {
                want[at] &= !lowFirst[at] && upper[s][at] > 0;
            }
            boundRows(s, size, want, Side.LOWER);
        } else if (st instanceof MaxPoolStage pool) {
            boolean[] top = pool.largestAt(net.valueAt(x, samples, s), samples); // vₛ at the centers x₀
            boundRows(s, size, top, Side.LOWER);
            boolean[] open = pool.undominated(lower[s], upper[s], samples);
            for (int at = 0; at < want.length; at++) {
                want[at] = open[at] && !top[at];
            }
            boundRows(s, size, want, Side.LOWER);
            boundRows(s, size, open, Side.UPPER);
            if (net.settings.poolDifferences() && pool.window.stride == pool.window.size && !exactPool) {
                dominated[s] = differences(s, pool, top);
            }
        } else {
            boundRows(s, size, want, Side.LOWER);
            boundRows(s, size, want, Side.UPPER);
        }
    }

    /**
     * Dominance by difference rows (docs/certified-mode.md, "MAX pooling: dominance by difference rows"): in each
     * window still open on the bounds (two or more inputs vᵢ with uᵢ ≥ max l), the bound row of v_t − vᵢ for its
     * largest input t at x₀ and every other open i; where its lower bound on the ball is ≥ 0, vᵢ ≤ v_t everywhere
     * and y = max of the window without vᵢ (t is never dropped). The intervals compare vᵢ with v_t at two different
     * points of the ball; the row at the same point, where the two share most of their inputs. Non-overlapping
     * windows only (an input belongs to one window). The rows' A, B are recorded for reuse at smaller radii.
     */
    private boolean[] differences(int s, MaxPoolStage pool, boolean[] top) {
        int size = pool.in;
        int side = pool.window.size;
        int area = side * side;
        int[][] pairs = new int[samples][];
        int rows = 0;
        boolean[] undominated = pool.undominated(lower[s], upper[s], samples);
        for (int n = 0; n < samples; n++) {
            int[] list = new int[2 * size];
            int count = 0;
            for (int o = 0; o < pool.out; o++) {
                int t = -1;
                int open = 0;
                for (int e = 0; e < area; e++) {
                    int i = pool.input(o, e / side, e % side);
                    if (t < 0 && top[n * size + i]) {
                        t = i;
                    }
                    open += undominated[n * size + i] ? 1 : 0;
                }
                if (t < 0 || open < 2) {
                    continue;
                }
                for (int e = 0; e < area; e++) {
                    int i = pool.input(o, e / side, e % side);
                    if (i != t && undominated[n * size + i]) {
                        list[2 * count] = t;
                        list[2 * count + 1] = i;
                        count++;
                    }
                }
            }
            pairs[n] = java.util.Arrays.copyOf(list, 2 * count);
            rows = Math.max(rows, count);
            recorded[n].allocateDifferences(s, size);
        }
        boolean[] dom = new boolean[samples * size];
        double[] up = new double[samples * size];
        Arrays.fill(up, Double.NaN);
        for (int n = 0; n < samples; n++) {
            for (int r = 0; 2 * r < pairs[n].length; r++) {
                up[n * size + pairs[n][2 * r]] = 0;
                recorded[n].top[s][pairs[n][2 * r]] = true;
            }
        }
        rise[s] = up;
        int block = BLOCK;
        int most = rows;
        int blocks = (most + block - 1) / block;
        IntStream range = IntStream.range(0, blocks);
        (THREADS == 1 || blocks == 1 ? range : range.parallel())
                .forEach(b -> differenceBlock(s, size, pairs, b * block, Math.min(block, most - b * block), dom));
        return dom;
    }

    /** Pairs from … from + rows − 1 of every sample's list ({@link #differences}); writes only their own inputs. */
    private void differenceBlock(int s, int size, int[][] pairs, int from, int rows, boolean[] dom) {
        double[] lam = new double[samples * rows * size];
        for (int n = 0; n < samples; n++) {
            for (int r = 0; r < rows && 2 * (from + r) < pairs[n].length; r++) {
                lam[(n * rows + r) * size + pairs[n][2 * (from + r)]] = 1;
                lam[(n * rows + r) * size + pairs[n][2 * (from + r) + 1]] = -1;
            }
        }
        double[][] best = alphaCrown.bestBounds(s, lam, rows, new double[samples * rows], new double[samples * rows],
                net.settings.intermediateAlphaSteps(), false);
        for (int n = 0; n < samples; n++) {
            for (int r = 0; r < rows && 2 * (from + r) < pairs[n].length; r++) {
                int i = pairs[n][2 * (from + r) + 1];
                int row = n * rows + r;
                recorded[n].setDifference(s, i, best[2][row], best[3][row]);
                dom[n * size + i] = best[0][row] >= 0;
                rise[s][n * size + i] = -best[0][row];
            }
        }
    }

    /** Which ends of a unit a bound row gives: LOWER (row +e), UPPER (row −e), BOTH (+e, nothing relaxed below). */
    private enum Side {
        LOWER, UPPER, BOTH
    }

    /**
     * The rows ±e_unit of stage s's input for the units some sample wants ({@code want[n · size + unit]}), in blocks
     * of {@link #BLOCK} per sample, each intersected into the bounds of the samples that want it
     * only (so a sample's bounds do not depend on its chunk) and recorded for reuse.
     */
    private void boundRows(int s, int size, boolean[] want, Side side) {
        List<Integer> units = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            boolean needed = false;
            for (int n = 0; n < samples && !needed; n++) {
                needed = want[n * size + i];
            }
            if (needed) {
                units.add(i);
            }
        }
        // blocks of BLOCK rows, THREADS at a time: at most the memory of one ROW_BLOCK; a row's bound does not depend on
        // the other rows of its block, so neither do the radii
        int block = BLOCK;
        int blocks = (units.size() + block - 1) / block;
        if (THREADS == 1 || blocks == 1) {
            for (int b = 0; b < blocks; b++) {
                boundBlock(s, size, want, side, units, b * block, Math.min(block, units.size() - b * block));
            }
        } else {
            IntStream.range(0, blocks).parallel()
                    .forEach(b -> boundBlock(s, size, want, side, units, b * block, Math.min(block, units.size() - b * block)));
        }
    }

    /**
     * Threads the bound rows of one propagation run on: -Drobustbounds.certified.threads, default min(2, cores)
     * (the common fork-join pool's).
     */
    static final int THREADS = Math.max(1, Integer.getInteger("robustbounds.certified.threads",
            Math.min(2, Runtime.getRuntime().availableProcessors())));

    /**
     * Bound rows per sample in one block: a quarter of ROW_BLOCK / THREADS, so that a stage's few blocks spread evenly
     * over the threads (LeNet-5, 4 images, 3 alternating pairs: 0.976× the wall time, peak memory 588 MB against 738 MB).
     */
    static final int BLOCK = Math.max(1, CrownNetwork.ROW_BLOCK / (4 * THREADS));

    /** Rows from … from + rows − 1 of {@code units} ({@link #boundRows}); writes only their own units' bounds. */
    private void boundBlock(int s, int size, boolean[] want, Side side, List<Integer> units, int from, int rows) {
        double[] lam = new double[samples * rows * size];
        for (int n = 0; n < samples; n++) {
            for (int r = 0; r < rows; r++) {
                lam[(n * rows + r) * size + units.get(from + r)] = side == Side.UPPER ? -1 : 1;
            }
        }
        double[] beta = new double[samples * rows];
        double[] slack = new double[samples * rows];
        double[][] best = side == Side.BOTH ? null
                : alphaCrown.bestBounds(s, lam, rows, beta, slack, net.settings.intermediateAlphaSteps(), false);
        double[][] ab = side == Side.BOTH
                ? backSubstitution.run(s, lam, rows, beta, slack, CrownNetwork.Slope.ADAPTIVE, null, null) : null;
        for (int n = 0; n < samples; n++) {
            for (int r = 0; r < rows; r++) {
                int unit = units.get(from + r);
                int at = n * size + unit;
                if (!want[at]) {
                    continue;
                }
                int row = n * rows + r;
                switch (side) {
                    case BOTH -> {
                        recorded[n].setLower(s, unit, ab[0][row], ab[2][row]);
                        recorded[n].setUpper(s, unit, ab[1][row], ab[2][row]);
                        lower[s][at] = Math.max(lower[s][at], Rounding.down(ab[0][row] - Rounding.up(eps[n] * ab[2][row])));
                        upper[s][at] = Math.min(upper[s][at], Rounding.up(ab[1][row] + Rounding.up(eps[n] * ab[2][row])));
                    }
                    case LOWER -> {
                        recorded[n].setLower(s, unit, best[2][row], best[3][row]);
                        lower[s][at] = Math.max(lower[s][at], best[0][row]);
                    }
                    case UPPER -> {
                        // −v ≥ A' − εB' is v ≤ −A' + εB'
                        recorded[n].setUpper(s, unit, -best[2][row], best[3][row]);
                        upper[s][at] = Math.min(upper[s][at], -best[0][row]);
                    }
                }
            }
        }
    }

    /**
     * The bounds of a propagation at ε_c ≥ ε reused: each row's relaxed linear network is valid on the ball of
     * radius ε_c, hence on the smaller one, so A − εB ≤ v ≤ A⁺ + εB⁺ with the rows' A, B (docs/certified-mode.md,
     * "Reuse across the search"), intersected with this pass' interval bounds.
     */
    private void reuse(int s, int size) {
        for (int n = 0; n < samples; n++) {
            BoundRows c = cached[n];
            if (!(eps[n] <= c.eps) || c.a[s] == null) {
                throw new IllegalStateException("bound rows of radius " + c.eps + " reused at " + eps[n]);
            }
            if (c.dA[s] != null) {
                // v_t − vᵢ ≥ dA − ε·dB on the smaller ball too: dominance, and the t-line's rise −(dA − ε·dB)
                if (dominated[s] == null) {
                    dominated[s] = new boolean[samples * size];
                }
                if (rise[s] == null) {
                    rise[s] = new double[samples * size];
                    Arrays.fill(rise[s], Double.NaN);
                }
                for (int i = 0; i < size; i++) {
                    int at = n * size + i;
                    if (c.top[s][i]) {
                        rise[s][at] = 0;
                    } else if (!Double.isNaN(c.dA[s][i])) {
                        double low = Rounding.down(c.dA[s][i] - Rounding.up(eps[n] * c.dB[s][i]));
                        dominated[s][at] = low >= 0;
                        rise[s][at] = -low;
                    }
                }
            }
            for (int i = 0; i < size; i++) {
                int at = n * size + i;
                if (!Double.isNaN(c.a[s][i])) {
                    lower[s][at] = Math.max(lower[s][at], Rounding.down(c.a[s][i] - Rounding.up(eps[n] * c.b[s][i])));
                }
                if (!Double.isNaN(c.aUp[s][i])) {
                    upper[s][at] = Math.min(upper[s][at], Rounding.up(c.aUp[s][i] + Rounding.up(eps[n] * c.bUp[s][i])));
                }
            }
        }
    }

    /** Lines of nonlinear stage s on the bounds of its input. */
    private void relax(int s) {
        Stage st = stages.get(s);
        double[] lo = lower[s];
        double[] hi = upper[s];
        if (st instanceof ActivationStage a) {
            double[] l4 = new double[4 * lo.length];
            for (int at = 0; at < lo.length; at++) {
                if (!(Double.isFinite(lo[at]) && Double.isFinite(hi[at]) && lo[at] <= hi[at])) {
                    Arrays.fill(l4, 4 * at, 4 * at + 4, Double.NaN);
                    continue;
                }
                Relaxation.lines(a.g, lo[at], hi[at], l4, 4 * at);
            }
            lines[s] = l4;
            return;
        }
        lines[s] = ((MaxPoolStage) st).lines(lo, hi, samples, dominated[s], rise[s]);
    }

    /** Rows (H_c − H_j) v_S + (h_c − h_j), j ≠ c, back-substituted; the radius is min_j A_j / B_j in [0, ε]. */
    private double[][] margins() {
        int in = net.head.in;
        int rows = net.classes() - 1;
        double[] lam = new double[samples * rows * in];
        double[] beta = new double[samples * rows];
        double[] slack = new double[samples * rows];
        double[] hw = net.head.weight.values;
        double[] logits = logitError();
        for (int n = 0; n < samples; n++) {
            int c = cls[n];
            int r = 0;
            for (int j = 0; j < net.classes(); j++) {
                if (j == c) {
                    continue;
                }
                int row = n * rows + r;
                double abs = 0;
                for (int i = 0; i < in; i++) {
                    double v = hw[c * in + i] - hw[j * in + i];
                    lam[row * in + i] = v;
                    abs += Math.abs(v) * magnitude(depth, n * in + i);
                }
                beta[row] = net.head.b[c] - net.head.b[j];
                slack[row] = Rounding.inflate(Rounding.U * (abs + Math.abs(beta[row])));   // fl(H_c − H_j), fl(h_c − h_j)
                if (logits != null) {
                    // the evaluator's class is c wherever the exact margin exceeds both logits' rounding
                    slack[row] = Rounding.inflate(slack[row] + logits[n * net.classes() + c] + logits[n * net.classes() + j]);
                }
                r++;
            }
        }
        double[] rowRadius = alphaCrown.bestBounds(depth, lam, rows, beta, slack, net.settings.alphaSteps(), true)[1];
        double[] radius = new double[samples];
        double[] estimate = new double[samples];
        for (int n = 0; n < samples; n++) {
            double best = Double.POSITIVE_INFINITY;
            for (int r = 0; r < rows; r++) {
                best = Math.min(best, rowRadius[n * rows + r]);
            }
            estimate[n] = best;
            radius[n] = Math.max(0, Math.min(eps[n], best));
        }
        return new double[][] {radius, estimate};
    }
}

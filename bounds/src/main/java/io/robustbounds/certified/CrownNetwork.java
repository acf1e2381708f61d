package io.robustbounds.certified;

import io.robustbounds.model.BatchNorm;
import io.robustbounds.model.Conv2d;
import io.robustbounds.model.Flatten;
import io.robustbounds.model.Pool2d;
import io.robustbounds.linalg.Arrays2;
import io.robustbounds.model.Activation;
import io.robustbounds.model.DenseLayer;
import io.robustbounds.model.Layer;
import io.robustbounds.model.Model;
import io.robustbounds.model.ModelException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * CROWN (Zhang et al., "Efficient Neural Network Robustness Certification with General Activation Functions",
 * NeurIPS 2018) over an L2 ball for sequential networks of convolutions (+ReLU), dense layers, average and MAX
 * pooling, batch norm and flatten, with the linear head folded into the margins (docs/certified-mode.md), sound in
 * double arithmetic. MLPs and linear classifiers are the networks without a convolution.
 *
 * <p>Per pass, every value vₛ (v₀ = x, vₛ₊₁ = stageₛ(vₛ)) gets proven bounds: interval arithmetic forward (IBP),
 * intersected at the input of every nonlinear stage with CROWN's bounds: a row Λ·vₛ + β is bounded below by
 * back-substitution, each nonlinear stage replaced by its lower line where Λ ≥ 0 and its upper line where Λ &lt; 0,
 * each linear one by Λ·M, down to the input, where min_{‖x − x₀‖ ≤ ε} Λx = Λx₀ − ε‖Λ‖₂. The first stage's bounds
 * are exact when it is a convolution or dense layer (center ± ε‖row‖). Rows of ReLU units that IBP already proves
 * stable in every sample of the chunk are skipped (their relaxation is exact whatever the bounds). Rounding is
 * carried as a slack s per row: the invariant is objective(x) ≥ Λ̂·v(x) + β̂ − s for every x in the ball, Λ̂, β̂ the
 * computed doubles.
 */
public final class CrownNetwork implements LinearBoundNetwork {
    private final List<Stage> stages;
    private final int inputSize;
    private final int classes;
    private final DenseStage head;
    /** Exact row norms of the first stage (conv or dense), or null. */
    private final double[] firstRowNorm;
    private final String name;
    /** Projected-gradient steps on the margins' ReLU lower slopes per propagation (alpha-CROWN; 0: none). */
    private final int alphaSteps;
    /** Intermediate bounds of a stage needing more CROWN rows per sample than this are interval bounds only (speed). */
    private final int crownRowLimit;
    /** The same for every intermediate bound row (costlier: 2 rows per unit). */
    private final int intermediateAlphaSteps;
    /** Lower slopes of unstable ReLUs tried for every bound row; each row keeps the best (all valid). */
    private final List<Slope> slopes;
    /** A search session reuses bound rows of ε down to this · ε ({@link #session}); 1: only at ε itself. */
    private final double reuse;

    /**
     * The lower line αz of an unstable ReLU (l &lt; 0 &lt; u): any α ∈ [0, 1] is valid. ADAPTIVE is CROWN's (1 if
     * u ≥ −l, else 0), PARALLEL Fast-Lin's u/(u − l) (the upper line's slope).
     */
    public enum Slope {
        ADAPTIVE, ZERO, ONE, PARALLEL;

        double alpha(double l, double u) {
            return switch (this) {
                case ZERO -> 0;
                case ONE -> 1;
                case PARALLEL -> u / (u - l);                 // fl(u − l) ≥ u, so in [0, 1]
                case ADAPTIVE -> u >= -l ? 1 : 0;
            };
        }
    }

    /** This network trying the given lower slopes (the first alone when the network has no ReLU). */
    public CrownNetwork withSlopes(List<Slope> s) {
        if (s.isEmpty()) {
            throw new IllegalArgumentException("certified mode: at least one lower slope needed");
        }
        return new CrownNetwork(name, stages, inputSize, head, s, alphaSteps, intermediateAlphaSteps, crownRowLimit, reuse);
    }

    /**
     * This network with CROWN intermediate bounds only for stages needing at most {@code rows} bound rows per sample
     * (the others keep their interval bounds: looser, much cheaper on wide convolutional layers).
     */
    public CrownNetwork withCrownRowLimit(int rows) {
        return new CrownNetwork(name, stages, inputSize, head, slopes, alphaSteps, intermediateAlphaSteps, rows, reuse);
    }

    /**
     * This network reusing a sample's intermediate bound rows of ε in a search session for every ε' in [ρε, ε]
     * (ρ = 1: never below ε itself; smaller: faster, a little looser).
     */
    public CrownNetwork withReuse(double rho) {
        if (!(rho > 0 && rho <= 1)) {
            throw new IllegalArgumentException("certified mode: reuse factor must be in (0, 1], got " + rho);
        }
        return new CrownNetwork(name, stages, inputSize, head, slopes, alphaSteps, intermediateAlphaSteps, crownRowLimit, rho);
    }

    /** This network with the given number of alpha-CROWN steps on the margins per propagation. */
    public CrownNetwork withAlphaSteps(int margins, int intermediate) {
        if (margins < 0 || intermediate < 0) {
            throw new IllegalArgumentException("certified mode: alpha steps must be >= 0, got " + margins + " and " + intermediate);
        }
        return new CrownNetwork(name, stages, inputSize, head, slopes, margins, intermediate, crownRowLimit, reuse);
    }

    private CrownNetwork(String name, List<Stage> stages, int inputSize, DenseStage head) {
        this(name, stages, inputSize, head, List.of(Slope.ADAPTIVE, Slope.ZERO, Slope.ONE, Slope.PARALLEL),
                convolutional(stages) ? 0 : DEFAULT_ALPHA_STEPS, convolutional(stages) ? 0 : DEFAULT_ALPHA_STEPS, Integer.MAX_VALUE,
                convolutional(stages) ? DEFAULT_REUSE : 1);
    }

    private static boolean convolutional(List<Stage> stages) {
        return stages.stream().anyMatch(st -> st instanceof ConvStage);
    }

    /**
     * alpha-CROWN steps by default on networks without a convolution; none with one (on LeNet-5 they made the margins
     * ~25× more expensive for ~3 % larger radii).
     */
    public static final int DEFAULT_ALPHA_STEPS = 24;

    private CrownNetwork(String name, List<Stage> stages, int inputSize, DenseStage head, List<Slope> slopes, int alphaSteps,
            int intermediateAlphaSteps, int crownRowLimit, double reuse) {
        this.crownRowLimit = crownRowLimit;
        this.reuse = reuse;
        this.alphaSteps = alphaSteps;
        this.intermediateAlphaSteps = intermediateAlphaSteps;
        boolean relu = stages.stream().anyMatch(ActivationStage::isRelu);
        this.slopes = relu ? List.copyOf(slopes) : List.of(slopes.get(0));
        this.name = name;
        this.stages = List.copyOf(stages);
        this.inputSize = inputSize;
        this.head = head;
        this.classes = head.out;
        Stage first = stages.isEmpty() ? null : stages.get(0);
        firstRowNorm = first instanceof ConvStage c ? c.rowNorm() : first instanceof DenseStage d ? d.rowNorm : null;
    }

    /**
     * Compiles a model of convolutions, dense layers, average/MAX pooling, batch norm and flatten; LRN and L_p pooling
     * have no relaxation here ({@link Certified#of} cuts the network there).
     */
    public static CrownNetwork of(Model model) {
        return of(model.name(), model.input().shape(), model.layers(), model);
    }

    static CrownNetwork of(String name, long[] inputShape, List<Layer> layers, Model model) {
        List<Stage> stages = new ArrayList<>();
        long[] shape = inputShape.clone();
        int inputSize = (int) product(shape);
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            int size = (int) product(shape);
            if (layer instanceof Conv2d conv) {
                requireImage(name, i, layer, shape);
                ConvStage c = new ConvStage(Arrays2.toDoubles(conv.weight()), Arrays2.toDoubles(conv.bias()), conv.weight().shape(),
                        shape, conv.stride(), conv.padding());
                stages.add(c);
                shape = new long[] {c.k, c.th, c.tw};
                if (conv.relu()) {
                    stages.add(new ActivationStage(Activation.RELU, c.out));
                }
            } else if (layer instanceof Pool2d pool && pool.method() != Pool2d.Method.LP) {
                requireImage(name, i, layer, shape);
                PoolWindow window = new PoolWindow(shape, pool.size(), pool.stride());
                if (pool.method() == Pool2d.Method.MAX) {
                    stages.add(new MaxPoolStage(window));
                } else {
                    stages.add(new AvgPoolStage(window));
                }
                shape = new long[] {window.ch, window.th, window.tw};
            } else if (layer instanceof BatchNorm bn) {
                int ch = bn.channels();
                if (shape[0] != ch) {
                    throw new ModelException("certified mode: model '" + name + "' layer " + i + " (batchnorm) has " + ch
                            + " channels, input " + Arrays.toString(shape));
                }
                stages.add(AffineStage.batchNorm(Arrays2.toDoubles(bn.gamma()), Arrays2.toDoubles(bn.beta()), Arrays2.toDoubles(bn.mean()),
                        Arrays2.toDoubles(bn.variance()), bn.epsilon(), size / ch));
            } else if (layer instanceof Flatten) {
                shape = new long[] {size};
            } else if (layer instanceof DenseLayer dense) {
                if (dense.inputSize() != size) {
                    throw new ModelException("certified mode: model '" + name + "' layer " + i + " (dense) takes " + dense.inputSize()
                            + " inputs, gets " + size);
                }
                stages.add(new DenseStage(Arrays2.toDoubles(dense.weight()), Arrays2.toDoubles(dense.bias()), dense.outputSize(), size));
                shape = new long[] {dense.outputSize()};
                if (dense.activation() != Activation.IDENTITY) {
                    stages.add(new ActivationStage(dense.activation(), dense.outputSize()));
                }
            } else {
                throw new ModelException("certified mode: model '" + name + "' layer " + i + " (" + layer.kind()
                        + ") has no linear relaxation here");
            }
        }
        int features = (int) product(shape);
        double[] hw = Arrays2.toDoubles(model.head().weight());
        if (hw.length != (long) model.classes() * features) {
            throw new ModelException("certified mode: model '" + name + "' head has " + hw.length + " weights for "
                    + model.classes() + " classes of " + features + " features");
        }
        return new CrownNetwork(name, stages, inputSize,
                new DenseStage(hw, Arrays2.toDoubles(model.head().bias()), model.classes(), features));
    }

    private static void requireImage(String name, int i, Layer layer, long[] shape) {
        if (shape.length != 3) {
            throw new ModelException("certified mode: model '" + name + "' layer " + i + " (" + layer.kind()
                    + ") needs an image input [C, H, W], gets " + Arrays.toString(shape));
        }
    }

    private static long product(long[] s) {
        long p = 1;
        for (long v : s) {
            p *= v;
        }
        return p;
    }

    @Override
    public int inputSize() {
        return inputSize;
    }

    @Override
    public int classes() {
        return classes;
    }

    @Override
    public String description() {
        return "crown";
    }

    /** Logits of n samples by a double forward pass, row-major [n · classes]. */
    public double[] logits(double[] x, int n) {
        double[] v = x;
        for (Stage s : stages) {
            v = apply(s, v, n);
        }
        return head.forward(v, n);
    }

    private static double[] apply(Stage s, double[] v, int n) {
        if (s instanceof LinearStage l) {
            return l.forward(v, n);
        }
        if (s instanceof ActivationStage a) {
            double[] o = new double[v.length];
            for (int i = 0; i < v.length; i++) {
                o[i] = a.g.value(v[i]);
            }
            return o;
        }
        return ((MaxPoolStage) s).forward(v, n);
    }

    @Override
    public int[] predict(double[] x, int n) {
        double[] logits = logits(x, n);
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

    /** Working bytes per sample: bounds and lines of every value, plus one back-substitution block's rows. */
    long bytesPerSample() {
        long units = inputSize;
        int wide = inputSize;
        int rows = classes;
        for (Stage s : stages) {
            units += s.out;
            wide = Math.max(wide, s.out);
            if (!(s instanceof LinearStage) && 2L * s.in <= crownRowLimit) {
                rows = Math.max(rows, 2 * s.in);
            }
        }
        return 8L * (10 * units + 4L * Math.min(rows, ROW_BLOCK) * wide);
    }

    /** Bound rows per sample back-substituted together (the rest in further blocks): bounds the working memory. */
    static final int ROW_BLOCK = 512;

    @Override
    public double[] certifiedWithin(double[] x, int n, int[] cls, double[] eps, long batchMemory) {
        if (n < 0 || x.length != (long) n * inputSize || cls.length != n || eps.length != n) {
            throw new IllegalArgumentException("expected " + n + " samples of " + inputSize + " values with a class and a radius each, got "
                    + x.length + " values, " + cls.length + " classes, " + eps.length + " radii");
        }
        for (int i = 0; i < n; i++) {
            if (cls[i] < 0 || cls[i] >= classes) {
                throw new IllegalArgumentException("sample " + i + ": class " + cls[i] + " outside [0, " + classes + ")");
            }
            if (!(eps[i] >= 0) || Double.isInfinite(eps[i])) {
                throw new IllegalArgumentException("sample " + i + ": radius must be finite and >= 0, got " + eps[i]);
            }
        }
        return propagate(x, n, cls, eps, batchMemory, null, null)[0];
    }

    /**
     * Passes over chunks of at most batchMemory / bytesPerSample() samples; {@code cached[i]} non-null: sample i reuses
     * those bound rows, else its rows are computed (and stored into {@code recorded[i]} when that array is given).
     * Returns {radius, estimate}.
     */
    private double[][] propagate(double[] x, int n, int[] cls, double[] eps, long batchMemory, Rows[] cached, Rows[] recorded) {
        double[] out = new double[n];
        double[] estimate = new double[n];
        // ND4J calls take fixed 64-row blocks and Gemm pads to 64 rows, so a sample's radius does not depend on its chunk
        int chunk = (int) Math.max(1, Math.min(n, batchMemory / bytesPerSample()));
        for (int from = 0; from < n; from += chunk) {
            int count = Math.min(chunk, n - from);
            Rows[] reuse = cached == null ? null : Arrays.copyOfRange(cached, from, from + count);
            Pass pass = new Pass(Arrays.copyOfRange(x, from * inputSize, (from + count) * inputSize), count,
                    Arrays.copyOfRange(cls, from, from + count), Arrays.copyOfRange(eps, from, from + count), reuse);
            double[][] r = pass.radii();
            System.arraycopy(r[0], 0, out, from, count);
            System.arraycopy(r[1], 0, estimate, from, count);
            if (recorded != null && pass.recorded != null) {
                System.arraycopy(pass.recorded, 0, recorded, from, count);
            }
        }
        return new double[][] {out, estimate};
    }

    /**
     * A propagation at ε' reuses a sample's bound rows of ε when ρε ≤ ε' ≤ ε (ρ = this, the default for networks with
     * a convolution, whose bound rows dominate the cost; 1 for the others, where fresh rows are cheap and tighter);
     * below, it computes them anew. The reused bounds A − ε'B are those of the relaxation chosen at ε: a little looser
     * than fresh ones at ε'.
     */
    public static final double DEFAULT_REUSE = 0.7;

    /** Bytes of bound rows a search session keeps per sample (4 doubles per unit of every nonlinear stage's input). */
    @Override
    public long sessionBytesPerSample() {
        long units = 0;
        for (Stage s : stages) {
            if (!(s instanceof LinearStage)) {
                units += s.in;
            }
        }
        return 32 * units + 64;
    }

    /**
     * The search's propagations over fixed samples, reusing each sample's intermediate bound rows across radii
     * (docs/certified-mode.md, "Reuse across the search"): a propagation at ε' ≤ ε of the last fresh one, and at least
     * {@link #reuse} ε, recomputes only the interval bounds, the lines and the margins.
     */
    @Override
    public Session session(double[] x, int n, int[] cls, long batchMemory) {
        Rows[] rows = new Rows[n];
        return (samples, e) -> {
            int m = samples.length;
            int[] fresh = new int[m];
            int[] again = new int[m];
            int nf = 0;
            int na = 0;
            for (int k = 0; k < m; k++) {
                Rows r = rows[samples[k]];
                if (r != null && e[k] <= r.eps && e[k] >= reuse * r.eps) {
                    again[na++] = k;
                } else {
                    fresh[nf++] = k;
                }
            }
            double[] radius = new double[m];
            double[] estimate = new double[m];
            for (int group = 0; group < 2; group++) {
                int[] ks = group == 0 ? fresh : again;
                int count = group == 0 ? nf : na;
                if (count == 0) {
                    continue;
                }
                double[] xs = new double[count * inputSize];
                int[] cs = new int[count];
                double[] es = new double[count];
                Rows[] use = group == 0 ? null : new Rows[count];
                for (int j = 0; j < count; j++) {
                    int i = samples[ks[j]];
                    System.arraycopy(x, i * inputSize, xs, j * inputSize, inputSize);
                    cs[j] = cls[i];
                    es[j] = e[ks[j]];
                    if (use != null) {
                        use[j] = rows[i];
                    }
                }
                Rows[] recorded = group == 0 ? new Rows[count] : null;
                double[][] r = propagate(xs, count, cs, es, batchMemory, use, recorded);
                for (int j = 0; j < count; j++) {
                    radius[ks[j]] = r[0][j];
                    estimate[ks[j]] = r[1][j];
                    if (recorded != null) {
                        rows[samples[ks[j]]] = recorded[j];
                    }
                }
            }
            return new Step(radius, estimate);
        };
    }

    /**
     * One sample's intermediate bound rows from a propagation at radius eps: per nonlinear stage s and unit of its
     * input, A − εB ≤ v ≤ A⁺ + εB⁺ for every ε ≤ eps (NaN: no row, the interval bounds serve).
     */
    static final class Rows {
        final double eps;
        final double[][] a;
        final double[][] b;
        final double[][] aUp;
        final double[][] bUp;

        Rows(double eps, int depth) {
            this.eps = eps;
            a = new double[depth][];
            b = new double[depth][];
            aUp = new double[depth][];
            bUp = new double[depth][];
        }

        void allocate(int s, int size) {
            a[s] = new double[size];
            b[s] = new double[size];
            aUp[s] = new double[size];
            bUp[s] = new double[size];
            Arrays.fill(a[s], Double.NaN);
            Arrays.fill(aUp[s], Double.NaN);
        }

        void set(int s, int unit, double lowA, double lowB, double upA, double upB) {
            a[s][unit] = lowA;
            b[s][unit] = lowB;
            aUp[s][unit] = upA;
            bUp[s][unit] = upB;
        }
    }

    /** One propagation over N samples, each at its own ε. */
    private final class Pass {
        final double[] x;
        final int samples;
        final int[] cls;
        final double[] eps;
        final double[] xNorm;
        final int depth = stages.size();
        /** Per value s = 0…S and (sample, unit): proven bounds on vₛ over the ball. */
        final double[][] lower = new double[depth + 1][];
        final double[][] upper = new double[depth + 1][];
        /** Per nonlinear stage s (its input vₛ): lines (4 per unit: αᴸ, βᴸ, αᵁ, βᵁ) or, for MAX pooling, per output
         * the lower input index i*, the upper line's input j, slope a and intercept b, and the exact flag (5 per output:
         * {@link MaxPoolStage#POOL_LINE}). */
        final double[][] lines = new double[depth][];
        /** Per sample: bound rows to reuse (null: compute them, into {@link #recorded}). */
        final Rows[] cached;
        final Rows[] recorded;

        Pass(double[] x, int samples, int[] cls, double[] eps, Rows[] cached) {
            this.cached = cached;
            this.recorded = cached != null ? null : new Rows[samples];
            if (recorded != null) {
                for (int n = 0; n < samples; n++) {
                    recorded[n] = new Rows(eps[n], depth);
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
        }

        /** Per sample {radius, estimate}: the proven radius (≤ ε) and min_j A_j/B_j, where the margins' bounds reach. */
        double[][] radii() {
            for (int s = 0; s < depth; s++) {
                Stage st = stages.get(s);
                if (!(st instanceof LinearStage)) {
                    tighten(s);
                    relax(s);
                }
                forwardBounds(s);
            }
            return margins();
        }

        private double magnitude(int value, int at) {
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
                if (s == 0 && firstRowNorm != null) {
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
                ((MaxPoolStage) st).intervalBounds(lo, hi, samples, nl, nh);
            }
            lower[s + 1] = nl;
            upper[s + 1] = nh;
        }

        /** First stage W x + b: W x₀ + b ± (ε‖Wᵣ‖ + γ_{K+1}(‖Wᵣ‖‖x₀‖ + |bᵣ|)) (Cauchy–Schwarz), intersected into nl, nh. */
        private void exactFirst(LinearStage lin, double[] nl, double[] nh) {
            double[] center = lin.forward(x, samples);
            double[] b = lin.bias();
            double g = Rounding.gamma(lin.forwardTerms());
            int out = lin.out;
            for (int n = 0; n < samples; n++) {
                for (int j = 0; j < out; j++) {
                    int at = n * out + j;
                    double err = Rounding.inflate(g * (firstRowNorm[j] * xNorm[n] + Math.abs(b[j])));
                    double spread = Rounding.up(Rounding.up(eps[n] * firstRowNorm[j]) + err);
                    nl[at] = Math.max(nl[at], Rounding.down(center[at] - spread));
                    nh[at] = Math.min(nh[at], Rounding.up(center[at] + spread));
                }
            }
        }

        /** CROWN bounds of vₛ (the input of nonlinear stage s), intersected with the IBP ones. */
        private void tighten(int s) {
            if (s == 0) {
                return;                          // the input's own box
            }
            if (s == 1 && firstRowNorm != null) {
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
            // units to bound: all, except ReLU units stable in every sample (their lines are exact whatever the bounds)
            List<Integer> units = new ArrayList<>();
            Stage st = stages.get(s);
            for (int i = 0; i < size; i++) {
                boolean needed = !ActivationStage.isRelu(st);
                for (int n = 0; n < samples && !needed; n++) {
                    needed = lower[s][n * size + i] < 0 && upper[s][n * size + i] > 0;
                }
                if (needed) {
                    units.add(i);
                }
            }
            int sides = linearBelow ? 1 : 2;
            if ((long) sides * size > crownRowLimit) {
                return;                          // interval bounds only (the network's row limit)
            }
            int block = Math.max(1, ROW_BLOCK / sides);
            for (int from = 0; from < units.size(); from += block) {
                int count = Math.min(block, units.size() - from);
                int rows = sides * count;
                double[] lam = new double[samples * rows * size];
                for (int n = 0; n < samples; n++) {
                    for (int r = 0; r < count; r++) {
                        int unit = units.get(from + r);
                        lam[(n * rows + r) * size + unit] = 1;
                        if (sides == 2) {
                            lam[(n * rows + count + r) * size + unit] = -1;
                        }
                    }
                }
                double[][] best = linearBelow ? null
                        : bestBounds(s, lam, rows, new double[samples * rows], new double[samples * rows], intermediateAlphaSteps, false);
                double[][] ab = linearBelow ? backSubstitute(s, lam, rows, new double[samples * rows], new double[samples * rows], Slope.ADAPTIVE) : null;
                for (int n = 0; n < samples; n++) {
                    for (int r = 0; r < count; r++) {
                        int at = n * size + units.get(from + r);
                        int row = n * rows + r;
                        double lo;
                        double hi;
                        if (linearBelow) {
                            lo = Rounding.down(ab[0][row] - Rounding.up(eps[n] * ab[2][row]));
                            hi = Rounding.up(ab[1][row] + Rounding.up(eps[n] * ab[2][row]));
                        } else {
                            lo = best[0][row];
                            hi = -best[0][row + count];
                        }
                        boolean relu = ActivationStage.isRelu(st);
                        if (relu && !(lower[s][at] < 0 && upper[s][at] > 0)) {
                            continue;                    // stable in this sample: its bounds stay as they are (chunk-independent)
                        }
                        // −v ≥ A' − εB' is v ≤ −A' + εB'
                        recorded[n].set(s, at - n * size, linearBelow ? ab[0][row] : best[2][row], linearBelow ? ab[2][row] : best[3][row],
                                linearBelow ? ab[1][row] : -best[2][row + count], linearBelow ? ab[2][row] : best[3][row + count]);
                        lower[s][at] = Math.max(lower[s][at], lo);
                        upper[s][at] = Math.min(upper[s][at], hi);
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
                Rows c = cached[n];
                if (!(eps[n] <= c.eps) || c.a[s] == null) {
                    throw new IllegalStateException("bound rows of radius " + c.eps + " reused at " + eps[n]);
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
            lines[s] = ((MaxPoolStage) st).lines(lo, hi, samples);
        }

        /** Rows (H_c − H_j) v_S + (h_c − h_j), j ≠ c, back-substituted; the radius is min_j A_j / B_j, at most ε. */
        private double[][] margins() {
            int in = head.in;
            int rows = classes - 1;
            double[] lam = new double[samples * rows * in];
            double[] beta = new double[samples * rows];
            double[] slack = new double[samples * rows];
            double[] hw = head.weight.values;
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
                        double v = hw[c * in + i] - hw[j * in + i];
                        lam[row * in + i] = v;
                        abs += Math.abs(v) * magnitude(depth, n * in + i);
                    }
                    beta[row] = head.b[c] - head.b[j];
                    slack[row] = Rounding.inflate(Rounding.U * (abs + Math.abs(beta[row])));   // fl(H_c − H_j), fl(h_c − h_j)
                    r++;
                }
            }
            double[] rowRadius = bestBounds(depth, lam, rows, beta, slack, alphaSteps, true)[1];
            double[] radius = new double[samples];
            double[] estimate = new double[samples];
            for (int n = 0; n < samples; n++) {
                double best = Double.POSITIVE_INFINITY;
                for (int r = 0; r < rows; r++) {
                    best = Math.min(best, rowRadius[n * rows + r]);
                }
                estimate[n] = best;
                radius[n] = Math.min(eps[n], best);
            }
            return new double[][] {radius, estimate};
        }

        /**
         * alpha-CROWN on the margins (Xu et al., ICLR 2021), with the intermediate bounds fixed: projected gradient
         * ascent on the lower slopes α ∈ [0, 1] of the unstable ReLUs, one α per margin row and unit, of the row's
         * bound A − ε'B at ε' = its current radius (the direction of A/B). The bound is the objective evaluated
         * through the relaxed linear network: ∂/∂Λ at a linear stage is M G + b (its forward map applied to the
         * gradient G below), at an activation G·α_sel + β_sel, and ∂/∂α = G·Λ where the lower line is used. Every
         * iterate's bound is a full, rounded back-substitution, so keeping the best of them is sound.
         */
        private double[][] bestBounds(int top, double[] lam, int rows, double[] beta, double[] slack, int steps, boolean ratio) {
            int total = samples * rows;
            double[] lowest = new double[total];
            double[] rowRadius = new double[total];
            double[] bestA = new double[total];
            double[] bestB = new double[total];
            Arrays.fill(lowest, Double.NEGATIVE_INFINITY);
            Arrays.fill(bestA, Double.NaN);
            Slope[] start = new Slope[total];
            boolean unstable = false;
            for (int s = 0; s < top && !unstable; s++) {
                if (ActivationStage.isRelu(stages.get(s))) {
                    for (int i = 0; i < lower[s].length && !unstable; i++) {
                        unstable = lower[s][i] < 0 && upper[s][i] > 0;
                    }
                }
            }
            for (Slope slope : unstable ? slopes : List.of(Slope.ADAPTIVE)) {
                double[][] ab = backSubstitute(top, lam.clone(), rows, beta.clone(), slack.clone(), slope);
                keep(ab, rows, lowest, rowRadius, bestA, bestB, start, slope);
            }
            if (steps == 0 || slopes.size() == 1 || !unstable) {
                return new double[][] {lowest, rowRadius, bestA, bestB};
            }
            double[][] alpha = new double[depth][];
            boolean any = false;
            for (int s = 0; s < top; s++) {
                if (ActivationStage.isRelu(stages.get(s))) {
                    int w = stages.get(s).in;
                    alpha[s] = new double[total * w];
                    for (int row = 0; row < total; row++) {
                        int n = row / rows;
                        for (int i = 0; i < w; i++) {
                            double l = lower[s][n * w + i];
                            double u = upper[s][n * w + i];
                            alpha[s][row * w + i] = l < 0 && u > 0 ? start[row].alpha(l, u) : Double.NaN;
                            any |= l < 0 && u > 0;
                        }
                    }
                }
            }
            if (!any) {
                return new double[][] {lowest, rowRadius, bestA, bestB};
            }
            double step = 0.25;
            for (int it = 0; it < steps; it++) {
                double[][] record = new double[depth][];
                double[][] ab = backSubstitute(top, lam.clone(), rows, beta.clone(), slack.clone(), Slope.ADAPTIVE, alpha, record);
                keep(ab, rows, lowest, rowRadius, bestA, bestB, null, null);
                double[] g = new double[total * inputSize];
                for (int row = 0; row < total; row++) {
                    double a = ab[0][row];
                    double b = ab[2][row];
                    int n = row / rows;
                    double at = ratio && a > 0 && b > 0 ? Math.min(a / b, eps[n]) : eps[n];
                    double[] l0 = ab[3];
                    for (int i = 0; i < inputSize; i++) {
                        g[row * inputSize + i] = x[n * inputSize + i] - (b > 0 ? at * l0[row * inputSize + i] / b : 0);
                    }
                }
                if (it == steps - 1) {
                    break;
                }
                // forward through the relaxed network: G over each stage's output, gradients of the α on the way
                double[][] grad = new double[depth][];
                double[] maxGrad = new double[total];
                for (int s = 0; s < top; s++) {
                    Stage st = stages.get(s);
                    if (st instanceof LinearStage lin) {
                        g = lin.forward(g, total);
                        continue;
                    }
                    double[] lamOut = record[s];
                    double[] next = new double[total * st.out];
                    if (st instanceof ActivationStage act) {
                        double[] lj = lines[s];
                        int w = st.in;
                        if (alpha[s] != null) {
                            grad[s] = new double[total * w];
                        }
                        for (int row = 0; row < total; row++) {
                            int n = row / rows;
                            for (int i = 0; i < w; i++) {
                                double l = lamOut[row * w + i];
                                int unit = n * w + i;
                                int q = 4 * unit + (l > 0 ? 0 : 2);
                                double slopeUsed = lj[q];
                                double opt = alpha[s] == null ? Double.NaN : alpha[s][row * w + i];
                                if (l > 0 && !Double.isNaN(opt)) {
                                    slopeUsed = opt;
                                    grad[s][row * w + i] = g[row * w + i] * l;
                                    maxGrad[row] = Math.max(maxGrad[row], Math.abs(grad[s][row * w + i]));
                                }
                                next[row * w + i] = g[row * w + i] * slopeUsed + lj[q + 1];
                            }
                        }
                    } else {
                        MaxPoolStage m = (MaxPoolStage) st;
                        double[] p = lines[s];
                        for (int row = 0; row < total; row++) {
                            int n = row / rows;
                            for (int o = 0; o < m.out; o++) {
                                int at = MaxPoolStage.POOL_LINE * (n * m.out + o);
                                double l = lamOut[row * m.out + o];
                                next[row * m.out + o] = l > 0 || p[at + 4] == 1 ? g[row * m.in + (int) p[at]]
                                        : p[at + 2] * g[row * m.in + (int) p[at + 1]] + p[at + 3];
                            }
                        }
                    }
                    g = next;
                }
                for (int s = 0; s < top; s++) {
                    if (grad[s] == null) {
                        continue;
                    }
                    int w = stages.get(s).in;
                    for (int row = 0; row < total; row++) {
                        if (!(maxGrad[row] > 0)) {
                            continue;
                        }
                        for (int i = 0; i < w; i++) {
                            double v = alpha[s][row * w + i];
                            if (!Double.isNaN(v)) {
                                alpha[s][row * w + i] = Math.max(0, Math.min(1, v + step * Math.signum(grad[s][row * w + i])));
                            }
                        }
                    }
                }
                step *= 0.85;
            }
            return new double[][] {lowest, rowRadius, bestA, bestB};
        }

        /** Per row the best proven lower bound at the pass' ε and radius A/B so far (and the slope that gave it). */
        private void keep(double[][] ab, int rows, double[] lowest, double[] rowRadius, double[] bestA, double[] bestB, Slope[] start,
                Slope slope) {
            for (int row = 0; row < lowest.length; row++) {
                double a = ab[0][row];
                double b = ab[2][row];
                double candidate = !(a > 0) ? 0 : b > 0 ? Rounding.down(a / b) : Double.POSITIVE_INFINITY;
                rowRadius[row] = Math.max(rowRadius[row], candidate);
                double lo = Rounding.down(a - Rounding.up(eps[row / rows] * b));
                if (lo > lowest[row] || start != null && start[row] == null) {
                    if (lo >= lowest[row]) {
                        bestA[row] = a;
                        bestB[row] = b;
                    }
                    lowest[row] = Math.max(lowest[row], lo);
                    if (start != null) {
                        start[row] = slope;
                    }
                }
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
                    spread += cn[c] * magnitude(s, n * nIn + c);
                }
                spread = Rounding.inflate(spread);
                for (int r = 0; r < rows; r++) {
                    int row = n * rows + r;
                    slack[row] += Rounding.inflate(g * norm[row] * spread);
                }
            }
        }

        /**
         * Bounds of the rows Λ·v_top + β (R rows per sample) over the ball: {A, A⁺, B} per row with
         * A − εB ≤ row ≤ A⁺ + εB for every ε up to the pass' ε (A⁺ only meaningful when no stage below relaxes).
         */
        private double[][] backSubstitute(int top, double[] lam, int rows, double[] beta, double[] slack, Slope slope) {
            return backSubstitute(top, lam, rows, beta, slack, slope, null, null);
        }

        /**
         * As above; {@code optimized[s]} (per row and unit of nonlinear stage s, NaN for none) overrides the lower slope
         * of unstable ReLUs, and {@code record[s]} receives Λ over the output of every nonlinear stage s. The last
         * element of the result is Λ over the input.
         */
        private double[][] backSubstitute(int top, double[] lam, int rows, double[] beta, double[] slack, Slope slope,
                double[][] optimized, double[][] record) {
            int total = samples * rows;
            // rows a MAX pool leaves over a small-kernel convolution's output, as (index, value) lists per row: that
            // output is wide (LeNet's conv1: 11520 per row) and the rows are sparse on it
            int[] sparseStart = null;
            int[] sparseIndex = null;
            double[] sparseValue = null;
            for (int s = top - 1; s >= 0; s--) {
                Stage st = stages.get(s);
                if (record != null && !(st instanceof LinearStage)) {
                    record[s] = lam;
                }
                int nOut = st.out;
                int nIn = st.in;
                if (sparseStart != null) {
                    ConvStage conv = (ConvStage) st;
                    double[] b = conv.bias();
                    double gb = Rounding.gamma(nOut + 1L);
                    double[] norm = new double[total];
                    for (int row = 0; row < total; row++) {
                        double acc = 0;
                        double abs = 0;
                        double squares = 0;
                        for (int e = sparseStart[row]; e < sparseStart[row + 1]; e++) {
                            double l = sparseValue[e];
                            double t = l * b[sparseIndex[e]];
                            acc += t;
                            abs += Math.abs(t);
                            squares += l * l;
                        }
                        slack[row] += Rounding.inflate(gb * (abs + Math.abs(beta[row])));
                        beta[row] += acc;
                        norm[row] = Rounding.normUp(squares, nOut);
                    }
                    lam = conv.backwardSparse(total, sparseStart, sparseIndex, sparseValue);
                    sparseStart = null;
                    sparseIndex = null;
                    sparseValue = null;
                    linearSlack(s, conv, norm, rows, slack);
                    continue;
                }
                if (st instanceof LinearStage lin) {
                    double[] b = lin.bias();
                    double[] be = lin.biasError();
                    double gb = Rounding.gamma(nOut + 1L);
                    double[] norm = new double[total];
                    for (int row = 0; row < total; row++) {
                        double acc = 0;
                        double abs = 0;
                        double err = 0;
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
                        slack[row] += Rounding.inflate(gb * (abs + Math.abs(beta[row])) + err);
                        beta[row] += acc;
                        norm[row] = Rounding.normUp(squares, nOut);
                    }
                    lam = lin.backward(lam, total);
                    linearSlack(s, lin, norm, rows, slack);
                } else if (st instanceof ActivationStage act) {
                    double[] lj = lines[s];
                    boolean relu = act.g == Activation.RELU;
                    double[] relaxed = new double[total * nIn];
                    double g2 = Rounding.gamma(nOut + 1L);
                    for (int n = 0; n < samples; n++) {
                        for (int r = 0; r < rows; r++) {
                            int row = n * rows + r;
                            int base = row * nOut;
                            double acc = 0;
                            double abs = 0;
                            double products = 0;
                            for (int i = 0; i < nOut; i++) {
                                double l = lam[base + i];
                                if (l == 0) {
                                    continue;
                                }
                                int unit = n * nOut + i;
                                int q = 4 * unit + (l > 0 ? 0 : 2);
                                double alpha = lj[q];
                                if (l > 0 && relu && lower[s][unit] < 0 && upper[s][unit] > 0) {
                                    double chosen = optimized == null || optimized[s] == null ? Double.NaN : optimized[s][base + i];
                                    if (chosen >= 0 && chosen <= 1) {
                                        alpha = chosen;                                   // relu(z) ≥ αz for α ∈ [0, 1]
                                    } else if (slope != Slope.ADAPTIVE) {
                                        alpha = slope.alpha(lower[s][unit], upper[s][unit]);
                                    }
                                }
                                double p = l * alpha;
                                double t = l * lj[q + 1];
                                relaxed[base + i] = p;
                                acc += t;
                                abs += Math.abs(t);
                                products += Math.abs(p) * magnitude(s, unit);
                            }
                            // Σ λ(αz + β) = Σ p z + Σ λβ + e: |fl(λα) − λα| ≤ u|p|, the constants' sum γ_{n+1}
                            slack[row] += Rounding.inflate(g2 * (abs + Math.abs(beta[row])) + Rounding.U * products);
                            beta[row] += acc;
                        }
                    }
                    lam = relaxed;
                } else {
                    MaxPoolStage m = (MaxPoolStage) st;
                    double[] p = lines[s];
                    boolean overlap = m.window.stride < m.window.size;
                    // without overlap each input gets at most one entry per row: the lists are exactly the dense rows
                    boolean sparse = !overlap && s > 0 && stages.get(s - 1) instanceof ConvStage below && below.sparseBackward();
                    double[] relaxed = sparse ? null : new double[total * nIn];
                    if (sparse) {
                        sparseStart = new int[total + 1];
                        sparseIndex = new int[total * nOut * 2];
                        sparseValue = new double[total * nOut * 2];
                    }
                    int entries = 0;
                    double gs = Rounding.gamma((long) m.window.size * m.window.size);
                    double g2 = Rounding.gamma(nOut + 1L);
                    for (int n = 0; n < samples; n++) {
                        for (int r = 0; r < rows; r++) {
                            int row = n * rows + r;
                            int base = row * nOut;
                            double acc = 0;
                            double abs = 0;
                            double added = 0;
                            double products = 0;
                            for (int o = 0; o < nOut; o++) {
                                double l = lam[base + o];
                                if (l == 0) {
                                    continue;
                                }
                                int at = MaxPoolStage.POOL_LINE * (n * nOut + o);
                                if (l > 0 || p[at + 4] == 1) {
                                    int i = (int) p[at];
                                    if (sparse) {
                                        sparseIndex[entries] = i;
                                        sparseValue[entries++] = l;
                                    } else {
                                        relaxed[row * nIn + i] += l;
                                    }
                                    added += Math.abs(l) * magnitude(s, n * nIn + i);
                                } else {
                                    // λy ≥ λ(a v_j + b): fl(λa) errs by ≤ u|λa|, times |v_j|
                                    double t = l * p[at + 3];
                                    acc += t;
                                    abs += Math.abs(t);
                                    double a = p[at + 2];
                                    if (a != 0) {
                                        int j = (int) p[at + 1];
                                        double q = l * a;
                                        if (sparse) {
                                            sparseIndex[entries] = j;
                                            sparseValue[entries++] = q;
                                        } else {
                                            relaxed[row * nIn + j] += q;
                                        }
                                        double v = Math.abs(q) * magnitude(s, n * nIn + j);
                                        added += v;
                                        products += v;
                                    }
                                }
                            }
                            // overlapping windows add several λ into one input: ≤ γ_{size²} Σ|λ||v|
                            slack[row] += Rounding.inflate(g2 * (abs + Math.abs(beta[row])) + (overlap ? gs * added : 0)
                                    + Rounding.U * products);
                            beta[row] += acc;
                            if (sparse) {
                                sparseStart[row + 1] = entries;
                            }
                        }
                    }
                    lam = relaxed;
                }
            }
            int d = inputSize;
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
                    b[row] = norm;
                }
            }
            return new double[][] {a, aUp, b, lam};
        }
    }
}

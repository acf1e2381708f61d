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
 *
 * <p>This class holds the network (its {@link Stage}s, compiled from a model), its settings and the chunking; one pass
 * is a {@link Propagation}, which uses {@link BackSubstitution} and {@link AlphaCrown}; a search's passes go through a
 * {@link SearchSession}.
 */
public final class CrownNetwork implements LinearBoundNetwork {
    final List<Stage> stages;
    final int inputSize;
    final int classes;
    final DenseStage head;
    /** Exact row norms of the first stage (conv or dense), or null. */
    final double[] firstRowNorm;
    /** The norm line of a MAX pool over the input's convolution ({@link PoolNorm}) when on and possible, or null. */
    final PoolNorm poolNorm;
    final String name;
    /** The requested settings; the fields below are their effect on this network. */
    final Settings settings;
    /** The norm lines' tables where the network has the shape for them ({@link PoolNorm#of}), null otherwise. */
    private final PoolNorm compiledPoolNorm;
    /** The slopes tried (the first alone without a ReLU). */
    final List<Slope> slopes;

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

    /**
     * What a propagation does beyond the network itself; {@link #defaults} by the network's shape, each {@code with…}
     * changes one setting and checks it.
     *
     * @param slopes lower slopes of unstable ReLUs tried for every bound row; each row keeps the best (all valid)
     * @param alphaSteps projected-gradient steps on the margins' ReLU lower slopes per propagation (alpha-CROWN; 0: none)
     * @param intermediateAlphaSteps the same for every intermediate bound row (costlier: 2 rows per unit)
     * @param crownRowLimit intermediate bounds of a stage needing more CROWN rows per sample than this are interval
     *     bounds only (looser, much cheaper on wide convolutional layers)
     * @param reuse a search session reuses a sample's bound rows of ε for every ε' in [reuse·ε, ε] ({@link #session};
     *     1: only at ε itself; smaller: faster, a little looser)
     * @param branching subdomains per sample and ε at most for branch and bound on unstable ReLUs ({@link BranchAndBound};
     *     0 or 1: plain CROWN)
     * @param poolNorm the norm lines of a MAX pool over the input's convolution ({@link PoolNorm}), where the network has
     *     that shape; without, that pool keeps its single-window lines only
     * @param poolDifferences per open window of a non-overlapping MAX pool, a bound row of v_t − vᵢ for its largest input
     *     t at x₀, which drops every vᵢ proven ≤ v_t on the ball from the window's lines (docs/certified-mode.md, "MAX
     *     pooling: dominance by difference rows")
     */
    public record Settings(List<Slope> slopes, int alphaSteps, int intermediateAlphaSteps, int crownRowLimit, double reuse,
            int branching, boolean poolNorm, boolean poolDifferences, double evaluationRoundoff) {
        public Settings {
            if (!(evaluationRoundoff >= 0 && evaluationRoundoff <= 0x1p-10)) {
                throw new IllegalArgumentException("certified mode: the evaluator's unit roundoff must be in [0, 2^-10], got "
                        + evaluationRoundoff);
            }
            if (slopes.isEmpty()) {
                throw new IllegalArgumentException("certified mode: at least one lower slope needed");
            }
            slopes = List.copyOf(slopes);
            if (alphaSteps < 0 || intermediateAlphaSteps < 0) {
                throw new IllegalArgumentException("certified mode: alpha steps must be >= 0, got " + alphaSteps + " and "
                        + intermediateAlphaSteps);
            }
            if (!(reuse > 0 && reuse <= 1)) {
                throw new IllegalArgumentException("certified mode: reuse factor must be in (0, 1], got " + reuse);
            }
            if (branching < 0) {
                throw new IllegalArgumentException("certified mode: subdomains per sample must be >= 0, got " + branching);
            }
        }

        /**
         * Every slope; alpha-CROWN steps and, on ReLU networks, branch and bound without a convolution; with one, no alpha
         * steps and reuse down to {@link CrownNetwork#DEFAULT_REUSE}; the pools' norm lines and difference rows.
         */
        static Settings defaults(List<Stage> stages) {
            boolean conv = stages.stream().anyMatch(st -> st instanceof ConvStage);
            boolean relu = stages.stream().anyMatch(ActivationStage::isRelu);
            return new Settings(List.of(Slope.ADAPTIVE, Slope.ZERO, Slope.ONE, Slope.PARALLEL), conv ? 0 : DEFAULT_ALPHA_STEPS,
                    conv ? 0 : DEFAULT_ALPHA_STEPS, Integer.MAX_VALUE, conv ? DEFAULT_REUSE : 1, conv || !relu ? 0 : DEFAULT_BRANCHING,
                    true, true, 0);
        }

        public Settings withSlopes(List<Slope> s) {
            return new Settings(s, alphaSteps, intermediateAlphaSteps, crownRowLimit, reuse, branching, poolNorm, poolDifferences, evaluationRoundoff);
        }

        public Settings withAlphaSteps(int margins, int intermediate) {
            return new Settings(slopes, margins, intermediate, crownRowLimit, reuse, branching, poolNorm, poolDifferences, evaluationRoundoff);
        }

        public Settings withCrownRowLimit(int rows) {
            return new Settings(slopes, alphaSteps, intermediateAlphaSteps, rows, reuse, branching, poolNorm, poolDifferences, evaluationRoundoff);
        }

        public Settings withReuse(double rho) {
            return new Settings(slopes, alphaSteps, intermediateAlphaSteps, crownRowLimit, rho, branching, poolNorm, poolDifferences, evaluationRoundoff);
        }

        public Settings withBranching(int maxSubdomains) {
            return new Settings(slopes, alphaSteps, intermediateAlphaSteps, crownRowLimit, reuse, maxSubdomains, poolNorm,
                    poolDifferences, evaluationRoundoff);
        }

        public Settings withPoolNorm(boolean on) {
            return new Settings(slopes, alphaSteps, intermediateAlphaSteps, crownRowLimit, reuse, branching, on, poolDifferences, evaluationRoundoff);
        }

        /**
         * Radii that also hold for the model evaluated in floating point of unit roundoff u (2⁻²⁴: float, as the
         * evaluator and the attacks run it; 0: the exact network only): docs/certified-mode.md, "The evaluator's rounding".
         */
        public Settings withEvaluationRoundoff(double u) {
            return new Settings(slopes, alphaSteps, intermediateAlphaSteps, crownRowLimit, reuse, branching, poolNorm, poolDifferences, u);
        }

        public Settings withPoolDifferences(boolean on) {
            return new Settings(slopes, alphaSteps, intermediateAlphaSteps, crownRowLimit, reuse, branching, poolNorm, on, evaluationRoundoff);
        }
    }

    /** This network's settings. */
    public Settings settings() {
        return settings;
    }

    /** The same network with other settings (the compiled stages and the pools' tables are shared). */
    public CrownNetwork with(Settings s) {
        return new CrownNetwork(name, stages, inputSize, head, firstRowNorm, compiledPoolNorm, s);
    }

    /** This network trying the given lower slopes (the first alone when the network has no ReLU). */
    public CrownNetwork withSlopes(List<Slope> s) {
        return with(settings.withSlopes(s));
    }

    /** This network with CROWN intermediate bounds only for stages needing at most {@code rows} bound rows per sample. */
    public CrownNetwork withCrownRowLimit(int rows) {
        return with(settings.withCrownRowLimit(rows));
    }

    /** This network reusing a sample's intermediate bound rows of ε in a search session for every ε' in [ρε, ε]. */
    public CrownNetwork withReuse(double rho) {
        return with(settings.withReuse(rho));
    }

    /** Whether some stage is a ReLU (what branch and bound splits). */
    boolean hasRelu() {
        return stages.stream().anyMatch(ActivationStage::isRelu);
    }

    /** This network certifying each ball by branch and bound with at most {@code maxSubdomains} subdomains per sample. */
    public CrownNetwork withBranching(int maxSubdomains) {
        return with(settings.withBranching(maxSubdomains));
    }

    /** This network with or without the norm lines of a MAX pool over the input's convolution ({@link PoolNorm}). */
    public CrownNetwork withPoolNorm(boolean on) {
        return with(settings.withPoolNorm(on));
    }

    /** This network with or without difference rows at its non-overlapping MAX pools' inputs. */
    public CrownNetwork withPoolDifferences(boolean on) {
        return with(settings.withPoolDifferences(on));
    }

    /**
     * This network's radii holding also for the model evaluated in floating point of unit roundoff u (0: the exact
     * network only): docs/certified-mode.md, "The evaluator's rounding".
     */
    public CrownNetwork withEvaluationRoundoff(double u) {
        return with(settings.withEvaluationRoundoff(u));
    }

    /** This network with the given number of alpha-CROWN steps on the margins and on every intermediate bound row. */
    public CrownNetwork withAlphaSteps(int margins, int intermediate) {
        return with(settings.withAlphaSteps(margins, intermediate));
    }

    /**
     * alpha-CROWN steps by default on networks without a convolution; none with one (on LeNet-5 they made the margins
     * ~25× more expensive for ~3 % larger radii).
     */
    public static final int DEFAULT_ALPHA_STEPS = 24;

    /**
     * Branch and bound's subdomains per sample and ε by default on ReLU networks without a convolution (none with one,
     * nor without a ReLU): on the random ReLU 3×16 MLP, median tightness 0.448 → 0.532 for ~13× the search's time
     * (docs/certified-mode.md, "Branch and bound on unstable ReLUs").
     */
    public static final int DEFAULT_BRANCHING = 16;

    /** A network of these stages and head with settings s (the first stage's row norms and the norm lines' tables given). */
    private CrownNetwork(String name, List<Stage> stages, int inputSize, DenseStage head, double[] firstRowNorm,
            PoolNorm compiledPoolNorm, Settings s) {
        this.name = name;
        this.stages = stages;
        this.inputSize = inputSize;
        this.head = head;
        this.classes = head.out;
        this.firstRowNorm = firstRowNorm;
        this.compiledPoolNorm = compiledPoolNorm;
        this.settings = s;
        this.slopes = hasRelu() ? s.slopes() : List.of(s.slopes().get(0));
        this.poolNorm = s.poolNorm() ? compiledPoolNorm : null;
    }

    /** The compiled stages with their default settings. */
    private static CrownNetwork compiled(String name, List<Stage> stages, int inputSize, DenseStage head) {
        List<Stage> st = List.copyOf(stages);
        Stage first = st.isEmpty() ? null : st.get(0);
        double[] rowNorm = first instanceof ConvStage c ? c.rowNorm() : first instanceof DenseStage d ? d.rowNorm : null;
        return new CrownNetwork(name, st, inputSize, head, rowNorm, PoolNorm.of(st), Settings.defaults(st));
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
        return compiled(name, stages, inputSize,
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
        return head.forward(valueAt(x, n, stages.size()), n);
    }

    /** Value s (the input of stage s; s = the stage count: the head's input) of n samples by a double forward pass. */
    double[] valueAt(double[] x, int n, int s) {
        double[] v = x;
        for (int j = 0; j < s; j++) {
            v = apply(stages.get(j), v, n);
        }
        return v;
    }

    static double[] apply(Stage s, double[] v, int n) {
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
            if (!(s instanceof LinearStage) && 2L * s.in <= settings.crownRowLimit()) {
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
        return settings.branching() > 1 ? new BranchAndBound(this, settings.branching()).certify(x, n, cls, eps, batchMemory)[0]
                : propagate(x, n, cls, eps, batchMemory, null, null)[0];
    }

    /**
     * Passes over chunks of at most batchMemory / bytesPerSample() samples; {@code cached[i]} non-null: sample i reuses
     * those bound rows, else its rows are computed (and stored into {@code recorded[i]} when that array is given).
     * Returns {radius, estimate}.
     */
    double[][] propagate(double[] x, int n, int[] cls, double[] eps, long batchMemory, BoundRows[] cached, BoundRows[] recorded) {
        double[] out = new double[n];
        double[] estimate = new double[n];
        // ND4J calls take fixed 64-row blocks and Gemm pads to 64 rows, so a sample's radius does not depend on its chunk
        int chunk = (int) Math.max(1, Math.min(n, batchMemory / bytesPerSample()));
        for (int from = 0; from < n; from += chunk) {
            int count = Math.min(chunk, n - from);
            BoundRows[] reuse = cached == null ? null : Arrays.copyOfRange(cached, from, from + count);
            Propagation pass = new Propagation(this, Arrays.copyOfRange(x, from * inputSize, (from + count) * inputSize), count,
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

    /**
     * The search's propagations over fixed samples, reusing each sample's intermediate bound rows across radii
     * ({@link SearchSession}).
     */
    @Override
    public Session session(double[] x, int n, int[] cls, long batchMemory) {
        return settings.branching() > 1 ? new BranchAndBound(this, settings.branching()).session(x, cls, batchMemory)
                : new SearchSession(this, x, n, cls, batchMemory);
    }

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
}

package io.robustbounds.eval;

import io.robustbounds.bounds.PaperBounds;
import io.robustbounds.linalg.Arrays2;
import io.robustbounds.model.Activation;
import io.robustbounds.model.DenseLayer;
import io.robustbounds.model.Model;
import io.robustbounds.model.ModelException;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

// Over 400 lines: the compiled stack of MLPs — weights, forward pass, Jacobian products, input gradient, rays and the rounding constants — share its packed arrays; split, each part would reach into the others' fields.
/**
 * m MLPs (or linear classifiers) of one architecture compiled into stacked tensors, so that one ND4J op
 * serves every model of the stack: samples are [m, N, d], the i-th layer's weights [m, n_i, n_{i−1}].
 * A single model is a stack of one. Per-model constants of the bounds (Algorithm 4.1's M, the head's
 * pairwise row distances of Theorem 3.6) are computed once here, in double precision.
 *
 * <p>Methods that return arrays must run inside a workspace ({@link io.robustbounds.linalg.Workspaces}).
 */
public final class DenseStack {
    final int models;
    final int inputSize;
    final int classes;
    final int[] widths;
    final Activation[] activations;
    final DataType dataType;
    final INDArray[] weights;
    final INDArray[] biases;
    final INDArray headWeight;
    final INDArray headBias;
    /** V₁V₁ᵀ per model when n₁ < d: the Jacobian products then never leave the first hidden layer. */
    final INDArray firstGram;
    /** ‖w_c' − w_c‖ per model, row-major [c][c']. */
    final double[][] headRowDistances;
    /** Algorithm 4.1's M per model, with the thesis' B for ReLU. */
    final double[] paperM;
    /**
     * Whether the FGS ray and the exhaustive Lanczos may run in Java float loops ({@link FloatRay#applies}): for stacks
     * (the sweeps' path, {@link #of(List, DataType)}), not for one model compiled alone ({@link #of(Model, DataType)}, the
     * evaluators' path). The evaluate and pipeline commands run on C1, where the loops are not vectorized and 2–3×
     * slower than ND4J's (the 10⁶-row pipeline fell from ~0.78 to 0.33 of the library's speed with them). The choice
     * follows the path only, never the JVM, so a local run and a cluster's executors compute the same bits.
     */
    final boolean javaLoops;

    private DenseStack(List<Model> stack, DataType dataType, boolean javaLoops) {
        this(stack.size(), dataType, javaLoops, architecture(stack), raw(stack, m -> m.denseLayers().stream().map(l -> l.weight()).toList()),
                raw(stack, m -> m.denseLayers().stream().map(l -> l.bias()).toList()),
                raw(stack, m -> List.of(m.head().weight()))[0], raw(stack, m -> List.of(m.head().bias()))[0]);
    }

    /** Input size, classes, widths and activations shared by every model of a stack (checked). */
    private record Architecture(int inputSize, int classes, int[] widths, Activation[] activations) {
    }

    private static Architecture architecture(List<Model> stack) {
        Model first = stack.get(0);
        if (!first.isMlp() || first.input().shape().length != 1) {
            throw new ModelException("model '" + first.name() + "' is not an MLP on vector input; input "
                    + Arrays.toString(first.input().shape()));
        }
        for (Model m : stack) {
            requireSameArchitecture(first, m);
        }
        List<DenseLayer> layers = first.denseLayers();
        return new Architecture((int) first.input().shape()[0], first.classes(), layers.stream().mapToInt(DenseLayer::outputSize).toArray(),
                layers.stream().map(DenseLayer::activation).toArray(Activation[]::new));
    }

    /** Per tensor position, the models' tensors concatenated as doubles, model-major. */
    private static double[][] raw(List<Model> stack, java.util.function.Function<Model, List<INDArray>> tensors) {
        int count = tensors.apply(stack.get(0)).size();
        double[][] out = new double[count][];
        for (int t = 0; t < count; t++) {
            int position = t;
            double[][] parts = stack.stream().map(m -> Arrays2.toDoubles(tensors.apply(m).get(position))).toArray(double[][]::new);
            out[t] = new double[Arrays.stream(parts).mapToInt(p -> p.length).sum()];
            int at = 0;
            for (double[] p : parts) {
                System.arraycopy(p, 0, out[t], at, p.length);
                at += p.length;
            }
        }
        return out;
    }

    private DenseStack(int models, DataType dataType, boolean javaLoops, Architecture a, double[][] weightValues, double[][] biasValues,
                       double[] headWeightValues, double[] headBiasValues) {
        this.models = models;
        this.javaLoops = javaLoops;
        this.dataType = dataType;
        this.inputSize = a.inputSize();
        this.classes = a.classes();
        this.widths = a.widths();
        this.activations = a.activations();
        int depth = widths.length;
        this.weights = new INDArray[depth];
        this.biases = new INDArray[depth];
        this.headRowDistances = new double[models][];
        this.paperM = new double[models];
        int features = depth == 0 ? inputSize : widths[depth - 1];
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            for (int i = 0; i < depth; i++) {
                weights[i] = Arrays2.fromDoubles(weightValues[i], dataType, models, widths[i], i == 0 ? inputSize : widths[i - 1]);
                biases[i] = Arrays2.fromDoubles(biasValues[i], dataType, models, 1, widths[i]);
            }
            headWeight = Arrays2.fromDoubles(headWeightValues, dataType, models, classes, features);
            headBias = Arrays2.fromDoubles(headBiasValues, dataType, models, 1, classes);
            firstGram = depth > 0 && widths[0] < inputSize
                    ? Nd4j.matmul(weights[0], weights[0], false, true, false) : null;
        }
        double[] rowSums = new double[depth];
        for (int k = 0; k < models; k++) {
            headRowDistances[k] = rowDistances(Arrays.copyOfRange(headWeightValues, k * classes * features, (k + 1) * classes * features), classes);
            for (int i = 0; i < depth; i++) {
                int cols = i == 0 ? inputSize : widths[i - 1];
                rowSums[i] = PaperBounds.maxAbsRowSum(weightValues[i], k * widths[i] * cols, widths[i], cols);
            }
            paperM[k] = PaperBounds.secondDerivativeBound(rowSums, activations);
        }
    }

    /**
     * Compiles {@code RandomMlp.stacked(…)} models straight from their values: the same stack as
     * {@code of(chunk.models(), type)} for the same models, without building a {@link Model} per model.
     */
    public static DenseStack of(io.robustbounds.random.RandomMlp.Stacked s, DataType dataType) {
        if (s.count() < 1) {
            throw new IllegalArgumentException("no models to stack");
        }
        if (dataType != DataType.FLOAT && dataType != DataType.DOUBLE) {
            throw new IllegalArgumentException("data type must be FLOAT or DOUBLE, got " + dataType);
        }
        io.robustbounds.random.RandomMlp spec = s.spec();
        Activation[] acts = new Activation[spec.hidden().length];
        Arrays.fill(acts, spec.activation());
        return new DenseStack(s.count(), dataType, true, new Architecture(spec.inputSize(), spec.classes(), spec.hidden(), acts),
                s.weights(), s.biases(), s.headWeight(), s.headBias());
    }

    /** Compiles one model, alone (the evaluators' path: ND4J ops throughout, see {@link #javaLoops}). */
    public static DenseStack of(Model model, DataType dataType) {
        return new DenseStack(List.of(model), dataType, false);
    }

    /** Compiles models that share one architecture (same input size, widths, activations, classes). */
    public static DenseStack of(List<Model> models, DataType dataType) {
        if (models.isEmpty()) {
            throw new IllegalArgumentException("no models to stack");
        }
        if (dataType != DataType.FLOAT && dataType != DataType.DOUBLE) {
            throw new IllegalArgumentException("data type must be FLOAT or DOUBLE, got " + dataType);
        }
        return new DenseStack(models, dataType, true);
    }

    public int models() {
        return models;
    }

    public int inputSize() {
        return inputSize;
    }

    public int classes() {
        return classes;
    }

    public int depth() {
        return widths.length;
    }

    public DataType dataType() {
        return dataType;
    }

    /**
     * Fewest rows with which every product of {@link #jacobianGram} has M·N·K above 100³, where OpenBLAS always takes
     * its blocked kernel, whose rows do not depend on how many rows share the product ({@link Padding#BLOCK_ROWS}).
     */
    int blockedKernelRows() {
        long smallest = Long.MAX_VALUE;
        for (int i = 1; i < widths.length; i++) {
            smallest = Math.min(smallest, (long) widths[i] * widths[i - 1]);
        }
        if (widths.length > 0) {
            smallest = Math.min(smallest, (long) widths[0] * (firstGram != null ? widths[0] : inputSize));
        }
        return Padding.rowsPastSmallKernel(smallest);
    }

    /** Features of the last hidden layer (n in Theorem 4.2); the input size for a linear classifier. */
    public int featureSize() {
        return widths.length == 0 ? inputSize : widths[widths.length - 1];
    }

    /** Whether every hidden activation is twice differentiable (Theorem 4.2's assumption). */
    boolean smooth() {
        for (Activation a : activations) {
            if (!a.smooth()) {
                return false;
            }
        }
        return true;
    }

    private volatile RoundingConstants roundingConstants;

    /**
     * Per model and layer, the constants of the sound mode and of its rounding analysis (docs/sound-mode.md), in
     * double from the stored weights: ‖V_i‖₂ and ‖|V_i|‖₂ (SoundBounds.spectralNorm), ‖c_i‖₂, and the head's row
     * norms ‖w_j‖₂ and |b_j|. Indexed [layer][model] and [model][class].
     */
    record RoundingConstants(double[][] spectral, double[][] absSpectral, double[][] biasNorm, double[][] headRowNorm,
                             double[][] headBiasAbs, double[] lipschitz) {
    }

    RoundingConstants roundingConstants() {
        RoundingConstants r = roundingConstants;
        if (r == null) {
            int depth = widths.length;
            double[][] spectral = new double[depth][models];
            double[][] absSpectral = new double[depth][models];
            double[][] biasNorm = new double[depth][models];
            double[] lipschitz = new double[models];
            java.util.Arrays.fill(lipschitz, 1.0);
            for (int i = 0; i < depth; i++) {
                int rows = widths[i];
                int cols = i == 0 ? inputSize : widths[i - 1];
                double[] all = Arrays2.toDoubles(weights[i]);
                double[] bias = Arrays2.toDoubles(biases[i]);
                for (int k = 0; k < models; k++) {
                    double[] v = java.util.Arrays.copyOfRange(all, k * rows * cols, (k + 1) * rows * cols);
                    spectral[i][k] = io.robustbounds.bounds.SoundBounds.spectralNorm(v, rows, cols);
                    for (int e = 0; e < v.length; e++) {
                        v[e] = Math.abs(v[e]);
                    }
                    absSpectral[i][k] = io.robustbounds.bounds.SoundBounds.spectralNorm(v, rows, cols);
                    biasNorm[i][k] = norm(bias, k * rows, rows);
                    lipschitz[k] *= activations[i].firstDerivativeBound() * spectral[i][k];
                }
            }
            int features = featureSize();
            double[] head = Arrays2.toDoubles(headWeight);
            double[] headB = Arrays2.toDoubles(headBias);
            double[][] rowNorm = new double[models][classes];
            double[][] biasAbs = new double[models][classes];
            for (int k = 0; k < models; k++) {
                for (int c = 0; c < classes; c++) {
                    rowNorm[k][c] = norm(head, (k * classes + c) * features, features);
                    biasAbs[k][c] = Math.abs(headB[k * classes + c]);
                }
            }
            r = new RoundingConstants(spectral, absSpectral, biasNorm, rowNorm, biasAbs, lipschitz);
            roundingConstants = r;
        }
        return r;
    }

    /** Per model, a certified Lipschitz constant of h_L: Π_i A_i ‖V_i‖₂ (SoundBounds.spectralNorm), computed once. */
    double[] soundLipschitz() {
        return roundingConstants().lipschitz();
    }

    /** ‖row‖₂ of every sample of an [m, N, n] array, raised by the norm's own rounding in the compute type. */
    static double[] norms(INDArray a, int n, double u) {
        double[] v = Arrays2.toDoubles(a.norm2(2));
        double up = 1 + 2 * io.robustbounds.bounds.Rounding.gamma(n + 2, u);
        for (int i = 0; i < v.length; i++) {
            v[i] *= up;
        }
        return v;
    }

    private static double norm(double[] v, int from, int length) {
        double s = 0;
        for (int j = from; j < from + length; j++) {
            s += v[j] * v[j];
        }
        return Math.sqrt(s);
    }

    /**
     * How far the computed activations of a forward pass can lie from the exact network's (real arithmetic on the
     * stored weights and inputs), per sample (docs/sound-mode.md, "Rounding"): at the head's input ({@code features}),
     * and before each hidden activation ({@code preActivation[layer]}); {@code featureNorm} is ‖ĥ_L‖.
     */
    record ForwardError(double[] features, double[][] preActivation, double[] featureNorm, double unitRoundoff) {
    }

    /**
     * Layer by layer: ‖ŝ − s‖ ≤ ‖V‖₂E + γ_{n+1}(‖|V|‖₂‖ĥ‖ + ‖c‖) (the product and the bias, Higham §3.5), then
     * ‖ĥ' − h'‖ ≤ A·‖ŝ − s‖ + 8u‖ĥ'‖ + 2u√n' for tanh, sigmoid, softplus (Rounding.ELEMENTWISE_ULPS; ReLU and identity
     * are exact). {@code inputError} bounds ‖x̂ − x‖ per sample (a trunk's error); null: the input's own rounding
     * into the compute type, u‖x̂‖/(1 − u).
     */
    ForwardError forwardError(Forward f, double[] inputError) {
        RoundingConstants rc = roundingConstants();
        double u = io.robustbounds.bounds.Rounding.unitRoundoff(dataType);
        int perModel = f.samplesPerModel;
        int count = models * perModel;
        int depth = widths.length;
        double[] hn = norms(f.input, inputSize, u);
        double[] e = new double[count];
        for (int i = 0; i < count; i++) {
            e[i] = inputError != null ? inputError[i] : dataType == DataType.DOUBLE ? 0 : u / (1 - u) * hn[i];
        }
        double[][] pre = new double[depth][count];
        for (int l = 0; l < depth; l++) {
            int n = l == 0 ? inputSize : widths[l - 1];
            double g = io.robustbounds.bounds.Rounding.gamma(n + 1, u);
            double[] postNorm = norms(f.post[l], widths[l], u);
            boolean exact = activations[l] == Activation.RELU || activations[l] == Activation.IDENTITY;
            for (int i = 0; i < count; i++) {
                int k = i / perModel;
                double es = rc.spectral()[l][k] * e[i] + g * (rc.absSpectral()[l][k] * hn[i] + rc.biasNorm()[l][k]);
                pre[l][i] = es;
                e[i] = activations[l].firstDerivativeBound() * es
                        + (exact ? 0 : io.robustbounds.bounds.Rounding.elementwise(postNorm[i], widths[l], u));
            }
            hn = postNorm;
        }
        return new ForwardError(e, pre, hn, u);
    }

    public double paperM(int model) {
        return paperM[model];
    }

    private static void requireSameArchitecture(Model a, Model b) {
        boolean same = Arrays.equals(a.input().shape(), b.input().shape()) && a.classes() == b.classes()
                && a.layers().size() == b.layers().size() && b.isMlp();
        for (int i = 0; same && i < a.layers().size(); i++) {
            DenseLayer x = (DenseLayer) a.layers().get(i);
            DenseLayer y = (DenseLayer) b.layers().get(i);
            same = x.outputSize() == y.outputSize() && x.activation() == y.activation();
        }
        if (!same) {
            throw new ModelException("models '" + a.name() + "' and '" + b.name() + "' differ in architecture and cannot be stacked");
        }
    }

    private static double[] rowDistances(double[] w, int classes) {
        int n = w.length / classes;
        double[] out = new double[classes * classes];
        for (int c = 0; c < classes; c++) {
            for (int e = c + 1; e < classes; e++) {
                double s = 0;
                for (int j = 0; j < n; j++) {
                    double t = w[e * n + j] - w[c * n + j];
                    s += t * t;
                }
                out[c * classes + e] = out[e * classes + c] = Math.sqrt(s);
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- forward pass

    /** Activations of one batch [m, N, d]: pre-activations z_i, outputs a_i, derivatives g'(z_i), logits. */
    public final class Forward {
        final INDArray input;
        final INDArray[] pre;
        final INDArray[] post;
        final INDArray[] slope;
        final INDArray logits;
        final int samplesPerModel;

        private Forward(INDArray input) {
            if (input.rank() != 3 || input.size(0) != models || input.size(2) != inputSize) {
                throw new IllegalArgumentException("expected samples of shape [" + models + ", N, " + inputSize
                        + "], got " + Arrays.toString(input.shape()));
            }
            this.input = input.dataType() == dataType ? input : input.castTo(dataType);
            this.samplesPerModel = (int) input.size(1);
            int depth = widths.length;
            pre = new INDArray[depth];
            post = new INDArray[depth];
            slope = new INDArray[depth];
            INDArray h = this.input;
            for (int i = 0; i < depth; i++) {
                pre[i] = affine(h, i);
                post[i] = activate(activations[i], pre[i]);
                slope[i] = derivative(activations[i], pre[i], post[i]);
                h = post[i];
            }
            logits = Nd4j.matmul(h, headWeight, false, true, false).addi(headBias);
        }

        public int samplesPerModel() {
            return samplesPerModel;
        }

        /** Logits as Java doubles, [m·N·C] in C order. */
        public double[] logits() {
            return Arrays2.toDoubles(logits);
        }
    }

    /** Forward pass of a batch shaped [m, N, d]. */
    public Forward forward(INDArray samples) {
        return new Forward(samples);
    }

    private INDArray affine(INDArray h, int layer) {
        return Nd4j.matmul(h, weights[layer], false, true, false).addi(biases[layer]);
    }

    static INDArray activate(Activation g, INDArray z) {
        return g.apply(z);
    }

    /**
     * g along the FGS ray, in place on the fresh pre-activations z: tanh as 2σ(2z) − 1, because libnd4j's sigmoid costs
     * 6–9 ns per element and its tanh 22–31 (docs/benchmarks.md, issue 18), and the ray's 21 passes were 40 % of a sweep.
     * It differs from tanh by about u absolutely (the cancellation in 2σ − 1 near 0; libnd4j's tanh has the same
     * absolute error there): the attack's search only, never the forward pass the bounds come from.
     */
    static INDArray rayActivate(Activation g, INDArray z) {
        if (g == Activation.TANH) {
            return Transforms.sigmoid(z.muli(2), false).muli(2).subi(1);
        }
        return g.apply(z);
    }

    static INDArray derivative(Activation g, INDArray z, INDArray a) {
        return g.slope(z, a);
    }

    /** Per-sample scalars [m·N] as an array [m, N, 1] that broadcasts over features. */
    INDArray perSample(double[] values, int samplesPerModel) {
        return Arrays2.fromDoubles(values, dataType, models, samplesPerModel, 1);
    }

    // ---------------------------------------------------------------- Jacobian products

    /**
     * K q with K = J Jᵀ, J the Jacobian of h_L at each sample: J = D_L V_L ⋯ D_1 V_1 (D_i = diag g_i'(z_i)).
     * q and the result live in the last hidden layer's space [m, N, n_L]. When n₁ < d the innermost
     * V₁V₁ᵀ is the precomputed Gram matrix, so no product ever touches the input dimension.
     * {@code slope} holds g_i'(z_i) for the rows of q (all of a forward pass, or a subset of its samples).
     */
    INDArray jacobianGram(INDArray[] slope, INDArray q) {
        int depth = widths.length;
        INDArray w = q;
        for (int i = depth - 1; i >= 1; i--) {           // Jᵀ down to layer 1: w ← (w ⊙ D_i) V_i
            w = Nd4j.matmul(w.mul(slope[i]), weights[i]);
        }
        w = w.mul(slope[0]);
        if (firstGram != null) {
            w = Nd4j.matmul(w, firstGram);
        } else {
            w = Nd4j.matmul(Nd4j.matmul(w, weights[0]), weights[0], false, true, false);
        }
        w.muli(slope[0]);
        for (int i = 1; i < depth; i++) {                // J back up: w ← D_i (V_i w)
            w = Nd4j.matmul(w, weights[i], false, true, false).muli(slope[i]);
        }
        return w;
    }

    /**
     * Input gradient of the cross-entropy at class c, up to a positive factor: the caller gives per sample
     * r = softmax(logits) − e_c scaled so that it cannot underflow; this returns rᵀ·∂logits/∂x [m, N, d].
     */
    INDArray inputGradient(Forward f, double[] outputWeights) {
        INDArray g = Nd4j.matmul(Arrays2.fromDoubles(outputWeights, dataType, models, f.samplesPerModel, classes), headWeight);
        for (int i = widths.length - 1; i >= 0; i--) {
            g = Nd4j.matmul(g.muli(f.slope[i]), weights[i]);
        }
        return g;
    }

    // ---------------------------------------------------------------- rays x + ε s

    /** Weights, biases and V₁V₁ᵀ as Java floats in their C order ([m, n_i, n_{i−1}], [m, n_i], [m, n₁, n₁]), for FloatRay and FloatLanczos. */
    record FloatParameters(float[][] weights, float[][] biases, float[] head, float[] headBias, float[] firstGram) {
    }

    private volatile FloatParameters floatParameters;

    FloatParameters floatParameters() {
        FloatParameters p = floatParameters;
        if (p == null) {
            float[][] w = new float[widths.length][];
            float[][] b = new float[widths.length][];
            for (int i = 0; i < widths.length; i++) {
                w[i] = Arrays2.toFloats(weights[i]);
                b[i] = Arrays2.toFloats(biases[i]);
            }
            p = new FloatParameters(w, b, Arrays2.toFloats(headWeight), Arrays2.toFloats(headBias),
                    firstGram == null ? null : Arrays2.toFloats(firstGram));
            floatParameters = p;
        }
        return p;
    }

    /**
     * The classifier along x + ε s for the batch of f, s = {@code signs} [m, N, d]: in Java float loops for stacks of
     * small widths ({@link FloatRay#applies}), else in ND4J ops.
     */
    io.robustbounds.attack.Ray ray(Forward f, INDArray signs) {
        if (FloatRay.applies(this)) {
            floatParameters();
            return new FloatRay(this, f, signs);
        }
        return new Ray(f, signs);
    }

    /**
     * The classifier along rays x + ε s for a batch: the first affine map is precomputed as
     * z₁(ε) = (V₁x + c₁) + ε (V₁s), so each evaluation skips the widest product.
     */
    final class Ray implements io.robustbounds.attack.Ray {
        private final Forward f;
        private final INDArray direction;
        private final int samplesPerModel;

        Ray(Forward f, INDArray signs) {
            this.f = f;
            this.samplesPerModel = f.samplesPerModel;
            this.direction = widths.length == 0
                    ? Nd4j.matmul(signs, headWeight, false, true, false)
                    : Nd4j.matmul(signs, weights[0], false, true, false);
        }

        @Override
        public double[] logitsAt(double[] eps) {
            INDArray e = perSample(eps, samplesPerModel);
            if (widths.length == 0) {
                return Arrays2.toDoubles(direction.mul(e).addi(f.logits));
            }
            INDArray h = rayActivate(activations[0], direction.mul(e).addi(f.pre[0]));
            for (int i = 1; i < widths.length; i++) {
                h = rayActivate(activations[i], affine(h, i));
            }
            return Arrays2.toDoubles(Nd4j.matmul(h, headWeight, false, true, false).addi(headBias));
        }
    }
}

package io.robustbounds.eval;

import io.robustbounds.attack.FastGradientSign;
import io.robustbounds.attack.Ray;
import io.robustbounds.model.Conv2d;
import io.robustbounds.model.TrunkLayer;
import io.robustbounds.linalg.Arrays2;
import io.robustbounds.linalg.Workspaces;
import io.robustbounds.model.DenseLayer;
import io.robustbounds.model.InputSpec;
import io.robustbounds.model.Layer;
import io.robustbounds.model.Model;
import io.robustbounds.model.ModelException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Bound and FGS estimate for a convolutional network (thesis ch. 5): a trunk of {@link TrunkLayer}s (convolution,
 * pooling, batch norm, LRN, flatten) followed by an MLP (dense layers and the linear head).
 *
 * <p>Algorithm 5.1 is each requested mode's {@link BoundStrategy}, run on the same forward pass: κ at the MLP's
 * input, then one {@code bounds.Derivation} per trunk layer from the last to the first. The {@code kappas} of a sample
 * are [κ at the input (the bound), κ at the input of trunk layer 1, …, κ at the MLP's input, δ at the head]. FGS back-propagates the cross-entropy direction through
 * the MLP and then through every trunk layer's input gradient.
 *
 * <p>A batch is evaluated in chunks of exactly {@link Padding#BLOCK_ROWS} rows (the last padded with zeros whose
 * results are dropped), so working memory is bounded whatever the batch size and every product has the same shape:
 * OpenBLAS picks its kernel, and so the rounding, from the product's shape, and a sample's result must not depend
 * on its batch.
 */
public final class CnnEvaluator implements ModelEvaluator {
    private final EvalSettings settings;
    private final List<TrunkLayer> trunk;
    private final DenseStack mlp;
    private final long[] inputShape;
    private final int inputSize;
    private final long[] featureShape;
    /** One per requested bound mode, in order. */
    private final List<BoundStrategy> strategies;
    /** Whether the FGS rays reuse the second convolution's work ({@link ConvRay}). */
    private final boolean convRay;

    public CnnEvaluator(Model model, EvalSettings settings) {
        this.settings = settings;
        List<Layer> layers = model.layers();
        int split = 0;
        for (int i = 0; i < layers.size(); i++) {
            if (!(layers.get(i) instanceof DenseLayer)) {
                split = i + 1;
            }
        }
        List<TrunkLayer> stored = new ArrayList<>();
        List<TrunkLayer> ops = new ArrayList<>();
        long[] shape = model.input().shape();
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            for (int i = 0; i < split; i++) {
                if (!(layers.get(i) instanceof TrunkLayer op)) {
                    throw new ModelException("model '" + model.name() + "': layer " + i + " (" + layers.get(i).kind()
                            + ") comes before layer " + (split - 1) + " (" + layers.get(split - 1).kind()
                            + "); dense layers must follow the last convolutional-network layer");
                }
                long[] out = op.outputShape(shape, i);
                stored.add(op);
                ops.add(op.withDataType(settings.dataType()));
                shape = out;
            }
            long[] in = model.input().shape();
            this.strategies = settings.layerwiseModes().stream()
                    .map(mode -> BoundStrategy.forTrunk(mode, stored, ops, in, settings.dataType())).toList();
        }
        this.trunk = List.copyOf(ops);
        this.inputShape = model.input().shape();
        this.inputSize = Math.toIntExact(product(inputShape));
        this.featureShape = shape;
        List<DenseLayer> dense = layers.subList(split, layers.size()).stream().map(DenseLayer.class::cast).toList();
        Model head = new Model(model.name() + "/mlp", new InputSpec(shape, -1, 1), new ArrayList<>(dense), model.head(),
                model.classNames(), null);
        this.mlp = DenseStack.of(head, settings.dataType());
        this.convRay = ConvRay.handles(trunk);
    }

    private static long product(long[] shape) {
        long p = 1;
        for (long s : shape) {
            p *= s;
        }
        return p;
    }

    @Override
    public int blockRows() {
        return Padding.BLOCK_ROWS;
    }

    @Override
    public int inputSize() {
        return inputSize;
    }

    /** The trunk layers in the compute type, in order. */
    public List<TrunkLayer> trunk() {
        return trunk;
    }

    /** The MLP part (dense layers and head) on the trunk's output, for the attacks' adapter ({@link CnnNetwork}). */
    DenseStack mlp() {
        return mlp;
    }

    /** One sample's shape (C×H×W). */
    long[] inputShape() {
        return inputShape.clone();
    }

    @Override
    public SampleResults evaluate(double[] samples, int n) {
        List<SampleResults> parts = new ArrayList<>();
        chunks(samples, n, (x, rows) -> {
            SampleResults r = evaluateChunk(x);
            parts.add(rows == x.size(0) ? r : r.keepFirst(rows));
        });
        return SampleResults.concat(parts);
    }

    @Override
    public int[] predict(double[] samples, int n) {
        int[] out = new int[n];
        int[] at = {0};
        chunks(samples, n, (x, rows) -> {
            INDArray[] acts = trunkForward(x);
            int[] p = io.robustbounds.attack.Classes.argmax(mlp.forward(features(acts[trunk.size()])).logits(), mlp.classes);
            System.arraycopy(p, 0, out, at[0], rows);
            at[0] += rows;
        });
        return out;
    }

    /** Runs work on consecutive chunks of BLOCK_ROWS samples, the last padded to BLOCK_ROWS, in a batch workspace. */
    private void chunks(double[] samples, int n, java.util.function.ObjIntConsumer<INDArray> work) {
        if (samples.length != (long) n * inputSize) {
            throw new IllegalArgumentException("expected " + n + " samples of " + inputSize + " values, got " + samples.length + " values");
        }
        for (int start = 0; start < n; start += Padding.BLOCK_ROWS) {
            int rows = Math.min(Padding.BLOCK_ROWS, n - start);
            int padded = Padding.BLOCK_ROWS;
            double[] x = new double[padded * inputSize];
            System.arraycopy(samples, start * inputSize, x, 0, rows * inputSize);
            try (MemoryWorkspace ignored = Workspaces.batch()) {
                work.accept(Arrays2.fromDoubles(x, settings.dataType(), batchShape(padded)), rows);
            }
        }
    }

    private long[] batchShape(long rows) {
        long[] s = new long[inputShape.length + 1];
        s[0] = rows;
        System.arraycopy(inputShape, 0, s, 1, inputShape.length);
        return s;
    }

    /** Activations of every trunk layer's input, then the trunk's output: [x, h_1, …, h_T]. */
    INDArray[] trunkForward(INDArray x) {
        INDArray[] acts = new INDArray[trunk.size() + 1];
        acts[0] = x;
        for (int l = 0; l < trunk.size(); l++) {
            acts[l + 1] = trunk.get(l).forward(acts[l]);
        }
        return acts;
    }

    /** The trunk's output as the MLP's input [1, N, d]. */
    private static INDArray features(INDArray out) {
        return out.reshape('c', 1, out.size(0), out.length() / out.size(0));
    }

    private SampleResults evaluateChunk(INDArray x) {
        int n = (int) x.size(0);
        int depth = trunk.size();
        INDArray[] acts = trunkForward(x);
        DenseStack.Forward f = mlp.forward(features(acts[depth]));
        MlpHead h = MlpHead.of(mlp, f, settings);
        ForwardPass pass = new ForwardPass(acts, mlp, f, h);
        List<KappaChain> chains = new ArrayList<>();
        for (BoundStrategy strategy : strategies) {
            chains.add(KappaChain.of(strategy.mode(), strategy.kappaChain(pass)));
        }

        // Algorithm 2.1: s = sign(∇ₓ CE(softmax(logits), c)) by back-propagation, then the binary search on ε
        INDArray signs = Transforms.sign(backward(acts, f, h), false);
        double[] nonZero = Arrays2.toDoubles(Transforms.abs(signs, true).reshape('c', n, inputSize).sum(1));
        Ray ray = convRay ? new ConvRay(trunk, mlp, x, signs) : new TrunkRay(x, signs);
        FastGradientSign.Result fgs = FastGradientSign.minimalEpsilon(ray, h.predicted(), mlp.classes,
                settings.fgsUpper(), settings.fgsTolerance());
        return SampleResults.of(n, h, chains, fgs, nonZero);
    }

    /** Sound mode: the bound on the computed trunk output's error (docs/sound-mode.md "Rounding"), for tests. */
    double[] trunkError(INDArray[] acts) {
        return strategies.stream().filter(s -> s instanceof BoundStrategy.LayerChain c && c.sound() != null)
                .map(s -> ((BoundStrategy.LayerChain) s).sound()).findFirst()
                .orElseThrow(() -> new IllegalStateException("the sound mode was not asked for")).error(acts);
    }

    /** The FGS gradient direction (the cross-entropy's input gradient times a positive factor per sample), for tests. */
    double[] crossEntropyDirection(double[] samples, int n) {
        try (MemoryWorkspace ignored = Workspaces.batch()) {
            INDArray x = Arrays2.fromDoubles(samples, settings.dataType(), batchShape(n));
            INDArray[] acts = trunkForward(x);
            DenseStack.Forward f = mlp.forward(features(acts[trunk.size()]));
            return Arrays2.toDoubles(backward(acts, f, MlpHead.of(mlp, f, settings)));
        }
    }

    /** ∇ₓ of the cross-entropy at the predicted class, up to a positive factor per sample: the MLP, then the trunk. */
    private INDArray backward(INDArray[] acts, DenseStack.Forward f, MlpHead h) {
        int depth = trunk.size();
        INDArray g = mlp.inputGradient(f, CrossEntropy.direction(h.logits(), h.predicted(), mlp.classes))
                .reshape('c', acts[depth].shape());
        for (int l = depth - 1; l >= 0; l--) {
            g = trunk.get(l).inputGradient(acts[l], acts[l + 1], g);
        }
        return g;
    }

    /**
     * The whole network along rays x + ε s. When the first layer is a convolution, it is affine before its ReLU:
     * z(x + ε s) = z(x) + ε (W ⋆ s), both computed once, so a search step starts at the ReLU.
     */
    private final class TrunkRay implements Ray {
        private final INDArray start;
        private final INDArray direction;
        private final Conv2d first;

        TrunkRay(INDArray x, INDArray signs) {
            this.first = trunk.isEmpty() || !(trunk.get(0) instanceof Conv2d c) ? null : c;
            this.start = first == null ? x : first.preActivation(x);
            this.direction = first == null ? signs : first.linearPart(signs);
        }

        @Override
        public double[] logitsAt(double[] eps) {
            long[] perSample = new long[start.rank()];
            Arrays.fill(perSample, 1);
            perSample[0] = eps.length;
            INDArray h = direction.mul(Arrays2.fromDoubles(eps, start.dataType(), perSample)).addi(start);
            if (first != null && first.relu()) {
                Transforms.relu(h, false);
            }
            for (int l = first == null ? 0 : 1; l < trunk.size(); l++) {
                h = trunk.get(l).forward(h);
            }
            return mlp.forward(features(h)).logits();
        }
    }
}

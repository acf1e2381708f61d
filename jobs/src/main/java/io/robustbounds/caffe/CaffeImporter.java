package io.robustbounds.caffe;

import io.robustbounds.model.BatchNorm;
import io.robustbounds.model.Conv2d;
import io.robustbounds.model.Flatten;
import io.robustbounds.model.Lrn;
import io.robustbounds.model.Pool2d;
import io.robustbounds.model.Activation;
import io.robustbounds.model.DenseLayer;
import io.robustbounds.model.InputSpec;
import io.robustbounds.model.Layer;
import io.robustbounds.model.LinearHead;
import io.robustbounds.model.Model;
import io.robustbounds.model.ModelException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Over 400 lines: one converter per Caffe layer type (and its checks against the model format) in one place, so
 * the mapping from Caffe to our layer kinds reads as one table.
 *
 * Converts a Caffe net into the project's model: the architecture from a deploy prototxt when given (else from
 * the caffemodel's own layers), the weights from the caffemodel, matched by layer name.
 *
 * <p>The net must be a chain: every kept layer reads the previous one's top. Input, data, Softmax, loss,
 * Accuracy and Dropout layers are dropped (Dropout is the identity at test time). Convolution (+ ReLU),
 * Pooling MAX/AVE, LRN across channels, BatchNorm (+ Scale) and Flatten map to the cnn ops; InnerProduct +
 * ReLU/TanH/Sigmoid to a dense layer; the last InnerProduct, with no activation, is the linear head (its
 * logits are what Caffe's Softmax reads). Anything the model cannot express exactly is rejected with the
 * layer's name.
 *
 * <p>Input scale s: Caffe's MNIST example trains on pixel × 1/256 (the Data layer's transform_param scale);
 * with s the imported model takes inputs x and computes what the Caffe net computes on s·x, by folding s into
 * the first layer with weights (only MAX/AVE pooling and flatten, which commute with a positive scale, may
 * come before it).
 */
public final class CaffeImporter {
    private CaffeImporter() {
    }

    /**
     * @param name       the model's name; null: the net's name, else the caffemodel's file name
     * @param inputScale s &gt; 0, folded into the first layer with weights (1: none)
     * @param inputRange [low, high] of the imported model's inputs; null: [0, 255 · t / s] with t the training
     *                   Data layer's transform_param scale (1 if unknown), i.e. 8-bit pixels as Caffe's data layers read them
     * @param inputShape one sample's shape (no batch dimension); null: from the net's Input layer or input_shape
     */
    public record Options(String name, double inputScale, double[] inputRange, long[] inputShape) {
        public Options {
            if (!(inputScale > 0) || Double.isInfinite(inputScale)) {
                throw new ModelException("input scale must be a finite number > 0, got " + inputScale);
            }
            if (inputRange != null && (inputRange.length != 2 || !Double.isFinite(inputRange[0])
                    || !Double.isFinite(inputRange[1]) || !(inputRange[0] < inputRange[1]))) {
                throw new ModelException("input range must be finite [low, high] with low < high, got "
                        + Arrays.toString(inputRange));
            }
            inputRange = inputRange == null ? null : inputRange.clone();
            inputShape = inputShape == null ? null : inputShape.clone();
        }

        public static Options defaults() {
            return new Options(null, 1.0, null, null);
        }
    }

    /** One layer of the imported trunk: the layer, a short description, the Caffe layers it came from. */
    public record Step(Layer layer, String description, String from, long[] outputShape, long parameters) {
    }

    /** The imported model with what the summary shows: the trunk's steps, the head's origin, what was dropped. */
    public record Imported(Model model, List<Step> steps, String headFrom, List<String> dropped, List<String> notes) {

        public long parameters() {
            return steps.stream().mapToLong(Step::parameters).sum() + model.head().weight().length()
                    + model.head().bias().length();
        }

        /** A one-screen summary: input, one line per layer with its output shape and parameters, dropped layers. */
        public String describe() {
            StringBuilder sb = new StringBuilder();
            InputSpec in = model.input();
            sb.append(String.format(Locale.ROOT, "  %-3s %-30s %-22s %-16s %10s%n", "", "layer", "from Caffe", "output",
                    "parameters"));
            sb.append(String.format(Locale.ROOT, "  %-3s %-30s %-22s %-16s %10s%n", "", "input", "",
                    Arrays.toString(in.shape()), "") );
            for (int i = 0; i < steps.size(); i++) {
                Step s = steps.get(i);
                sb.append(String.format(Locale.ROOT, "  %-3d %-30s %-22s %-16s %,10d%n", i, s.description(), s.from(),
                        Arrays.toString(s.outputShape()), s.parameters()));
            }
            LinearHead h = model.head();
            sb.append(String.format(Locale.ROOT, "  %-3s %-30s %-22s %-16s %,10d%n", "out", "linear (logits)", headFrom,
                    "[" + h.classes() + "]", h.weight().length() + h.bias().length()));
            sb.append(String.format(Locale.ROOT, "  input range [%s, %s]; %,d parameters%n", num(in.low()),
                    num(in.high()), parameters()));
            if (!dropped.isEmpty()) {
                sb.append("  dropped: ").append(String.join(", ", dropped)).append('\n');
            }
            for (String n : notes) {
                sb.append("  note: ").append(n).append('\n');
            }
            return sb.toString();
        }
    }

    private static String num(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    /** Reads the files and converts; {@code prototxt} may be null (architecture from the caffemodel). */
    public static Imported importFiles(Path weights, Path prototxt, Options options) {
        CaffeNet w = CaffeModelReader.read(weights);
        CaffeNet arch = prototxt == null ? null : PrototxtReader.read(prototxt);
        Map<String, Object> sources = new LinkedHashMap<>();
        sources.put("weights", Map.of("file", weights.toString(), "sha256", sha256(weights)));
        if (prototxt != null) {
            sources.put("prototxt", Map.of("file", prototxt.toString(), "sha256", sha256(prototxt)));
        }
        String fallback = weights.getFileName().toString().replaceFirst("\\.caffemodel$", "");
        return convert(w, arch, options, sources, fallback);
    }

    /**
     * Converts; {@code architecture} may be null (then the caffemodel's layers are the architecture).
     * {@code sources} goes into the provenance as is; {@code fallbackName} is used when neither the options nor
     * the nets give a name.
     */
    public static Imported convert(CaffeNet weights, CaffeNet architecture, Options options,
            Map<String, Object> sources, String fallbackName) {
        return new Converter(weights, architecture, options).run(sources, fallbackName);
    }

    static String sha256(Path file) {
        try {
            return io.robustbounds.format.Checksums.sha256(file);
        } catch (IOException e) {
            throw new ModelException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Layers that only feed data in. */
    private static final Set<String> INPUT_TYPES = Set.of("Input", "Data", "ImageData", "HDF5Data", "MemoryData",
            "DummyData", "WindowData");
    /** Layers with no effect on the logits at test time. */
    private static final Set<String> DROPPED_TYPES = Set.of("Softmax", "SoftmaxWithLoss", "Accuracy", "Dropout",
            "Silence");
    private static final String SUPPORTED = "Convolution, Pooling, LRN, BatchNorm, Scale (after BatchNorm), "
            + "Flatten, InnerProduct, ReLU/TanH/Sigmoid (after Convolution or InnerProduct), Dropout, Softmax, "
            + "SoftmaxWithLoss, Accuracy, Input and data layers";

    private static final class Converter {
        private final CaffeNet weights;
        private final CaffeNet arch;
        private final boolean fromPrototxt;
        private final Options options;
        private final List<Step> steps = new ArrayList<>();
        private final List<String> dropped = new ArrayList<>();
        private final List<String> notes = new ArrayList<>();
        private final List<String> mapping = new ArrayList<>();
        private String cur;
        private long[] shape;
        /** The input scale still to fold (1 once folded). */
        private double pendingScale;
        private String foldedInto;
        private LinearHead head;
        private CaffeLayer headLayer;

        Converter(CaffeNet weights, CaffeNet architecture, Options options) {
            this.weights = weights;
            this.arch = architecture != null ? architecture : weights;
            this.fromPrototxt = architecture != null;
            this.options = options;
            this.pendingScale = options.inputScale();
        }

        private static String id(CaffeLayer l) {
            return "layer '" + l.name() + "' (" + l.type() + ")";
        }

        private static ModelException error(CaffeLayer l, String detail) {
            return new ModelException(id(l) + ": " + detail);
        }

        Imported run(Map<String, Object> sources, String fallbackName) {
            if (arch.layers().isEmpty()) {
                throw new ModelException("the " + (fromPrototxt ? "prototxt" : "caffemodel") + " has no layers");
            }
            findInput();
            long[] inputShape = shape.clone();
            List<CaffeLayer> layers = arch.layers();
            for (int i = 0; i < layers.size(); i++) {
                CaffeLayer l = layers.get(i);
                if (INPUT_TYPES.contains(l.type())) {
                    dropped.add(l.name() + " (" + l.type() + ")");
                    continue;
                }
                if (DROPPED_TYPES.contains(l.type())) {
                    // Dropout scales at training time only (Caffe's inverted dropout); a non-in-place one renames the blob
                    if (l.type().equals("Dropout") && l.bottoms().equals(List.of(cur)) && l.tops().size() == 1) {
                        cur = l.tops().get(0);
                    }
                    dropped.add(l.name() + " (" + l.type() + ")");
                    continue;
                }
                if (l.bottoms().size() != 1 || !l.bottoms().get(0).equals(cur) || l.tops().size() != 1) {
                    throw error(l, "reads " + l.bottoms() + " and writes " + l.tops() + "; only a chain of layers "
                            + "is supported, each reading the previous one's output (here '" + cur + "')");
                }
                if (head != null) {
                    throw error(headLayer, "has no activation after it but is not the last layer (" + id(l)
                            + " follows); the model format has no linear hidden layer");
                }
                CaffeLayer same = fromPrototxt ? weights.layer(l.name()) : null;
                if (same != null && !same.type().equals(l.type())) {
                    throw error(l, "the caffemodel's layer of that name is a " + same.type());
                }
                CaffeLayer next = i + 1 < layers.size() ? layers.get(i + 1) : null;
                boolean consumedNext = switch (l.type()) {
                    case "Convolution" -> convolution(l, next);
                    case "Pooling" -> pooling(l);
                    case "LRN" -> lrn(l);
                    case "BatchNorm" -> batchNorm(l, next);
                    case "Flatten" -> flatten(l);
                    case "InnerProduct" -> innerProduct(l, next);
                    case "ReLU", "TanH", "Sigmoid" -> throw error(l, "an activation is supported only right after a "
                            + "Convolution (ReLU) or an InnerProduct" + (steps.isEmpty() ? ""
                            : "; it follows " + steps.get(steps.size() - 1).from()));
                    case "Scale" -> throw error(l, "Scale is supported only right after a BatchNorm");
                    default -> throw error(l, "layer type '" + l.type() + "' is not supported (supported: "
                            + SUPPORTED + ")");
                };
                if (consumedNext) {
                    i++;
                }
                cur = consumedNext ? next.tops().get(0) : l.tops().get(0);
            }
            if (head == null) {
                String last = steps.isEmpty() ? "no layer" : steps.get(steps.size() - 1).from();
                throw new ModelException("the net must end in an InnerProduct without activation (the logits Softmax "
                        + "reads); it ends with " + last);
            }
            if (pendingScale != 1.0) {
                throw new ModelException("the input scale could not be folded: no layer with weights");
            }

            TransformParam transform = trainingTransform();
            double[] range = options.inputRange();
            String rangeFrom = "option";
            if (range == null) {
                if (transform != null && transform.subtractsMean()) {
                    throw new ModelException("the training data layer subtracts a mean, so the input range cannot be "
                            + "derived; give it explicitly (--input-range LOW,HIGH)");
                }
                double t = transform == null ? 1.0 : transform.scale();
                range = new double[] {0, 255.0 * t / options.inputScale()};
                rangeFrom = "default: 8-bit pixels 0..255 × training scale " + t + " / input scale "
                        + options.inputScale();
            }
            if (transform != null && transform.subtractsMean()) {
                notes.add("the training data layer subtracted a mean (" + (transform.meanFile().isEmpty()
                        ? "mean_value " + transform.meanValues() : "mean_file " + transform.meanFile())
                        + "): the imported model expects mean-subtracted inputs");
            }
            if (transform != null && transform.scale() != 1f && options.inputScale() == 1.0) {
                notes.add("the net was trained on inputs × " + transform.scale() + " (transform_param scale); "
                        + "without --input-scale the model takes inputs on that scale");
            }

            String name = options.name() != null ? options.name()
                    : !arch.name().isBlank() ? arch.name() : !weights.name().isBlank() ? weights.name() : fallbackName;
            Map<String, Object> prov = new LinkedHashMap<>();
            prov.put("importer", "import-caffe");
            prov.putAll(sources);
            prov.put("architecture", fromPrototxt ? "prototxt" : "caffemodel");
            prov.put("caffe_net", arch.name());
            prov.put("input_scale", options.inputScale());
            if (foldedInto != null) {
                prov.put("input_scale_folded_into", foldedInto);
            }
            prov.put("input_range", List.of(range[0], range[1]));
            prov.put("input_range_from", rangeFrom);
            if (transform != null) {
                Map<String, Object> t = new LinkedHashMap<>();
                t.put("scale", (double) transform.scale());
                t.put("subtracts_mean", transform.subtractsMean());
                prov.put("training_transform", t);
            }
            prov.put("layers", List.copyOf(mapping));
            prov.put("dropped", List.copyOf(dropped));

            List<String> classes = IntStream.range(0, head.classes()).mapToObj(Integer::toString).toList();
            Model model = new Model(name, new InputSpec(inputShape, range[0], range[1]),
                    steps.stream().map(Step::layer).toList(), head, classes, prov);
            return new Imported(model, List.copyOf(steps), headLayer.name(), List.copyOf(dropped), List.copyOf(notes));
        }

        /** The first data layer's transform_param, in the architecture or the caffemodel (training nets carry it). */
        private TransformParam trainingTransform() {
            for (CaffeNet n : List.of(arch, weights)) {
                for (CaffeLayer l : n.layers()) {
                    if (INPUT_TYPES.contains(l.type()) && l.transform().isPresent()) {
                        return l.transform().get();
                    }
                }
            }
            return null;
        }

        /** The input blob and one sample's shape: an Input layer, a net-level input, or a data layer's first top. */
        private void findInput() {
            List<Long> batchShape = null;
            String source = null;
            if (!arch.inputs().isEmpty()) {
                if (arch.inputs().size() > 1) {
                    throw new ModelException("the net has " + arch.inputs().size() + " inputs; only one is supported");
                }
                cur = arch.inputs().get(0).name();
                batchShape = arch.inputs().get(0).shape();
                source = "net input '" + cur + "'";
            } else {
                for (CaffeLayer l : arch.layers()) {
                    if (INPUT_TYPES.contains(l.type())) {
                        if (l.tops().isEmpty()) {
                            throw error(l, "has no top");
                        }
                        cur = l.tops().get(0);
                        source = id(l);
                        if (l.type().equals("Input")) {
                            List<List<Long>> shapes = l.input().map(InputParam::shapes).orElse(List.of());
                            if (l.tops().size() != 1 || shapes.size() > 1) {
                                throw error(l, "has " + l.tops().size() + " tops; only one input is supported");
                            }
                            batchShape = shapes.isEmpty() ? List.of() : shapes.get(0);
                        }
                        break;
                    }
                }
            }
            if (cur == null) {
                // no input declared: the first layer's bottom
                CaffeLayer first = arch.layers().isEmpty() ? null : arch.layers().get(0);
                if (first == null || first.bottoms().size() != 1) {
                    throw new ModelException("the net declares no input (no Input or data layer, no input field)");
                }
                cur = first.bottoms().get(0);
                source = "the bottom of " + id(first);
            }
            if (options.inputShape() != null) {
                shape = options.inputShape().clone();
                mapping.add("input '" + cur + "' " + Arrays.toString(shape) + " (given)");
                return;
            }
            if (batchShape == null || batchShape.isEmpty()) {
                throw new ModelException("the input shape is not known: the net's input is " + source
                        + ", which does not state it; give the deploy prototxt or the input shape");
            }
            if (batchShape.size() < 2) {
                throw new ModelException(source + ": shape " + batchShape + " has no dimension besides the batch");
            }
            shape = batchShape.subList(1, batchShape.size()).stream().mapToLong(Long::longValue).toArray();
            mapping.add("input '" + cur + "' " + Arrays.toString(shape) + " (" + source + ", batch dimension "
                    + batchShape.get(0) + " dropped)");
        }

        /** The layer's learned blobs: its own (architecture from the caffemodel) or the caffemodel's layer of that name. */
        private List<CaffeBlob> blobs(CaffeLayer l, int expected) {
            List<CaffeBlob> blobs = l.blobs();
            String where = "";
            if (fromPrototxt) {
                CaffeLayer w = weights.layer(l.name());
                if (w == null) {
                    throw error(l, "the caffemodel has no layer of that name, so no weights (its layers with "
                            + "weights: " + weights.layers().stream().filter(x -> !x.blobs().isEmpty())
                            .map(CaffeLayer::name).collect(Collectors.joining(", ")) + ")");
                }
                if (!w.type().equals(l.type())) {
                    throw error(l, "the caffemodel's layer of that name is a " + w.type());
                }
                blobs = w.blobs();
                where = " in the caffemodel";
            }
            if (blobs.size() != expected) {
                throw error(l, "expected " + expected + " learned blobs" + where + ", found " + blobs.size());
            }
            return blobs;
        }

        /**
         * The blob's data as a float array of the expected shape. A legacy 4-D blob shape (num, channels, height,
         * width) with leading 1s matches a shorter shape, as in Caffe's Blob::ShapeEquals.
         */
        private static INDArray array(CaffeLayer l, CaffeBlob b, String role, long... expected) {
            long[] s = b.shape();
            boolean ok = Arrays.equals(s, expected);
            if (!ok && s.length == 4 && expected.length < 4) {
                int lead = 4 - expected.length;
                ok = Arrays.equals(Arrays.copyOfRange(s, lead, 4), expected)
                        && Arrays.stream(s, 0, lead).allMatch(d -> d == 1);
            }
            if (!ok) {
                throw error(l, role + " blob has shape " + Arrays.toString(s) + ", expected " + Arrays.toString(expected));
            }
            return Nd4j.createFromArray(b.data().clone()).reshape('c', expected);
        }

        private static INDArray zeros(long n) {
            return Nd4j.zeros(DataType.FLOAT, n);
        }

        /** Multiplies a weight by the pending input scale (this is the first layer with weights). */
        private INDArray fold(INDArray w, CaffeLayer l) {
            if (pendingScale == 1.0) {
                return w;
            }
            float[] v = w.dup('c').data().asFloat();
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (v[i] * pendingScale);
            }
            foldedInto = l.name();
            pendingScale = 1.0;
            return Nd4j.createFromArray(v).reshape('c', w.shape());
        }

        private long[] image(CaffeLayer l) {
            if (shape.length != 3) {
                throw error(l, "needs an image input [C, H, W], got " + Arrays.toString(shape));
            }
            return shape;
        }

        private static long square(CaffeLayer l, String what, long[] hw) {
            if (hw[0] != hw[1]) {
                throw error(l, "non-square " + what + " " + hw[0] + "×" + hw[1] + " is not supported");
            }
            return hw[0];
        }

        private static long[] resolve(CaffeLayer l, java.util.function.Supplier<long[]> s) {
            try {
                return s.get();
            } catch (IllegalStateException e) {
                throw error(l, e.getMessage());
            }
        }

        private void add(Layer layer, String description, String from, long params) {
            try {
                shape = layer.outputShape(shape, steps.size());
            } catch (ModelException e) {
                throw new ModelException(from + ": " + e.getMessage(), e);
            }
            steps.add(new Step(layer, description, from, shape.clone(), params));
            mapping.add(from + " → " + description + " " + Arrays.toString(shape));
        }

        /** Whether {@code next} is an activation of the given types reading {@code l}'s output. */
        private static boolean activationAfter(CaffeLayer l, CaffeLayer next, Set<String> types) {
            return next != null && types.contains(next.type()) && next.bottoms().equals(l.tops())
                    && next.tops().size() == 1;
        }

        private static void requirePlainRelu(CaffeLayer relu) {
            float slope = relu.relu().map(ReluParam::negativeSlope).orElse(0f);
            if (slope != 0f) {
                throw error(relu, "leaky ReLU (negative_slope " + slope + ") is not supported");
            }
        }

        // Caffe's ConvolutionLayer: output side (H + 2p − dilation·(k − 1) − 1) / s + 1, integer division (floor).
        private boolean convolution(CaffeLayer l, CaffeLayer next) {
            ConvolutionParam p = l.convolution().orElseThrow(() -> error(l, "has no convolution_param"));
            if (p.group() != 1) {
                throw error(l, "group " + p.group() + " is not supported (only group 1)");
            }
            if (p.dilation().stream().anyMatch(d -> d != 1)) {
                throw error(l, "dilation " + p.dilation() + " is not supported (only 1)");
            }
            if (p.axis() != 1) {
                throw error(l, "axis " + p.axis() + " is not supported (only 1, the channel axis)");
            }
            long[] k2 = resolve(l, p::kernel2d), s2 = resolve(l, p::stride2d), p2 = resolve(l, p::pad2d);
            long k = square(l, "kernel", k2), stride = square(l, "stride", s2), pad = square(l, "pad", p2);
            long c = image(l)[0];
            List<CaffeBlob> b = blobs(l, p.biasTerm() ? 2 : 1);
            INDArray w = fold(array(l, b.get(0), "weight", p.numOutput(), c, k, k), l);
            INDArray bias = p.biasTerm() ? array(l, b.get(1), "bias", p.numOutput()) : zeros(p.numOutput());
            boolean relu = activationAfter(l, next, Set.of("ReLU"));
            if (relu) {
                requirePlainRelu(next);
            }
            String from = l.name() + (relu ? " + " + next.name() : "");
            add(new Conv2d(w, bias, (int) stride, (int) pad, relu), String.format(Locale.ROOT, "conv %d×%d/%d pad %d%s",
                    k, k, stride, pad, relu ? " relu" : ""), from, w.length() + bias.length());
            return relu;
        }

        // Caffe's PoolingLayer (round_mode CEIL, the default): output side ceil((H + 2p − k) / s) + 1.
        private boolean pooling(CaffeLayer l) {
            PoolingParam p = l.pooling().orElseThrow(() -> error(l, "has no pooling_param"));
            long[] in = image(l);
            if (p.pool() == PoolingParam.PoolMethod.STOCHASTIC) {
                throw error(l, "STOCHASTIC pooling is not supported (only MAX and AVE)");
            }
            long[] pad = resolve(l, p::pad2d);
            if (pad[0] != 0 || pad[1] != 0) {
                throw error(l, "pad " + pad[0] + "×" + pad[1] + " is not supported (only 0)");
            }
            long size, stride;
            if (p.globalPooling()) {
                if (in[1] != in[2]) {
                    throw error(l, "global pooling over a non-square " + in[1] + "×" + in[2] + " input is not supported");
                }
                size = in[1];
                stride = 1;
            } else {
                size = square(l, "kernel", resolve(l, p::kernel2d));
                stride = square(l, "stride", resolve(l, p::stride2d));
                for (long side : new long[] {in[1], in[2]}) {
                    if (side < size) {
                        throw error(l, "kernel " + size + " is larger than the input " + Arrays.toString(in));
                    }
                    long caffe = (side - size + stride - 1) / stride + 1;
                    long floor = (side - size) / stride + 1;
                    if (caffe != floor) {
                        throw error(l, "Caffe rounds the output size up: input " + Arrays.toString(in) + ", kernel "
                                + size + ", stride " + stride + " gives ceil((" + side + " − " + size + ")/" + stride
                                + ") + 1 = " + caffe + " in Caffe (its last window hangs over the edge) but " + floor
                                + " here; only inputs where (side − kernel) is a multiple of the stride are supported");
                    }
                }
            }
            boolean max = p.pool() == PoolingParam.PoolMethod.MAX;
            Pool2d op = max ? Pool2d.max((int) size, (int) stride) : Pool2d.average((int) size, (int) stride);
            add(op, String.format(Locale.ROOT, "pool %s %d×%d/%d%s", max ? "max" : "average", size, size, stride,
                    p.globalPooling() ? " (global)" : ""), l.name(), 0);
            return false;
        }

        // Caffe's LRNLayer (ACROSS_CHANNELS): b = a / (k + α/n Σ a²)^β over n channels centred on the channel.
        private boolean lrn(CaffeLayer l) {
            LrnParam p = l.lrn().orElseGet(LrnParam::defaults);
            image(l);
            if (p.normRegion() != LrnParam.NormRegion.ACROSS_CHANNELS) {
                throw error(l, p.normRegion() + " is not supported (only ACROSS_CHANNELS)");
            }
            if (p.localSize() % 2 == 0) {
                throw error(l, "local_size " + p.localSize() + " is even; Caffe requires an odd one");
            }
            if (pendingScale != 1.0) {
                throw error(l, "the input scale cannot be folded across LRN (it is not homogeneous); "
                        + "the first layer with weights comes after it");
            }
            Lrn op;
            try {
                op = new Lrn(p.k(), (int) p.localSize(), p.alpha(), p.beta(), true);
            } catch (IllegalArgumentException e) {
                throw error(l, e.getMessage());
            }
            add(op, String.format(Locale.ROOT, "lrn n=%d α=%s β=%s k=%s", p.localSize(), p.alpha(), p.beta(), p.k()),
                    l.name(), 0);
            return false;
        }

        // Caffe's BatchNormLayer: blobs mean·f, variance·f, f (the moving-average factor); it uses mean/f, variance/f
        // (0 when f = 0), computed in float. A Scale layer after it supplies γ (and β with bias_term).
        private boolean batchNorm(CaffeLayer l, CaffeLayer next) {
            if (shape.length != 3 && shape.length != 1) {
                throw error(l, "needs an input [C, H, W] or [C], got " + Arrays.toString(shape));
            }
            long c = shape[0];
            List<CaffeBlob> b = blobs(l, 3);
            float[] f = array(l, b.get(2), "scale factor", 1).data().asFloat();
            float factor = f[0] == 0 ? 0 : 1 / f[0];
            INDArray mean = array(l, b.get(0), "mean", c).mul(factor);
            INDArray var = array(l, b.get(1), "variance", c).mul(factor);
            double eps = l.batchNorm().orElseGet(BatchNormParam::defaults).eps();
            boolean scale = next != null && next.type().equals("Scale") && next.bottoms().equals(l.tops());
            INDArray gamma = Nd4j.ones(DataType.FLOAT, c);
            INDArray beta = zeros(c);
            long params = 2 * c + 1;
            if (scale) {
                ScaleParam sp = next.scale().orElseGet(ScaleParam::defaults);
                if (sp.axis() != 1 || sp.numAxes() != 1 || next.tops().size() != 1) {
                    throw error(next, "only a per-channel Scale (axis 1, num_axes 1, one bottom) is supported");
                }
                List<CaffeBlob> sb = blobs(next, sp.biasTerm() ? 2 : 1);
                gamma = array(next, sb.get(0), "scale", c);
                if (sp.biasTerm()) {
                    beta = array(next, sb.get(1), "bias", c);
                }
                params += sp.biasTerm() ? 2 * c : c;
            }
            if (pendingScale != 1.0) {
                // BN(s·x) with (E, Var, ε) = BN(x) with (E/s, Var/s², ε/s²)
                double s = pendingScale;
                mean = mean.div(s);
                var = var.div(s * s);
                eps = eps / (s * s);
                foldedInto = l.name();
                pendingScale = 1.0;
            }
            BatchNorm op;
            try {
                op = new BatchNorm(gamma, beta, mean, var, eps);
            } catch (IllegalArgumentException e) {
                throw error(l, e.getMessage());
            }
            add(op, "batch norm ε=" + (float) eps, l.name() + (scale ? " + " + next.name() : ""), params);
            return scale;
        }

        private boolean flatten(CaffeLayer l) {
            if (shape.length > 1) {
                add(new Flatten(), "flatten", l.name(), 0);
            }
            return false;
        }

        // Caffe's InnerProductLayer: y = W x + b on x flattened from axis 1 (C·H·W, row-major); W is [N, K], or
        // [K, N] with transpose.
        private boolean innerProduct(CaffeLayer l, CaffeLayer next) {
            InnerProductParam p = l.innerProduct().orElseThrow(() -> error(l, "has no inner_product_param"));
            if (p.axis() != 1) {
                throw error(l, "axis " + p.axis() + " is not supported (only 1)");
            }
            if (shape.length > 1) {
                add(new Flatten(), "flatten", l.name() + " (its input)", 0);
            }
            long n = p.numOutput(), k = shape[0];
            List<CaffeBlob> b = blobs(l, p.biasTerm() ? 2 : 1);
            INDArray w = p.transpose() ? array(l, b.get(0), "weight", k, n).transpose().dup('c')
                    : array(l, b.get(0), "weight", n, k);
            w = fold(w, l);
            INDArray bias = p.biasTerm() ? array(l, b.get(1), "bias", n) : zeros(n);
            if (activationAfter(l, next, Set.of("ReLU", "TanH", "Sigmoid"))) {
                Activation a = switch (next.type()) {
                    case "ReLU" -> {
                        requirePlainRelu(next);
                        yield Activation.RELU;
                    }
                    case "TanH" -> Activation.TANH;
                    default -> Activation.SIGMOID;
                };
                add(new DenseLayer(w, bias, a), "dense " + a.id(), l.name() + " + " + next.name(), w.length() + n);
                return true;
            }
            head = new LinearHead(w, bias);
            headLayer = l;
            shape = new long[] {n};
            mapping.add(l.name() + " → linear head [" + n + "]");
            return false;
        }
    }
}

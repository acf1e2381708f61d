package io.robustbounds.caffe;

import io.robustbounds.caffe.TextFormat.Field;
import io.robustbounds.caffe.TextFormat.Kind;
import io.robustbounds.caffe.TextFormat.Message;
import io.robustbounds.caffe.TextFormat.Scalar;
import io.robustbounds.model.ModelException;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Reads a Caffe net definition in protobuf text format ({@code .prototxt}) into the same records as
 * {@link CaffeModelReader} (no blobs: a prototxt holds no weights). Field names, types and defaults are those of
 * BVLC Caffe's caffe.proto; fields this project does not use (fillers, {@code param}, {@code include}, …) are
 * skipped, as the binary reader skips them. Unlike the binary reader, a non-repeated field given twice is an
 * error, as in protobuf's own text parser. Every error is a {@link PrototxtException} naming the file, line
 * and column.
 */
public final class PrototxtReader {
    private final String source;

    private PrototxtReader(String source) {
        this.source = source;
    }

    /** Reads and parses a .prototxt file (UTF-8). */
    public static CaffeNet read(Path file) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file)))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new ModelException(file + ": not a text file (not valid UTF-8)", e);
        } catch (IOException e) {
            throw new ModelException("cannot read prototxt " + file + ": " + e.getMessage(), e);
        }
        return parse(text, file.toString());
    }

    /** Parses prototxt text; {@code source} names it in errors. */
    public static CaffeNet parse(String text, String source) {
        return new PrototxtReader(source).net(TextFormat.parse(text, source));
    }

    private PrototxtException error(Field f, String detail) {
        if (f.value() instanceof Scalar s) {
            return new PrototxtException(source, s.line(), s.column(), f.name() + ": " + detail);
        }
        return new PrototxtException(source, f.line(), f.column(), f.name() + ": " + detail);
    }

    // NetParameter: name, input, input_shape, input_dim, layer; legacy V1 'layers' rejected.
    private CaffeNet net(Message m) {
        Fields fs = new Fields(m);
        String name = fs.string("name", "");
        List<String> inputs = new ArrayList<>();
        List<List<Long>> shapes = new ArrayList<>();
        List<Long> dims = new ArrayList<>();
        List<CaffeLayer> layers = new ArrayList<>();
        Field firstInput = null;
        for (Field f : m.fields()) {
            switch (f.name()) {
                case "input" -> {
                    inputs.add(string(f));
                    firstInput = firstInput == null ? f : firstInput;
                }
                case "input_shape" -> shapes.add(shape(message(f)));
                case "input_dim" -> dims.add(integer(f, Long.MIN_VALUE));
                case "layer" -> layers.add(layer(message(f)));
                case "layers" -> throw error(f, "legacy V1 'layers' is not supported; upgrade the net with Caffe's "
                        + "upgrade_net_proto_text");
                default -> {
                }
            }
        }
        try {
            return new CaffeNet(name, CaffeModelReader.netInputs(inputs, shapes, dims), layers);
        } catch (IllegalArgumentException e) {
            Field at = firstInput != null ? firstInput : m.fields().get(0);
            throw new PrototxtException(source, at.line(), at.column(), e.getMessage());
        }
    }

    private CaffeLayer layer(Message m) {
        Fields fs = new Fields(m);
        String name = fs.string("name", "");
        String type = fs.string("type", "");
        List<String> bottoms = new ArrayList<>();
        List<String> tops = new ArrayList<>();
        for (Field f : m.fields()) {
            switch (f.name()) {
                case "bottom" -> bottoms.add(string(f));
                case "top" -> tops.add(string(f));
                case "blobs" -> throw error(f, "weights in a prototxt are not supported (layer '" + name + "')");
                default -> {
                }
            }
        }
        return new CaffeLayer(name, type, bottoms, tops, List.of(),
                fs.message("convolution_param").map(this::convolution),
                fs.message("pooling_param").map(this::pooling),
                fs.message("inner_product_param").map(this::innerProduct),
                fs.message("lrn_param").map(this::lrn),
                fs.message("relu_param").map(p -> new ReluParam(new Fields(p).real("negative_slope", 0f))),
                fs.message("batch_norm_param").map(p -> new BatchNormParam(new Fields(p).real("eps", 1e-5f))),
                fs.message("scale_param").map(this::scale),
                fs.message("input_param").map(this::input),
                fs.message("transform_param").map(this::transform));
    }

    private List<Long> shape(Message m) {
        List<Long> dims = new ArrayList<>();
        for (Field f : m.fields()) {
            if (f.name().equals("dim")) {
                dims.add(integer(f, Long.MIN_VALUE));
            }
        }
        return dims;
    }

    private ConvolutionParam convolution(Message m) {
        Fields fs = new Fields(m);
        ConvolutionParam d = ConvolutionParam.defaults();
        return new ConvolutionParam(fs.unsigned("num_output", d.numOutput()), fs.bool("bias_term", d.biasTerm()),
                fs.unsignedList("pad"), fs.unsignedList("kernel_size"), fs.unsignedList("stride"),
                fs.unsignedList("dilation"), fs.optionalUnsigned("pad_h"), fs.optionalUnsigned("pad_w"),
                fs.optionalUnsigned("kernel_h"), fs.optionalUnsigned("kernel_w"), fs.optionalUnsigned("stride_h"),
                fs.optionalUnsigned("stride_w"), fs.unsigned("group", d.group()), fs.signed("axis", d.axis()));
    }

    private PoolingParam pooling(Message m) {
        Fields fs = new Fields(m);
        PoolingParam d = PoolingParam.defaults();
        return new PoolingParam(fs.enumValue("pool", PoolingParam.PoolMethod.values(), d.pool()),
                fs.optionalUnsigned("kernel_size"), fs.optionalUnsigned("kernel_h"), fs.optionalUnsigned("kernel_w"),
                fs.unsigned("stride", d.stride()), fs.optionalUnsigned("stride_h"), fs.optionalUnsigned("stride_w"),
                fs.unsigned("pad", d.pad()), fs.optionalUnsigned("pad_h"), fs.optionalUnsigned("pad_w"),
                fs.bool("global_pooling", d.globalPooling()));
    }

    private InnerProductParam innerProduct(Message m) {
        Fields fs = new Fields(m);
        InnerProductParam d = InnerProductParam.defaults();
        return new InnerProductParam(fs.unsigned("num_output", d.numOutput()), fs.bool("bias_term", d.biasTerm()),
                fs.signed("axis", d.axis()), fs.bool("transpose", d.transpose()));
    }

    private LrnParam lrn(Message m) {
        Fields fs = new Fields(m);
        LrnParam d = LrnParam.defaults();
        return new LrnParam(fs.unsigned("local_size", d.localSize()), fs.real("alpha", d.alpha()),
                fs.real("beta", d.beta()), fs.enumValue("norm_region", LrnParam.NormRegion.values(), d.normRegion()),
                fs.real("k", d.k()));
    }

    private ScaleParam scale(Message m) {
        Fields fs = new Fields(m);
        ScaleParam d = ScaleParam.defaults();
        return new ScaleParam(fs.signed("axis", d.axis()), fs.signed("num_axes", d.numAxes()),
                fs.bool("bias_term", d.biasTerm()));
    }

    private InputParam input(Message m) {
        List<List<Long>> shapes = new ArrayList<>();
        for (Field f : m.fields()) {
            if (f.name().equals("shape")) {
                shapes.add(shape(message(f)));
            }
        }
        return new InputParam(shapes);
    }

    private TransformParam transform(Message m) {
        Fields fs = new Fields(m);
        TransformParam d = TransformParam.defaults();
        List<Float> means = new ArrayList<>();
        for (Field f : m.fields()) {
            if (f.name().equals("mean_value")) {
                means.add(real(f));
            }
        }
        return new TransformParam(fs.real("scale", d.scale()), fs.bool("mirror", d.mirror()),
                fs.unsigned("crop_size", d.cropSize()), fs.string("mean_file", d.meanFile()), means);
    }

    // ---------------------------------------------------------------- typed values

    private Scalar scalar(Field f) {
        if (f.value() instanceof Scalar s) {
            return s;
        }
        throw error(f, "expected a value, got a message");
    }

    private Message message(Field f) {
        if (f.value() instanceof Message m) {
            return m;
        }
        throw error(f, "expected a message { ... }, got " + ((Scalar) f.value()).describe());
    }

    private String string(Field f) {
        Scalar s = scalar(f);
        if (s.kind() != Kind.STRING) {
            throw error(f, "expected a quoted string, got " + s.describe());
        }
        return s.text();
    }

    /** An integer (decimal, 0x hex or 0-prefixed octal, as protobuf's text format) that is at least {@code min}. */
    private long integer(Field f, long min) {
        Scalar s = scalar(f);
        if (s.kind() != Kind.NUMBER) {
            throw error(f, "expected an integer, got " + s.describe());
        }
        String t = s.text();
        boolean negative = t.startsWith("-");
        String body = negative || t.startsWith("+") ? t.substring(1) : t;
        long v;
        try {
            if (body.length() > 2 && (body.startsWith("0x") || body.startsWith("0X"))) {
                v = Long.parseLong(body.substring(2), 16);
            } else if (body.length() > 1 && body.startsWith("0")) {
                v = Long.parseLong(body.substring(1), 8);
            } else {
                v = Long.parseLong(body);
            }
        } catch (NumberFormatException e) {
            throw error(f, "expected an integer, got " + s.describe());
        }
        v = negative ? -v : v;
        if (v < min) {
            throw error(f, "must be ≥ " + min + ", got " + s.describe());
        }
        return v;
    }

    private float real(Field f) {
        Scalar s = scalar(f);
        String t = s.text().toLowerCase(Locale.ROOT);
        if (s.kind() == Kind.IDENT || s.kind() == Kind.NUMBER) {
            String body = t.startsWith("-") || t.startsWith("+") ? t.substring(1) : t;
            double sign = t.startsWith("-") ? -1 : 1;
            if (body.equals("inf") || body.equals("infinity")) {
                return (float) (sign * Double.POSITIVE_INFINITY);
            }
            if (body.equals("nan")) {
                return Float.NaN;
            }
            if (s.kind() == Kind.NUMBER && !body.startsWith("0x") && body.chars().noneMatch(c -> c == 'd')) {
                try {
                    return Float.parseFloat(t.endsWith("f") ? t.substring(0, t.length() - 1) : t);
                } catch (NumberFormatException e) {
                    // reported below
                }
            }
        }
        throw error(f, "expected a number, got " + s.describe());
    }

    private boolean bool(Field f) {
        Scalar s = scalar(f);
        return switch (s.text()) {
            case "true", "True", "t", "1" -> true;
            case "false", "False", "f", "0" -> false;
            default -> throw error(f, "expected true or false, got " + s.describe());
        };
    }

    private <E extends Enum<E>> E enumValue(Field f, E[] values) {
        Scalar s = scalar(f);
        if (s.kind() == Kind.IDENT) {
            for (E e : values) {
                if (e.name().equals(s.text())) {
                    return e;
                }
            }
        } else if (s.kind() == Kind.NUMBER) {
            long v = integer(f, 0);
            if (v < values.length) {
                return values[(int) v];
            }
        }
        throw error(f, "unknown value " + s.describe() + " (known: " + java.util.Arrays.toString(values) + ")");
    }

    /** The fields of one message by name, for the singular ones (given at most once) and repeated scalars. */
    private final class Fields {
        private final Map<String, List<Field>> byName = new HashMap<>();

        Fields(Message m) {
            for (Field f : m.fields()) {
                byName.computeIfAbsent(f.name(), k -> new ArrayList<>()).add(f);
            }
        }

        Optional<Field> single(String name) {
            List<Field> l = byName.get(name);
            if (l == null) {
                return Optional.empty();
            }
            if (l.size() > 1) {
                Field first = l.get(0);
                throw error(l.get(1), "given more than once (first at line " + first.line() + ", column "
                        + first.column() + "), but it is not a repeated field");
            }
            return Optional.of(l.get(0));
        }

        List<Field> all(String name) {
            return byName.getOrDefault(name, List.of());
        }

        String string(String name, String dflt) {
            return single(name).map(PrototxtReader.this::string).orElse(dflt);
        }

        long unsigned(String name, long dflt) {
            return single(name).map(f -> integer(f, 0)).orElse(dflt);
        }

        long signed(String name, long dflt) {
            return single(name).map(f -> integer(f, Integer.MIN_VALUE)).orElse(dflt);
        }

        OptionalLong optionalUnsigned(String name) {
            Optional<Field> f = single(name);
            return f.isPresent() ? OptionalLong.of(integer(f.get(), 0)) : OptionalLong.empty();
        }

        List<Long> unsignedList(String name) {
            return all(name).stream().map(f -> integer(f, 0)).toList();
        }

        float real(String name, float dflt) {
            return single(name).map(PrototxtReader.this::real).orElse(dflt);
        }

        boolean bool(String name, boolean dflt) {
            return single(name).map(PrototxtReader.this::bool).orElse(dflt);
        }

        <E extends Enum<E>> E enumValue(String name, E[] values, E dflt) {
            return single(name).map(f -> PrototxtReader.this.enumValue(f, values)).orElse(dflt);
        }

        Optional<Message> message(String name) {
            return single(name).map(PrototxtReader.this::message);
        }
    }
}

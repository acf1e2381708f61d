package io.robustbounds.caffe;

import io.robustbounds.caffe.ProtoReader.DoubleList;
import io.robustbounds.caffe.ProtoReader.FloatList;
import io.robustbounds.caffe.ProtoReader.LongList;
import io.robustbounds.model.ModelException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Over 400 lines: the decoder of each needed field of caffe.proto, in the proto's order, so it can be checked
 * against caffe.proto field by field.
 *
 * Reads a binary Caffe NetParameter ({@code .caffemodel}) without protobuf: only the fields this project
 * needs are decoded, all others are skipped. Field numbers and defaults are those of BVLC Caffe's
 * src/caffe/proto/caffe.proto. Legacy V1 nets ({@code layers}, field 2) are rejected.
 */
public final class CaffeModelReader {
    private CaffeModelReader() {
    }

    /** Reads and parses a .caffemodel file. */
    public static CaffeNet read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ModelException("cannot read Caffe model " + file + ": " + e.getMessage(), e);
        }
        try {
            return parse(bytes);
        } catch (CaffeFormatException e) {
            throw new ModelException(file + ": " + e.getMessage(), e);
        }
    }

    /** Parses a serialized NetParameter. */
    public static CaffeNet parse(byte[] bytes) {
        ProtoReader r = new ProtoReader(bytes, 0, bytes.length, "");
        String name = "";
        List<CaffeLayer> layers = new ArrayList<>();
        List<String> inputs = new ArrayList<>();
        List<List<Long>> inputShapes = new ArrayList<>();
        LongList inputDims = new LongList();
        while (r.hasMore()) {
            int tag = r.readTag();
            switch (ProtoReader.field(tag)) {
                case 1 -> name = r.readStringField(tag, "name");
                case 3 -> inputs.add(r.readStringField(tag, "input"));
                case 4 -> r.readVarints(tag, "input_dim", inputDims);
                case 8 -> {
                    r.expect(tag, ProtoReader.LENGTH_DELIMITED, "input_shape");
                    inputShapes.add(boxed(shape(r.readMessage("input_shape[" + inputShapes.size() + "]"))));
                }
                case 2 -> throw r.error("legacy V1 'layers' (NetParameter field 2) is not supported; upgrade the net "
                        + "with Caffe's upgrade_net_proto_binary");
                case 100 -> {
                    r.expect(tag, ProtoReader.LENGTH_DELIMITED, "layer");
                    layers.add(layer(r.readMessage("layer[" + layers.size() + "]")));
                }
                default -> r.skip(tag);
            }
        }
        try {
            return new CaffeNet(name, netInputs(inputs, inputShapes, Arrays.stream(inputDims.toArray()).boxed().toList()),
                    layers);
        } catch (IllegalArgumentException e) {
            throw new CaffeFormatException("", 0, e.getMessage());
        }
    }

    /**
     * Pairs NetParameter's input names with input_shape (one per input) or the legacy input_dim (four per input),
     * as Caffe's Net::Init does; shapes are empty when neither is given.
     */
    static List<NetInput> netInputs(List<String> names, List<List<Long>> shapes, List<Long> dims) {
        if (!shapes.isEmpty() && !dims.isEmpty()) {
            throw new IllegalArgumentException("both input_shape and input_dim are given");
        }
        if (!shapes.isEmpty() && shapes.size() != names.size()) {
            throw new IllegalArgumentException(shapes.size() + " input_shape for " + names.size() + " input");
        }
        if (!dims.isEmpty() && dims.size() != 4L * names.size()) {
            throw new IllegalArgumentException(dims.size() + " input_dim for " + names.size()
                    + " input (Caffe needs 4 per input)");
        }
        List<NetInput> out = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            List<Long> shape = !shapes.isEmpty() ? shapes.get(i)
                    : !dims.isEmpty() ? dims.subList(4 * i, 4 * i + 4) : List.of();
            out.add(new NetInput(names.get(i), shape));
        }
        return out;
    }

    // LayerParameter: name 1, type 2, bottom 3, top 4, blobs 7, transform_param 100, convolution_param 106,
    // inner_product_param 117, lrn_param 118, pooling_param 121, relu_param 123, batch_norm_param 139,
    // scale_param 142, input_param 143.
    private static CaffeLayer layer(ProtoReader r) {
        String base = r.path();
        String name = "";
        String type = "";
        List<String> bottoms = new ArrayList<>();
        List<String> tops = new ArrayList<>();
        List<CaffeBlob> blobs = new ArrayList<>();
        ConvolutionParam conv = null;
        PoolingParam pool = null;
        InnerProductParam ip = null;
        LrnParam lrn = null;
        ReluParam relu = null;
        BatchNormParam bn = null;
        ScaleParam scale = null;
        InputParam input = null;
        TransformParam transform = null;
        while (r.hasMore()) {
            int tag = r.readTag();
            String path = r.path();
            switch (ProtoReader.field(tag)) {
                case 1 -> {
                    name = r.readStringField(tag, "name");
                    r.setPath(base + " '" + name + "'");
                }
                case 2 -> type = r.readStringField(tag, "type");
                case 3 -> bottoms.add(r.readStringField(tag, "bottom"));
                case 4 -> tops.add(r.readStringField(tag, "top"));
                case 7 -> {
                    r.expect(tag, ProtoReader.LENGTH_DELIMITED, "blobs");
                    blobs.add(blob(r.readMessage(path + " blobs[" + blobs.size() + "]")));
                }
                case 106 -> conv = convolution(sub(r, tag, path, "convolution_param"), conv);
                case 117 -> ip = innerProduct(sub(r, tag, path, "inner_product_param"), ip);
                case 118 -> lrn = lrn(sub(r, tag, path, "lrn_param"), lrn);
                case 121 -> pool = pooling(sub(r, tag, path, "pooling_param"), pool);
                case 123 -> relu = relu(sub(r, tag, path, "relu_param"), relu);
                case 139 -> bn = batchNorm(sub(r, tag, path, "batch_norm_param"), bn);
                case 142 -> scale = scale(sub(r, tag, path, "scale_param"), scale);
                case 143 -> input = input(sub(r, tag, path, "input_param"), input);
                case 100 -> transform = transform(sub(r, tag, path, "transform_param"), transform);
                default -> r.skip(tag);
            }
        }
        return new CaffeLayer(name, type, bottoms, tops, blobs, Optional.ofNullable(conv), Optional.ofNullable(pool),
                Optional.ofNullable(ip), Optional.ofNullable(lrn), Optional.ofNullable(relu), Optional.ofNullable(bn),
                Optional.ofNullable(scale), Optional.ofNullable(input), Optional.ofNullable(transform));
    }

    private static ProtoReader sub(ProtoReader r, int tag, String path, String field) {
        r.expect(tag, ProtoReader.LENGTH_DELIMITED, field);
        return r.readMessage(path + " " + field);
    }

    // BlobProto: num 1, channels 2, height 3, width 4, data 5 (packed float), diff 6, shape 7 (BlobShape: dim 1,
    // packed int64), double_data 8, double_diff 9.
    private static CaffeBlob blob(ProtoReader r) {
        int blobStart = r.position();
        long[] shape = null;
        long[] legacy = new long[4];
        boolean hasLegacy = false;
        FloatList data = new FloatList();
        DoubleList doubles = new DoubleList();
        while (r.hasMore()) {
            int tag = r.readTag();
            int f = ProtoReader.field(tag);
            switch (f) {
                case 1, 2, 3, 4 -> {
                    legacy[f - 1] = r.readVarintField(tag, new String[] {"num", "channels", "height", "width"}[f - 1]);
                    hasLegacy = true;
                }
                case 5 -> r.readFloats(tag, "data", data);
                case 7 -> {
                    r.expect(tag, ProtoReader.LENGTH_DELIMITED, "shape");
                    shape = shape(r.readMessage(r.path() + " shape"));
                }
                case 8 -> r.readDoubles(tag, "double_data", doubles);
                default -> r.skip(tag);
            }
        }
        if (shape == null) {
            shape = hasLegacy ? legacy : new long[0];
        }
        if (data.size() > 0 && doubles.size() > 0) {
            throw r.errorAt(blobStart, "both data and double_data are present");
        }
        float[] values;
        if (doubles.size() > 0) {
            double[] d = doubles.toArray();
            values = new float[d.length];
            for (int i = 0; i < d.length; i++) {
                values[i] = (float) d[i];
            }
        } else {
            values = data.toArray();
        }
        long count = 1;
        for (long d : shape) {
            if (d < 0) {
                throw r.errorAt(blobStart, "negative dimension in shape " + Arrays.toString(shape));
            }
            try {
                count = Math.multiplyExact(count, d);
            } catch (ArithmeticException e) {
                throw r.errorAt(blobStart, "shape " + Arrays.toString(shape) + " overflows");
            }
        }
        if (count != values.length) {
            throw r.errorAt(blobStart, values.length + " values for shape " + Arrays.toString(shape));
        }
        return new CaffeBlob(shape, values);
    }

    private static long[] shape(ProtoReader r) {
        LongList dims = new LongList();
        while (r.hasMore()) {
            int tag = r.readTag();
            if (ProtoReader.field(tag) == 1) {
                r.readVarints(tag, "dim", dims);
            } else {
                r.skip(tag);
            }
        }
        return dims.toArray();
    }

    // ConvolutionParameter: num_output 1, bias_term 2, pad 3, kernel_size 4, group 5, stride 6, pad_h 9, pad_w 10,
    // kernel_h 11, kernel_w 12, stride_h 13, stride_w 14, axis 16, dilation 18. A second occurrence of the
    // message merges into the first, as protobuf does.
    private static ConvolutionParam convolution(ProtoReader r, ConvolutionParam prev) {
        ConvolutionParam p = prev != null ? prev : ConvolutionParam.defaults();
        long numOutput = p.numOutput();
        boolean biasTerm = p.biasTerm();
        LongList pad = list(p.pad()), kernel = list(p.kernelSize()), stride = list(p.stride()),
                dilation = list(p.dilation());
        OptionalLong padH = p.padH(), padW = p.padW(), kernelH = p.kernelH(), kernelW = p.kernelW(),
                strideH = p.strideH(), strideW = p.strideW();
        long group = p.group(), axis = p.axis();
        while (r.hasMore()) {
            int tag = r.readTag();
            switch (ProtoReader.field(tag)) {
                case 1 -> numOutput = r.readVarintField(tag, "num_output");
                case 2 -> biasTerm = r.readVarintField(tag, "bias_term") != 0;
                case 3 -> r.readVarints(tag, "pad", pad);
                case 4 -> r.readVarints(tag, "kernel_size", kernel);
                case 5 -> group = r.readVarintField(tag, "group");
                case 6 -> r.readVarints(tag, "stride", stride);
                case 9 -> padH = OptionalLong.of(r.readVarintField(tag, "pad_h"));
                case 10 -> padW = OptionalLong.of(r.readVarintField(tag, "pad_w"));
                case 11 -> kernelH = OptionalLong.of(r.readVarintField(tag, "kernel_h"));
                case 12 -> kernelW = OptionalLong.of(r.readVarintField(tag, "kernel_w"));
                case 13 -> strideH = OptionalLong.of(r.readVarintField(tag, "stride_h"));
                case 14 -> strideW = OptionalLong.of(r.readVarintField(tag, "stride_w"));
                case 16 -> axis = r.readVarintField(tag, "axis");
                case 18 -> r.readVarints(tag, "dilation", dilation);
                default -> r.skip(tag);
            }
        }
        return new ConvolutionParam(numOutput, biasTerm, boxed(pad), boxed(kernel), boxed(stride), boxed(dilation),
                padH, padW, kernelH, kernelW, strideH, strideW, group, axis);
    }

    // PoolingParameter: pool 1, kernel_size 2, stride 3, pad 4, kernel_h 5, kernel_w 6, stride_h 7, stride_w 8,
    // pad_h 9, pad_w 10, global_pooling 12.
    private static PoolingParam pooling(ProtoReader r, PoolingParam prev) {
        PoolingParam p = prev != null ? prev : PoolingParam.defaults();
        PoolingParam.PoolMethod method = p.pool();
        OptionalLong kernel = p.kernelSize(), kernelH = p.kernelH(), kernelW = p.kernelW(), strideH = p.strideH(),
                strideW = p.strideW(), padH = p.padH(), padW = p.padW();
        long stride = p.stride(), pad = p.pad();
        boolean global = p.globalPooling();
        while (r.hasMore()) {
            int tag = r.readTag();
            switch (ProtoReader.field(tag)) {
                case 1 -> method = enumValue(r, r.readVarintField(tag, "pool"), "pool", PoolingParam.PoolMethod.values());
                case 2 -> kernel = OptionalLong.of(r.readVarintField(tag, "kernel_size"));
                case 3 -> stride = r.readVarintField(tag, "stride");
                case 4 -> pad = r.readVarintField(tag, "pad");
                case 5 -> kernelH = OptionalLong.of(r.readVarintField(tag, "kernel_h"));
                case 6 -> kernelW = OptionalLong.of(r.readVarintField(tag, "kernel_w"));
                case 7 -> strideH = OptionalLong.of(r.readVarintField(tag, "stride_h"));
                case 8 -> strideW = OptionalLong.of(r.readVarintField(tag, "stride_w"));
                case 9 -> padH = OptionalLong.of(r.readVarintField(tag, "pad_h"));
                case 10 -> padW = OptionalLong.of(r.readVarintField(tag, "pad_w"));
                case 12 -> global = r.readVarintField(tag, "global_pooling") != 0;
                default -> r.skip(tag);
            }
        }
        return new PoolingParam(method, kernel, kernelH, kernelW, stride, strideH, strideW, pad, padH, padW, global);
    }

    // InnerProductParameter: num_output 1, bias_term 2, axis 5, transpose 6.
    private static InnerProductParam innerProduct(ProtoReader r, InnerProductParam prev) {
        InnerProductParam p = prev != null ? prev : InnerProductParam.defaults();
        long numOutput = p.numOutput(), axis = p.axis();
        boolean biasTerm = p.biasTerm(), transpose = p.transpose();
        while (r.hasMore()) {
            int tag = r.readTag();
            switch (ProtoReader.field(tag)) {
                case 1 -> numOutput = r.readVarintField(tag, "num_output");
                case 2 -> biasTerm = r.readVarintField(tag, "bias_term") != 0;
                case 5 -> axis = r.readVarintField(tag, "axis");
                case 6 -> transpose = r.readVarintField(tag, "transpose") != 0;
                default -> r.skip(tag);
            }
        }
        return new InnerProductParam(numOutput, biasTerm, axis, transpose);
    }

    // LRNParameter: local_size 1, alpha 2, beta 3, norm_region 4, k 5.
    private static LrnParam lrn(ProtoReader r, LrnParam prev) {
        LrnParam p = prev != null ? prev : LrnParam.defaults();
        long localSize = p.localSize();
        float alpha = p.alpha(), beta = p.beta(), k = p.k();
        LrnParam.NormRegion region = p.normRegion();
        while (r.hasMore()) {
            int tag = r.readTag();
            switch (ProtoReader.field(tag)) {
                case 1 -> localSize = r.readVarintField(tag, "local_size");
                case 2 -> alpha = r.readFloatField(tag, "alpha");
                case 3 -> beta = r.readFloatField(tag, "beta");
                case 4 -> region = enumValue(r, r.readVarintField(tag, "norm_region"), "norm_region",
                        LrnParam.NormRegion.values());
                case 5 -> k = r.readFloatField(tag, "k");
                default -> r.skip(tag);
            }
        }
        return new LrnParam(localSize, alpha, beta, region, k);
    }

    // ReLUParameter: negative_slope 1, engine 2.
    private static ReluParam relu(ProtoReader r, ReluParam prev) {
        float slope = (prev != null ? prev : ReluParam.defaults()).negativeSlope();
        while (r.hasMore()) {
            int tag = r.readTag();
            if (ProtoReader.field(tag) == 1) {
                slope = r.readFloatField(tag, "negative_slope");
            } else {
                r.skip(tag);
            }
        }
        return new ReluParam(slope);
    }

    // BatchNormParameter: use_global_stats 1, moving_average_fraction 2, eps 3.
    private static BatchNormParam batchNorm(ProtoReader r, BatchNormParam prev) {
        float eps = (prev != null ? prev : BatchNormParam.defaults()).eps();
        while (r.hasMore()) {
            int tag = r.readTag();
            if (ProtoReader.field(tag) == 3) {
                eps = r.readFloatField(tag, "eps");
            } else {
                r.skip(tag);
            }
        }
        return new BatchNormParam(eps);
    }

    // ScaleParameter: axis 1, num_axes 2, filler 3, bias_term 4, bias_filler 5.
    private static ScaleParam scale(ProtoReader r, ScaleParam prev) {
        ScaleParam p = prev != null ? prev : ScaleParam.defaults();
        long axis = p.axis(), numAxes = p.numAxes();
        boolean bias = p.biasTerm();
        while (r.hasMore()) {
            int tag = r.readTag();
            switch (ProtoReader.field(tag)) {
                case 1 -> axis = (int) r.readVarintField(tag, "axis");
                case 2 -> numAxes = (int) r.readVarintField(tag, "num_axes");
                case 4 -> bias = r.readVarintField(tag, "bias_term") != 0;
                default -> r.skip(tag);
            }
        }
        return new ScaleParam(axis, numAxes, bias);
    }

    // InputParameter: shape 1 (repeated BlobShape).
    private static InputParam input(ProtoReader r, InputParam prev) {
        List<List<Long>> shapes = new ArrayList<>(prev != null ? prev.shapes() : List.of());
        while (r.hasMore()) {
            int tag = r.readTag();
            if (ProtoReader.field(tag) == 1) {
                r.expect(tag, ProtoReader.LENGTH_DELIMITED, "shape");
                shapes.add(boxed(shape(r.readMessage(r.path() + " shape[" + shapes.size() + "]"))));
            } else {
                r.skip(tag);
            }
        }
        return new InputParam(shapes);
    }

    // TransformationParameter: scale 1, mirror 2, crop_size 3, mean_file 4, mean_value 5.
    private static TransformParam transform(ProtoReader r, TransformParam prev) {
        TransformParam p = prev != null ? prev : TransformParam.defaults();
        float scale = p.scale();
        boolean mirror = p.mirror();
        long crop = p.cropSize();
        String meanFile = p.meanFile();
        FloatList means = new FloatList();
        p.meanValues().forEach(means::add);
        while (r.hasMore()) {
            int tag = r.readTag();
            switch (ProtoReader.field(tag)) {
                case 1 -> scale = r.readFloatField(tag, "scale");
                case 2 -> mirror = r.readVarintField(tag, "mirror") != 0;
                case 3 -> crop = r.readVarintField(tag, "crop_size");
                case 4 -> meanFile = r.readStringField(tag, "mean_file");
                case 5 -> r.readFloats(tag, "mean_value", means);
                default -> r.skip(tag);
            }
        }
        List<Float> mv = new ArrayList<>();
        for (float f : means.toArray()) {
            mv.add(f);
        }
        return new TransformParam(scale, mirror, crop, meanFile, mv);
    }

    private static <E extends Enum<E>> E enumValue(ProtoReader r, long v, String name, E[] values) {
        if (v < 0 || v >= values.length) {
            throw r.error("unknown " + name + " value " + v);
        }
        return values[(int) v];
    }

    private static LongList list(List<Long> values) {
        LongList l = new LongList();
        values.forEach(l::add);
        return l;
    }

    private static List<Long> boxed(LongList l) {
        return Arrays.stream(l.toArray()).boxed().toList();
    }

    private static List<Long> boxed(long[] a) {
        return Arrays.stream(a).boxed().toList();
    }
}

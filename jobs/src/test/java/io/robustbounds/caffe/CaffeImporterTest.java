package io.robustbounds.caffe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.model.BatchNorm;
import io.robustbounds.model.Conv2d;
import io.robustbounds.model.Flatten;
import io.robustbounds.model.Lrn;
import io.robustbounds.model.Pool2d;
import io.robustbounds.format.ModelFormat;
import io.robustbounds.model.Activation;
import io.robustbounds.model.DenseLayer;
import io.robustbounds.model.Model;
import io.robustbounds.model.ModelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The converter on tiny nets written here: a binary caffemodel via {@link ProtoWriter}, prototxts inline. */
class CaffeImporterTest {

    static final float S = 1f / 256;

    static float[] values(int n, float offset) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) Math.sin(i * 0.7 + offset) * 0.5f;
        }
        return v;
    }

    static ProtoWriter blob(float[] data, long... shape) {
        return new ProtoWriter().message(7, new ProtoWriter().packedVarints(1, shape)).packedFloats(5, data);
    }

    static ProtoWriter layer(String name, String type, String bottom, String top) {
        ProtoWriter l = new ProtoWriter().string(1, name).string(2, type);
        if (bottom != null) {
            l.string(3, bottom);
        }
        return l.string(4, top);
    }

    static ProtoWriter convParam(long numOutput, long kernel) {
        return new ProtoWriter().varint(1, numOutput).varint(4, kernel);
    }

    static ProtoWriter ipParam(long numOutput) {
        return new ProtoWriter().varint(1, numOutput);
    }

    // tiny training net: data 1×6×6 → conv1 (2×1×3×3) + relu1 → pool1 MAX 2/2 → ip1 (3×8) + relu2 → ip2 (2×3) → loss
    static final float[] CONV_W = values(18, 0), CONV_B = values(2, 1), IP1_W = values(24, 2), IP1_B = values(3, 3),
            IP2_W = values(6, 4), IP2_B = values(2, 5);

    static ProtoWriter trainingNet(ProtoWriter... extraLayers) {
        ProtoWriter data = new ProtoWriter().string(1, "mnist").string(2, "Data").string(4, "data").string(4, "label")
                .message(100, new ProtoWriter().floatField(1, S));
        ProtoWriter conv = layer("conv1", "Convolution", "data", "conv1").message(7, blob(CONV_W, 2, 1, 3, 3))
                .message(7, blob(CONV_B, 2)).message(106, convParam(2, 3));
        ProtoWriter relu1 = layer("relu1", "ReLU", "conv1", "conv1");
        ProtoWriter pool = layer("pool1", "Pooling", "conv1", "pool1")
                .message(121, new ProtoWriter().varint(1, 0).varint(2, 2).varint(3, 2));
        ProtoWriter ip1 = layer("ip1", "InnerProduct", "pool1", "ip1").message(7, blob(IP1_W, 3, 8))
                .message(7, blob(IP1_B, 3)).message(117, ipParam(3));
        ProtoWriter relu2 = layer("relu2", "ReLU", "ip1", "ip1");
        ProtoWriter ip2 = layer("ip2", "InnerProduct", "ip1", "ip2").message(7, blob(IP2_W, 2, 3))
                .message(7, blob(IP2_B, 2)).message(117, ipParam(2));
        ProtoWriter loss = new ProtoWriter().string(1, "loss").string(2, "SoftmaxWithLoss").string(3, "ip2")
                .string(3, "label").string(4, "loss");
        ProtoWriter net = new ProtoWriter().string(1, "Tiny").message(100, data).message(100, conv)
                .message(100, relu1).message(100, pool).message(100, ip1).message(100, relu2).message(100, ip2)
                .message(100, loss);
        for (ProtoWriter l : extraLayers) {
            net.message(100, l);
        }
        return net;
    }

    static CaffeNet weights() {
        return CaffeModelReader.parse(trainingNet().toByteArray());
    }

    static String deploy(int side, String poolKernel) {
        return """
                name: "TinyDeploy"
                layer { name: "data" type: "Input" top: "data" input_param { shape: { dim: 64 dim: 1 dim: %d dim: %d } } }
                layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
                        convolution_param { num_output: 2 kernel_size: 3 stride: 1 } }
                layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }
                layer { name: "pool1" type: "Pooling" bottom: "conv1" top: "pool1"
                        pooling_param { pool: MAX kernel_size: %s stride: 2 } }
                layer { name: "ip1" type: "InnerProduct" bottom: "pool1" top: "ip1" inner_product_param { num_output: 3 } }
                layer { name: "relu2" type: "ReLU" bottom: "ip1" top: "ip1" }
                layer { name: "ip2" type: "InnerProduct" bottom: "ip1" top: "ip2" inner_product_param { num_output: 2 } }
                layer { name: "prob" type: "Softmax" bottom: "ip2" top: "prob" }
                """.formatted(side, side, poolKernel);
    }

    static final String DEPLOY = deploy(6, "2");

    static CaffeImporter.Imported convert(CaffeNet weights, String prototxt, CaffeImporter.Options o) {
        return CaffeImporter.convert(weights, prototxt == null ? null : PrototxtReader.parse(prototxt, "t.prototxt"),
                o, Map.of(), "fallback");
    }

    static ModelException fails(CaffeNet weights, String prototxt, CaffeImporter.Options o) {
        return assertThrows(ModelException.class, () -> convert(weights, prototxt, o));
    }

    static ModelException fails(String prototxt) {
        return fails(weights(), prototxt, CaffeImporter.Options.defaults());
    }

    static void assertContains(String expected, Throwable e) {
        assertTrue(e.getMessage().contains(expected), () -> "expected '" + expected + "' in: " + e.getMessage());
    }

    static float[] floats(INDArray a) {
        return a.dup('c').data().asFloat();
    }

    static float[] scaled(float[] v, double s) {
        float[] r = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            r[i] = (float) (v[i] * s);
        }
        return r;
    }

    // ---------------------------------------------------------------- the tiny CNN

    @Test
    void tinyCnnRoundTripsWithTheScaleFoldedAndReluMerged(@TempDir Path dir) {
        CaffeImporter.Imported imp = convert(weights(), DEPLOY, new CaffeImporter.Options(null, S, null, null));
        Model m = imp.model();
        assertEquals("TinyDeploy", m.name());
        assertArrayEquals(new long[] {1, 6, 6}, m.input().shape());
        // trained on pixel × 1/256 and the same scale folded: raw 8-bit pixels
        assertEquals(0, m.input().low());
        assertEquals(255, m.input().high());
        assertEquals(4, m.layers().size());
        Conv2d conv = (Conv2d) m.layers().get(0);
        assertTrue(conv.relu());
        assertEquals(1, conv.stride());
        assertEquals(0, conv.padding());
        assertArrayEquals(new long[] {2, 1, 3, 3}, conv.weight().shape());
        assertArrayEquals(scaled(CONV_W, S), floats(conv.weight()));
        assertArrayEquals(CONV_B, floats(conv.bias()));
        assertEquals(Pool2d.max(2, 2), m.layers().get(1));
        assertEquals(new Flatten(), m.layers().get(2));
        DenseLayer d = (DenseLayer) m.layers().get(3);
        assertEquals(Activation.RELU, d.activation());
        assertArrayEquals(IP1_W, floats(d.weight()));
        assertArrayEquals(IP1_B, floats(d.bias()));
        assertArrayEquals(new long[] {2, 3}, m.head().weight().shape());
        assertArrayEquals(IP2_W, floats(m.head().weight()));
        assertArrayEquals(IP2_B, floats(m.head().bias()));
        assertEquals(List.of("0", "1"), m.classNames());

        assertEquals(List.of("data (Input)", "prob (Softmax)"), imp.dropped());
        assertEquals("ip2", imp.headFrom());
        assertEquals(List.of("conv1 + relu1", "pool1", "ip1 (its input)", "ip1 + relu2"),
                imp.steps().stream().map(CaffeImporter.Step::from).toList());
        assertEquals(20 + 24 + 3 + 6 + 2, imp.parameters());
        Map<String, Object> prov = m.provenance();
        assertEquals("prototxt", prov.get("architecture"));
        assertEquals("conv1", prov.get("input_scale_folded_into"));
        assertEquals((double) S, prov.get("input_scale"));
        assertEquals(Map.of("scale", (double) S, "subtracts_mean", false), prov.get("training_transform"));
        assertEquals(List.of("data (Input)", "prob (Softmax)"), prov.get("dropped"));
        String summary = imp.describe();
        assertTrue(summary.contains("conv 3×3/1 pad 0 relu") && summary.contains("[2, 4, 4]")
                && summary.contains("input range [0, 255]") && summary.contains("55 parameters"), summary);

        // the folded conv on raw x is the Caffe conv on x × s
        INDArray x = Nd4j.createFromArray(values(2 * 36, 9)).reshape(2, 1, 6, 6).muli(255);
        Conv2d caffe = new Conv2d(Nd4j.createFromArray(CONV_W).reshape(2, 1, 3, 3), Nd4j.createFromArray(CONV_B), 1, 0,
                true);
        INDArray expected = caffe.forward(x.mul(S));
        assertTrue(expected.equalsWithEps(conv.forward(x), 1e-5), expected + " vs " + conv.forward(x));

        // it survives the model format
        ModelFormat.write(m, dir.resolve("m"));
        Model back = ModelFormat.read(dir.resolve("m"));
        assertEquals(m.input(), back.input());
        assertEquals(m.layers().stream().map(l -> l.kind()).toList(), back.layers().stream().map(l -> l.kind()).toList());
        assertArrayEquals(floats(conv.weight()), floats(((Conv2d) back.layers().get(0)).weight()));
        assertArrayEquals(IP2_W, floats(back.head().weight()));
        assertEquals(prov.get("layers"), back.provenance().get("layers"));
    }

    @Test
    void withoutScaleTheModelTakesTheTrainingScale() {
        CaffeImporter.Imported imp = convert(weights(), DEPLOY, CaffeImporter.Options.defaults());
        Model m = imp.model();
        assertEquals(255.0 / 256, m.input().high());
        assertArrayEquals(CONV_W, floats(((Conv2d) m.layers().get(0)).weight()));
        assertTrue(imp.notes().get(0).contains("trained on inputs × 0.00390625"), imp.notes().toString());
        assertEquals(null, m.provenance().get("input_scale_folded_into"));
        // an explicit range wins
        m = convert(weights(), DEPLOY, new CaffeImporter.Options("x", S, new double[] {-1, 2}, null)).model();
        assertEquals("x", m.name());
        assertEquals(-1, m.input().low());
        assertEquals(2, m.input().high());
    }

    @Test
    void caffemodelAloneWithAGivenInputShape() {
        CaffeImporter.Imported imp = convert(weights(), null, new CaffeImporter.Options(null, S, null,
                new long[] {1, 6, 6}));
        Model m = imp.model();
        assertEquals("Tiny", m.name());
        assertEquals(List.of("mnist (Data)", "loss (SoftmaxWithLoss)"), imp.dropped());
        assertArrayEquals(scaled(CONV_W, S), floats(((Conv2d) m.layers().get(0)).weight()));
        assertArrayEquals(IP2_W, floats(m.head().weight()));
        assertEquals(255, m.input().high());
    }

    @Test
    void lrnAndGlobalPooling() {
        String text = DEPLOY.replace("layer { name: \"ip1\"", "layer { name: \"norm\" type: \"LRN\" bottom: \"pool1\" "
                + "top: \"pool1\" lrn_param { local_size: 3 alpha: 1e-4 beta: 0.75 k: 2 } }\nlayer { name: \"ip1\"");
        Model m = convert(weights(), text, CaffeImporter.Options.defaults()).model();
        assertEquals(new Lrn(2, 3, 1e-4f, 0.75f, true), m.layers().get(2));
        // global pooling over the 4×4 conv output, then an InnerProduct reading 2 values: the weights do not fit
        ModelException e = fails(DEPLOY.replace("kernel_size: 2 stride: 2", "global_pooling: true"));
        assertContains("layer 'ip1' (InnerProduct): weight blob has shape [3, 8], expected [3, 2]", e);
        // the input scale cannot cross an LRN in front of the first weighted layer
        text = DEPLOY.replace("layer { name: \"conv1\"", "layer { name: \"n0\" type: \"LRN\" bottom: \"data\" "
                + "top: \"data\" lrn_param { local_size: 1 } }\nlayer { name: \"conv1\"");
        assertContains("layer 'n0' (LRN): the input scale cannot be folded across LRN",
                fails(weights(), text, new CaffeImporter.Options(null, S, null, null)));
    }

    @Test
    void batchNormWithScaleIsFoldedAsCaffeComputesIt() {
        // input [3] → BatchNorm (blobs mean·f, var·f, f = 4) + Scale (γ, β) → ip1 + ReLU → ip2
        float[] mean = {0.4f, -0.8f, 1.2f}, var = {2f, 0.5f, 1f}, gamma = {1.5f, -0.5f, 2f}, beta = {0.1f, 0.2f, -0.3f};
        ProtoWriter bn = layer("bn", "BatchNorm", "x", "x").message(7, blob(mean, 3)).message(7, blob(var, 3))
                .message(7, blob(new float[] {4f}, 1)).message(139, new ProtoWriter().floatField(3, 1e-3f));
        ProtoWriter sc = layer("sc", "Scale", "x", "x").message(7, blob(gamma, 3)).message(7, blob(beta, 3))
                .message(142, new ProtoWriter().varint(4, 1));
        ProtoWriter ip1 = layer("ip1", "InnerProduct", "x", "h").message(7, blob(values(6, 0), 2, 3))
                .message(7, blob(values(2, 1), 2)).message(117, ipParam(2));
        ProtoWriter relu = layer("r", "ReLU", "h", "h");
        ProtoWriter ip2 = layer("ip2", "InnerProduct", "h", "y").message(7, blob(values(4, 2), 2, 2))
                .message(7, blob(values(2, 3), 2)).message(117, ipParam(2));
        CaffeNet net = CaffeModelReader.parse(new ProtoWriter().string(3, "x")
                .message(8, new ProtoWriter().packedVarints(1, 1, 3)).message(100, bn).message(100, sc)
                .message(100, ip1).message(100, relu).message(100, ip2).toByteArray());
        CaffeImporter.Imported imp = convert(net, null, new CaffeImporter.Options(null, 1, new double[] {0, 1}, null));
        BatchNorm b = (BatchNorm) imp.model().layers().get(0);
        assertArrayEquals(new float[] {0.1f, -0.2f, 0.3f}, floats(b.mean()));
        assertArrayEquals(new float[] {0.5f, 0.125f, 0.25f}, floats(b.variance()));
        assertArrayEquals(gamma, floats(b.gamma()));
        assertArrayEquals(beta, floats(b.beta()));
        assertEquals(1e-3f, (float) b.epsilon());
        assertEquals("bn + sc", imp.steps().get(0).from());

        // with an input scale s the statistics absorb it: BN(s·x; E, Var, ε) = BN(x; E/s, Var/s², ε/s²)
        b = (BatchNorm) convert(net, null, new CaffeImporter.Options(null, 0.5, new double[] {0, 1}, null)).model()
                .layers().get(0);
        assertArrayEquals(new float[] {0.2f, -0.4f, 0.6f}, floats(b.mean()), 1e-6f);
        assertArrayEquals(new float[] {2f, 0.5f, 1f}, floats(b.variance()), 1e-6f);
        assertEquals(4e-3, b.epsilon(), 1e-9);
        INDArray x = Nd4j.createFromArray(new float[] {0.3f, -1f, 2f}).reshape(1, 3);
        BatchNorm plain = (BatchNorm) imp.model().layers().get(0);
        assertTrue(plain.forward(x.mul(0.5)).equalsWithEps(b.forward(x), 1e-5));
    }

    // ---------------------------------------------------------------- an MLP (no cnn layers)

    /** ip1 (4→3, transposed, legacy 4-D blobs) + TanH → ip2 (3→2, no bias); net-level input [1, 4]. */
    static CaffeNet mlpWeights() {
        ProtoWriter ip1 = layer("ip1", "InnerProduct", "x", "h")
                .message(7, new ProtoWriter().varint(1, 1).varint(2, 1).varint(3, 4).varint(4, 3)
                        .packedFloats(5, values(12, 0)))
                .message(7, new ProtoWriter().varint(1, 1).varint(2, 1).varint(3, 1).varint(4, 3)
                        .packedFloats(5, values(3, 1)))
                .message(117, new ProtoWriter().varint(1, 3).varint(6, 1));
        ProtoWriter tanh = layer("t", "TanH", "h", "h2");
        ProtoWriter drop = layer("drop", "Dropout", "h2", "h3");
        ProtoWriter ip2 = layer("ip2", "InnerProduct", "h3", "y").message(7, blob(values(6, 2), 2, 3))
                .message(117, new ProtoWriter().varint(1, 2).varint(2, 0));
        return CaffeModelReader.parse(new ProtoWriter().string(1, "mlp").string(3, "x")
                .packedVarints(4, 1, 4, 1, 1).message(100, ip1).message(100, tanh).message(100, drop)
                .message(100, ip2).toByteArray());
    }

    @Test
    void mlpFromTheCaffemodelAlone() {
        CaffeNet w = mlpWeights();
        // input_dim 1,4,1,1: one sample is [4, 1, 1]; the InnerProduct flattens it
        CaffeImporter.Imported imp = convert(w, null, new CaffeImporter.Options(null, 0.5, new double[] {-1, 1},
                new long[] {4}));
        Model m = imp.model();
        assertEquals("mlp", m.name());
        assertArrayEquals(new long[] {4}, m.input().shape());
        assertEquals(-1, m.input().low());
        assertEquals(1, m.input().high());
        assertEquals(1, m.layers().size());
        DenseLayer d = (DenseLayer) m.layers().get(0);
        assertEquals(Activation.TANH, d.activation());
        // transpose: Caffe's blob is [K=4, N=3]; the model's weight is [N, K], times the input scale
        float[] t = values(12, 0);
        float[] expected = new float[12];
        for (int n = 0; n < 3; n++) {
            for (int k = 0; k < 4; k++) {
                expected[n * 4 + k] = (float) (t[k * 3 + n] * 0.5);
            }
        }
        assertArrayEquals(new long[] {3, 4}, d.weight().shape());
        assertArrayEquals(expected, floats(d.weight()));
        assertArrayEquals(values(3, 1), floats(d.bias()));
        assertArrayEquals(values(6, 2), floats(m.head().weight()));
        assertArrayEquals(new float[2], floats(m.head().bias()));
        assertEquals(List.of("0", "1"), m.classNames());
        assertEquals(List.of("drop (Dropout)"), imp.dropped());
        assertEquals("caffemodel", m.provenance().get("architecture"));
        assertEquals("ip1", m.provenance().get("input_scale_folded_into"));
        assertEquals(0.5, m.provenance().get("input_scale"));

        // without the shape option the net-level input_dim gives [4, 1, 1], which the InnerProduct flattens
        imp = convert(w, null, new CaffeImporter.Options("n", 1, new double[] {0, 1}, null));
        assertArrayEquals(new long[] {4, 1, 1}, imp.model().input().shape());
    }

    @Test
    void mlpDefaultRangeIs255OverTheScaleWithoutTrainingTransform() {
        Model m = convert(mlpWeights(), null, new CaffeImporter.Options(null, 0.5, null, new long[] {4})).model();
        assertEquals(0, m.input().low());
        assertEquals(510, m.input().high());
    }

    // ---------------------------------------------------------------- errors

    @Test
    void missingWeightsNameTheLayer() {
        String text = DEPLOY.replace("name: \"ip2\"", "name: \"ip9\"");
        ModelException e = fails(text);
        assertContains("layer 'ip9' (InnerProduct): the caffemodel has no layer of that name", e);
        assertContains("its layers with weights: conv1, ip1, ip2", e);
    }

    @Test
    void blobShapeMismatchNamesTheLayerAndShapes() {
        ModelException e = fails(DEPLOY.replace("num_output: 3", "num_output: 4"));
        assertContains("layer 'ip1' (InnerProduct): weight blob has shape [3, 8], expected [4, 8]", e);
        e = fails(DEPLOY.replace("kernel_size: 3", "kernel_size: 2"));
        assertContains("layer 'conv1' (Convolution): weight blob has shape [2, 1, 3, 3], expected [2, 1, 2, 2]", e);
        e = fails(DEPLOY.replace("inner_product_param { num_output: 2 }",
                "inner_product_param { num_output: 2 bias_term: false }"));
        assertContains("layer 'ip2' (InnerProduct): expected 1 learned blobs in the caffemodel, found 2", e);
        e = fails(DEPLOY.replace("type: \"InnerProduct\" bottom: \"ip1\"", "type: \"Convolution\" bottom: \"ip1\""));
        assertContains("layer 'ip2' (Convolution): the caffemodel's layer of that name is a InnerProduct", e);
    }

    @Test
    void ceilPoolingIsRejected() {
        // 7×7 input, conv 3 → 5×5, pool 2/2: Caffe gives ceil(3/2) + 1 = 3, floor gives 2
        ModelException e = fails(deploy(7, "2"));
        assertContains("layer 'pool1' (Pooling): Caffe rounds the output size up: input [2, 5, 5], kernel 2, "
                + "stride 2 gives ceil((5 − 2)/2) + 1 = 3 in Caffe", e);
        assertContains("but 2 here", e);
    }

    @Test
    void unsupportedLayersAndParams() {
        assertContains("layer 'conv1' (Convolution): group 2 is not supported",
                fails(DEPLOY.replace("stride: 1 }", "stride: 1 group: 2 }")));
        assertContains("layer 'conv1' (Convolution): dilation [2] is not supported",
                fails(DEPLOY.replace("stride: 1 }", "stride: 1 dilation: 2 }")));
        assertContains("layer 'conv1' (Convolution): non-square kernel 3×2 is not supported",
                fails(DEPLOY.replace("kernel_size: 3 stride: 1", "kernel_h: 3 kernel_w: 2 stride: 1")));
        assertContains("layer 'conv1' (Convolution): non-square stride 1×2",
                fails(DEPLOY.replace("kernel_size: 3 stride: 1", "kernel_size: 3 stride_h: 1 stride_w: 2")));
        assertContains("layer 'pool1' (Pooling): pad 1×1 is not supported",
                fails(DEPLOY.replace("stride: 2 }", "stride: 2 pad: 1 }")));
        assertContains("STOCHASTIC pooling is not supported", fails(DEPLOY.replace("pool: MAX", "pool: STOCHASTIC")));
        assertContains("global pooling over a non-square",
                fails(DEPLOY.replace("dim: 6 dim: 6", "dim: 6 dim: 7").replace("kernel_size: 2 stride: 2",
                        "global_pooling: true")));
        assertContains("layer 'relu1' (ReLU): leaky ReLU (negative_slope 0.1) is not supported",
                fails(DEPLOY.replace("top: \"conv1\" }", "top: \"conv1\" relu_param { negative_slope: 0.1 } }")));
        assertContains("layer 'sig' (Sigmoid): an activation is supported only right after a Convolution (ReLU) "
                + "or an InnerProduct; it follows pool1", fails(DEPLOY.replace("layer { name: \"ip1\"",
                "layer { name: \"sig\" type: \"Sigmoid\" bottom: \"pool1\" top: \"pool1\" }\nlayer { name: \"ip1\"")));
        assertContains("layer 'n' (LRN): WITHIN_CHANNEL is not supported", fails(DEPLOY.replace(
                "layer { name: \"ip1\"", "layer { name: \"n\" type: \"LRN\" bottom: \"pool1\" top: \"pool1\" "
                        + "lrn_param { norm_region: WITHIN_CHANNEL } }\nlayer { name: \"ip1\"")));
        assertContains("local_size 4 is even", fails(DEPLOY.replace("layer { name: \"ip1\"",
                "layer { name: \"n\" type: \"LRN\" bottom: \"pool1\" top: \"pool1\" lrn_param { local_size: 4 } }\n"
                        + "layer { name: \"ip1\"")));
        assertContains("layer 'e' (Eltwise): layer type 'Eltwise' is not supported", fails(DEPLOY.replace(
                "layer { name: \"ip1\"", "layer { name: \"e\" type: \"Eltwise\" bottom: \"pool1\" top: \"pool1\" }\n"
                        + "layer { name: \"ip1\"")));
        assertContains("layer 's' (Scale): Scale is supported only right after a BatchNorm", fails(DEPLOY.replace(
                "layer { name: \"ip1\"", "layer { name: \"s\" type: \"Scale\" bottom: \"pool1\" top: \"pool1\" }\n"
                        + "layer { name: \"ip1\"")));
    }

    @Test
    void innerProductWithoutActivationMustBeLast() {
        ModelException e = fails(DEPLOY.replace("layer { name: \"relu2\" type: \"ReLU\" bottom: \"ip1\" top: \"ip1\" }",
                ""));
        assertContains("layer 'ip1' (InnerProduct): has no activation after it but is not the last layer "
                + "(layer 'ip2' (InnerProduct) follows)", e);
        e = fails(DEPLOY.replace("layer { name: \"prob\"",
                "layer { name: \"relu3\" type: \"ReLU\" bottom: \"ip2\" top: \"ip2\" }\nlayer { name: \"prob\""));
        assertContains("the net must end in an InnerProduct without activation", e);
        assertContains("it ends with ip2 + relu3", e);
    }

    @Test
    void chainsOnly() {
        ModelException e = fails(DEPLOY.replace("bottom: \"pool1\" top: \"ip1\"", "bottom: \"conv1\" top: \"ip1\""));
        assertContains("layer 'ip1' (InnerProduct): reads [conv1] and writes [ip1]; only a chain", e);
        assertContains("(here 'pool1')", e);
    }

    @Test
    void inputShapeIsNeededWhenTheNetDoesNotStateIt() {
        ModelException e = fails(weights(), null, CaffeImporter.Options.defaults());
        assertContains("the input shape is not known: the net's input is layer 'mnist' (Data)", e);
    }

    @Test
    void optionsAreValidated() {
        assertContains("input scale must be a finite number > 0", assertThrows(ModelException.class,
                () -> new CaffeImporter.Options(null, 0, null, null)));
        assertContains("input range must be finite [low, high] with low < high", assertThrows(ModelException.class,
                () -> new CaffeImporter.Options(null, 1, new double[] {1, 1}, null)));
    }

    @Test
    void malformedCaffemodelNamesFileAndOffset(@TempDir Path dir) throws Exception {
        byte[] full = trainingNet().toByteArray();
        Path weights = dir.resolve("bad.caffemodel");
        Files.write(weights, java.util.Arrays.copyOf(full, full.length - 5));
        Path prototxt = dir.resolve("deploy.prototxt");
        Files.writeString(prototxt, DEPLOY);
        ModelException e = assertThrows(ModelException.class,
                () -> CaffeImporter.importFiles(weights, prototxt, CaffeImporter.Options.defaults()));
        CaffeFormatException cause = assertInstanceOf(CaffeFormatException.class, e.getCause());
        assertTrue(cause.offset() > 0 && cause.offset() < full.length, e.getMessage());
        assertTrue(e.getMessage().startsWith(weights.toString() + ": "), e.getMessage());
        assertContains("(at byte " + cause.offset() + ")", e);

        Files.write(weights, full);
        Files.writeString(prototxt, DEPLOY.replace("kernel_size: 3", "kernel_size: three"));
        PrototxtException p = assertThrows(PrototxtException.class,
                () -> CaffeImporter.importFiles(weights, prototxt, CaffeImporter.Options.defaults()));
        assertEquals(prototxt.toString(), p.source());
        assertEquals(4, p.line());
    }
}

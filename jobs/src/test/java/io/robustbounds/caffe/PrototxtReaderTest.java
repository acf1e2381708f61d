package io.robustbounds.caffe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.caffe.TextFormat.Field;
import io.robustbounds.caffe.TextFormat.Message;
import io.robustbounds.caffe.TextFormat.Scalar;
import io.robustbounds.model.ModelException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrototxtReaderTest {

    /** A deploy net in the style of Caffe's examples, with every syntax variant the text format allows. */
    static final String NET = """
            # LeNet-like, deploy
            name: "Tiny" ;
            layer {
              name: "data"  type: "Input"  top: "data"
              input_param { shape: { dim: 64 dim: 1 dim: 8 dim: 8 } }   # batch first
            }
            layer <
              name: 'conv1', type: "Convo" "lution"
              bottom: "data" top: "conv1"
              param { lr_mult: 1 } param { lr_mult: 2 }
              convolution_param {
                num_output: 0x2 kernel_size: [3] stride: 1 pad: 0
                weight_filler { type: "xavier" std: 1e-2 }
              }
            >
            layer { name: "relu0" type: "ReLU" bottom: "conv1" top: "conv1" relu_param { negative_slope: 0 } }
            layer { name: "pool1" type: "Pooling" bottom: "conv1" top: "pool1"
                    pooling_param { pool: AVE kernel_size: 2 stride: 2 } }
            layer { name: "norm1" type: "LRN" bottom: "pool1" top: "norm1"
                    lrn_param { local_size: 3 alpha: 5.0e-05 beta: .75 norm_region: ACROSS_CHANNELS k: 2f } }
            layer { name: "ip1" type: "InnerProduct" bottom: "norm1" top: "ip1"
                    inner_product_param { num_output: 4 bias_term: false transpose: true axis: -1 } }
            layer { name: "bn" type: "BatchNorm" bottom: "ip1" top: "ip1" batch_norm_param { eps: 1e-3 } }
            layer { name: "sc" type: "Scale" bottom: "ip1" top: "ip1" scale_param { bias_term: true } }
            layer { name: "prob" type: "Softmax" bottom: "ip1" top: "prob" }
            """;

    @Test
    void parsesADeployNet() {
        CaffeNet net = PrototxtReader.parse(NET, "tiny.prototxt");
        assertEquals("Tiny", net.name());
        assertEquals(List.of("data", "conv1", "relu0", "pool1", "norm1", "ip1", "bn", "sc", "prob"),
                net.layers().stream().map(CaffeLayer::name).toList());
        assertEquals(List.of(List.of(64L, 1L, 8L, 8L)), net.layer("data").input().orElseThrow().shapes());

        CaffeLayer conv = net.layer("conv1");
        assertEquals("Convolution", conv.type());
        assertEquals(List.of("data"), conv.bottoms());
        assertEquals(List.of("conv1"), conv.tops());
        assertTrue(conv.blobs().isEmpty());
        ConvolutionParam cp = conv.convolution().orElseThrow();
        assertEquals(2, cp.numOutput());
        assertArrayEquals(new long[] {3, 3}, cp.kernel2d());
        assertArrayEquals(new long[] {1, 1}, cp.stride2d());
        assertArrayEquals(new long[] {0, 0}, cp.pad2d());
        assertTrue(cp.biasTerm());

        assertEquals(new ReluParam(0f), net.layer("relu0").relu().orElseThrow());
        PoolingParam pp = net.layer("pool1").pooling().orElseThrow();
        assertEquals(PoolingParam.PoolMethod.AVE, pp.pool());
        assertEquals(OptionalLong.of(2), pp.kernelSize());
        assertEquals(2, pp.stride());
        assertEquals(new LrnParam(3, 5.0e-5f, 0.75f, LrnParam.NormRegion.ACROSS_CHANNELS, 2f),
                net.layer("norm1").lrn().orElseThrow());
        assertEquals(new InnerProductParam(4, false, -1, true), net.layer("ip1").innerProduct().orElseThrow());
        assertEquals(new BatchNormParam(1e-3f), net.layer("bn").batchNorm().orElseThrow());
        assertEquals(new ScaleParam(1, 1, true), net.layer("sc").scale().orElseThrow());
        assertTrue(net.layer("prob").convolution().isEmpty());
    }

    @Test
    void defaultsAreThoseOfCaffeProto() {
        CaffeNet net = PrototxtReader.parse("""
                layer { name: "p" pooling_param { kernel_size: 3 } }
                layer { name: "n" lrn_param {} }
                layer { name: "c" convolution_param { kernel_h: 3 kernel_w: 5 } }
                layer { name: "i" inner_product_param { num_output: 4 } }
                layer { name: "b" batch_norm_param {} scale_param {} relu_param {} }
                """, "d.prototxt");
        assertEquals("", net.name());
        assertEquals(PoolingParam.PoolMethod.MAX, net.layer("p").pooling().orElseThrow().pool());
        assertEquals(LrnParam.defaults(), net.layer("n").lrn().orElseThrow());
        assertArrayEquals(new long[] {3, 5}, net.layer("c").convolution().orElseThrow().kernel2d());
        assertEquals(1, net.layer("c").convolution().orElseThrow().group());
        assertEquals(InnerProductParam.defaults().biasTerm(), net.layer("i").innerProduct().orElseThrow().biasTerm());
        CaffeLayer b = net.layer("b");
        assertEquals(BatchNormParam.defaults(), b.batchNorm().orElseThrow());
        assertEquals(ScaleParam.defaults(), b.scale().orElseThrow());
        assertEquals(ReluParam.defaults(), b.relu().orElseThrow());
        assertEquals("", b.type());
    }

    @Test
    void netLevelInputs() {
        CaffeNet net = PrototxtReader.parse("input: \"data\"\ninput_shape { dim: 1 dim: 3 dim: 4 dim: 4 }\n",
                "x");
        assertEquals(List.of(new NetInput("data", List.of(1L, 3L, 4L, 4L))), net.inputs());
        net = PrototxtReader.parse("input: \"data\" input_dim: 10 input_dim: 1 input_dim: 28 input_dim: 28", "x");
        assertEquals(List.of(new NetInput("data", List.of(10L, 1L, 28L, 28L))), net.inputs());
        PrototxtException e = fails("input: \"data\" input_dim: 10 input_dim: 1");
        assertEquals(1, e.line());
        assertTrue(e.getMessage().contains("2 input_dim for 1 input"), e.getMessage());
    }

    @Test
    void genericTreeKeepsRepeatedFieldsNestingAndPositions() {
        Message m = TextFormat.parse("""
                a: 1 a: [2, 3]   # a comment with { and "
                b { c { d: "x\\ty\\"z\\101" } c: < d: 'q' > }
                e: -inf f: NAN g: +1.5e-3
                """, "t");
        List<Field> fs = m.fields();
        assertEquals(List.of("a", "a", "a", "b", "e", "f", "g"), fs.stream().map(Field::name).toList());
        assertEquals(List.of("1", "2", "3"), fs.subList(0, 3).stream().map(f -> ((Scalar) f.value()).text()).toList());
        Scalar three = (Scalar) fs.get(2).value();
        assertEquals(1, three.line());
        assertEquals(13, three.column());
        Message b = (Message) fs.get(3).value();
        assertEquals(2, b.fields().size());
        Message c0 = (Message) b.fields().get(0).value();
        assertEquals("x\ty\"zA", ((Scalar) c0.fields().get(0).value()).text());
        Field c1 = b.fields().get(1);
        assertEquals(2, c1.line());
        assertEquals(28, c1.column());
        assertEquals("-inf", ((Scalar) fs.get(4).value()).text());
        assertEquals("+1.5e-3", ((Scalar) fs.get(6).value()).text());
        assertEquals(3, fs.get(6).line());
    }

    private static PrototxtException fails(String text) {
        return assertThrows(PrototxtException.class, () -> PrototxtReader.parse(text, "bad.prototxt"));
    }

    private static void failsAt(String text, int line, int column, String detail) {
        PrototxtException e = fails(text);
        assertEquals("bad.prototxt", e.source());
        assertTrue(e.getMessage().startsWith("bad.prototxt:" + line + ":" + column + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(detail), e.getMessage());
        assertEquals(line, e.line());
        assertEquals(column, e.column());
    }

    @Test
    void syntaxErrorsNameLineAndColumn() {
        failsAt("layer {\n  name: \"a\"\n", 1, 7, "not closed");
        failsAt("layer {\n  name \"a\"\n}", 2, 8, "expected ':' or '{' after field name 'name'");
        failsAt("layer { name: }", 1, 15, "expected a value for 'name'");
        failsAt("}", 1, 1, "expected a field name, got '}'");
        failsAt("name: \"abc", 1, 7, "string is not closed");
        failsAt("a: [1, 2 3]", 1, 10, "expected ',' or ']'");
        failsAt("a: 1 @", 1, 6, "unexpected character '@'");
        failsAt("a: \"\\q\"", 1, 5, "unknown escape");
        failsAt("a: -", 1, 4, "expected a number");
    }

    @Test
    void typeErrorsNameLineAndColumn() {
        failsAt("layer {\n name: \"c\"\n convolution_param { kernel_size: \"3\" } }", 3, 35,
                "kernel_size: expected an integer, got \"3\"");
        failsAt("layer { convolution_param { stride: -1 } }", 1, 37, "stride: must be ≥ 0");
        failsAt("layer { pooling_param { pool: MEDIAN } }", 1, 31, "pool: unknown value MEDIAN (known: [MAX, AVE, STOCHASTIC])");
        failsAt("layer { lrn_param { alpha: abc } }", 1, 28, "alpha: expected a number");
        failsAt("layer { inner_product_param { bias_term: yes } }", 1, 42, "expected true or false");
        failsAt("layer { name: x }", 1, 15, "name: expected a quoted string, got x");
        failsAt("layer: 3", 1, 8, "layer: expected a message");
        failsAt("layer { pooling_param: 2 }", 1, 24, "expected a message");
        failsAt("layer { name: \"a\"\n  name: \"b\" }", 2, 9, "name: given more than once (first at line 1, column 9)");
        failsAt("\n\nlayers { name: \"old\" }", 3, 1, "legacy V1 'layers'");
        failsAt("layer { convolution_param { num_output: 3.5 } }", 1, 41, "expected an integer");
        // an enum may be given by number, as protobuf allows
        assertEquals(PoolingParam.PoolMethod.AVE, PrototxtReader.parse("layer { pooling_param { pool: 1 } }", "x")
                .layers().get(0).pooling().orElseThrow().pool());
    }

    @Test
    void readNamesTheFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("net.prototxt");
        Files.writeString(f, "name: \"n\"\nlayer { name: 3 }\n", StandardCharsets.UTF_8);
        PrototxtException e = assertThrows(PrototxtException.class, () -> PrototxtReader.read(f));
        assertTrue(e.getMessage().startsWith(f + ":2:15: name: expected a quoted string"), e.getMessage());
        Files.write(f, new byte[] {(byte) 0xC3, 0x28});
        ModelException m = assertThrows(ModelException.class, () -> PrototxtReader.read(f));
        assertTrue(m.getMessage().contains("not valid UTF-8"), m.getMessage());
        Files.writeString(f, NET);
        assertEquals(9, PrototxtReader.read(f).layers().size());
    }
}
